"""The functions that change things. Keyword-only, typed, one transaction where needed.

Every function takes the acting Employee (``actor``) and checks access through hr.access, so a
view or API endpoint only parses input and calls one of these.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr import access, notifications
from hr.integration import PayrollIntegration, integration_get
from hr.models import (
    EDITABLE_STATUSES,
    MAX_HOURS_PER_DAY,
    ApiToken,
    Company,
    Department,
    Employee,
    EntryStatus,
    HourEntry,
    Project,
    Role,
    User,
    WageType,
)
from hr.weeks import date_in_range, monday_of, today_local, week_days

ORDINARY_WAGE_TYPE_NUMBER = "ORD"
ORDINARY_WAGE_TYPE_NAME = "Ordinær tid"
MAX_DAYS_AHEAD = 365
# ASCII digits only: Python's \\d and Decimal() also take other scripts' digits ("٣" is 3).
DECIMAL_HOURS = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
CLOCK_HOURS = re.compile(r"([0-9]{1,2}):([0-5][0-9])")
UNIT_HOURS = re.compile(r"(?:([0-9]+(?:\.[0-9]+)?)(?:t|h|timer?))?(?:([0-9]+)(?:m|min))?", re.IGNORECASE)
MINUTES_PER_HOUR = Decimal(60)

HOURS_REQUIRED = _("Skriv inn antall timer.")
HOURS_NOT_A_NUMBER = _("Skriv timer som et tall, for eksempel 7,5, 7:30 eller 7t 30m.")
HOURS_NOT_POSITIVE = _("Timer må være mer enn 0.")
HOURS_TOO_MANY_DECIMALS = _("Timer kan ha høyst to desimaler.")
HOURS_OVER_DAY = _("Du kan ikke føre mer enn 24 timer på én dag (allerede ført: %(existing)s t).")
DATE_TOO_FAR_AHEAD = _("Datoen kan ikke være mer enn ett år fram i tid.")
PROJECT_CLOSED = _("Prosjektet «%(project)s» er avsluttet.")
PROJECT_NOT_STARTED = _("Prosjektet «%(project)s» starter %(date)s.")
PROJECT_ENDED = _("Prosjektet «%(project)s» sluttet %(date)s.")
WAGE_TYPE_INACTIVE = _("Lønnsarten «%(wage_type)s» er ikke aktiv.")
ENTRY_NOT_EDITABLE = _("Timer som er sendt inn eller godkjent kan ikke endres.")
ENTRY_NOT_SUBMITTED = _("Bare timer som er sendt inn kan godkjennes eller avvises.")
ENTRY_NOT_APPROVED = _("Bare godkjente timer kan åpnes igjen.")
OWN_HOURS = _("Du kan ikke godkjenne eller avvise dine egne timer.")
NOT_YOUR_DEPARTMENT = _("Du kan bare godkjenne timer for avdelinger du leder.")
REASON_REQUIRED = _("Skriv en begrunnelse for avvisningen.")
NOTHING_TO_SUBMIT = _("Det er ingen registrerte timer å sende inn denne uken.")
DATE_OUT_OF_RANGE = _("Datoen må være mellom 01.01.2000 og 31.12.2099.")
DATE_NOT_IN_WEEK = _("Datoen er ikke i denne uken.")
HOURS_FOR_COMMENT = _("Skriv inn timer for kommentaren, eller fjern kommentaren.")
CELL_HAS_SEVERAL = _("Denne dagen har flere føringer. Endre dem én og én under «Timeføringer».")
ONLY_ADMINISTRATORS = _("Bare administratorer kan gjøre dette.")
EMAIL_TAKEN = _("E-postadressen %(email)s er allerede i bruk.")
EMPLOYEE_NUMBER_TAKEN = _("Ansattnummeret %(number)s er allerede i bruk.")
PROJECT_NUMBER_TAKEN = _("Prosjektnummeret %(number)s er allerede i bruk.")
WAGE_TYPE_NUMBER_TAKEN = _("Lønnsartnummeret %(number)s er allerede i bruk.")
WAGE_TYPE_NAME_TAKEN = _(
    "Det finnes allerede en lønnsart som heter «%(name)s». Gi lønnsarten et annet navn, eller bruk den "
    "som finnes."
)
DEPARTMENT_NAME_TAKEN = _("Avdelingen %(name)s finnes allerede.")
BUILTIN_WAGE_TYPE_LOCKED = _("«Ordinær tid» er innebygd og kan ikke endres.")


# --- input -----------------------------------------------------------------------------------


def hours_parse(value: object) -> Decimal:
    """Hours as typed by a person → Decimal with at most two places.

    Takes "7,5", "7.5" and 7.5, the clock form "7:30" and units "7t 30m" (also "7h", "45m"). A
    clock or unit value is rounded to whole hundredths (7:20 → 7,33); a decimal with more than two
    places is refused rather than rounded, since the person typed those digits.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(HOURS_REQUIRED, code="required")
    if isinstance(value, bool):
        raise ValidationError(HOURS_NOT_A_NUMBER, code="invalid")
    text = str(value).strip().replace(",", ".").replace("\xa0", "").replace(" ", "")
    hours = _hours_from_text(text)
    if hours is None or not hours.is_finite():
        raise ValidationError(HOURS_NOT_A_NUMBER, code="invalid")
    if hours <= 0:
        raise ValidationError(HOURS_NOT_POSITIVE, code="min_value")
    exponent = hours.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError(HOURS_TOO_MANY_DECIMALS, code="max_decimal_places")
    if hours > MAX_HOURS_PER_DAY:
        raise ValidationError(HOURS_OVER_DAY, code="max_value", params={"existing": "0"})
    return hours.quantize(Decimal("0.01"))


