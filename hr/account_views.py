"""One's own account: logging in, passwords, and API keys on «Min profil».

Django's own views, with the login lockout on the reset form, and every new password ending the
other sessions and the API keys.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import base36_to_int
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from grønnjobb.security import lockout_response
from hr import selectors, services
from hr.models import User

PASSWORD_CHANGED = gettext_lazy("Passordet er endret. Andre innlogginger og alle API-nøkler er avsluttet.")


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Navn på nøkkelen"),
        max_length=100,
        help_text=gettext_lazy("Hva nøkkelen brukes til, for eksempel «Lønnsskript»."),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, which also reaches people who were invited but never chose a password.

    Django sends nothing to a user without a usable password; an invited person whose link expired
    would be stuck. They get a fresh invitation instead (the same e-mail an administrator's
    «Send invitasjonen på nytt» sends), and the page answers the same either way.
    """

    def save(self, *args: Any, **kwargs: Any) -> None:
        email = self.cleaned_data["email"]
        invited = User.objects.filter(email__iexact=email, is_active=True, employee__is_active=True)
        for user in invited:
            if not user.has_usable_password():
                services.invitation_renew(user=user)
        super().save(*args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """«Glemt passord», refused while the address or the client is locked out.

    Every request counts like a failed login: sending reset links is what someone probing for
    accounts or flooding a mailbox repeats, and a locked-out attacker must not be able to go on here.
    """

    form_class = PasswordResetForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        credentials = {"email": request.POST.get("email", "")}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request)
        user_login_failed.send(sender=type(self), credentials=credentials, request=request)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password from an e-mailed link ends every session and API key taken with the old one."""

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        services.user_credentials_revoke(user=form.user)
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.validlink:
            token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN, "")
            context["link_expires_at"] = link_expires_at(token)
        return context


def link_expires_at(token: str) -> datetime.datetime | None:
    """When an e-mailed password link stops working: its creation time plus PASSWORD_RESET_TIMEOUT.

    Django's tokens start with their creation time, in seconds since 2001-01-01 in the server's
    local time (TIME_ZONE), written in base 36.
    """
    try:
        seconds = base36_to_int(token.split("-", 1)[0])
    except ValueError:
        return None
    created = datetime.datetime(2001, 1, 1) + datetime.timedelta(seconds=seconds)
    expires = created + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return timezone.make_aware(expires, zoneinfo.ZoneInfo(settings.TIME_ZONE))


class PasswordChangeView(auth_views.PasswordChangeView):
    """«Endre passord» on «Min profil»: this browser stays logged in, every other session and key ends."""

    template_name = "hr/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        services.user_credentials_revoke(user=form.user)
        response = super().form_valid(form)
        messages.success(
            self.request, _("Passordet er endret. Andre innlogginger og alle API-nøkler er avsluttet.")
        )
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """«Min profil»: one's own API keys, made, listed and revoked here."""
    user = request.user
    assert isinstance(user, User)
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST":
        action, _sep, target = request.POST.get("action", "").partition(":")
        if action == "revoke":
            try:
                token_id = int(target)
            except ValueError:
                raise Http404 from None
            services.api_token_revoke(user=user, token_id=token_id)
            messages.success(request, _("API-nøkkelen er trukket tilbake."))
            return redirect("profile")
        if action == "revoke-all":
            count = services.api_tokens_revoke_all(user=user)
            messages.success(
                request,
                ngettext(
                    "%(count)s API-nøkkel er trukket tilbake.",
                    "%(count)s API-nøkler er trukket tilbake.",
                    count,
                )
                % {"count": count},
            )
            return redirect("profile")
        if action == "create" and form.is_valid():
            try:
                _token, new_key = services.api_token_create(user=user, name=form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error("name", error.messages)
            else:
                form = ApiTokenForm()
    context = {
        "tokens": selectors.api_tokens_for_user(user=user),
        "form": form,
        "new_key": new_key,
        "lifetime_days": settings.API_TOKEN_LIFETIME_DAYS,
    }
    response = render(request, "hr/profile.html", context, status=400 if form.errors else 200)
    if new_key:
        # The key is in this page only: keep it out of every cache.
        response["Cache-Control"] = "no-store"
    return response
