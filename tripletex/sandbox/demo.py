"""The demo company «Grønn Bygg AS», the fixed demo tokens, and the generator for large companies.

GrønnJobb's HR demo company (hr/management/commands/seed_demo.py) has the same employees
1001-1013, projects P-100, P-200, P-300, P-500, P-600 and lønnsarter «Overtid 50 %» / «Overtid
100 %» (2010/2020), so the wizard links them all; the deliberate differences are listed there.
Some objects here are new (1014, 1015, P-400) and some are not importable (no e-mail, no number,
closed, contacts, salary types hidden from the timesheet) so the wizard has something to refuse.
Every employee has a department: «Bygg» and «Anlegg» as in the HR demo company, and
«Administrasjon», which GrønnJobb does not have (1001 and the new 1015). Everyone but 1013 Even
Strøm and the contact has an employment (arbeidsforhold).
Everything here is deterministic; `seed` only changes the generated names.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from tripletex.sandbox import store as s

APPLICATION_NAME: Final = "GrønnJobb"


def _token(token_id: int, secret: str) -> str:
    # Real tokens are base64 of {"tokenId":…,"token":…}; clients must not rely on that, but
    # looking alike keeps log redaction and length limits honest.
    raw = json.dumps({"tokenId": token_id, "token": secret}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


# Fixed so a developer can paste them into the wizard once and keep them (README).
DEMO_CONSUMER_TOKEN: Final = _token(1754, "sandbox-3f1c2a9e-5b7d-4e10-9a42-6c8d0b1e2f37")
DEMO_EMPLOYEE_TOKEN: Final = _token(2913, "sandbox-8a6e4c21-0d3f-4b59-b7e8-1f2a3c4d5e60")
# Same employee, but only allowed to read employees: endpoints outside answer 403.
DEMO_READ_ONLY_EMPLOYEE_TOKEN: Final = _token(2914, "sandbox-51d0e7a3-9c2b-4f68-8e11-a7b6c5d4e3f2")
# Created for another application name ("Gronnjobb"): session creation is refused.
DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN: Final = _token(2915, "sandbox-c0ffee00-1234-4abc-9def-0123456789ab")

DEMO_COMPANY_ID: Final = 1_080_001
DEMO_COMPANY_NAME: Final = "Grønn Bygg AS"
DEMO_ORGANIZATION_NUMBER: Final = "999888777"


@dataclass(frozen=True)
class SeedOptions:
    seed: int = 0
    employees: int = 0
    projects: int = 0
    consumer_token: str = DEMO_CONSUMER_TOKEN
    employee_token: str = DEMO_EMPLOYEE_TOKEN


BYGG: Final = "Bygg"
ANLEGG: Final = "Anlegg"
# The one department with no counterpart in the HR demo company.
ADMINISTRASJON: Final = "Administrasjon"
_DEPARTMENTS: Final = [(BYGG, "10"), (ANLEGG, "20"), (ADMINISTRASJON, "90")]
# In HR's departments (seed_demo) for the linked employees; the rest are Tripletex's own choice.
_DEPARTMENT_OF: Final = {
    **{number: BYGG for number in ("1002", "1003", "1004", "1005", "1006", "1018", "")},
    **{number: ANLEGG for number in ("1007", "1008", "1009", "1010", "1011", "1012", "1013", "1014", "1016")},
    "1001": ADMINISTRASJON,
    "1015": ADMINISTRASJON,
}
# Would link like the others, but has no employment in Tripletex (the wizard warns).
WITHOUT_EMPLOYMENT: Final = "1013"
EMPLOYMENT_START: Final = date(2020, 1, 1)

_EMPLOYEES: Final[list[tuple[str, str, str, str, dict[str, Any]]]] = [
    # number, first, last, email, extras
    ("1001", "Åse", "Bråten", "admin@gronnbygg.no", {"user_type": "EXTENDED"}),
    ("1002", "Øystein", "Lærum", "leder@gronnbygg.no", {}),
    ("1003", "Kåre", "Sæther", "ansatt@gronnbygg.no", {}),
    ("1004", "Ingrid", "Haugå", "ingrid.hauga@gronnbygg.no", {}),
    ("1005", "Bjørn", "Åsheim", "bjorn.asheim@gronnbygg.no", {}),
    ("1006", "Siv", "Ødegård", "siv.odegard@gronnbygg.no", {}),
    ("1007", "Håkon", "Brække", "hakon.braekke@gronnbygg.no", {}),
    ("1008", "Marthe", "Løvås", "marthe.lovas@gronnbygg.no", {}),
    ("1009", "Solveig", "Ødegaard", "leder.anlegg@gronnbygg.no", {}),
    ("1010", "Marte", "Kvåle", "marte.kvale@gronnbygg.no", {}),
    ("1011", "Bjørn", "Dahl", "bjorn.dahl@gronnbygg.no", {}),
    ("1012", "Siri", "Holm", "siri.holm@gronnbygg.no", {}),
    ("1013", "Even", "Strøm", "even.strom@gronnbygg.no", {}),
    ("1014", "Tor", "Kjærnes", "tor.kjaernes@gronnbygg.no", {}),
    ("1015", "Sølvi", "Grønås", "solvi.gronas@gronnbygg.no", {}),
    ("1016", "Per", "Uten Epost", "", {}),  # not importable: no e-mail
    ("", "Lise", "Nummerløs", "lise.nummerlos@gronnbygg.no", {}),  # not importable: no number
    ("1018", "Randi", "Lønnsfri", "randi.lonnsfri@gronnbygg.no", {"allow_information_registration": False}),
    ("", "Jens", "Ekstern", "jens@rørleggerkompaniet.no", {"is_contact": True, "user_type": "NO_ACCESS"}),
]


def seed_store(store: s.Store, options: SeedOptions) -> None:
    """Fill an empty store with the demo company, then the generated bulk, if any."""
    store.company = s.Company(
        id=DEMO_COMPANY_ID, name=DEMO_COMPANY_NAME, organization_number=DEMO_ORGANIZATION_NUMBER
    )
    owner = _seed_company(store, options)
    _add_tokens(store, owner_id=owner.id, options=options)


def seed_other_company(
    store: s.Store, *, name: str = "", employees: int = 0, projects: int = 0, seed: int = 0
) -> s.EmployeeToken:
    """Fill an empty sibling store with another company seeded like the demo one (the same people,
    projects and activities under ids of its own, plus `employees` and `projects` generated), and
    issue the employee token that opens it. Returns that token."""
    company_id = store.next_id("company")
    store.company = s.Company(
        id=company_id,
        name=name or f"Selskap {company_id - DEMO_COMPANY_ID} AS",
        organization_number=str(800_000_000 + company_id - DEMO_COMPANY_ID),
    )
    owner = _seed_company(store, SeedOptions(seed=seed, employees=employees, projects=projects))
    token_id = store.next_id("employeeToken")
    token = s.EmployeeToken(
        id=token_id,
        token=_token(token_id, f"sandbox-{uuid.uuid4()}"),
        employee_id=owner.id,
        application_name=APPLICATION_NAME,
        company_id=company_id,
    )
    store.employee_tokens[token.token] = token
    return token


def _seed_company(store: s.Store, options: SeedOptions) -> s.Employee:
    """The demo company's records and the generated bulk in `store`; returns the token owner."""
    departments = {
        name: add_department(store, name=name, department_number=number) for name, number in _DEPARTMENTS
    }
    employees = []
    for number, first, last, email, extra in _EMPLOYEES:
        employee = _add_employee(
            store, number, first, last, email, department_id=departments[_DEPARTMENT_OF[number]].id, **extra
        )
        if number != WITHOUT_EMPLOYMENT and not employee.is_contact:
            add_employment(store, employee, start_date=EMPLOYMENT_START)
        employees.append(employee)
    owner, leader = employees[0], employees[1]
    activities = _add_activities(store)
    _add_projects(store, manager_id=leader.id, owner_id=owner.id, leader_id=leader.id, activities=activities)
    _add_salary_types(store)
    store.settings = s.TimesheetSettings(
        id=1, default_project_activity_id=activities["Fakturerbart arbeid"].id
    )
    _generate(store, options=options, manager_id=leader.id, department_id=departments[BYGG].id)
    return owner