def _hours_from_text(text: str) -> Decimal | None:
    """The number in one of the accepted notations, or None. Plain notation only: Decimal() alone
    would also take "1e1", "1_0", "NaN" and "Infinity"."""
    try:
        if DECIMAL_HOURS.fullmatch(text):
            return Decimal(text)
        clock = CLOCK_HOURS.fullmatch(text)
        if clock:
            minutes = Decimal(clock.group(2)) / MINUTES_PER_HOUR
            return _rounded(Decimal(clock.group(1)) + minutes)
        units = UNIT_HOURS.fullmatch(text)
        if units and (units.group(1) or units.group(2)):
            minutes = Decimal(units.group(2) or 0) / MINUTES_PER_HOUR
            return _rounded(Decimal(units.group(1) or 0) + minutes)
    except InvalidOperation:
        return None
    return None


def _rounded(hours: Decimal) -> Decimal:
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _hours_field_parse(value: object) -> Decimal:
    """hours_parse, with its error attached to the «hours» field so forms and the API show it there."""
    try:
        return hours_parse(value)
    except ValidationError as error:
        raise ValidationError({"hours": error.error_list}) from None


def _date_check(date: datetime.date) -> None:
    if not date_in_range(date):
        raise ValidationError({"date": ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")})
    if date > today_local() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"date": ValidationError(DATE_TOO_FAR_AHEAD, code="too_far_ahead")})


def _project_check(project: Project, date: datetime.date) -> None:
    params = {"project": str(project)}
    if project.is_closed:
        raise ValidationError({"project": ValidationError(PROJECT_CLOSED, params=params, code="closed")})
    if project.start_date and date < project.start_date:
        raise ValidationError(
            {"date": ValidationError(PROJECT_NOT_STARTED, params={**params, "date": project.start_date})}
        )
    if project.end_date and date > project.end_date:
        raise ValidationError(
            {"date": ValidationError(PROJECT_ENDED, params={**params, "date": project.end_date})}
        )


def _wage_type_check(wage_type: WageType) -> None:
    if not wage_type.is_active:
        raise ValidationError(
            {"wage_type": ValidationError(WAGE_TYPE_INACTIVE, params={"wage_type": wage_type.name})}
        )


def _day_total_check(
    *, employee: Employee, date: datetime.date, hours: Decimal, exclude_id: int | None
) -> None:
    others = HourEntry.objects.filter(employee=employee, date=date)
    if exclude_id is not None:
        others = others.exclude(id=exclude_id)
    existing = others.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    if existing + hours > MAX_HOURS_PER_DAY:
        raise ValidationError(
            {
                "hours": ValidationError(
                    HOURS_OVER_DAY, code="day_total", params={"existing": _hours_text(existing)}
                )
            }
        )


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}".replace(".", ",")


def _lock_employee(employee: Employee) -> None:
    """Serialise writes to one person's hours, so two requests cannot pass the 24-hour check together."""
    Employee.objects.select_for_update().filter(id=employee.id).first()


# --- API tokens and sessions ----------------------------------------------------------------

