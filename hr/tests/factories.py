"""factory_boy factories that keep the tenant consistent: everything hangs off one company."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from hr import services
from hr.models import Company, Department, Employee, EntryStatus, HourEntry, Project, Role, User, WageType

PASSWORD = "gronnjobb-test"


class CompanyFactory(factory.django.DjangoModelFactory[Company]):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Firma {n} AS")
    organisation_number = factory.Sequence(lambda n: f"{900000000 + n}")

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> Company:
        return services.company_create(
            name=str(kwargs["name"]), organisation_number=str(kwargs["organisation_number"])
        )


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Avdeling {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.no")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    # factory_boy's post_generation decorator is unannotated.
    @factory.post_generation  # type: ignore[untyped-decorator]
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class EmployeeFactory(factory.django.DjangoModelFactory[Employee]):
    class Meta:
        model = Employee

    company = factory.SubFactory(CompanyFactory)
    department = factory.SubFactory(DepartmentFactory, company=factory.SelfAttribute("..company"))
    user = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"))
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    email = factory.Sequence(lambda n: f"ansatt{n}@example.no")
    # Far from the demo numbers (1001-1018) that tests match against the Tripletex sandbox.
    employee_number = factory.Sequence(lambda n: f"{50000 + n}")
    role = Role.EMPLOYEE


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"P-{n}")
    name = factory.Sequence(lambda n: f"Prosjekt {n}")


class WageTypeFactory(factory.django.DjangoModelFactory[WageType]):
    class Meta:
        model = WageType

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"{200 + n}")
    name = factory.Sequence(lambda n: f"Overtid {n}")


class HourEntryFactory(factory.django.DjangoModelFactory[HourEntry]):
    class Meta:
        model = HourEntry

    employee = factory.SubFactory(EmployeeFactory)
    company = factory.SelfAttribute("employee.company")
    project = factory.SubFactory(ProjectFactory, company=factory.SelfAttribute("..company"))
    wage_type = factory.LazyAttribute(lambda o: WageType.objects.get(company=o.company, is_builtin=True))
    date = factory.LazyFunction(lambda: datetime.date(2026, 11, 23))
    hours = Decimal("7.50")
    status = EntryStatus.REGISTERED


def manager_of(department: Department, **kwargs: object) -> Employee:
    manager = EmployeeFactory.create(
        company=department.company, department=department, role=Role.MANAGER, **kwargs
    )
    department.managers.add(manager)
    return manager


def administrator_of(company: Company, **kwargs: object) -> Employee:
    return EmployeeFactory.create(company=company, role=Role.ADMINISTRATOR, **kwargs)
