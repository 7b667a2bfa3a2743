"""Companies, people, departments, projects, lønnsarter and hour entries.

Invariants live here as database constraints; workflows live in services.py.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

MAX_HOURS_PER_DAY = Decimal("24")
MAX_HOURS_PER_WEEK = 7 * MAX_HOURS_PER_DAY
DEFAULT_NORMAL_WEEK_HOURS = Decimal("37.5")


class Weekday(models.IntegerChoices):
    """Python's date.weekday(): Monday is 0."""

    MONDAY = 0, _("mandag")
    TUESDAY = 1, _("tirsdag")
    WEDNESDAY = 2, _("onsdag")
    THURSDAY = 3, _("torsdag")
    FRIDAY = 4, _("fredag")
    SATURDAY = 5, _("lørdag")
    SUNDAY = 6, _("søndag")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, by e-mail. What they may do is on their Employee profile."""

    email = models.EmailField(_("e-post"), unique=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("støttepersonell"), default=False)
    date_joined = models.DateTimeField(_("registrert"), default=timezone.now)

    objects = UserManager()

    # Raised to end every browser session and API token of the user at once (role change,
    # deactivation, new password): it is part of the session's authentication hash.
    credentials_version = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")

    def __str__(self) -> str:
        return self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password, plus credentials_version, so either change ends sessions."""
        return salted_hmac(
            "hr.models.User.session_auth_hash",
            f"{self.password}:{self.credentials_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ApiToken(models.Model):
    """A named API key. Only its SHA-256 digest is stored: the key itself is shown once, at creation.

    The key is 32 random bytes, so a fast hash is enough (there is nothing to guess from a digest);
    the first characters are kept to tell keys apart in lists.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("navn"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(_("opprettet"), default=timezone.now)
    expires_at = models.DateTimeField(_("utløper"))
    last_used_at = models.DateTimeField(_("sist brukt"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-nøkkel")
        verbose_name_plural = _("API-nøkler")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Company(models.Model):
    name = models.CharField(_("navn"), max_length=200)
    organisation_number = models.CharField(_("organisasjonsnummer"), max_length=9, unique=True)
    # Shown beside the week's total in «Mine timer» and «Godkjenning», so over- and undertime stand out.
    normal_week_hours = models.DecimalField(
        _("normal arbeidsuke (timer)"), max_digits=5, decimal_places=2, default=DEFAULT_NORMAL_WEEK_HOURS
    )
    # Weekly reminders (hr/reminders.py), at a weekday and Europe/Oslo time of each ISO week.
    reminders_enabled = models.BooleanField(_("send påminnelser"), default=True)
    employee_reminder_weekday = models.PositiveSmallIntegerField(
        _("påminnelse til ansatte, dag"), choices=Weekday.choices, default=Weekday.FRIDAY
    )
    employee_reminder_time = models.TimeField(
        _("påminnelse til ansatte, klokkeslett"), default=datetime.time(14, 0)
    )
    manager_reminder_weekday = models.PositiveSmallIntegerField(
        _("påminnelse til ledere, dag"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    manager_reminder_time = models.TimeField(
        _("påminnelse til ledere, klokkeslett"), default=datetime.time(8, 0)
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("selskap")
        verbose_name_plural = _("selskaper")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation_number__regex=r"^[0-9]{9}$"),
                name="company_organisation_number_nine_digits",
            ),
            models.CheckConstraint(
                condition=Q(normal_week_hours__gt=0) & Q(normal_week_hours__lte=MAX_HOURS_PER_WEEK),
                name="company_normal_week_within_a_week",
            ),
            models.CheckConstraint(
                condition=Q(employee_reminder_weekday__lte=6) & Q(manager_reminder_weekday__lte=6),
                name="company_reminder_weekdays_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("navn"), max_length=100)
    managers = models.ManyToManyField(  # type: ignore[var-annotated]
        "Employee", related_name="managed_departments", blank=True, verbose_name=_("ledere")
    )

    class Meta:
        verbose_name = _("avdeling")
        verbose_name_plural = _("avdelinger")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="department_name_unique_per_company"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    MANAGER = "manager", _("Leder")
    EMPLOYEE = "employee", _("Ansatt")


class Employee(models.Model):
    """A person's place in one company: name, number, department and role."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="employees")
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="employee"
    )
    first_name = models.CharField(_("fornavn"), max_length=100)
    last_name = models.CharField(_("etternavn"), max_length=100)
    email = models.EmailField(_("e-post"))
    employee_number = models.CharField(_("ansattnummer"), max_length=30)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("avdeling"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices, default=Role.EMPLOYEE)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("ansatt")
        verbose_name_plural = _("ansatte")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "employee_number"], name="employee_number_unique_per_company"
            ),
            models.UniqueConstraint(fields=["company", "email"], name="employee_email_unique_per_company"),
            models.CheckConstraint(condition=~Q(employee_number=""), name="employee_number_not_empty"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="employee_role_valid"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


class Project(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="projects")
    number = models.CharField(_("prosjektnummer"), max_length=30)
    name = models.CharField(_("navn"), max_length=200)
    is_closed = models.BooleanField(_("avsluttet"), default=False)
    start_date = models.DateField(_("startdato"), null=True, blank=True)
    end_date = models.DateField(_("sluttdato"), null=True, blank=True)

    class Meta:
        verbose_name = _("prosjekt")
        verbose_name_plural = _("prosjekter")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="project_number_unique_per_company"),
            models.CheckConstraint(condition=~Q(number=""), name="project_number_not_empty"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class WageType(models.Model):
    """A lønnsart. Every company has the built-in «Ordinær tid», which produces hours only."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="wage_types")
    number = models.CharField(_("nummer"), max_length=30)
    name = models.CharField(_("navn"), max_length=200)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_builtin = models.BooleanField(_("innebygd"), default=False, editable=False)

    class Meta:
        verbose_name = _("lønnsart")
        verbose_name_plural = _("lønnsarter")
        ordering = ["-is_builtin", "number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="wage_type_number_unique_per_company"),
            # Two «Overtid 50 %» in one company cannot be told apart in the week view or in Tripletex.
            models.UniqueConstraint(
                Lower("name"),
                "company",
                name="wage_type_name_unique_per_company",
                violation_error_message=_("Det finnes allerede en lønnsart med dette navnet."),
            ),
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_builtin=True), name="one_builtin_wage_type_per_company"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="wage_type_number_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    REGISTERED = "registered", _("Registrert")
    SUBMITTED = "submitted", _("Til godkjenning")
    APPROVED = "approved", _("Godkjent")
    REJECTED = "rejected", _("Avvist")


EDITABLE_STATUSES = (EntryStatus.REGISTERED, EntryStatus.REJECTED)


class HourEntry(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="hour_entries")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="hour_entries")
    date = models.DateField(_("dato"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="hour_entries")
    wage_type = models.ForeignKey(
        WageType, on_delete=models.PROTECT, related_name="hour_entries", verbose_name=_("lønnsart")
    )
    hours = models.DecimalField(_("timer"), max_digits=4, decimal_places=2)
    comment = models.CharField(_("kommentar"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.REGISTERED
    )
    submitted_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("begrunnelse"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("timeføring")
        verbose_name_plural = _("timeføringer")
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["employee", "date"]),
            models.Index(fields=["company", "status"]),
            # «Rapporter», its exports and «Avstemming» read one period of the whole company.
            models.Index(fields=["company", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_HOURS_PER_DAY),
                name="entry_hours_between_0_and_24",
            ),
            models.CheckConstraint(condition=Q(status__in=EntryStatus.values), name="entry_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=EntryStatus.REJECTED) | ~Q(rejection_reason=""),
                name="entry_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[EntryStatus.REGISTERED]) | Q(submitted_at__isnull=False),
                name="entry_sent_in_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[EntryStatus.APPROVED, EntryStatus.REJECTED])
                | Q(decided_at__isnull=False),
                name="entry_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.date} {self.hours}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ReminderKind(models.TextChoices):
    EMPLOYEE = "employee", _("Ikke sendt inn")
    MANAGER = "manager", _("Til godkjenning")


class ReminderSent(models.Model):
    """One weekly reminder to one person: claimed (inserted) before the e-mail goes out.

    The unique constraint is what makes a reminder go out once per person, ISO week and kind however
    many beat or worker processes run (see hr/reminders.py for the order of claim and send).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="reminders")
    # The ISO week, as its Monday (a Europe/Oslo date).
    week = models.DateField(_("uke"))
    kind = models.CharField(_("type"), max_length=20, choices=ReminderKind.choices)
    claimed_at = models.DateTimeField(_("påbegynt"), default=timezone.now)
    # Set once the mail server has accepted the e-mail; empty after a crash between claim and send.
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)

    class Meta:
        verbose_name = _("påminnelse")
        verbose_name_plural = _("påminnelser")
        ordering = ["-week", "kind", "employee_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "week", "kind"], name="one_reminder_per_person_week_kind"
            ),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.week} {self.kind}"


class ReminderRound(models.Model):
    """A company's reminders of one kind for one ISO week are done: later beat runs skip it.

    Written after the round's last e-mail, so a round cut short by a crash is run again (and
    ReminderSent keeps that from mailing anyone twice).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="reminder_rounds")
    week = models.DateField(_("uke"))
    kind = models.CharField(_("type"), max_length=20, choices=ReminderKind.choices)
    finished_at = models.DateTimeField(_("fullført"), default=timezone.now)

    class Meta:
        verbose_name = _("påminnelsesrunde")
        verbose_name_plural = _("påminnelsesrunder")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "week", "kind"], name="one_reminder_round_per_week_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_round_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.week} {self.kind}"
