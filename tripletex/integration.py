"""Tripletex as hr's payroll integration (hr.integration): the settings panel now; the checks
before approval and the transfer after it come with the transfer itself."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest
from django.template.loader import render_to_string

from hr.models import Company, Employee, HourEntry
from tripletex import selectors


class TripletexIntegration:
    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        return {}

    def entries_approved(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        return None

    def entries_reopened(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        return None

    def settings_panel(self, *, request: HttpRequest, actor: Employee) -> str:
        if not actor.is_administrator:
            return ""
        context = {
            "connection": selectors.connection_for(company=actor.company),
            "run": selectors.wizard_for(company=actor.company),
        }
        return render_to_string("tripletex/card.html", context, request=request)