def add_department(store: s.Store, **fields: Any) -> s.Department:
    department = s.Department(id=store.next_id("department"), **fields)
    store.departments[department.id] = department
    return department


def add_employment(store: s.Store, employee: s.Employee, **fields: Any) -> s.Employment:
    employment = s.Employment(id=store.next_id("employment"), employee_id=employee.id, **fields)
    store.employments[employment.id] = employment
    employee.employment_ids.append(employment.id)
    return employment


def _add_employee(store: s.Store, number: str, first: str, last: str, email: str, **extra: Any) -> s.Employee:
    employee = s.Employee(
        id=store.next_id("employee"),
        first_name=first,
        last_name=last,
        employee_number=number,
        email=email,
        date_of_birth=date(1980 + len(store.employees) % 20, 1 + len(store.employees) % 12, 15),
        **extra,
    )
    store.employees[employee.id] = employee
    return employee


def _add_activities(store: s.Store) -> dict[str, s.Activity]:
    specs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("Administrasjon", "10", s.GENERAL_ACTIVITY, {}),
        ("Ferie", "20", s.GENERAL_ACTIVITY, {}),
        ("Prosjektadministrasjon", "30", s.PROJECT_GENERAL_ACTIVITY, {}),
        (
            "Fakturerbart arbeid",
            "40",
            s.PROJECT_GENERAL_ACTIVITY,
            {"is_chargeable": True, "rate": Decimal("950")},
        ),
        ("Overtid 50 %", "41", s.PROJECT_GENERAL_ACTIVITY, {"is_chargeable": True}),
        ("Snekring", "50", s.PROJECT_SPECIFIC_ACTIVITY, {"is_chargeable": True}),
        ("Rørlegging", "51", s.PROJECT_SPECIFIC_ACTIVITY, {"is_chargeable": True}),
        ("Murarbeid", "52", s.PROJECT_SPECIFIC_ACTIVITY, {}),
        ("Gammel aktivitet (utgått)", "90", s.PROJECT_GENERAL_ACTIVITY, {"is_disabled": True}),
        ("Møter", "95", s.TASK, {}),
    ]
    activities: dict[str, s.Activity] = {}
    for name, number, activity_type, extra in specs:
        activity = s.Activity(
            id=store.next_id("activity"), name=name, number=number, activity_type=activity_type, **extra
        )
        store.activities[activity.id] = activity
        activities[name] = activity
    return activities


