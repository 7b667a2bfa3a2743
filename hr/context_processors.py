from django.http import HttpRequest

from hr.selectors import employee_for_user


def membership(request: HttpRequest) -> dict[str, object]:
    """The logged-in person's employee profile, for the navigation: the one the view's decorator
    read (hr.views.employee_required), or read here on pages without it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_employee": None}
    employee = getattr(request, "employee", None)
    return {"current_employee": employee if employee is not None else employee_for_user(user=user)}