API_TOKEN_PREFIX = "gj_"
API_TOKEN_NAME_REQUIRED = _("Gi API-nøkkelen et navn.")


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API key for the user: the row, and the key itself, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError(API_TOKEN_NAME_REQUIRED, code="required")})
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name[:100],
        digest=api_token_digest(key),
        prefix=key[:10],
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of the user's own keys; anyone else's id is "not found"."""
    deleted, _rows = ApiToken.objects.filter(user=user, id=token_id).delete()
    if not deleted:
        raise Http404


def api_tokens_revoke_all(*, user: User) -> int:
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_credentials_revoke(*, user: User) -> None:
    """End every browser session and API key of the user (the caller keeps its own session alive
    with update_session_auth_hash where that is wanted)."""
    ApiToken.objects.filter(user=user).delete()
    user.credentials_version += 1
    user.save(update_fields=["credentials_version"])


# --- companies and people --------------------------------------------------------------------


@transaction.atomic
def company_create(*, name: str, organisation_number: str) -> Company:
    company = Company(name=name, organisation_number=organisation_number)
    company.full_clean()
    company.save()
    WageType.objects.create(
        company=company, number=ORDINARY_WAGE_TYPE_NUMBER, name=ORDINARY_WAGE_TYPE_NAME, is_builtin=True
    )
    return company


def require_administrator(actor: Employee) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(ONLY_ADMINISTRATORS)


@transaction.atomic
def employee_invite(
    *,
    actor: Employee,
    first_name: str,
    last_name: str,
    email: str,
    employee_number: str,
    role: str,
    department: Department | None,
) -> Employee:
    """Create an employee and a user without a password, and e-mail them a link to set one."""
    require_administrator(actor)
    company = actor.company
    email = email.strip().lower()
    access.same_company(company, department)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": ValidationError(EMAIL_TAKEN, params={"email": email})})
    if Employee.objects.filter(company=company, employee_number=employee_number).exists():
        raise ValidationError(
            {"employee_number": ValidationError(EMPLOYEE_NUMBER_TAKEN, params={"number": employee_number})}
        )
    employee = Employee(
        company=company,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        employee_number=employee_number.strip(),
        role=role,
        department=department,
    )
    employee.full_clean()
    user = User.objects.create_user(email=email, password=None)
    employee.user = user
    employee.save()
    transaction.on_commit(lambda: notifications.invitation_send(employee_id=employee.id))
    return employee


@transaction.atomic
def employee_update(
    *,
    actor: Employee,
    employee: Employee,
    first_name: str,
    last_name: str,
    employee_number: str,
    role: str,
    department: Department | None,
    is_active: bool,
) -> Employee:
    require_administrator(actor)
    access.same_company(actor.company, employee, department)
    if (
        Employee.objects.filter(company=actor.company, employee_number=employee_number)
        .exclude(id=employee.id)
        .exists()
    ):
        raise ValidationError(
            {"employee_number": ValidationError(EMPLOYEE_NUMBER_TAKEN, params={"number": employee_number})}
        )
    rights_changed = employee.role != role or (employee.is_active and not is_active)
    employee.first_name = first_name.strip()
    employee.last_name = last_name.strip()
    employee.employee_number = employee_number.strip()
    employee.role = role
    employee.department = department
    employee.is_active = is_active
    employee.full_clean()
    employee.save()
    if rights_changed and employee.user is not None:
        # Keys and sessions taken under the old rights must not outlive them.
        user_credentials_revoke(user=employee.user)
    if role == Role.EMPLOYEE:
        # The role is what «Ansatte» shows and what the person believes; a department's manager
        # list must not keep approval rights the role no longer gives.
        Department.managers.through.objects.filter(employee_id=employee.id).delete()
    if employee.user_id is not None:
        User.objects.filter(id=employee.user_id).update(is_active=is_active)
    return employee


ALREADY_HAS_PASSWORD = _("%(name)s har allerede valgt passord og trenger ingen ny invitasjon.")
INVITATION_TO_INACTIVE = _("%(name)s er deaktivert. Aktiver personen før du sender invitasjonen.")


def invitation_renew(*, user: User) -> None:
    """A fresh invitation link for a user who has not chosen a password; older links stop working.

    Reset links are signed over the stored password value, so replacing the unusable password with
    a new one invalidates every link sent before.
    """
    user.set_unusable_password()
    user.save(update_fields=["password"])
    employee_id = Employee.objects.filter(user=user).values_list("id", flat=True).first()
    if employee_id is not None:
        transaction.on_commit(lambda: notifications.invitation_send(employee_id=employee_id))


@transaction.atomic
def employee_invitation_resend(*, actor: Employee, employee: Employee) -> None:
    """«Send invitasjonen på nytt»: an administrator sends a new link, and the old one stops working."""
    require_administrator(actor)
    access.same_company(actor.company, employee)
    params = {"name": employee.full_name}
    if employee.user is None or employee.user.has_usable_password():
        raise ValidationError(ALREADY_HAS_PASSWORD, params=params, code="has_password")
    if not employee.is_active or not employee.user.is_active:
        raise ValidationError(INVITATION_TO_INACTIVE, params=params, code="inactive")
    invitation_renew(user=employee.user)


def login_lockout_lift(*, actor: Employee, employee: Employee) -> None:
    """An administrator lifts the login lockout on a person's e-mail before its time runs out.

    Lockouts of an address (rather than a username) are not the company's to lift: an address may
    be shared with other companies' users; those end by time.
    """
    require_administrator(actor)
    access.same_company(actor.company, employee)
    if employee.user is not None:
        axes_reset(username=employee.user.email.lower())


@transaction.atomic
def department_save(
    *, actor: Employee, department: Department | None, name: str, managers: Iterable[Employee]
) -> Department:
    require_administrator(actor)
    managers = list(managers)
    access.same_company(actor.company, department, *managers)
    name = name.strip()
    duplicates = Department.objects.filter(company=actor.company, name__iexact=name)
    if department is not None:
        duplicates = duplicates.exclude(id=department.id)
    if duplicates.exists():
        raise ValidationError({"name": ValidationError(DEPARTMENT_NAME_TAKEN, params={"name": name})})
    department = department or Department(company=actor.company)
    department.name = name
    department.full_clean()
    department.save()
    department.managers.set(managers)
    # And the other way round: leading a department makes an «Ansatt» a «Leder».
    Employee.objects.filter(id__in=[m.id for m in managers], role=Role.EMPLOYEE).update(role=Role.MANAGER)
    return department


@transaction.atomic
def project_save(
    *,
    actor: Employee,
    project: Project | None,
    number: str,
    name: str,
    is_closed: bool,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
) -> Project:
    require_administrator(actor)
    access.same_company(actor.company, project)
    number = number.strip()
    duplicates = Project.objects.filter(company=actor.company, number=number)
    if project is not None:
        duplicates = duplicates.exclude(id=project.id)
    if duplicates.exists():
        raise ValidationError({"number": ValidationError(PROJECT_NUMBER_TAKEN, params={"number": number})})
    project = project or Project(company=actor.company)
    project.number = number
    project.name = name.strip()
    project.is_closed = is_closed
    project.start_date = start_date
    project.end_date = end_date
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def wage_type_save(
    *, actor: Employee, wage_type: WageType | None, number: str, name: str, is_active: bool
) -> WageType:
    require_administrator(actor)
    access.same_company(actor.company, wage_type)
    if wage_type is not None and wage_type.is_builtin:
        raise ValidationError(BUILTIN_WAGE_TYPE_LOCKED)
    number = number.strip()
    duplicates = WageType.objects.filter(company=actor.company, number=number)
    if wage_type is not None:
        duplicates = duplicates.exclude(id=wage_type.id)
    if duplicates.exists():
        raise ValidationError({"number": ValidationError(WAGE_TYPE_NUMBER_TAKEN, params={"number": number})})
    same_name = WageType.objects.filter(company=actor.company, name__iexact=name.strip())
    if wage_type is not None:
        same_name = same_name.exclude(id=wage_type.id)
    if same_name.exists():
        raise ValidationError({"name": ValidationError(WAGE_TYPE_NAME_TAKEN, params={"name": name.strip()})})
    wage_type = wage_type or WageType(company=actor.company)
    wage_type.number = number
    wage_type.name = name.strip()
    wage_type.is_active = is_active
    wage_type.full_clean()
    wage_type.save()
    return wage_type


@transaction.atomic
def company_update(
    *, actor: Employee, name: str, organisation_number: str, normal_week_hours: Decimal | None = None
) -> Company:
    require_administrator(actor)
    company = actor.company
    company.name = name.strip()
    company.organisation_number = organisation_number.strip()
    if normal_week_hours is not None:
        company.normal_week_hours = normal_week_hours
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def company_reminders_update(
    *,
    actor: Employee,
    reminders_enabled: bool,
    employee_reminder_weekday: int,
    employee_reminder_time: datetime.time,
    manager_reminder_weekday: int,
    manager_reminder_time: datetime.time,
) -> Company:
    """When the weekly reminders go out (hr/reminders.py). Seconds are dropped: a beat run every few
    minutes could not honour them anyway."""
    require_administrator(actor)
    company = actor.company
    company.reminders_enabled = reminders_enabled
    company.employee_reminder_weekday = employee_reminder_weekday
    company.employee_reminder_time = employee_reminder_time.replace(second=0, microsecond=0)
    company.manager_reminder_weekday = manager_reminder_weekday
    company.manager_reminder_time = manager_reminder_time.replace(second=0, microsecond=0)
    company.full_clean()
    company.save()
    return company


# --- hour entries ----------------------------------------------------------------------------


@transaction.atomic
def entry_create(
    *,
    actor: Employee,
    employee: Employee,
    date: datetime.date,
    project: Project,
    wage_type: WageType,
    hours: object,
    comment: str = "",
) -> HourEntry:
    access.require_can_act_for(actor, employee)
    access.same_company(employee.company, project, wage_type)
    parsed = _hours_field_parse(hours)
    _date_check(date)
    _project_check(project, date)
    _wage_type_check(wage_type)
    _lock_employee(employee)
    _day_total_check(employee=employee, date=date, hours=parsed, exclude_id=None)
    entry = HourEntry(
        company=employee.company,
        employee=employee,
        date=date,
        project=project,
        wage_type=wage_type,
        hours=parsed,
        comment=comment.strip(),
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def entry_update(
    *,
    actor: Employee,
    entry: HourEntry,
    date: datetime.date,
    project: Project,
    wage_type: WageType,
    hours: object,
    comment: str = "",
) -> HourEntry:
    access.require_can_act_for(actor, entry.employee)
    access.same_company(entry.company, project, wage_type)
    _lock_employee(entry.employee)
    entry.refresh_from_db()
    if entry.status not in EDITABLE_STATUSES:
        raise ValidationError(ENTRY_NOT_EDITABLE, code="not_editable")
    parsed = _hours_field_parse(hours)
    _date_check(date)
    _project_check(project, date)
    _wage_type_check(wage_type)
    _day_total_check(employee=entry.employee, date=date, hours=parsed, exclude_id=entry.id)
    entry.date = date
    entry.project = project
    entry.wage_type = wage_type
    entry.hours = parsed
    entry.comment = comment.strip()
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def entry_delete(*, actor: Employee, entry: HourEntry) -> None:
    access.require_can_act_for(actor, entry.employee)
    locked = HourEntry.objects.select_for_update().get(id=entry.id)
    if locked.status not in EDITABLE_STATUSES:
        raise ValidationError(ENTRY_NOT_EDITABLE, code="not_editable")
    locked.delete()


@transaction.atomic
def week_submit(*, actor: Employee, employee: Employee, monday: datetime.date) -> list[HourEntry]:
    """«Send inn»: every registered or rejected entry of the week goes to approval."""
    access.require_can_act_for(actor, employee)
    days = week_days(monday_of(monday))
    entries = list(
        HourEntry.objects.select_for_update()
        .filter(employee=employee, date__range=(days[0], days[-1]), status__in=EDITABLE_STATUSES)
        .order_by("date", "id")
    )
    if not entries:
        raise ValidationError(NOTHING_TO_SUBMIT, code="nothing_to_submit")
    now = timezone.now()
    # Sent in again after a rejection: the old decision no longer applies.
    HourEntry.objects.filter(id__in=[e.id for e in entries]).update(
        status=EntryStatus.SUBMITTED,
        submitted_by=actor,
        submitted_at=now,
        decided_by=None,
        decided_at=None,
        rejection_reason="",
    )
    for entry in entries:
        entry.status, entry.submitted_by, entry.submitted_at = EntryStatus.SUBMITTED, actor, now
        entry.decided_by, entry.decided_at, entry.rejection_reason = None, None, ""
    entry_ids = [e.id for e in entries]
    transaction.on_commit(lambda: notifications.submitted_send(entry_ids=entry_ids))
    return entries


@transaction.atomic
def week_copy_previous(*, actor: Employee, employee: Employee, monday: datetime.date) -> list[HourEntry]:
    """«Kopier forrige uke»: last week's rows, day by day, as new registered hours.

    Cells that already have hours this week, closed projects, inactive lønnsarter and days that
    would pass 24 hours are skipped, so copying never fails half-way.
    """
    access.require_can_act_for(actor, employee)
    _lock_employee(employee)
    monday = monday_of(monday)
    previous = [d - datetime.timedelta(days=7) for d in week_days(monday)]
    source = HourEntry.objects.filter(
        employee=employee, date__range=(previous[0], previous[-1])
    ).select_related("project", "wage_type")
    current = HourEntry.objects.filter(employee=employee, date__range=(monday, week_days(monday)[-1]))
    taken = {(e.date, e.project_id, e.wage_type_id) for e in current}
    day_totals: dict[datetime.date, Decimal] = {}
    for existing in current:
        day_totals[existing.date] = day_totals.get(existing.date, Decimal("0")) + existing.hours
    limit = today_local() + datetime.timedelta(days=MAX_DAYS_AHEAD)
    created = []
    for old in source:
        date = old.date + datetime.timedelta(days=7)
        key = (date, old.project_id, old.wage_type_id)
        total = day_totals.get(date, Decimal("0")) + old.hours
        if key in taken or total > MAX_HOURS_PER_DAY or date > limit:
            continue
        try:
            _project_check(old.project, date)
            _wage_type_check(old.wage_type)
        except ValidationError:
            continue
        taken.add(key)
        day_totals[date] = total
        created.append(
            HourEntry(
                company=employee.company,
                employee=employee,
                date=date,
                project=old.project,
                wage_type=old.wage_type,
                hours=old.hours,
                comment=old.comment,
            )
        )
    return HourEntry.objects.bulk_create(created)


# --- the week grid: one save for the whole week ----------------------------------------------


@dataclass(frozen=True)
class CellInput:
    """One cell as sent by the grid: the hours it should hold ("" clears it)."""

    project_id: int
    wage_type_id: int
    date: datetime.date
    hours: str
    comment: str | None = None  # None: not sent, keep what is there


CellKey = tuple[int, int, datetime.date]


class WeekSaveError(ValidationError):
    """Nothing was saved. ``cell_errors`` holds each refused cell's messages, ``errors`` the rest."""

    def __init__(self, *, cell_errors: dict[CellKey, list[str]], errors: list[str]) -> None:
        self.cell_errors = cell_errors
        self.errors = errors
        super().__init__([*errors, *(m for messages in cell_errors.values() for m in messages)])