def add_project(store: s.Store, **fields: Any) -> s.Project:
    project = s.Project(id=store.next_id("project"), **fields)
    store.projects[project.id] = project
    store.participants_of(project)  # participant records with ids fixed at seeding
    return project


def link_activity(store: s.Store, project: s.Project, activity: s.Activity, **fields: Any) -> None:
    link = s.ProjectActivity(
        id=store.next_id("projectActivity"), project_id=project.id, activity_id=activity.id, **fields
    )
    store.project_activities[link.id] = link
    project.project_activity_ids.append(link.id)


def _add_projects(
    store: s.Store, *, manager_id: int, owner_id: int, leader_id: int, activities: dict[str, s.Activity]
) -> None:
    common = {"project_manager_id": manager_id}
    bjorvika = add_project(
        store, name="Nybygg Bjørvika kontorbygg", number="P-100", start_date=date(2025, 1, 1), **common
    )
    link_activity(store, bjorvika, activities["Snekring"])
    aas = add_project(
        store,
        name="Rehabilitering Ås sykehjem",
        number="P-200",
        start_date=date(2025, 3, 1),
        general_project_activities_per_project_only=True,
        **common,
    )
    link_activity(store, aas, activities["Rørlegging"])
    link_activity(store, aas, activities["Fakturerbart arbeid"])
    tromso = add_project(
        store,
        name="Fasade Tromsø rådhus",
        number="P-300",
        start_date=date(2025, 6, 1),
        end_date=date(2027, 6, 30),
        **common,
    )
    link_activity(store, tromso, activities["Murarbeid"], is_closed=True)
    add_project(store, name="Grøntanlegg Fjøsanger", number="P-400", start_date=date(2026, 1, 1), **common)
    add_project(
        store,
        name="Bod på Røa",
        number="P-500",
        start_date=date(2024, 2, 1),
        end_date=date(2024, 12, 31),
        is_closed=True,
        **common,
    )
    add_project(store, name="Tilbud garasje Bærum", number="", start_date=date(2026, 4, 1), **common)
    add_project(
        store,
        name="Brygge på Stø",
        number="P-600",
        start_date=date(2025, 5, 1),
        for_participants_only=True,
        participant_ids={owner_id, leader_id},
        **common,
    )
    add_project(store, name="Skole på Æsøy", number="P-700", start_date=date(2027, 1, 1), **common)
    add_project(
        store, name="Intern tid", number="INT-1", start_date=date(2020, 1, 1), is_internal=True, **common
    )


