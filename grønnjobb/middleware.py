"""Request-wide rules: the language, and input that can never be text.

Norwegian unless the person chose otherwise: Django's LocaleMiddleware follows the browser's
Accept-Language, which would show an English browser English pages. GrønnJobb is Norwegian
first: only the language cookie set by the language picker changes it.
"""

import re
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Only for this request: the thread goes back to the default language afterwards, so no
        # later work on it (another request, a task, a test) inherits this person's choice.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_REFUSED = _(
    "Teksten inneholder et kontrolltegn (for eksempel NUL) som ikke kan lagres. Fjern det og prøv igjen."
)


class ControlCharacterMiddleware:
    """Refuse NUL and other control characters in any input with a 400 and a message.

    PostgreSQL cannot store NUL in text at all, so without this a NUL typed or pasted into any field
    or query string ends as a server error on one database and as stored garbage on another.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_control_characters(request):
            return self._refuse(request)
        return self.get_response(request)

    def _has_control_characters(self, request: HttpRequest) -> bool:
        if CONTROL_CHARACTERS.search(unquote(request.META.get("QUERY_STRING", ""))):
            return True
        if CONTROL_CHARACTERS.search(unquote(request.path)):
            return True
        if request.method not in ("POST", "PUT", "PATCH"):
            return False
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any(
                CONTROL_CHARACTERS.search(value) for values in request.POST.lists() for value in values[1]
            )
        # JSON bodies are the API's: its text fields refuse control characters themselves
        # (hr.serializers.TextField), naming the field, with the rule stated in the schema.
        return False

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        message = str(CONTROL_CHARACTER_REFUSED)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "400.html", {"message": message}, status=400)