@dataclass
class WeekSaveResult:
    created: list[HourEntry]
    updated: list[HourEntry]
    deleted: list[int]

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)


@transaction.atomic
def week_save(
    *,
    actor: Employee,
    employee: Employee,
    monday: datetime.date,
    cells: Sequence[CellInput],
    replace: bool = False,
) -> WeekSaveResult:
    """Make the week's cells hold what was typed, all or nothing, in one transaction.

    Each cell is the sum of the hours on one day, project and lønnsart. Saving is state-based:
    sending the same week twice changes nothing the second time. A cell with one registered or
    rejected entry is updated (cleared: deleted); an empty cell gets a new entry; approved and
    sent-in cells, and cells holding several entries, cannot change here. With ``replace`` every
    editable cell that is not sent is cleared (the API's PUT of a whole week).

    The rules are the per-entry ones (hours_parse, project and lønnsart checks, 24 hours a day),
    checked for the whole week at once: a fixed number of queries whatever the number of rows.
    """
    access.require_can_act_for(actor, employee)
    monday = monday_of(monday)
    days = week_days(monday)
    _lock_employee(employee)
    projects = Project.objects.in_bulk({c.project_id for c in cells}) if cells else {}
    wage_types = WageType.objects.in_bulk({c.wage_type_id for c in cells}) if cells else {}
    existing: dict[CellKey, list[HourEntry]] = {}
    for entry in HourEntry.objects.filter(employee=employee, date__range=(days[0], days[-1])).order_by("id"):
        existing.setdefault((entry.project_id, entry.wage_type_id, entry.date), []).append(entry)
    plan = _WeekPlan(employee=employee, existing=existing, days=days)
    for cell in {(c.project_id, c.wage_type_id, c.date): c for c in cells}.values():
        project, wage_type = projects.get(cell.project_id), wage_types.get(cell.wage_type_id)
        if project is None or wage_type is None:
            raise Http404
        # Another company's project or lønnsart behaves as if it did not exist.
        access.same_company(employee.company, project, wage_type)
        plan.apply(cell, project, wage_type)
    if replace:
        sent = {(c.project_id, c.wage_type_id, c.date) for c in cells}
        for key, entries in existing.items():
            if key not in sent and len(entries) == 1 and entries[0].is_editable:
                plan.deleted.append(entries[0])
    plan.check_day_totals()
    if plan.cell_errors:
        raise WeekSaveError(cell_errors=plan.cell_errors, errors=[])
    return plan.write()


