"""The Tripletex connection of a company, the activation wizard's state, links and the audit trail.

hr knows nothing of these: links live here, one row per linked HR object.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hr.models import Company, Employee, Project, WageType


class PauseReason(models.TextChoices):
    """Why the company's transfers wait (Connection.pause_reason)."""

    NONE = "", _("Ingen pause")
    RATE = "rate", _("Tripletex ba oss vente")
    KEY = "key", _("Nøkkelen virker ikke")


class Connection(models.Model):
    """A company's link to one Tripletex company. Active only after «Ferdigstill»."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="tripletex_connection")
    is_active = models.BooleanField(default=False)
    # The employee token ("API-brukernøkkel"), encrypted (tripletex.crypto); empty once removed.
    employee_token = models.TextField(blank=True, editable=False)
    token_last4 = models.CharField(max_length=4, blank=True)
    tripletex_company_id = models.BigIntegerField(null=True, blank=True)
    tripletex_company_name = models.CharField(max_length=255, blank=True)
    tripletex_organization_number = models.CharField(max_length=20, blank=True)
    tripletex_user_name = models.CharField(max_length=255, blank=True)
    tripletex_user_email = models.CharField(max_length=255, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_import_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # «Send godkjente timer fra og med»: hours dated before it are never sent, whenever they are
    # approved (a key Tripletex already holds keeps being kept equal). Empty: every date is sent.
    send_hours_from = models.DateField(null=True, blank=True)
    # Transfers of the whole company wait until then: Tripletex asked us to slow down (429), or the
    # key stopped working (401) and waits for «Oppdater Tripletex» with a new one.
    paused_until = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=20, blank=True, choices=PauseReason.choices)
    # The last pause for a 429 without a reset header: the next one doubles it (capped).
    throttle_seconds = models.PositiveIntegerField(default=0)
    last_transfer_at = models.DateTimeField(null=True, blank=True)
    # The administrators are told once when transfers start failing, not once per entry.
    failure_notified_at = models.DateTimeField(null=True, blank=True)
    # The managers told in the same failure episode that hours they approved did not arrive (ids):
    # each once, until a transfer succeeds again.
    failure_notified_approvers = models.JSONField(default=list, blank=True)
    # Deliveries of the company are coalesced: the first approval of a quiet moment schedules one
    # delivery for this time, and approvals before then join it (docs/transfer.md#coalescing).
    delivery_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pause_reason__in=PauseReason.values), name="connection_pause_reason_known"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False)
                | (~Q(employee_token="") & Q(tripletex_company_id__isnull=False)),
                name="active_connection_has_key_and_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} → {self.tripletex_company_name or '?'}"


class WizardStatus(models.TextChoices):
    OPEN = "open", _("Pågår")
    FINISHED = "finished", _("Fullført")
    CANCELLED = "cancelled", _("Avbrutt")


class WizardRun(models.Model):
    """One pass through «Koble til Tripletex» or «Oppdater Tripletex».

    Nothing here is in effect until «Ferdigstill»: the key typed in step 1 waits in this row, and
    the connection keeps its old key (or stays inactive) until the run is finished.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="tripletex_wizard_runs")
    started_by = models.ForeignKey(Employee, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=WizardStatus.choices, default=WizardStatus.OPEN)
    is_update = models.BooleanField(default=False)
    # The key for this run, encrypted; empty when an update keeps the connection's key.
    employee_token = models.TextField(blank=True, editable=False)
    token_last4 = models.CharField(max_length=4, blank=True)
    key_checked = models.BooleanField(default=False)
    tripletex_company_id = models.BigIntegerField(null=True, blank=True)
    tripletex_company_name = models.CharField(max_length=255, blank=True)
    tripletex_organization_number = models.CharField(max_length=20, blank=True)
    tripletex_user_name = models.CharField(max_length=255, blank=True)
    tripletex_user_email = models.CharField(max_length=255, blank=True)
    # Per kind ("project", "wage_type", "employee"): {"state": "running|done|failed", "count": n,
    # "error": "…"}; shown while a step fetches, and polled by the page.
    fetch_state = models.JSONField(default=dict, blank=True)
    # The date chosen in «Oppsummering»; empty until chosen (then the activation day, or the date the
    # connection already has).
    send_hours_from = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(status="open"), name="one_open_wizard_per_company"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ItemKind(models.TextChoices):
    PROJECT = "project", _("Prosjekt")
    WAGE_TYPE = "wage_type", _("Lønnsart")
    EMPLOYEE = "employee", _("Ansatt")


