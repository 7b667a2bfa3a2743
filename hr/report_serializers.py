"""The API's «Rapporter» export: its query and its JSON rows (the view is hr.api.ReportHoursView)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hr import reports
from hr.models import EntryStatus
from hr.serializers import BoundedDateField

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

REPORT_FORMATS = ("json", "csv", "xlsx")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
FORMAT_INVALID = _("Velg json, csv eller xlsx.")
PAGE_INVALID = _("Oppgi et sidetall fra 1 til 1000000.")
PAGE_SIZE_INVALID = _("Oppgi en sidestørrelse fra 1 til 1000.")

_PAGE_ERRORS: dict[str, str | StrPromise] = {
    "invalid": PAGE_INVALID,
    "min_value": PAGE_INVALID,
    "max_value": PAGE_INVALID,
}
_PAGE_SIZE_ERRORS: dict[str, str | StrPromise] = {
    "invalid": PAGE_SIZE_INVALID,
    "min_value": PAGE_SIZE_INVALID,
    "max_value": PAGE_SIZE_INVALID,
}


class ReportQuerySerializer(serializers.Serializer[Any]):
    """?from=…&to=…&format=…&page=…&page_size=… (`from` is a Python keyword: the field is `start`
    in code, renamed in get_fields)."""

    start = BoundedDateField(
        required=False,
        help_text=_("Første dag, ÅÅÅÅ-MM-DD (2000–2099). Standard: første dag i denne måneden."),
    )
    to = BoundedDateField(
        required=False,
        help_text=_(
            "Siste dag, ÅÅÅÅ-MM-DD (2000–2099), ikke før `from` og høyst 366 dager etter. "
            "Standard: siste dag i denne måneden."
        ),
    )
    format = serializers.ChoiceField(
        choices=REPORT_FORMATS,
        required=False,
        default="json",
        error_messages={"invalid_choice": FORMAT_INVALID},
        help_text=_("json (sidevis), csv (UTF-8 med BOM, semikolon, desimalkomma) eller xlsx."),
    )
    page = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages=_PAGE_ERRORS,
        help_text=_("Sidenummer for json, fra 1."),
    )
    page_size = serializers.IntegerField(
        required=False,
        default=DEFAULT_PAGE_SIZE,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        error_messages=_PAGE_SIZE_ERRORS,
        help_text=_("Rader per side for json, 1–1000."),
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("start")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        default = reports.period_default()
        start, end = attrs.pop("from", default.start), attrs.pop("to", default.end)
        try:
            attrs["period"] = reports.period_check(start=start, end=end)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    name: [str(message) for message in messages]
                    for name, messages in error.message_dict.items()
                }
            ) from None
        return attrs


class ReportRowSerializer(serializers.Serializer[Any]):
    employee_number = serializers.CharField()
    employee_name = serializers.CharField()
    project_number = serializers.CharField()
    project_name = serializers.CharField()
    wage_type_number = serializers.CharField()
    wage_type_name = serializers.CharField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    status = serializers.ChoiceField(choices=EntryStatus.choices)
    status_display = serializers.CharField(source="status_label")
    transfer_state = serializers.CharField(
        help_text=_("pending, sent, failed, conflict eller not_sent for godkjente timer; tom ellers.")
    )
    transfer_state_display = serializers.CharField(source="transfer_state_label")


class ReportPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text=_("Rader i hele perioden."))
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReportRowSerializer(many=True)