class _WeekPlan:
    """What week_save will write, built and checked in memory before anything is written."""

    def __init__(
        self, *, employee: Employee, existing: dict[CellKey, list[HourEntry]], days: list[datetime.date]
    ) -> None:
        self.employee, self.existing, self.days = employee, existing, days
        self.created: list[HourEntry] = []
        self.updated: list[HourEntry] = []
        self.deleted: list[HourEntry] = []
        self.touched: set[CellKey] = set()
        self.cell_errors: dict[CellKey, list[str]] = {}

    def apply(self, cell: CellInput, project: Project, wage_type: WageType) -> None:
        key = (cell.project_id, cell.wage_type_id, cell.date)
        try:
            self._apply(key, cell, project, wage_type)
        except ValidationError as error:
            self.cell_errors[key] = [str(m) for m in error.messages]

    def _apply(self, key: CellKey, cell: CellInput, project: Project, wage_type: WageType) -> None:
        if cell.date not in self.days:
            raise ValidationError(DATE_NOT_IN_WEEK, code="not_in_week")
        entries = self.existing.get(key, [])
        hours = _hours_field_parse(cell.hours) if cell.hours.strip() else None
        comment = (cell.comment if cell.comment is not None else _comment_of(entries)).strip()
        if hours is None and not entries:
            if comment:
                raise ValidationError(HOURS_FOR_COMMENT, code="required")
            return
        unchanged = hours == sum((e.hours for e in entries), Decimal("0")) and comment == _comment_of(entries)
        if unchanged:
            return
        if len(entries) > 1:
            raise ValidationError(CELL_HAS_SEVERAL, code="several")
        if entries and not entries[0].is_editable:
            raise ValidationError(ENTRY_NOT_EDITABLE, code="not_editable")
        self.touched.add(key)
        if hours is None:
            self.deleted.append(entries[0])
            return
        _date_check(cell.date)
        _project_check(project, cell.date)
        _wage_type_check(wage_type)
        if entries:
            entry = entries[0]
            entry.hours, entry.comment = hours, comment
            self.updated.append(entry)
        else:
            self.created.append(
                HourEntry(
                    company_id=self.employee.company_id,
                    employee=self.employee,
                    date=cell.date,
                    project=project,
                    wage_type=wage_type,
                    hours=hours,
                    comment=comment,
                )
            )

    def check_day_totals(self) -> None:
        """24 hours a day over the week as it will be, blamed on the cells that changed that day."""
        deleted = {e.id for e in self.deleted}
        totals: dict[datetime.date, Decimal] = defaultdict(Decimal)
        for entries in self.existing.values():
            for entry in entries:
                if entry.id not in deleted:
                    totals[entry.date] += entry.hours
        for entry in self.created:
            totals[entry.date] += entry.hours
        for date, total in totals.items():
            if total <= MAX_HOURS_PER_DAY:
                continue
            changed = [key for key in self.touched if key[2] == date]
            for key in changed:
                own = sum(
                    (e.hours for e in [*self.existing.get(key, []), *self.created] if _key_of(e) == key),
                    Decimal("0"),
                )
                message = HOURS_OVER_DAY % {"existing": _hours_text(total - own)}
                self.cell_errors.setdefault(key, []).append(str(message))

    def write(self) -> WeekSaveResult:
        now = timezone.now()
        for entry in self.updated:
            entry.updated_at = now
        created = HourEntry.objects.bulk_create(self.created)
        if self.updated:
            HourEntry.objects.bulk_update(self.updated, ["hours", "comment", "updated_at"])
        deleted_ids = [e.id for e in self.deleted]
        if deleted_ids:
            HourEntry.objects.filter(id__in=deleted_ids, status__in=EDITABLE_STATUSES).delete()
        return WeekSaveResult(created=created, updated=self.updated, deleted=deleted_ids)


