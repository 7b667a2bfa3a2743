"""Reads for the Tripletex pages, scoped to the administrator's company."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum

from hr.models import Company, Department, EntryStatus, HourEntry, WageType
from tripletex.models import (
    AuditEvent,
    Connection,
    EmployeeLink,
    ItemKind,
    LinkState,
    ProjectLink,
    RemoteHours,
    RemoteSalaryLine,
    TransferState,
    WageTypeLink,
    WizardItem,
    WizardRun,
    WizardStatus,
)
from tripletex.services.wizard import department_key

STEP_PAGE_SIZE = 50
FILTERS = ("alle", "valgbare", "valgte", "nye", "koblet", "kobles", "kobles-fra", "endret", "ikke-valgbare")


@dataclass(frozen=True)
class WaitingHours:
    """Hours sent in for approval, split at «Send godkjente timer fra og med»."""

    before_entries: int
    before_hours: Decimal
    from_entries: int
    from_hours: Decimal


def waiting_around(*, company: Company, date: datetime.date) -> WaitingHours:
    """What waits for approval before the date (never sent, even once approved) and from it (sent
    when approved): shown on «Oppsummering» beside the already-approved count."""
    totals = HourEntry.objects.filter(company=company, status=EntryStatus.SUBMITTED).aggregate(
        before_entries=Count("id", filter=Q(date__lt=date)),
        before_hours=Sum("hours", filter=Q(date__lt=date)),
        from_entries=Count("id", filter=Q(date__gte=date)),
        from_hours=Sum("hours", filter=Q(date__gte=date)),
    )
    return WaitingHours(
        before_entries=totals["before_entries"],
        before_hours=totals["before_hours"] or Decimal("0"),
        from_entries=totals["from_entries"],
        from_hours=totals["from_hours"] or Decimal("0"),
    )


def connection_for(*, company: Company) -> Connection | None:
    return Connection.objects.filter(company=company).first()


def wizard_for(*, company: Company) -> WizardRun | None:
    return WizardRun.objects.filter(company=company, status=WizardStatus.OPEN).first()


def _filtered(items: QuerySet[WizardItem], *, query: str, shown: str) -> QuerySet[WizardItem]:
    if query:
        items = items.filter(
            Q(name__icontains=query) | Q(number__icontains=query) | Q(data__email__icontains=query)
        )
    return {
        "valgbare": items.filter(eligible=True),
        "valgte": items.filter(selected=True),
        "nye": items.filter(eligible=True, link_state=LinkState.NEW),
        "koblet": items.filter(linked_now=True),
        "kobles": items.filter(eligible=True, selected=True, linked_now=False, local_id__isnull=False),
        "kobles-fra": items.filter(eligible=True, selected=False, linked_now=True),
        "endret": items.filter(link_state=LinkState.CHANGED),
        "ikke-valgbare": items.filter(eligible=False),
    }.get(shown, items)


def step_page(
    *, run: WizardRun, kind: str, query: str, shown: str, page_number: str | None
) -> Page[WizardItem]:
    items = WizardItem.objects.filter(run=run, kind=kind).order_by("-eligible", "number", "name", "id")
    return Paginator(_filtered(items, query=query, shown=shown), STEP_PAGE_SIZE).get_page(page_number)


@dataclass
class StepCounts:
    total: int
    eligible: int
    selected: int
    new: int
    linked: int
    to_link: int
    to_unlink: int
    changed: int

    @property
    def ineligible(self) -> int:
        return self.total - self.eligible


def step_counts(*, run: WizardRun, kind: str) -> StepCounts:
    # Aliases must not be field names ("eligible", "selected"), or Django reads them as aggregates.
    counts = WizardItem.objects.filter(run=run, kind=kind).aggregate(
        n_total=Count("id"),
        n_eligible=Count("id", filter=Q(eligible=True)),
        n_selected=Count("id", filter=Q(selected=True)),
        n_new=Count("id", filter=Q(eligible=True, link_state=LinkState.NEW)),
        n_linked=Count("id", filter=Q(linked_now=True)),
        n_to_link=Count(
            "id", filter=Q(eligible=True, selected=True, linked_now=False, local_id__isnull=False)
        ),
        n_to_unlink=Count("id", filter=Q(eligible=True, selected=False, linked_now=True)),
        n_changed=Count("id", filter=Q(link_state=LinkState.CHANGED)),
    )
    return StepCounts(**{name.removeprefix("n_"): value for name, value in counts.items()})


@dataclass
class SummaryLine:
    kind: str
    create: list[WizardItem]
    link: list[WizardItem]
    keep: list[WizardItem]
    update: list[WizardItem]
    unlink: list[WizardItem]
    skipped_email: list[WizardItem]
    create_count: int
    link_count: int
    keep_count: int
    update_count: int
    unlink_count: int
    # Employees only: the departments «Opprett avdelingen …» creates, once each.
    new_departments: list[str] = field(default_factory=list)


SUMMARY_SHOWN = 25


def wizard_summary(*, run: WizardRun) -> list[SummaryLine]:
    """Step 5: exactly what «Ferdigstill» will create, link and update, per kind.

    Classified in Python, with the same rule as the apply: a JSON key that is absent must count as
    "not chosen", which SQL's three-valued NOT would get wrong.
    """
    lines = []
    fields = (
        "id",
        "number",
        "name",
        "link_state",
        "email_user_id",
        "options",
        "linked_now",
        "local_id",
        "data",
    )
    for kind in ItemKind.values:
        groups: dict[str, list[WizardItem]] = {
            "create": [],
            "link": [],
            "keep": [],
            "update": [],
            "unlink": [],
            "skipped": [],
        }
        chosen = WizardItem.objects.filter(run=run, kind=kind, eligible=True).filter(
            Q(selected=True) | Q(linked_now=True)
        )
        for item in chosen.order_by("number", "id").only(*fields, "selected", "eligible"):
            links_user = bool(item.options.get("link_user"))
            if not item.selected:
                groups["unlink"].append(item)
            elif item.link_state == LinkState.CHANGED:
                groups["update"].append(item)
            elif item.linked_now:
                groups["keep"].append(item)
            elif item.local_id is not None or links_user:
                groups["link"].append(item)
            elif item.email_user_id is not None:
                groups["skipped"].append(item)
            else:
                groups["create"].append(item)
        lines.append(
            SummaryLine(
                kind=kind,
                create=groups["create"][:SUMMARY_SHOWN],
                link=groups["link"][:SUMMARY_SHOWN],
                keep=groups["keep"][:SUMMARY_SHOWN],
                update=groups["update"][:SUMMARY_SHOWN],
                unlink=groups["unlink"][:SUMMARY_SHOWN],
                skipped_email=groups["skipped"][:SUMMARY_SHOWN],
                create_count=len(groups["create"]),
                link_count=len(groups["link"]),
                keep_count=len(groups["keep"]),
                update_count=len(groups["update"]),
                unlink_count=len(groups["unlink"]),
                new_departments=_departments_to_create(run, groups["create"])
                if kind == ItemKind.EMPLOYEE
                else [],
            )
        )
    return lines


def _departments_to_create(run: WizardRun, created: list[WizardItem]) -> list[str]:
    """The Tripletex departments chosen for new employees («Opprett avdelingen …») that do not exist
    here by now, once each, as «Ferdigstill» creates them. One query, only when there are any."""
    wanted: dict[str, str] = {}
    for item in created:
        name = item.data.get("department_name", "").strip()
        if item.options.get("department_new") and name:
            wanted.setdefault(department_key(name), name)
    if wanted:
        for name in Department.objects.filter(company_id=run.company_id).values_list("name", flat=True):
            wanted.pop(department_key(name), None)
    return sorted(wanted.values(), key=str.casefold)


@dataclass
class LinkCounts:
    employees: int
    projects: int
    wage_types: int


def link_counts(*, connection: Connection) -> LinkCounts:
    """What is linked now to the connection's Tripletex company: the card says the same as the steps."""
    scope = {"company_id": connection.company_id, "tripletex_company_id": connection.tripletex_company_id}
    return LinkCounts(
        employees=EmployeeLink.objects.filter(**scope).count(),
        projects=ProjectLink.objects.filter(**scope).count(),
        wage_types=WageTypeLink.objects.filter(**scope).count(),
    )


