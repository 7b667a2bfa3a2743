"""Logging in and choosing a password: Django's own views, with the login lockout on the reset form."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import user_login_failed
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from grønnjobb.security import lockout_response


class PasswordResetView(auth_views.PasswordResetView):
    """«Glemt passord», refused while the address or the client is locked out.

    Every request counts like a failed login: sending reset links is what someone probing for
    accounts or flooding a mailbox repeats, and a locked-out attacker must not be able to go on here.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        credentials = {"email": request.POST.get("email", "")}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request)
        user_login_failed.send(sender=type(self), credentials=credentials, request=request)
        return super().post(request, *args, **kwargs)