def _comment_of(entries: list[HourEntry]) -> str:
    return entries[0].comment if len(entries) == 1 else ""


def _key_of(entry: HourEntry) -> CellKey:
    return (entry.project_id, entry.wage_type_id, entry.date)


def _lock_for_decision(*, actor: Employee, entry_ids: Sequence[int], status: str) -> list[HourEntry]:
    locked = _locked(actor=actor, entry_ids=entry_ids)
    if len(locked) != len(set(entry_ids)):
        # Another company's id, or one that does not exist: both are simply "not found".
        raise Http404
    managed = access.managed_department_ids(actor)
    entries = list(locked.values())
    for entry in entries:
        refusal = _decision_refusal(actor=actor, managed=managed, entry=entry, status=status)
        if refusal is not None:
            raise refusal
    return entries


def _locked(*, actor: Employee, entry_ids: Sequence[int]) -> dict[int, HourEntry]:
    """The company's entries of these ids, locked for the decision, in id order."""
    entries = (
        # of=("self",): lock only the entries; PostgreSQL refuses FOR UPDATE on the outer join to a
        # nullable department.
        HourEntry.objects.select_for_update(of=("self",))
        .filter(company=actor.company, id__in=entry_ids)
        .select_related("employee", "employee__department", "project", "wage_type")
        .order_by("id")
    )
    return {entry.id: entry for entry in entries}


