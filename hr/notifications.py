"""E-mails: invitation, sent in for approval, a week approved or rejected. Sent after the transaction
commits."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from hr.models import Employee, HourEntry, Role
from hr.weeks import iso_label, monday_of


def password_link(employee: Employee) -> str:
    assert employee.user is not None
    uid = urlsafe_base64_encode(force_bytes(employee.user.pk))
    token = default_token_generator.make_token(employee.user)
    site_url: str = settings.SITE_URL
    return site_url.rstrip("/") + reverse("password_set", kwargs={"uidb64": uid, "token": token})


def invitation_send(*, employee_id: int) -> None:
    invitations_send(employee_ids=[employee_id])


def invitations_send(*, employee_ids: list[int]) -> None:
    """Invite people to set their password: one message each, sent over one connection."""
    employees = Employee.objects.select_related("company", "user").filter(
        id__in=employee_ids, user__isnull=False
    )
    messages = []
    for employee in employees:
        context = {"employee": employee, "link": password_link(employee), "company": employee.company}
        subject = render_to_string("hr/email/invitation_subject.txt", context).strip()
        messages.append(
            (subject, render_to_string("hr/email/invitation.txt", context), None, [employee.email])
        )
    send_mass_mail(messages)


def submitted_send(*, entry_ids: list[int]) -> None:
    """Tell the department's managers and the administrators that hours wait for approval."""
    entries = list(HourEntry.objects.filter(id__in=entry_ids).select_related("employee", "company"))
    if not entries:
        return
    employee = entries[0].employee
    recipients = (
        Employee.objects.filter(company=employee.company, is_active=True)
        .filter(Q(role=Role.ADMINISTRATOR) | Q(role=Role.MANAGER, managed_departments=employee.department_id))
        .exclude(id=employee.id)
        .distinct()
    )
    context = {
        "employee": employee,
        "entries": entries,
        "total": sum(e.hours for e in entries),
        "link": settings.SITE_URL.rstrip("/") + reverse("hr:approval"),
    }
    subject = render_to_string("hr/email/submitted_subject.txt", context).strip()
    body = render_to_string("hr/email/submitted.txt", context)
    send_mass_mail([(subject, body, None, [r.email]) for r in recipients])


def _by_person_week(entries: list[HourEntry]) -> dict[tuple[int, datetime.date], list[HourEntry]]:
    weeks: dict[tuple[int, datetime.date], list[HourEntry]] = defaultdict(list)
    for entry in entries:
        weeks[(entry.employee_id, monday_of(entry.date))].append(entry)
    return weeks


def _decision_send(*, entry_ids: list[int], template: str) -> None:
    """One e-mail per person and week decided on, not one per entry. People have no language of
    their own in the product, so it is written in the company's (the default), whatever language
    the person deciding used."""
    entries = list(
        HourEntry.objects.filter(id__in=entry_ids)
        .select_related("employee", "project", "wage_type", "decided_by")
        .order_by("date", "id")
    )
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for (_employee_id, monday), own in _by_person_week(entries).items():
            employee = own[0].employee
            year, week = iso_label(monday)
            context = {
                "employee": employee,
                "entries": own,
                "week": week,
                "year": year,
                "monday": monday,
                "sunday": monday + datetime.timedelta(days=6),
                "total": sum((e.hours for e in own), Decimal("0")),
                "decided_by": own[0].decided_by,
                "reasons": list(dict.fromkeys(e.rejection_reason for e in own if e.rejection_reason)),
                "link": settings.SITE_URL.rstrip("/")
                + reverse("hr:week")
                + "?"
                + urlencode({"year": year, "week": week}),
            }
            subject = render_to_string(f"hr/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"hr/email/{template}.txt", context)
            messages.append((subject, body, None, [employee.email]))
    send_mass_mail(messages)


def approved_send(*, entry_ids: list[int]) -> None:
    """Tell the employee their week is approved: one e-mail per person and week."""
    _decision_send(entry_ids=entry_ids, template="approved")


def rejected_send(*, entry_ids: list[int]) -> None:
    """Tell the employee their week is rejected, with the reason: one e-mail per person and week."""
    _decision_send(entry_ids=entry_ids, template="rejected")
