"""Who the client is, and what a locked-out client is told.

django-axes counts failed logins per username and per client address (settings: AXES_*); the
functions here are the hooks it calls. The API's throttles find the client the same way (DRF's
NUM_PROXIES is set from TRUSTED_PROXY_COUNT), so both limits follow one rule.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

LOCKED_OUT = _(
    "For mange mislykkede innloggingsforsøk. Av sikkerhetshensyn er innlogging for denne brukeren "
    "eller denne adressen sperret i %(minutes)s minutter. Prøv igjen senere, eller be en "
    "administrator i firmaet om å oppheve sperren."
)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the socket's peer, or what the outermost trusted proxy saw.

    With TRUSTED_PROXY_COUNT = n, each of our n proxies appended the address it received the request
    from to X-Forwarded-For, so the n-th entry from the right is the client as our outermost proxy
    saw it. Entries further left were written by the client and are ignored.
    """
    remote: str = request.META.get("REMOTE_ADDR", "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies == 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail a login attempt was for, lower-cased so «Ola@» and «ola@» count together.

    The login page sends it as «username», the API's token endpoint and the password reset form as
    «email».
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value:
        value = request.POST.get("email") or request.POST.get("username")
    return str(value).strip().lower() if value else None


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return str(LOCKED_OUT) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 with the explanation: JSON in the API's error shape under /api/, a page elsewhere."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = retry_after
    return response