class LinkState(models.TextChoices):
    NEW = "new", _("Ny")
    LINKED = "linked", _("Koblet")
    CHANGED = "changed", _("Endret i Tripletex")


class WizardItem(models.Model):
    """One project, lønnsart or employee fetched from Tripletex in a wizard run."""

    run = models.ForeignKey(WizardRun, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    tripletex_id = models.BigIntegerField()
    number = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=255, blank=True)
    # What the step shows and «Ferdigstill» applies: e-mail and names for employees, closed and
    # dates for projects, the usable activities of a project ([{"id", "name"}]).
    data = models.JSONField(default=dict, blank=True)
    eligible = models.BooleanField(default=True)
    reason = models.CharField(max_length=255, blank=True)
    selected = models.BooleanField(default=False)
    link_state = models.CharField(max_length=20, choices=LinkState.choices, default=LinkState.NEW)
    # The HR object this item matches (project/lønnsart by number, employee by employee number).
    local_id = models.BigIntegerField(null=True, blank=True)
    # Whether that HR object is linked to this Tripletex item right now. With `selected` it says
    # what «Ferdigstill» does: ticked and linked stays «Koblet», ticked and not linked «Kobles»,
    # unticked and linked «Kobles fra».
    linked_now = models.BooleanField(default=False)
    changes = models.JSONField(default=dict, blank=True)
    # The administrator's choices: {"activity_id"}, {"role", "department_id"}, {"link_user_id"}.
    options = models.JSONField(default=dict, blank=True)
    # An employee whose e-mail already belongs to another user: that user's id.
    email_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "tripletex_id"], name="wizard_item_unique"),
        ]
        indexes = [models.Index(fields=["run", "kind", "number"])]
        ordering = ["number", "name", "tripletex_id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} {self.name}"

    @property
    def start_date(self) -> datetime.date | None:
        return _date_or_none(self.data.get("start_date"))

    @property
    def end_date(self) -> datetime.date | None:
        return _date_or_none(self.data.get("end_date"))

    @property
    def plan(self) -> str:
        """What «Ferdigstill» does with this item as it stands; the step's label says the same."""
        if not self.eligible:
            return "ineligible"
        if self.linked_now:
            return "keep" if self.selected else "unlink"
        if self.local_id is not None:
            return "link" if self.selected else "match"
        return "create" if self.selected else "new"


def _date_or_none(value: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


class LinkBase(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    tripletex_company_id = models.BigIntegerField()
    tripletex_id = models.BigIntegerField()
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"Tripletex {self.tripletex_company_id}/{self.tripletex_id}"


class ProjectLink(LinkBase):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="tripletex_link")
    activity_id = models.BigIntegerField()
    activity_name = models.CharField(max_length=255, blank=True)
    # Tripletex refuses hours on a participants-only project from anyone but its participants: who
    # they were (Tripletex employee ids) at the last «Ferdigstill», so approval can say so first.
    participants_only = models.BooleanField(default=False)
    participant_ids = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "tripletex_company_id", "tripletex_id"], name="project_link_unique"
            ),
        ]


class EmployeeLink(LinkBase):
    employee = models.OneToOneField(Employee, on_delete=models.CASCADE, related_name="tripletex_link")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "tripletex_company_id", "tripletex_id"], name="employee_link_unique"
            ),
        ]


class WageTypeLink(LinkBase):
    wage_type = models.OneToOneField(WageType, on_delete=models.CASCADE, related_name="tripletex_link")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "tripletex_company_id", "tripletex_id"], name="wage_type_link_unique"
            ),
        ]


class AuditAction(models.TextChoices):
    CONNECTED = "connected", _("Koblet til Tripletex")
    UPDATED = "updated", _("Oppdaterte Tripletex-koblingen")
    REMOVED = "removed", _("Fjernet integrasjonen")
    CANCELLED = "cancelled", _("Avbrøt oppsettet")
    KEY_ROTATED = "key_rotated", _("Krypterte nøkkelen på nytt")


