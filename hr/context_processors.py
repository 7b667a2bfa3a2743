from django.http import HttpRequest

from hr.selectors import employee_for_user


def membership(request: HttpRequest) -> dict[str, object]:
    """The logged-in person's employee profile, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_employee": None}
    return {"current_employee": employee_for_user(user=user)}
