"""API input and output shapes. Parsing only: the services decide, check and save.

Hours are passed through untouched (``HoursField``) so "7,5", "7.5" and 7.5 are parsed by
``services.hours_parse`` and every bad value gets the same Norwegian message as on the pages.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from hr.models import MAX_HOURS_PER_DAY, Employee, EntryStatus, HourEntry
from hr.weeks import (
    FIRST_DATE,
    LAST_DATE,
    date_in_range,
    iso_label,
    monday_from_iso,
    monday_from_label,
    monday_of,
    today_local,
    week_label,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DATE_INVALID = _("Skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-11-24.")
DATE_OUT_OF_RANGE = _("Datoen må være mellom 2000-01-01 og 2099-12-31.")
FIELD_REQUIRED = _("Dette feltet må fylles ut.")
ID_INVALID = _("Oppgi en gyldig id.")
WEEK_INVALID = _("Uken finnes ikke: oppgi år og ukenummer (1–53), eller en dato.")
WEEK_INCOMPLETE = _("Oppgi både år og uke, eller en dato.")
ENTRIES_REQUIRED = _("Velg minst én timeføring.")
ENTRIES_TOO_MANY = _("Du kan behandle høyst {max_length} timeføringer om gangen.")
REASON_REQUIRED = _("Skriv en begrunnelse for avvisningen.")
STATUS_INVALID = _("Ukjent status.")
TEXT_TOO_LONG = _("Teksten kan ha høyst 500 tegn.")
CREDENTIALS_INVALID = _("Feil e-post eller passord.")
TEXT_NOT_TEXT = _("Skriv tekst her.")
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


@extend_schema_field({"type": "string", "format": "date", "pattern": r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"})
class BoundedDateField(serializers.DateField):
    """A date within the years the product accepts (hr.weeks.FIRST_DATE … LAST_DATE); the schema
    says so with a pattern, since OpenAPI has no bounds for dates."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", _DATE_ERRORS)
        kwargs.setdefault("help_text", _("ÅÅÅÅ-MM-DD, fra 2000-01-01 til 2099-12-31."))
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> Any:
        date = super().to_internal_value(value)
        if not date_in_range(date):
            raise serializers.ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")
        return date


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    # The upper bound keeps an absurd id from overflowing the database's integer in an «IN (…)».
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, error_messages=_ID_ERRORS, **kwargs)


# --- input -----------------------------------------------------------------------------------


# What an API client may send as hours: the notations people type (7,5 · 7.5 · 7:30 · 7t 30m),
# from a minute up to 24 hours, as a string; or a number from 0.01 to 24, rounded to hundredths.
HOURS_TEXT_PATTERN = (
    r"^(?:(?:[1-9]|1[0-9]|2[0-3])(?:[.,][0-9]{1,2})?|24(?:[.,]00?)?|0?[.,](?:0[1-9]|[1-9][0-9]?)"
    r"|(?:[1-9]|1[0-9]|2[0-3]):[0-5][0-9]|0:(?:0[1-9]|[1-5][0-9])|24:00"
    r"|(?:[1-9]|1[0-9]|2[0-3])[th](?: ?(?:[1-9]|[1-5][0-9])m)?|24[th]|(?:[1-9]|[1-5][0-9])m)$"
)
HOURS_TEXT = re.compile(HOURS_TEXT_PATTERN)
HOURS_MINIMUM = Decimal("0.01")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": HOURS_TEXT_PATTERN, "example": "7,5"},
            {"type": "number", "minimum": 0.01, "maximum": 24, "example": 7.5},
        ],
        "description": _(
            "Antall timer: tekst som 7,5, 7.5, 7:30 eller 7t 30m, eller et tall fra 0,01 til 24 "
            "(rundes til hundredeler)."
        ),
    }
)
class HoursField(serializers.Field[str | Decimal, object, str | Decimal, object]):
    """Hours in one of the documented notations; the services still apply the day's 24 hours."""

    default_error_messages = {"required": FIELD_REQUIRED, "null": FIELD_REQUIRED}

    def to_internal_value(self, data: object) -> str | Decimal:
        from django.core.exceptions import ValidationError as DjangoValidationError

        from hr.services import HOURS_NOT_A_NUMBER, hours_parse

        if isinstance(data, str) and HOURS_TEXT.fullmatch(data):
            return data
        if isinstance(data, int | float) and not isinstance(data, bool):
            hours = Decimal(str(data)).quantize(HOURS_MINIMUM, rounding=ROUND_HALF_UP)
            if HOURS_MINIMUM <= hours <= MAX_HOURS_PER_DAY:
                return hours
        # Outside the documented notations: the person-facing parser says what is wrong, when it can.
        try:
            hours_parse(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None
        raise serializers.ValidationError(HOURS_NOT_A_NUMBER, code="invalid")

    def to_representation(self, value: str | Decimal) -> str | Decimal:
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": HOURS_TEXT_PATTERN.replace("^(?:", "^(?:|", 1), "example": "7:30"},
            {"type": "number", "minimum": 0.01, "maximum": 24, "example": 7.5},
        ],
        "nullable": True,
        "description": _("Som `hours` for en føring; tom tekst eller null tømmer cellen."),
    }
)
class ClearableHoursField(HoursField):
    """A grid cell's hours: also "" or null, which clear the cell."""

    def to_internal_value(self, data: object) -> str | Decimal:
        return "" if data == "" else super().to_internal_value(data)


