"""Weekly reminders: employees who have not sent in the week, and managers with weeks to approve.

Each company chooses (Selskapsinnstillinger → Generelt → «Påminnelser») whether reminders go out,
and the weekday and Europe/Oslo time of each ISO week when they do: by default Friday 14:00 for
employees and Monday 08:00 for managers. Celery beat runs `reminders_send` every few minutes; a
round is due once its moment of the current week has passed and the company has not finished that
round yet (ReminderRound). `python manage.py send_reminders` runs the same function by hand, and
with `--dry-run` only lists what it would send.

Who gets the employees' reminder (one e-mail about the current week):

- an active employee with an e-mail address and an active login whose password is set (someone
  invited who has not set one yet cannot log in to act on it);
- from whom hours are expected that week: the company's normal week is the hours expected of
  everyone (the database keeps it above 0; were it 0, nobody would be reminded), except in the week
  someone got their login, which began before they were there. GrønnJobb has no per-person working
  hours or absences, so nobody else is excused;
- who has not sent in the week: they have hours in it that are not sent in (Registrert) or were
  rejected (Avvist), or the hours they sent in (Til godkjenning or Godkjent) are fewer than the
  normal week, which includes having no hours at all.

Who gets the managers' digest (one e-mail listing every week waiting for them, of any date):
everybody who may approve (hr/access.py: administrators, and managers of at least one department)
with at least one week in «Godkjenning» (selectors.approval_queue: never their own hours).

Exactly once per person, ISO week and kind, however many beat or worker processes run and after
restarts: see `_claim`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from hr.access import can_approve
from hr.models import (
    EDITABLE_STATUSES,
    Company,
    Employee,
    EntryStatus,
    ReminderKind,
    ReminderRound,
    ReminderSent,
    Role,
)
from hr.selectors import ApprovalGroup, approval_queue
from hr.weeks import monday_of, week_label

logger = logging.getLogger(__name__)

SENT_IN_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.APPROVED)


@dataclass
class Reminder:
    """One e-mail to one person: what `reminders_send` sends, or would send in a dry run."""

    company: Company
    employee: Employee
    kind: str
    week: datetime.date
    # Employees' reminder: the week's hours not sent in (Registrert or Avvist) and those sent in.
    unsent_hours: Decimal = Decimal("0")
    sent_hours: Decimal = Decimal("0")
    # Managers' digest: the weeks waiting for them.
    groups: list[ApprovalGroup] = field(default_factory=list)

    @property
    def week_label(self) -> str:
        return week_label(self.week)

    def describe(self) -> str:
        """One line for the command's output."""
        who = f"{self.employee.full_name} <{self.employee.email}> ({self.company.name})"
        if self.kind == ReminderKind.EMPLOYEE:
            return f"{who}: week {self.week_label} not sent in"
        return f"{who}: {len(self.groups)} week(s) waiting for approval"


def reminder_moment(*, monday: datetime.date, weekday: int, at: datetime.time) -> datetime.datetime:
    """The instant of a reminder in the ISO week starting `monday`: that weekday at that Oslo time."""
    day = monday + datetime.timedelta(days=weekday)
    return datetime.datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _rounds_due(now: datetime.datetime) -> Iterator[tuple[Company, str, datetime.date]]:
    """(company, kind, week) of every round whose moment in the current Oslo week has passed."""
    monday = monday_of(timezone.localtime(now).date())
    finished = set(ReminderRound.objects.filter(week=monday).values_list("company_id", "kind"))
    for company in Company.objects.filter(reminders_enabled=True).order_by("id"):
        moments = {
            ReminderKind.EMPLOYEE: (company.employee_reminder_weekday, company.employee_reminder_time),
            ReminderKind.MANAGER: (company.manager_reminder_weekday, company.manager_reminder_time),
        }
        for kind, (weekday, at) in moments.items():
            if (company.id, kind) in finished:
                continue
            if now >= reminder_moment(monday=monday, weekday=weekday, at=at):
                yield company, kind, monday


def _recipients(company: Company) -> QuerySet[Employee]:
    """People who can receive e-mail and act on it: active, with an address and an active login
    whose password is set (someone invited who has not set one yet cannot log in to act)."""
    return (
        Employee.objects.filter(company=company, is_active=True, user__is_active=True)
        .exclude(email="")
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("company")
    )


def employee_reminders_plan(*, company: Company, monday: datetime.date) -> list[Reminder]:
    """Employees of the company who have not sent in the week starting `monday` (see the module)."""
    expected = company.normal_week_hours
    if expected <= 0:
        return []
    week_start = reminder_moment(monday=monday, weekday=0, at=datetime.time(0, 0))
    in_week = Q(hour_entries__date__range=(monday, monday + datetime.timedelta(days=6)))
    employees = (
        _recipients(company)
        .filter(user__date_joined__lt=week_start)
        .annotate(
            unsent_count=Count(
                "hour_entries", filter=in_week & Q(hour_entries__status__in=EDITABLE_STATUSES)
            ),
            unsent_hours=Sum(
                "hour_entries__hours", filter=in_week & Q(hour_entries__status__in=EDITABLE_STATUSES)
            ),
            sent_hours=Sum(
                "hour_entries__hours", filter=in_week & Q(hour_entries__status__in=SENT_IN_STATUSES)
            ),
        )
    )
    already = _already_claimed(company=company, monday=monday, kind=ReminderKind.EMPLOYEE)
    reminders = []
    for employee in employees.order_by("last_name", "first_name", "id"):
        if employee.id in already:
            continue
        sent = employee.sent_hours or Decimal("0")
        if employee.unsent_count == 0 and sent >= expected:
            continue
        reminders.append(
            Reminder(
                company=company,
                employee=employee,
                kind=ReminderKind.EMPLOYEE,
                week=monday,
                unsent_hours=employee.unsent_hours or Decimal("0"),
                sent_hours=sent,
            )
        )
    return reminders


