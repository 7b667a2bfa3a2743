"""How the API reports errors the services raise.

- django ValidationError → 400, ``{"field": ["melding", …], "non_field_errors": […]}``, the same
  shape as DRF's own serializer errors, with the services' Norwegian messages.
- django PermissionDenied → 403, ``{"detail": "melding"}``.
- Throttled → 429, ``{"detail": "melding"}`` in the request's language, with Retry-After.
- Http404 (including another company's id) → 404 with one fixed body, so an id that exists in
  another company cannot be told apart from one that does not exist.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from hr.serializers import WeekNotFound

NOT_FOUND = _("Fant ikke det du ba om.")
PERMISSION_DENIED = _("Du har ikke tilgang til dette.")
MALFORMED_REQUEST = _("Forespørselen kunne ikke leses. Send gyldig JSON.")
THROTTLED = _("For mange forespørsler. Vent %(seconds)s sekunder og prøv igjen.")
THROTTLED_NO_WAIT = _("For mange forespørsler. Vent litt og prøv igjen.")


def validation_error_body(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # The services' refusals: the request was well-formed (the serializers answered 400
        # otherwise), but the data as it is now does not allow it.
        set_rollback()
        return Response(validation_error_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, WeekNotFound):
        pass  # its own message: a week that does not exist says so
    elif isinstance(exc, Http404 | ObjectDoesNotExist | exceptions.NotFound):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or PERMISSION_DENIED)
    elif isinstance(exc, exceptions.Throttled):
        # DRF's own text is half English ("Expected available in …") whatever the language.
        wait: float | None = getattr(exc, "wait", None)
        detail = THROTTLED % {"seconds": math.ceil(wait)} if wait is not None else THROTTLED_NO_WAIT
        throttled = exceptions.Throttled(detail=str(detail))
        throttled.wait = wait  # type: ignore[attr-defined]  # kept for the Retry-After header
        exc = throttled
    elif isinstance(exc, exceptions.ParseError):
        # The parser's own text is English and names Python internals.
        exc = exceptions.ParseError(MALFORMED_REQUEST)
    return drf_exception_handler(exc, context)


# --- errors Django answers before or around the API's views ----------------------------------
# A body too large to read, a URL that matches nothing under /api/, a crash: Django's own handlers
# would answer with an HTML page. Under /api/ these answer in the API's error shape instead; pages
# keep Django's templates (templates/403.html, 404.html).

REQUEST_TOO_LARGE = _("Forespørselen er for stor. Send høyst %(megabytes)s MB.")
SERVER_ERROR = _("Noe gikk galt hos oss. Prøv igjen om litt.")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        megabytes = number_format(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024, decimal_pos=1)
        return JsonResponse({"detail": REQUEST_TOO_LARGE % {"megabytes": megabytes}}, status=413)
    return JsonResponse({"detail": str(MALFORMED_REQUEST)}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return JsonResponse({"detail": str(exception) or str(PERMISSION_DENIED)}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": str(NOT_FOUND)}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse({"detail": str(SERVER_ERROR)}, status=500)