# Any text but control characters (PostgreSQL cannot store NUL, and nobody types the others).
NO_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT_PATTERN = rf"^[^{NO_CONTROL}]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^{NO_CONTROL}]*[^{NO_CONTROL}\s][^{NO_CONTROL}]*$"


class TextField(serializers.CharField):
    """Free text (a comment, a reason, a name): a JSON string without control characters. The rule
    is a pattern, so the schema states it too."""

    def __init__(self, *, pattern: str = TEXT_PATTERN, **kwargs: Any) -> None:
        from grønnjobb.middleware import CONTROL_CHARACTER_REFUSED

        super().__init__(**kwargs)
        # One message for every control character, NUL included (DRF adds its own for NUL).
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(RegexValidator(pattern, message=CONTROL_CHARACTER_REFUSED))

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(TEXT_NOT_TEXT, code="invalid")
        return str(super().to_internal_value(data))


class WeekNotFound(exceptions.NotFound):
    """A well-formed week that does not exist; its message says why (hr.api_errors keeps it)."""


class WeekInputSerializer(serializers.Serializer[Any]):
    """An ISO week as ``year`` + ``week``, or any ``date`` in it; neither means this week."""

    year = serializers.IntegerField(
        required=False,
        min_value=FIRST_DATE.year,
        max_value=LAST_DATE.year,
        error_messages={"invalid": WEEK_INVALID, "min_value": WEEK_INVALID, "max_value": WEEK_INVALID},
        help_text=_("ISO-år, 2000–2099 (sammen med `week`)."),
    )
    week = serializers.RegexField(
        r"^([1-9]|[1-4][0-9]|5[0-3]|20[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3]))$",
        required=False,
        error_messages={"invalid": WEEK_INVALID},
        help_text=_("Ukenummer 1–53 sammen med `year`, eller hele uken som ÅÅÅÅ-Www (2026-W50)."),
    )
    date = BoundedDateField(required=False)
    employee = _id_field(
        required=False,
        help_text=_("Ansatt-id når en leder eller administrator handler for en annen. Standard: deg selv."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        year, week, date = attrs.get("year"), attrs.get("week"), attrs.get("date")
        # A well-formed week that does not exist (week 53 of most years, a year without a week)
        # is «not found», as the schema cannot say which years have 53 weeks.
        try:
            if date is not None:
                attrs["monday"] = monday_of(date)
            elif week is not None and "W" in week:
                attrs["monday"] = monday_from_label(week)
            elif year is None and week is None:
                attrs["monday"] = monday_of(today_local())
            elif year is None or week is None:
                raise WeekNotFound(WEEK_INCOMPLETE)
            else:
                attrs["monday"] = monday_from_iso(year, int(week))
        except ValueError:
            raise WeekNotFound(WEEK_INVALID) from None
        return attrs


class WeekQuerySerializer(WeekInputSerializer):
    status = serializers.ChoiceField(
        choices=EntryStatus.choices, required=False, error_messages={"invalid_choice": STATUS_INVALID}
    )


class EntryInputSerializer(serializers.Serializer[Any]):
    date = BoundedDateField()
    project = _id_field(help_text=_("Prosjekt-id (se projects/)."))
    wage_type = _id_field(help_text=_("Lønnsart-id (se wage-types/)."))
    hours = HoursField()
    comment = TextField(
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


class EntryIdsSerializer(serializers.Serializer[Any]):
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
    reason = TextField(
        pattern=NON_BLANK_TEXT_PATTERN,
        max_length=500,
        error_messages={"max_length": TEXT_TOO_LONG, "required": REASON_REQUIRED, "blank": REASON_REQUIRED},
        help_text=_("Hvorfor timene avvises. Påkrevd."),
    )


class ApprovalQuerySerializer(serializers.Serializer[Any]):
    employee = _id_field(required=False, help_text=_("Vis bare denne ansattes timer."))


class TokenObtainSerializer(serializers.Serializer[Any]):
    """E-mail and password, checked by Django's authentication backends as DRF's own serializer does."""

    # Any text: an address that is no user's fails like a wrong password (401).
    # Any text without control characters: the schema states the rule (TextField), so a NUL, which
    # PostgreSQL cannot store and nobody types, is a documented 400, not a surprise.
    email = TextField(max_length=254, allow_blank=True, error_messages={"required": FIELD_REQUIRED})
    password = TextField(
        style={"input_type": "password"},
        trim_whitespace=False,
        allow_blank=True,
        error_messages={"required": FIELD_REQUIRED},
    )
    name = TextField(
        required=False,
        allow_blank=True,  # blank: the default name
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
            raise exceptions.AuthenticationFailed(CREDENTIALS_INVALID)
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text=_("Nøkkelen. Den vises bare nå."))
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


# --- output ----------------------------------------------------------------------------------


class EmployeeBriefSerializer(serializers.Serializer[Employee]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    employee_number = serializers.CharField()
    department = serializers.CharField(source="department.name", default=None)


class ProjectSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()


class WageTypeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    is_builtin = serializers.BooleanField()


class TransferStateSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=["pending", "sent", "failed", "conflict", "not_sent"])
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    message = serializers.CharField()
    quoted = serializers.CharField(
        help_text=_("Regnskapssystemets egne ord ved en avvisning, uoversatt; ellers tom."),
    )


class EntrySerializer(serializers.Serializer[HourEntry]):
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
    transfer = TransferStateSerializer(
        allow_null=True,
        default=None,
        help_text=_("Hvor godkjente timer er i regnskapssystemet (Venter, Sendt, Feilet …); null ellers."),
    )


class EntryListSerializer(serializers.Serializer[Any]):
    entries = EntrySerializer(many=True)


class _WeekLabelMixin(serializers.Serializer[Any]):
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


class ApprovalQueueSerializer(serializers.Serializer[Any]):
    groups = ApprovalGroupSerializer(many=True)


# --- the week grid -------------------------------------------------------------------------------

MAX_GRID_ROWS = 100
CELLS_TOO_MANY = _("En rad har høyst sju celler.")
ROWS_TOO_MANY = _("En uke kan ha høyst {max_length} rader.")


class GridCellInputSerializer(serializers.Serializer[Any]):
    date = BoundedDateField()
    hours = ClearableHoursField(allow_null=True)
    comment = TextField(
        required=False,
        allow_blank=True,
        max_length=500,
        error_messages={"max_length": TEXT_TOO_LONG},
        help_text=_("Utelatt: kommentaren står som den er."),
    )


class GridRowInputSerializer(serializers.Serializer[Any]):
    project = _id_field(help_text=_("Prosjekt-id (se projects/)."))
    wage_type = _id_field(help_text=_("Lønnsart-id (se wage-types/)."))
    cells = GridCellInputSerializer(  # type: ignore[call-arg]  # ListSerializer's own argument
        many=True, max_length=7, error_messages={"max_length": CELLS_TOO_MANY}
    )


class WeekGridInputSerializer(serializers.Serializer[Any]):
    employee = _id_field(
        required=False,
        help_text=_("Ansatt-id når en leder eller administrator fører for en annen. Standard: deg selv."),
    )
    # Left out: no rows (PUT then clears the week's editable cells; PATCH changes nothing).
    rows = GridRowInputSerializer(  # type: ignore[call-arg]  # ListSerializer's own argument
        many=True,
        required=False,
        default=list,
        max_length=MAX_GRID_ROWS,
        error_messages={"max_length": ROWS_TOO_MANY},
    )


class WeekGridQuerySerializer(serializers.Serializer[Any]):
    employee = _id_field(
        required=False,
        help_text=_("Ansatt-id når en leder eller administrator ser en annens uke. Standard: deg selv."),
    )


class GridCellSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField()
    entries = serializers.IntegerField(source="entry_count", help_text=_("Antall føringer i cellen."))
    is_editable = serializers.BooleanField()
    status = serializers.CharField(
        allow_blank=True,
        help_text=_("registered, submitted, approved, rejected; mixed ved flere; tom uten timer."),
    )
    rejection_reason = serializers.CharField(allow_blank=True)
    transfer = TransferStateSerializer(allow_null=True)


class GridRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    project = ProjectSerializer()
    wage_type = WageTypeSerializer()
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    cells = GridCellSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class WeekGridSerializer(_WeekLabelMixin):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field, not Field.label
    employee = EmployeeBriefSerializer()
    days = serializers.ListField(child=serializers.DateField())
    rows = GridRowSerializer(many=True)
    day_totals = serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=2))
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    normal_week = serializers.DecimalField(max_digits=5, decimal_places=2)
    difference = serializers.DecimalField(max_digits=6, decimal_places=2)

    def get_label(self, obj: Any) -> str:
        return week_label(obj.monday)


class GridCellErrorSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField()
    wage_type = serializers.IntegerField()
    date = serializers.DateField()
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]  # a field


class WeekGridErrorSerializer(serializers.Serializer[Any]):
    cells = GridCellErrorSerializer(many=True)
    non_field_errors = serializers.ListField(child=serializers.CharField())
