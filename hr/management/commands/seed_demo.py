"""Demo company «Grønn Bygg AS»: people, projects, lønnsarter and weeks of hours in every status.

Idempotent: running it again changes nothing that exists and adds nothing twice.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from hr import services
from hr.models import Company, Department, Employee, EntryStatus, HourEntry, Project, Role, User, WageType
from hr.weeks import monday_of, today_local

DEMO_PASSWORD = "gronnjobb-demo"
ORGANISATION_NUMBER = "912345674"

# The Tripletex sandbox's demo company (tripletex/sandbox/demo.py) has the same people, projects and
# lønnsarter, so the wizard with only «Neste» and «Ferdigstill» links them all. They disagree only in
# these deliberate examples (README, «Demo logins»):
# - 1008 is «Marthe» in Tripletex: a name changed there since.
# - 1016 Per Uten Epost has no e-mail in Tripletex: he cannot be linked, and his approvals are refused.
# - P-300 is «Fasade Tromsø rådhus» in Tripletex: a renamed project.
# - P-500 is closed here and in Tripletex: a closed project, never linked; Håkon's hours from before it
#   was closed cannot be approved.
# - P-600 is for participants only in Tripletex (1001 and 1002): Øystein's Thursday there goes
#   through; others' hours there cannot be approved until Tripletex makes them participants.
# - 1013 has no employment in Tripletex: the wizard marks him; his hours are still sent.
# - Tripletex has the departments «Bygg» and «Anlegg» for the same people as here, and also
#   «Administrasjon» (1001 and the new 1015), which this company does not have.
PEOPLE = [
    # e-mail, first name, last name, employee number, department, role
    ("admin@gronnbygg.no", "Åse", "Bråten", "1001", None, Role.ADMINISTRATOR),
    ("leder@gronnbygg.no", "Øystein", "Lærum", "1002", "Bygg", Role.MANAGER),
    ("ansatt@gronnbygg.no", "Kåre", "Sæther", "1003", "Bygg", Role.EMPLOYEE),
    ("ingrid.hauga@gronnbygg.no", "Ingrid", "Haugå", "1004", "Bygg", Role.EMPLOYEE),
    ("bjorn.asheim@gronnbygg.no", "Bjørn", "Åsheim", "1005", "Bygg", Role.EMPLOYEE),
    ("siv.odegard@gronnbygg.no", "Siv", "Ødegård", "1006", "Bygg", Role.EMPLOYEE),
    ("hakon.braekke@gronnbygg.no", "Håkon", "Brække", "1007", "Anlegg", Role.EMPLOYEE),
    ("marthe.lovas@gronnbygg.no", "Marte", "Løvås", "1008", "Anlegg", Role.EMPLOYEE),
    ("leder.anlegg@gronnbygg.no", "Solveig", "Ødegaard", "1009", "Anlegg", Role.MANAGER),
    ("marte.kvale@gronnbygg.no", "Marte", "Kvåle", "1010", "Anlegg", Role.EMPLOYEE),
    ("bjorn.dahl@gronnbygg.no", "Bjørn", "Dahl", "1011", "Anlegg", Role.EMPLOYEE),
    ("siri.holm@gronnbygg.no", "Siri", "Holm", "1012", "Anlegg", Role.EMPLOYEE),
    ("even.strom@gronnbygg.no", "Even", "Strøm", "1013", "Anlegg", Role.EMPLOYEE),
    ("per.uten.epost@gronnbygg.no", "Per", "Uten Epost", "1016", "Anlegg", Role.EMPLOYEE),
]
PROJECTS = [
    ("P-100", "Nybygg Bjørvika kontorbygg", False),
    ("P-200", "Rehabilitering Ås sykehjem", False),
    ("P-300", "Fasade rådhus Tromsø", False),
    ("P-500", "Bod på Røa", True),
    ("P-600", "Brygge på Stø", False),
]
# In the week sent in: Øystein (1002), a participant, has Thursday on P-600; Håkon (1007) has Monday
# on the closed P-500, registered before it was closed.
DELIBERATE_DAYS = {("1002", 3): "P-600", ("1007", 0): "P-500"}
# Tripletex's salary types 2010 and 2020, shown in its timesheet.
WAGE_TYPES = [("2010", "Overtid 50 %"), ("2020", "Overtid 100 %")]


class Command(BaseCommand):
    help = "Load the demo company «Grønn Bygg AS» (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        company = Company.objects.filter(organisation_number=ORGANISATION_NUMBER).first()
        if company is None:
            company = services.company_create(name="Grønn Bygg AS", organisation_number=ORGANISATION_NUMBER)
        departments = {
            name: Department.objects.get_or_create(company=company, name=name)[0]
            for name in ("Bygg", "Anlegg")
        }
        people = {}
        for email, first, last, number, department, role in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
            employee, _ = Employee.objects.get_or_create(
                company=company,
                employee_number=number,
                defaults={
                    "user": user,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "role": role,
                    "department": departments.get(department) if department else None,
                },
            )
            people[email] = employee
            if role == Role.MANAGER and department:
                departments[department].managers.add(employee)
        projects = [
            Project.objects.get_or_create(
                company=company, number=number, defaults={"name": name, "is_closed": closed}
            )[0]
            for number, name, closed in PROJECTS
        ]
        for number, name in WAGE_TYPES:
            # By name: a company seeded before these numbers keeps its «Overtid 50 %» (one per name).
            WageType.objects.get_or_create(company=company, name=name, defaults={"number": number})
        if not HourEntry.objects.filter(company=company).exists():
            self._hours(company, people, projects)
        self.stdout.write(self.style.SUCCESS(f"Demo company «{company.name}» is ready."))
        self.stdout.write(
            f"Log in with admin@gronnbygg.no, leder@gronnbygg.no or ansatt@gronnbygg.no / {DEMO_PASSWORD}"
        )

    def _hours(self, company: Company, people: dict[str, Employee], all_projects: list[Project]) -> None:
        """Four weeks: three weeks back approved, rejected and sent in; this week registered. In the
        week sent in, Øystein (a participant of P-600 in Tripletex) has his Thursday on P-600, and Håkon
        has his Monday on P-500, registered before it was closed: approving his week is refused."""
        projects = [p for p in all_projects if not p.is_closed]
        by_number = {p.number: p for p in all_projects}
        ordinary = WageType.objects.get(company=company, is_builtin=True)
        overtime = WageType.objects.get(company=company, name="Overtid 50 %")
        this_monday = monday_of(today_local())
        admin = people["admin@gronnbygg.no"]
        managers = {"Bygg": people["leder@gronnbygg.no"], "Anlegg": people["leder.anlegg@gronnbygg.no"]}
        now = timezone.now()
        entries = []
        for index, (_email, employee) in enumerate(sorted(people.items())):
            approver = managers.get(employee.department.name if employee.department else "", admin)
            if approver == employee:
                approver = admin
            project = projects[index % len(projects)]
            for weeks_back, status in (
                (3, EntryStatus.APPROVED),
                (2, EntryStatus.APPROVED),
                (1, EntryStatus.SUBMITTED),
                (0, EntryStatus.REGISTERED),
            ):
                monday = this_monday - datetime.timedelta(weeks=weeks_back)
                for day in range(5):
                    date = monday + datetime.timedelta(days=day)
                    entry_status = status
                    project_of_day = project
                    if weeks_back == 1 and (employee.employee_number, day) in DELIBERATE_DAYS:
                        project_of_day = by_number[DELIBERATE_DAYS[employee.employee_number, day]]
                    reason = ""
                    if weeks_back == 2 and day == 4 and index % 3 == 0:
                        entry_status, reason = (
                            EntryStatus.REJECTED,
                            "Feil prosjekt – skal føres på Barnehage Årstad.",
                        )
                    entry = HourEntry(
                        company=company,
                        employee=employee,
                        date=date,
                        project=project_of_day,
                        wage_type=ordinary,
                        hours=Decimal("7.50"),
                        comment="",
                        status=entry_status,
                        rejection_reason=reason,
                    )
                    if entry_status != EntryStatus.REGISTERED:
                        entry.submitted_by, entry.submitted_at = employee, now
                    if entry_status in (EntryStatus.APPROVED, EntryStatus.REJECTED):
                        entry.decided_by, entry.decided_at = approver, now
                    entries.append(entry)
                if weeks_back == 1 and index % 2 == 0:
                    entries.append(
                        HourEntry(
                            company=company,
                            employee=employee,
                            date=monday + datetime.timedelta(days=2),
                            project=project,
                            wage_type=overtime,
                            hours=Decimal("2.00"),
                            comment="Betongstøp",
                            status=EntryStatus.SUBMITTED,
                            submitted_by=employee,
                            submitted_at=now,
                        )
                    )
        HourEntry.objects.bulk_create(entries)