def _add_salary_types(store: s.Store) -> None:
    for number, name, shown in [
        ("1000", "Fastlønn", False),
        ("2000", "Timelønn", True),
        ("2010", "Overtid 50 %", True),
        ("2020", "Overtid 100 %", True),
        ("2030", "Helligdagstillegg", True),
        ("5000", "Bilgodtgjørelse", False),
        ("6000", "Utlegg til kjøring i Bærum", False),
    ]:
        salary_type = s.SalaryType(
            id=store.next_id("salaryType"), number=number, name=name, show_in_timesheet=shown
        )
        store.salary_types[salary_type.id] = salary_type


def _add_tokens(store: s.Store, *, owner_id: int, options: SeedOptions) -> None:
    consumer = s.ConsumerToken(id=1754, token=options.consumer_token, application_name=APPLICATION_NAME)
    store.consumer_tokens[consumer.token] = consumer
    for token_id, token, application, entitlements in [
        (2913, options.employee_token, APPLICATION_NAME, None),
        (2914, DEMO_READ_ONLY_EMPLOYEE_TOKEN, APPLICATION_NAME, frozenset({"employee"})),
        (2915, DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN, "Gronnjobb", None),
    ]:
        store.employee_tokens[token] = s.EmployeeToken(
            id=token_id,
            token=token,
            employee_id=owner_id,
            application_name=application,
            company_id=store.company.id,
            entitlements=entitlements,
        )


_FIRST_NAMES: Final = [
    "Ørjan",
    "Åsa",
    "Kjærsti",
    "Bjørg",
    "Håvard",
    "Solveig",
    "Ærlend",
    "Tøril",
    "Ola",
    "Kari",
]
_LAST_NAMES: Final = ["Ødegaard", "Aasen", "Bækkelund", "Sørlie", "Håland", "Grønvold", "Fjære", "Løken"]
_PLACES: Final = ["Ålesund", "Bodø", "Kirkenes", "Førde", "Sørumsand", "Mo i Rana", "Skjærhalden", "Tønsberg"]


def _generate(store: s.Store, *, options: SeedOptions, manager_id: int, department_id: int) -> None:
    """Add generated employees and projects on top of the demo company (for benchmarks)."""
    rng = random.Random(options.seed)
    for index in range(options.employees):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        employee = _add_employee(
            store,
            str(20_000 + index),
            first,
            last,
            f"ansatt{20_000 + index}@gronnbygg.no",
            department_id=department_id,
        )
        add_employment(store, employee, start_date=EMPLOYMENT_START)
    for index in range(options.projects):
        place = rng.choice(_PLACES)
        add_project(
            store,
            name=f"Prosjekt {place} {index + 1}",
            number=f"G-{index + 1:05d}",
            start_date=date(2025, 1, 1),
            project_manager_id=manager_id,
        )
