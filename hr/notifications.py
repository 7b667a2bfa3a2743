"""E-mails: invitation, sent in for approval, rejected. Sent after the transaction commits."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hr.models import Employee, HourEntry, Role


def password_link(employee: Employee) -> str:
    assert employee.user is not None
    uid = urlsafe_base64_encode(force_bytes(employee.user.pk))
    token = default_token_generator.make_token(employee.user)
    return settings.SITE_URL.rstrip("/") + reverse("password_set", kwargs={"uidb64": uid, "token": token})


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


def rejected_send(*, entry_ids: list[int]) -> None:
    entries = HourEntry.objects.filter(id__in=entry_ids).select_related("employee", "project", "decided_by")
    by_employee: dict[Employee, list[HourEntry]] = defaultdict(list)
    for entry in entries:
        by_employee[entry.employee].append(entry)
    messages = []
    for employee, own in by_employee.items():
        context = {
            "employee": employee,
            "entries": own,
            "link": settings.SITE_URL.rstrip("/") + reverse("hr:home"),
        }
        subject = render_to_string("hr/email/rejected_subject.txt", context).strip()
        messages.append((subject, render_to_string("hr/email/rejected.txt", context), None, [employee.email]))
    send_mass_mail(messages)