class AuditEvent(models.Model):
    """Who connected, updated or removed the integration, and what each «Ferdigstill» did."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="tripletex_audit")
    actor = models.ForeignKey(Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    at = models.DateTimeField(auto_now_add=True)
    tripletex_company_id = models.BigIntegerField(null=True, blank=True)
    tripletex_company_name = models.CharField(max_length=255, blank=True)
    # Counts and the numbers of what was created, linked and updated, per kind.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class TransferState(models.TextChoices):
    PENDING = "pending", _("Venter")
    SENT = "sent", _("Sendt")
    FAILED = "failed", _("Feilet")
    CONFLICT = "conflict", _("Konflikt")
    NOT_SENT = "not_sent", _("Ikke sendt")


class TransferRow(models.Model):
    """What one Tripletex object should hold and what we last saw there; the outbox of the transfer.

    Approval changes `wanted_hours` and marks the row pending in the same transaction. Rows are never
    deleted; they end sent or visibly not.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    tripletex_company_id = models.BigIntegerField()
    wanted_hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    remote_id = models.BigIntegerField(null=True, blank=True)
    remote_version = models.IntegerField(null=True, blank=True)
    sent_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    state = models.CharField(max_length=20, choices=TransferState.choices, default=TransferState.PENDING)
    # After an unclear outcome the key is looked up in Tripletex before anything is sent again.
    needs_lookup = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is calling Tripletex for the row: no second delivery starts until it has
    # recorded its outcome (or the lease ran out because the worker died).
    in_flight_until = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RemoteHours(TransferRow):
    """The hours that should be on one Tripletex timesheet entry. Tripletex keeps one entry per
    (employee, date, activity, project), so approved hours with the same key are summed here, and
    their comments joined behind the marker (`transfer.remote_comment`)."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    activity_id = models.BigIntegerField()
    # The whole comment the Tripletex entry should carry; empty on rows from before comments were
    # sent, which carry the marker alone.
    wanted_comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "tripletex_company_id", "employee", "date", "project", "activity_id"],
                name="one_remote_hours_per_key",
            ),
            models.CheckConstraint(condition=Q(wanted_hours__gte=0), name="remote_hours_not_negative"),
            models.CheckConstraint(
                condition=Q(state__in=TransferState.values), name="remote_hours_state_known"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            # A company's due rows, for its coalesced delivery (tripletex/transfer/machine.py).
            models.Index(fields=["company", "state", "next_attempt_at"]),
            models.Index(fields=["company", "employee", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date} {self.project_id}/{self.activity_id}: {self.wanted_hours}"


class RemoteSalaryLine(TransferRow):
    """The count (= hours) that should be on one Tripletex lønnsart line (salaryTypeSpecification),
    per (employee, date, lønnsart), for lønnsarter imported from Tripletex."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    wage_type = models.ForeignKey(WageType, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    salary_type_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "tripletex_company_id", "employee", "date", "wage_type"],
                name="one_salary_line_per_key",
            ),
            models.CheckConstraint(condition=Q(wanted_hours__gte=0), name="salary_line_not_negative"),
            models.CheckConstraint(
                condition=Q(state__in=TransferState.values), name="salary_line_state_known"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            # A company's due rows, for its coalesced delivery (tripletex/transfer/machine.py).
            models.Index(fields=["company", "state", "next_attempt_at"]),
            models.Index(fields=["company", "employee", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date} lønnsart {self.wage_type_id}: {self.wanted_hours}"


class TransferAttempt(models.Model):
    """Every call made for a key, with what came back: the transfer's audit trail."""

    remote = models.ForeignKey(
        RemoteHours, on_delete=models.CASCADE, related_name="attempt_log", null=True, blank=True
    )
    salary_line = models.ForeignKey(
        RemoteSalaryLine, on_delete=models.CASCADE, related_name="attempt_log", null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    outcome = models.CharField(max_length=30)
    http_status = models.IntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # An attempt is made for exactly one row: an hours row or a lønnsart line.
            models.CheckConstraint(
                condition=(Q(remote__isnull=False) & Q(salary_line__isnull=True))
                | (Q(remote__isnull=True) & Q(salary_line__isnull=False)),
                name="transfer_attempt_one_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"