def manager_reminders_plan(*, company: Company, monday: datetime.date) -> list[Reminder]:
    """Everybody who may approve and has weeks waiting in «Godkjenning» (one digest each)."""
    approvers = _recipients(company).filter(role__in=[Role.ADMINISTRATOR, Role.MANAGER])
    already = _already_claimed(company=company, monday=monday, kind=ReminderKind.MANAGER)
    reminders = []
    for approver in approvers.order_by("last_name", "first_name", "id"):
        if approver.id in already or not can_approve(approver):
            continue
        groups = approval_queue(actor=approver)
        if groups:
            reminders.append(
                Reminder(
                    company=company, employee=approver, kind=ReminderKind.MANAGER, week=monday, groups=groups
                )
            )
    return reminders


def _already_claimed(*, company: Company, monday: datetime.date, kind: str) -> set[int]:
    return set(
        ReminderSent.objects.filter(company=company, week=monday, kind=kind).values_list(
            "employee_id", flat=True
        )
    )


def _plan(company: Company, kind: str, monday: datetime.date) -> list[Reminder]:
    if kind == ReminderKind.EMPLOYEE:
        return employee_reminders_plan(company=company, monday=monday)
    return manager_reminders_plan(company=company, monday=monday)


def _language_of(employee: Employee) -> str:
    """The language of a person's e-mails. GrønnJobb keeps a chosen language only in the browser
    (the language picker's cookie), so e-mails outside a request are in the default, Norwegian."""
    return settings.LANGUAGE_CODE


def reminder_message(reminder: Reminder) -> EmailMessage:
    """The e-mail, in the recipient's language, with a link to the week or to «Godkjenning»."""
    site = settings.SITE_URL.rstrip("/")
    with translation.override(_language_of(reminder.employee)):
        if reminder.kind == ReminderKind.EMPLOYEE:
            context = {
                "employee": reminder.employee,
                "week": reminder.week.isocalendar()[1],
                "year": reminder.week.isocalendar()[0],
                "monday": reminder.week,
                "sunday": reminder.week + datetime.timedelta(days=6),
                "unsent_hours": reminder.unsent_hours,
                "sent_hours": reminder.sent_hours,
                "normal_week": reminder.company.normal_week_hours,
                "link": f"{site}{reverse('hr:week')}?week={reminder.week_label}",
            }
            template = "hr/email/reminder_employee"
        else:
            context = {
                "employee": reminder.employee,
                "groups": reminder.groups,
                "link": site + reverse("hr:approval"),
            }
            template = "hr/email/reminder_manager"
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    return EmailMessage(subject, body, to=[reminder.employee.email])


def _claim(reminder: Reminder) -> ReminderSent | None:
    """Take the right to send this reminder, or None if another run already has it.

    The row is inserted and committed before the e-mail is sent. Two processes inserting the same
    (person, week, kind) meet at the unique constraint: the second gets an IntegrityError and sends
    nothing. The other order (send, then record) would mail twice whenever two runs overlap or a
    process dies after sending. This order can instead lose a reminder: a process that dies between
    the commit and the send leaves a row without `sent_at`, and nobody sends it again. One missed
    weekly reminder is the lesser harm than duplicates on every overlap, and the empty `sent_at`
    shows in the admin what was lost. (A send that fails with an error is different: the claim is
    released and the next beat run tries again, see `_send_round`.)
    """
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                company=reminder.company, employee=reminder.employee, week=reminder.week, kind=reminder.kind
            )
    except IntegrityError:
        return None


def _send_round(company: Company, kind: str, monday: datetime.date) -> list[Reminder]:
    sent: list[Reminder] = []
    failed = False
    connection = get_connection()
    for reminder in _plan(company, kind, monday):
        claim = _claim(reminder)
        if claim is None:
            continue
        try:
            message = reminder_message(reminder)
            message.connection = connection
            message.send()
        except Exception:
            # Nothing was handed to the mail server (an error says so): free the claim, so the
            # next beat run tries again instead of losing the reminder.
            logger.exception(
                "Reminder %s to employee %s failed; retried on the next run", kind, reminder.employee.id
            )
            claim.delete()
            failed = True
            continue
        ReminderSent.objects.filter(id=claim.id).update(sent_at=timezone.now())
        sent.append(reminder)
    if not failed:
        # Concurrent runs may both finish the round; either row will do.
        try:
            with transaction.atomic():
                ReminderRound.objects.create(company=company, week=monday, kind=kind)
        except IntegrityError:
            pass
    return sent


def reminders_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[Reminder]:
    """Send every reminder that is due now, once per person, week and kind; return what was sent.

    With `dry_run` nothing is sent and nothing written: the result is what a real run would send
    at this moment.
    """
    now = now or timezone.now()
    reminders: list[Reminder] = []
    for company, kind, monday in _rounds_due(now):
        if dry_run:
            reminders.extend(_plan(company, kind, monday))
        else:
            reminders.extend(_send_round(company, kind, monday))
    return reminders