def _decision_refusal(
    *, actor: Employee, managed: set[int], entry: HourEntry, status: str
) -> PermissionDenied | ValidationError | None:
    """Why the actor may not decide on this entry now, or None."""
    if entry.employee_id == actor.id:
        return PermissionDenied(OWN_HOURS)
    if not actor.is_administrator and entry.employee.department_id not in managed:
        return PermissionDenied(NOT_YOUR_DEPARTMENT)
    if entry.status != status:
        return ValidationError(
            ENTRY_NOT_SUBMITTED if status == EntryStatus.SUBMITTED else ENTRY_NOT_APPROVED,
            code="wrong_status",
        )
    return None


@transaction.atomic
def entries_approve(*, actor: Employee, entry_ids: Sequence[int]) -> list[HourEntry]:
    """Approve sent-in entries. All or nothing: a blocker on one entry stops the whole approval."""
    entries = _lock_for_decision(actor=actor, entry_ids=entry_ids, status=EntryStatus.SUBMITTED)
    integration = integration_get()
    blockers = integration.approval_blockers(company=actor.company, entries=entries)
    if blockers:
        raise ValidationError(
            [
                # No params: the message is final text and may contain "%" (a lønnsart «Overtid 50 %»).
                ValidationError(message, code="blocked")
                for entry_id, message in blockers.items()
            ]
        )
    _approved(actor=actor, entries=entries, integration=integration)
    return entries


def _approved(*, actor: Employee, entries: list[HourEntry], integration: PayrollIntegration) -> None:
    """Mark locked, checked entries approved, hand them to the integration and tell the employees
    (after commit)."""
    now = timezone.now()
    HourEntry.objects.filter(id__in=[e.id for e in entries]).update(
        status=EntryStatus.APPROVED, decided_by=actor, decided_at=now
    )
    for entry in entries:
        entry.status, entry.decided_by, entry.decided_at = EntryStatus.APPROVED, actor, now
    integration.entries_approved(company=actor.company, entries=entries)
    entry_ids = [e.id for e in entries]
    transaction.on_commit(lambda: notifications.approved_send(entry_ids=entry_ids))


@dataclass
class WeeksApproval:
    """What «Godkjenn alle viste» did: the weeks approved, and each cause of refusal with the number
    of weeks it stopped (one message per cause, never one per entry)."""

    approved_weeks: int = 0
    approved_entries: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    @property
    def refused_weeks(self) -> int:
        return sum(self.refused.values())


