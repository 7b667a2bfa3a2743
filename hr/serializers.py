"""API input and output shapes. Parsing only: the services decide, check and save.

Hours are passed through untouched (``HoursField``) so "7,5", "7.5" and 7.5 are parsed by
``services.hours_parse`` and every bad value gets the same Norwegian message as on the pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hr.models import EntryStatus
from hr.weeks import iso_label, monday_from_iso, monday_of, today_local

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DATE_INVALID = _("Skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-11-24.")
FIELD_REQUIRED = _("Dette feltet må fylles ut.")
ID_INVALID = _("Oppgi en gyldig id.")
WEEK_INVALID = _("Uken finnes ikke: oppgi år og ukenummer (1–53), eller en dato.")
WEEK_INCOMPLETE = _("Oppgi både år og uke, eller en dato.")
ENTRIES_REQUIRED = _("Velg minst én timeføring.")
ENTRIES_TOO_MANY = _("Du kan behandle høyst {max_length} timeføringer om gangen.")
STATUS_INVALID = _("Ukjent status.")
TEXT_TOO_LONG = _("Teksten kan ha høyst 500 tegn.")
CREDENTIALS_INVALID = _("Feil e-post eller passord.")
TOKEN_NAME_TOO_LONG = _("Navnet kan ha høyst 100 tegn.")

MAX_ENTRIES_PER_DECISION = 1000
MAX_ID = 2**63 - 1

_DATE_ERRORS: dict[str, str | StrPromise] = {
    "invalid": DATE_INVALID,
    "required": FIELD_REQUIRED,
    "null": FIELD_REQUIRED,
}
_ID_ERRORS: dict[str, str | StrPromise] = {
    "invalid": ID_INVALID,
    "required": FIELD_REQUIRED,
    "null": FIELD_REQUIRED,
    "min_value": ID_INVALID,
    "max_value": ID_INVALID,
    "max_string_length": ID_INVALID,
}


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    # The upper bound keeps an absurd id from overflowing the database's integer in an «IN (…)».
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, error_messages=_ID_ERRORS, **kwargs)


# --- input -----------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "example": "7,5"}, {"type": "number", "example": 7.5}],
        "description": _("Antall timer, med komma eller punktum og høyst to desimaler (7,5 eller 7.5)."),
    }
)
class HoursField(serializers.Field):
    """The raw value; services.hours_parse turns it into Decimal or a Norwegian error."""

    default_error_messages = {"required": FIELD_REQUIRED, "null": FIELD_REQUIRED}

    def to_internal_value(self, data: object) -> object:
        return data

    def to_representation(self, value: object) -> object:
        return value


class WeekInputSerializer(serializers.Serializer):
    """An ISO week as ``year`` + ``week``, or any ``date`` in it; neither means this week."""

    year = serializers.IntegerField(required=False, error_messages={"invalid": WEEK_INVALID})
    week = serializers.IntegerField(required=False, error_messages={"invalid": WEEK_INVALID})
    date = serializers.DateField(required=False, error_messages=_DATE_ERRORS)
    employee = _id_field(
        required=False,
        help_text=_("Ansatt-id når en leder eller administrator handler for en annen. Standard: deg selv."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        year, week, date = attrs.get("year"), attrs.get("week"), attrs.get("date")
        if date is not None:
            attrs["monday"] = monday_of(date)
        elif year is None and week is None:
            attrs["monday"] = monday_of(today_local())
        elif year is None or week is None:
            raise serializers.ValidationError({"week": [WEEK_INCOMPLETE]})
        else:
            try:
                attrs["monday"] = monday_from_iso(year, week)
            except ValueError:
                raise serializers.ValidationError({"week": [WEEK_INVALID]}) from None
        return attrs


class WeekQuerySerializer(WeekInputSerializer):
    status = serializers.ChoiceField(
        choices=EntryStatus.choices, required=False, error_messages={"invalid_choice": STATUS_INVALID}
    )


class EntryInputSerializer(serializers.Serializer):
    date = serializers.DateField(error_messages=_DATE_ERRORS)
    project = _id_field(help_text=_("Prosjekt-id (se projects/)."))
    wage_type = _id_field(help_text=_("Lønnsart-id (se wage-types/)."))
    hours = HoursField()
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        error_messages={"max_length": TEXT_TOO_LONG},
    )


class EntryCreateSerializer(EntryInputSerializer):
    employee = _id_field(
        required=False,
        help_text=_("Ansatt-id når en leder eller administrator fører for en annen. Standard: deg selv."),
    )


class EntryIdsSerializer(serializers.Serializer):
    entries = serializers.ListField(
        child=_id_field(),
        min_length=1,
        max_length=MAX_ENTRIES_PER_DECISION,
        error_messages={
            "min_length": ENTRIES_REQUIRED,
            "empty": ENTRIES_REQUIRED,
            "required": ENTRIES_REQUIRED,
            "max_length": ENTRIES_TOO_MANY,
            "not_a_list": ENTRIES_REQUIRED,
        },
        help_text=_("Id-ene til timeføringene."),
    )


class RejectInputSerializer(EntryIdsSerializer):
    # Blank is let through on purpose: the service refuses it with its own message.
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        error_messages={"max_length": TEXT_TOO_LONG},
    )


class ApprovalQuerySerializer(serializers.Serializer):
    employee = _id_field(required=False, help_text=_("Vis bare denne ansattes timer."))


class TokenObtainSerializer(serializers.Serializer):
    """E-mail and password, checked by Django's authentication backends as DRF's own serializer does."""

    email = serializers.EmailField(
        error_messages={"required": FIELD_REQUIRED, "invalid": CREDENTIALS_INVALID}
    )
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, error_messages={"required": FIELD_REQUIRED}
    )
    name = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_("Et navn som forteller hvor nøkkelen brukes, for eksempel «Lønnsskript»."),
        error_messages={"max_length": TOKEN_NAME_TOO_LONG},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        # Django's own request, not DRF's wrapper: the login lockout (django-axes) marks it, and its
        # middleware then answers with the lockout explanation.
        http_request = getattr(request, "_request", request)
        user = authenticate(http_request, email=attrs["email"].lower(), password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(CREDENTIALS_INVALID, code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Nøkkelen. Den vises bare nå."))
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


# --- output ----------------------------------------------------------------------------------


class EmployeeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    employee_number = serializers.CharField()
    department = serializers.CharField(source="department.name", default=None)


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()


class WageTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    is_builtin = serializers.BooleanField()


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee = serializers.IntegerField(source="employee_id")
    date = serializers.DateField()
    project = ProjectSerializer()
    wage_type = WageTypeSerializer()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    comment = serializers.CharField()
    status = serializers.ChoiceField(choices=EntryStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    is_editable = serializers.BooleanField()
    submitted_by = serializers.IntegerField(source="submitted_by_id", allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()


class EntryListSerializer(serializers.Serializer):
    entries = EntrySerializer(many=True)


class _WeekLabelMixin(serializers.Serializer):
    year = serializers.SerializerMethodField()
    week = serializers.SerializerMethodField()
    monday = serializers.DateField()

    def get_year(self, obj: Any) -> int:
        return iso_label(obj.monday)[0]

    def get_week(self, obj: Any) -> int:
        return iso_label(obj.monday)[1]


class WeekSerializer(_WeekLabelMixin):
    employee = EmployeeBriefSerializer()
    days = serializers.ListField(child=serializers.DateField())
    day_totals = serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=2))
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    status_counts = serializers.DictField(child=serializers.IntegerField())
    entries = EntrySerializer(many=True)


class ApprovalGroupSerializer(_WeekLabelMixin):
    key = serializers.CharField()
    employee = EmployeeBriefSerializer()
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    entries = EntrySerializer(many=True)


class ApprovalQueueSerializer(serializers.Serializer):
    groups = ApprovalGroupSerializer(many=True)