def wage_types_of(*, company: Company) -> QuerySet[WageType]:
    """The lønnsarter a Tripletex salary type can be linked to (never the built-in «Ordinær tid»)."""
    return WageType.objects.filter(company=company, is_builtin=False).order_by("name")


def departments_of(*, company: Company) -> QuerySet[Department]:
    return Department.objects.filter(company=company).order_by("name")


def non_participants(*, run: WizardRun, items: Sequence[WizardItem]) -> dict[int, list[str]]:
    """For each participants-only project among `items`: the employees linked to Tripletex here, or
    ticked for import in step «Ansatte», who are not its participants, so Tripletex would refuse
    their hours there. By name, sorted; two queries, only when such a project is among them."""
    projects = [i for i in items if i.kind == ItemKind.PROJECT and i.data.get("for_participants_only")]
    if not projects or run.tripletex_company_id is None:
        return {}
    people = {
        link.tripletex_id: link.employee.full_name
        for link in EmployeeLink.objects.filter(
            company_id=run.company_id, tripletex_company_id=run.tripletex_company_id
        ).select_related("employee")
    }
    people.update(
        WizardItem.objects.filter(run=run, kind=ItemKind.EMPLOYEE, eligible=True, selected=True).values_list(
            "tripletex_id", "name"
        )
    )
    result = {}
    for item in projects:
        allowed = {p["id"] for p in item.data.get("participants", [])}
        result[item.id] = sorted(name for tripletex_id, name in people.items() if tripletex_id not in allowed)
    return result


def audit_events(*, company: Company) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(company=company).order_by("-at", "-id")


@dataclass
class TransferCounts:
    pending: int
    sent: int
    failed: int
    conflict: int
    not_sent: int


def transfer_counts(*, company: Company) -> TransferCounts:
    counts = dict(
        RemoteHours.objects.filter(company=company)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return TransferCounts(**{state: counts.get(state, 0) for state in TransferState.values})


def transfer_problems(*, company: Company) -> QuerySet[RemoteHours]:
    """What did not reach Tripletex: failed, conflicting, not sent, and waiting for a retry after a
    failed attempt (with its next attempt and last error), newest first."""
    return (
        RemoteHours.objects.filter(
            Q(state__in=[TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT])
            | Q(state=TransferState.PENDING, attempts__gt=0),
            company=company,
        )
        .select_related("employee", "project")
        .order_by("-changed_at", "-id")
    )


def salary_line_problems(*, company: Company) -> QuerySet[RemoteSalaryLine]:
    return (
        RemoteSalaryLine.objects.filter(
            company=company, state__in=[TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT]
        )
        .select_related("employee", "wage_type")
        .order_by("-changed_at", "-id")[:200]
    )
