"""API keys: «Authorization: Token <key>», looked up by the key's SHA-256 digest.

A subclass of DRF's TokenAuthentication so the header, the 401 challenge and the schema's
«tokenAuth» scheme stay as they were; only where the key is found changes (hr.models.ApiToken).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from hr.models import ApiToken, User
from hr.services import api_token_digest

TOKEN_INVALID = _("Ugyldig, utløpt eller tilbaketrukket API-nøkkel.")
# «Sist brukt» is written at most this often per key, so busy clients do not write on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=api_token_digest(key), expires_at__gt=now)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(id=token.id).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