def refusal_causes(error: ValidationError | PermissionDenied | Http404) -> list[str]:
    """Each distinct reason in a refusal, once, in order: five entries blocked alike are one cause."""
    if isinstance(error, ValidationError):
        return list(dict.fromkeys(str(message) for message in error.messages))
    if isinstance(error, Http404):
        return [str(ENTRY_NOT_SUBMITTED)]
    return [str(error) or str(NOT_YOUR_DEPARTMENT)]


@transaction.atomic
def weeks_approve(*, actor: Employee, weeks: Sequence[Sequence[int]]) -> WeeksApproval:
    """Approve person-weeks (each a list of entry ids), each all or nothing: a week that cannot be
    approved (decided by someone else meanwhile, not the actor's to decide, blocked by the
    integration) stays and is counted under each of its causes, and does not stop the others. One
    transaction and the same number of queries for one week as for fifty: the entries are locked
    and checked together, and the approvable weeks approved in one update."""
    result = WeeksApproval()
    asked: list[list[int]] = []
    seen: set[int] = set()
    for entry_ids in weeks:  # an entry named twice (two keys for one week) is decided once
        fresh = [entry_id for entry_id in dict.fromkeys(entry_ids) if entry_id not in seen]
        seen.update(fresh)
        if fresh:
            asked.append(fresh)
    locked = _locked(actor=actor, entry_ids=[entry_id for entry_ids in asked for entry_id in entry_ids])
    managed = access.managed_department_ids(actor)
    candidates: list[list[HourEntry]] = []
    for entry_ids in asked:
        causes = _week_refusal(actor=actor, managed=managed, locked=locked, entry_ids=entry_ids)
        if causes:
            _count(result, causes)
        else:
            candidates.append([locked[entry_id] for entry_id in entry_ids])
    integration = integration_get()
    blockers = integration.approval_blockers(
        company=actor.company, entries=[entry for week in candidates for entry in week]
    )
    approved: list[HourEntry] = []
    for week in candidates:
        causes = list(dict.fromkeys(str(blockers[e.id]) for e in week if e.id in blockers))
        if causes:
            _count(result, causes)
            continue
        approved.extend(week)
        result.approved_weeks += 1
    if approved:
        _approved(actor=actor, entries=approved, integration=integration)
    result.approved_entries = len(approved)
    return result


def _week_refusal(
    *, actor: Employee, managed: set[int], locked: dict[int, HourEntry], entry_ids: list[int]
) -> list[str]:
    """The causes that stop a week before the integration is asked (as refusal_causes words them)."""
    if any(entry_id not in locked for entry_id in entry_ids):
        return refusal_causes(Http404())
    causes: list[str] = []
    for entry_id in entry_ids:
        refusal = _decision_refusal(
            actor=actor, managed=managed, entry=locked[entry_id], status=EntryStatus.SUBMITTED
        )
        if refusal is not None:
            causes.extend(refusal_causes(refusal))
    return list(dict.fromkeys(causes))


def _count(result: WeeksApproval, causes: list[str]) -> None:
    for cause in causes:
        result.refused[cause] = result.refused.get(cause, 0) + 1


@transaction.atomic
def entries_reject(*, actor: Employee, entry_ids: Sequence[int], reason: str) -> list[HourEntry]:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(REASON_REQUIRED, code="required")})
    entries = _lock_for_decision(actor=actor, entry_ids=entry_ids, status=EntryStatus.SUBMITTED)
    now = timezone.now()
    HourEntry.objects.filter(id__in=[e.id for e in entries]).update(
        status=EntryStatus.REJECTED, decided_by=actor, decided_at=now, rejection_reason=reason[:500]
    )
    for entry in entries:
        entry.status, entry.decided_by, entry.decided_at, entry.rejection_reason = (
            EntryStatus.REJECTED,
            actor,
            now,
            reason[:500],
        )
    entry_ids = [e.id for e in entries]
    transaction.on_commit(lambda: notifications.rejected_send(entry_ids=entry_ids))
    return entries


def entries_reopen(*, actor: Employee, entry_ids: Sequence[int]) -> list[HourEntry]:
    """An administrator takes approved hours back to «Til godkjenning» (docs/transfer.md#reopen)."""
    require_administrator(actor)
    integration = integration_get()
    # Before the transaction: what the accounting system must be asked over the network is asked
    # while no entry is locked, so a slow answer never holds the locks (it may refuse right here).
    prepared = integration.reopen_prepare(company=actor.company, entry_ids=entry_ids)
    with transaction.atomic():
        entries = _lock_for_decision(actor=actor, entry_ids=entry_ids, status=EntryStatus.APPROVED)
        HourEntry.objects.filter(id__in=[e.id for e in entries]).update(
            status=EntryStatus.SUBMITTED, decided_by=None, decided_at=None
        )
        for entry in entries:
            entry.status, entry.decided_by, entry.decided_at = EntryStatus.SUBMITTED, None, None
        # After the status change and in the same transaction: the integration's outbox sees the
        # hours as no longer approved, and a refusal (what was prepared no longer holds) undoes it all.
        integration.entries_reopened(company=actor.company, entries=entries, prepared=prepared)
    return entries
