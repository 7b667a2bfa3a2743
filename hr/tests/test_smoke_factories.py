from hr.models import WageType


def test_company_has_builtin_ordinary_wage_type(company):
    builtin = WageType.objects.get(company=company, is_builtin=True)
    assert builtin.name == "Ordinær tid"


def test_employee_factory_keeps_company_consistent(employee, company):
    assert employee.department.company == company
    assert employee.user.check_password("gronnjobb-test")
