"""The REST API, version 1: one's own hours by ISO week, sending in, and approval.

Each view parses input with a serializer, looks objects up through the company-scoped selectors
(another company's id is a 404 exactly like a missing one), calls one service and serialises the
result. Access rules live in the services and hr.access, the same as for the pages. Errors are
mapped by hr.api_errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from hr import access, reports, selectors, services
from hr.api_errors import api_exception_handler
from hr.authentication import ApiTokenAuthentication
from hr.integration import integration_get
from hr.models import Company, Employee, HourEntry
from hr.report_serializers import ReportPageSerializer, ReportQuerySerializer
from hr.serializers import (
    ApprovalQuerySerializer,
    ApprovalQueueSerializer,
    EntryCreateSerializer,
    EntryIdsSerializer,
    EntryInputSerializer,
    EntryListSerializer,
    EntrySerializer,
    ProjectSerializer,
    RejectInputSerializer,
    TokenObtainSerializer,
    TokenSerializer,
    WageTypeSerializer,
    WeekGridErrorSerializer,
    WeekGridInputSerializer,
    WeekGridQuerySerializer,
    WeekGridSerializer,
    WeekInputSerializer,
    WeekNotFound,
    WeekQuerySerializer,
    WeekSerializer,
)
from hr.weeks import monday_from_label

NO_EMPLOYEE_PROFILE = _("Brukeren din er ikke knyttet til en aktiv ansatt.")
WEEK_OUT_OF_RANGE = _(
    "Uken finnes ikke: skriv den som ÅÅÅÅ-Www, for eksempel 2026-W50, mellom år 2000 og 2099."
)
DEFAULT_TOKEN_NAME = _("API-nøkkel")
QUERY_VALUE_EMPTY = _("Gi parameteren en verdi, eller utelat den.")
CSRF_FAILED = _("CSRF-kontrollen feilet. Send med CSRF-token, eller bruk token-autentisering.")

_ERRORS = {
    400: OpenApiResponse(description=_("Ugyldig input: feltnavn → liste med meldinger på norsk.")),
    401: OpenApiResponse(description=_("Ikke innlogget.")),
    403: OpenApiResponse(description=_('Ikke tilgang: {"detail": "…"}.')),
    404: OpenApiResponse(description=_("Finnes ikke (også id-er fra et annet selskap).")),
    409: OpenApiResponse(
        description=_(
            "Avvist av reglene for dataene slik de er nå (status, 24 timer per dag, avsluttet prosjekt …): "
            "samme form som 400."
        )
    ),
    429: OpenApiResponse(description=_('For mange forsøk: {"detail": "…"}, med Retry-After.')),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: _ERRORS[code] for code in codes}


def _parsed_query(serializer_class: type, query: Any) -> dict[str, Any]:
    """Query parameters: one left empty (``?week=``) is refused like any other value that does not
    fit, where DRF would take it as left out."""
    blank = {name: [str(QUERY_VALUE_EMPTY)] for name, value in query.items() if value == ""}
    if blank:
        raise exceptions.ValidationError(blank)
    return _parsed(serializer_class, query)


def _parsed(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CsrfSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, with its CSRF refusal in Norwegian."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(CSRF_FAILED) from None


# drf-spectacular's OpenApiAuthenticationExtension.__init_subclass__ (the registry) is unannotated.
class CsrfSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]
    """Documents CsrfSessionAuthentication in the schema as the cookie login it is."""

    target_class = "hr.api.CsrfSessionAuthentication"


class EmployeeAPIView(APIView):
    """Authenticated as a user with an active employee profile: ``self.actor``."""

    # Token first so an unauthenticated request gets 401 with «WWW-Authenticate: Token».
    authentication_classes = [ApiTokenAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsAuthenticated]
    actor: Employee

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        actor = selectors.employee_for_user(user=request.user)  # type: ignore[arg-type]
        if actor is None:
            raise exceptions.PermissionDenied(NO_EMPLOYEE_PROFILE)
        self.actor = actor

    def subject(self, employee_id: int | None) -> Employee:
        """The person whose hours are meant: oneself unless an id of someone else is given."""
        if employee_id is None or employee_id == self.actor.id:
            return self.actor
        return selectors.employee_get(company=self.actor.company, employee_id=employee_id)

    def entry(self, entry_id: int) -> HourEntry:
        entry = selectors.entry_get(company=self.actor.company, entry_id=entry_id)
        access.require_can_act_for(self.actor, entry.employee)
        return entry


def _with_transfer(entries: list[HourEntry], company: Company) -> list[HourEntry]:
    """Each approved entry gets where it is in the accounting system (one fixed set of queries)."""
    if entries:
        statuses = integration_get().transfer_statuses(company=company, entries=entries)
        for entry in entries:
            entry.transfer = statuses.get(entry.id)  # type: ignore[attr-defined]
    return entries


def _entries_response(
    entries: list[HourEntry], company: Company, status_code: int = status.HTTP_200_OK
) -> Response:
    _with_transfer(entries, company)
    return Response(EntryListSerializer({"entries": entries}).data, status=status_code)


class TokenObtainView(APIView):
    """POST e-mail and password, get a new API key (use it as «Authorization: Token …»).

    Each call makes a new named key that expires after API_TOKEN_LIFETIME_DAYS; the key is shown
    only in this answer. Keys are listed and revoked on «Min profil».
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Password guessing through the API is slowed down per client address.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def get_authenticate_header(self, request: Request) -> str:
        # Wrong e-mail or password is a 401 that names the scheme to use, as for every other endpoint.
        return "Token"

    @extend_schema(
        tags=["auth"],
        request=TokenObtainSerializer,
        responses={200: TokenSerializer, **_errors(400, 401, 429)},
        summary=_("Hent API-nøkkel"),
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = _parsed(TokenObtainSerializer, request.data, context={"request": request})
        name = data.get("name") or str(DEFAULT_TOKEN_NAME)
        token, key = services.api_token_create(user=data["user"], name=name)
        body = {"token": key, "name": token.name, "expires_at": token.expires_at}
        return Response(TokenSerializer(body).data)


class EntryListCreateView(EmployeeAPIView):
    @extend_schema(
        tags=["timer"],
        parameters=[WeekQuerySerializer],
        responses={200: WeekSerializer, **_errors(400, 401, 403, 404)},
        summary=_("Timer for én ISO-uke"),
        operation_id="entries_week",
        description=_(
            "Uken velges med `year` + `week` eller med en `date` i uken; uten noen av dem, denne uken. "
            "Ledere og administratorer kan se timene til dem de kan føre for med `employee`."
        ),
    )
    def get(self, request: Request) -> Response:
        query = _parsed_query(WeekQuerySerializer, request.query_params)
        employee = self.subject(query.get("employee"))
        access.require_can_act_for(self.actor, employee)
        week = selectors.week_view(employee=employee, monday=query["monday"], status=query.get("status"))
        _with_transfer(week.entries, self.actor.company)
        return Response(WeekSerializer(week).data)

    @extend_schema(
        tags=["timer"],
        request=EntryCreateSerializer,
        responses={201: EntrySerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Før timer"),
        operation_id="entries_create",
    )
    def post(self, request: Request) -> Response:
        data = _parsed(EntryCreateSerializer, request.data)
        company = self.actor.company
        entry = services.entry_create(
            actor=self.actor,
            employee=self.subject(data.get("employee")),
            date=data["date"],
            project=selectors.project_get(company=company, project_id=data["project"]),
            wage_type=selectors.wage_type_get(company=company, wage_type_id=data["wage_type"]),
            hours=data["hours"],
            comment=data["comment"],
        )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class EntryDetailView(EmployeeAPIView):
    @extend_schema(
        tags=["timer"], responses={200: EntrySerializer, **_errors(401, 403, 404)}, summary=_("Én føring")
    )
    def get(self, request: Request, entry_id: int) -> Response:
        return Response(EntrySerializer(_with_transfer([self.entry(entry_id)], self.actor.company)[0]).data)

    @extend_schema(
        tags=["timer"],
        request=EntryInputSerializer,
        responses={200: EntrySerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Endre en føring (mens den er registrert eller avvist)"),
    )
    def put(self, request: Request, entry_id: int) -> Response:
        return self._update(request, entry_id, partial=False)

    @extend_schema(
        tags=["timer"],
        request=EntryInputSerializer(partial=True),
        responses={200: EntrySerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Endre deler av en føring"),
    )
    def patch(self, request: Request, entry_id: int) -> Response:
        return self._update(request, entry_id, partial=True)

    def _update(self, request: Request, entry_id: int, *, partial: bool) -> Response:
        entry = self.entry(entry_id)
        data = _parsed(EntryInputSerializer, request.data, partial=partial)
        company = self.actor.company
        project = (
            selectors.project_get(company=company, project_id=data["project"])
            if "project" in data
            else entry.project
        )
        wage_type = (
            selectors.wage_type_get(company=company, wage_type_id=data["wage_type"])
            if "wage_type" in data
            else entry.wage_type
        )
        entry = services.entry_update(
            actor=self.actor,
            entry=entry,
            date=data.get("date", entry.date),
            project=project,
            wage_type=wage_type,
            hours=data.get("hours", entry.hours),
            comment=data.get("comment", entry.comment),
        )
        return Response(EntrySerializer(entry).data)

    @extend_schema(
        tags=["timer"],
        responses={204: None, **_errors(400, 401, 403, 404, 409)},
        summary=_("Slett en føring (mens den er registrert eller avvist)"),
    )
    def delete(self, request: Request, entry_id: int) -> Response:
        services.entry_delete(actor=self.actor, entry=self.entry(entry_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WeekSubmitView(EmployeeAPIView):
    @extend_schema(
        tags=["timer"],
        request=WeekInputSerializer,
        responses={200: EntryListSerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Send inn uken"),
        description=_("Sender ukens registrerte og avviste timer til godkjenning."),
    )
    def post(self, request: Request) -> Response:
        data = _parsed(WeekInputSerializer, request.data)
        entries = services.week_submit(
            actor=self.actor, employee=self.subject(data.get("employee")), monday=data["monday"]
        )
        return _entries_response(entries, self.actor.company)


class WeekCopyPreviousView(EmployeeAPIView):
    @extend_schema(
        tags=["timer"],
        request=WeekInputSerializer,
        responses={201: EntryListSerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Kopier forrige uke"),
        description=_("Kopierer forrige ukes rader inn i uken som nye registrerte timer."),
    )
    def post(self, request: Request) -> Response:
        data = _parsed(WeekInputSerializer, request.data)
        entries = services.week_copy_previous(
            actor=self.actor, employee=self.subject(data.get("employee")), monday=data["monday"]
        )
        return _entries_response(entries, self.actor.company, status.HTTP_201_CREATED)


class ApprovalQueueView(EmployeeAPIView):
    @extend_schema(
        tags=["godkjenning"],
        parameters=[ApprovalQuerySerializer],
        responses={200: ApprovalQueueSerializer, **_errors(400, 401, 403, 404)},
        summary=_("Timer som venter på godkjenning"),
        description=_(
            "Innsendte timer du kan godkjenne, gruppert per person og ISO-uke (`groups`), "
            "hver gruppe med alle føringene. Aldri dine egne; en leder ser bare avdelingene hen leder."
        ),
    )
    def get(self, request: Request) -> Response:
        query = _parsed_query(ApprovalQuerySerializer, request.query_params)
        employee_id = query.get("employee")
        if employee_id is not None:
            employee_id = selectors.employee_get(company=self.actor.company, employee_id=employee_id).id
        groups = selectors.approval_queue(actor=self.actor, employee_id=employee_id)
        return Response(ApprovalQueueSerializer({"groups": groups}).data)


class ApproveView(EmployeeAPIView):
    @extend_schema(
        tags=["godkjenning"],
        request=EntryIdsSerializer,
        responses={200: EntryListSerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Godkjenn timer"),
        description=_("Alt eller ingenting: kan én føring ikke godkjennes, godkjennes ingen."),
    )
    def post(self, request: Request) -> Response:
        data = _parsed(EntryIdsSerializer, request.data)
        return _entries_response(
            services.entries_approve(actor=self.actor, entry_ids=data["entries"]), self.actor.company
        )


class RejectView(EmployeeAPIView):
    @extend_schema(
        tags=["godkjenning"],
        request=RejectInputSerializer,
        responses={200: EntryListSerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Avvis timer (begrunnelse kreves)"),
    )
    def post(self, request: Request) -> Response:
        data = _parsed(RejectInputSerializer, request.data)
        entries = services.entries_reject(actor=self.actor, entry_ids=data["entries"], reason=data["reason"])
        return _entries_response(entries, self.actor.company)


class ReopenView(EmployeeAPIView):
    @extend_schema(
        tags=["godkjenning"],
        request=EntryIdsSerializer,
        responses={200: EntryListSerializer, **_errors(400, 401, 403, 404, 409)},
        summary=_("Åpne godkjente timer igjen (bare administratorer)"),
        description=_("Godkjente timer går tilbake til «Til godkjenning»."),
    )
    def post(self, request: Request) -> Response:
        data = _parsed(EntryIdsSerializer, request.data)
        return _entries_response(
            services.entries_reopen(actor=self.actor, entry_ids=data["entries"]), self.actor.company
        )


class ProjectListView(EmployeeAPIView):
    @extend_schema(
        tags=["oppslag"],
        responses={200: ProjectSerializer(many=True), **_errors(401, 403)},
        summary=_("Åpne prosjekter"),
    )
    def get(self, request: Request) -> Response:
        return Response(
            ProjectSerializer(selectors.projects_open(company=self.actor.company), many=True).data
        )


class WageTypeListView(EmployeeAPIView):
    @extend_schema(
        tags=["oppslag"],
        responses={200: WageTypeSerializer(many=True), **_errors(401, 403)},
        summary=_("Aktive lønnsarter"),
    )
    def get(self, request: Request) -> Response:
        return Response(
            WageTypeSerializer(selectors.wage_types_active(company=self.actor.company), many=True).data
        )


WEEK_PATH = OpenApiParameter(
    "week",
    str,
    OpenApiParameter.PATH,
    pattern=r"^20[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3])$",
    description=_("ISO-uken som ÅÅÅÅ-Www, for eksempel 2026-W50 (år 2000–2099)."),
)


@extend_schema(parameters=[WEEK_PATH])
class WeekGridView(EmployeeAPIView):
    """The week as «Mine timer» shows it, read and saved whole."""

    def _monday(self, week: str) -> Any:
        try:
            return monday_from_label(week)
        except ValueError:
            raise WeekNotFound(WEEK_OUT_OF_RANGE) from None

    def _grid_response(self, employee: Employee, monday: Any) -> Response:
        grid = selectors.week_grid(employee=employee, monday=monday)
        selectors.week_grid_annotate(grid)
        return Response(WeekGridSerializer(grid).data)

    @extend_schema(
        tags=["timer"],
        parameters=[WeekGridQuerySerializer],
        responses={200: WeekGridSerializer, **_errors(400, 401, 403, 404)},
        summary=_("Uken som rutenett"),
        description=_(
            "Uken `ÅÅÅÅ-Www` (for eksempel 2026-W50) slik «Mine timer» viser den: rader per prosjekt og "
            "lønnsart, celler per dag med status og overføringsstatus, summer og normal arbeidsuke."
        ),
    )
    def get(self, request: Request, week: str) -> Response:
        query = _parsed_query(WeekGridQuerySerializer, request.query_params)
        monday = self._monday(week)
        employee = self.subject(query.get("employee"))
        access.require_can_act_for(self.actor, employee)
        return self._grid_response(employee, monday)

    @extend_schema(
        tags=["timer"],
        request=WeekGridInputSerializer,
        responses={200: WeekGridSerializer, 409: WeekGridErrorSerializer, **_errors(400, 401, 403, 404)},
        summary=_("Lagre hele uken"),
        description=_(
            "Cellene som sendes, får timene som står i dem; redigerbare celler som ikke sendes, tømmes. "
            "Alt eller ingenting i én transaksjon; feil per celle i `cells`."
        ),
    )
    def put(self, request: Request, week: str) -> Response:
        return self._save(request, week, replace=True)

    @extend_schema(
        tags=["timer"],
        request=WeekGridInputSerializer,
        responses={200: WeekGridSerializer, 409: WeekGridErrorSerializer, **_errors(400, 401, 403, 404)},
        summary=_("Lagre noen celler i uken"),
        description=_("Som PUT, men celler som ikke sendes, står som de er."),
    )
    def patch(self, request: Request, week: str) -> Response:
        return self._save(request, week, replace=False)

    def _save(self, request: Request, week: str, *, replace: bool) -> Response:
        monday = self._monday(week)
        data = _parsed(WeekGridInputSerializer, request.data)
        employee = self.subject(data.get("employee"))
        cells = [
            services.CellInput(
                row["project"],
                row["wage_type"],
                cell["date"],
                "" if cell["hours"] is None else str(cell["hours"]),
                cell.get("comment"),
            )
            for row in data["rows"]
            for cell in row["cells"]
        ]
        try:
            services.week_save(
                actor=self.actor, employee=employee, monday=monday, cells=cells, replace=replace
            )
        except services.WeekSaveError as error:
            body = {
                "cells": [
                    {"project": key[0], "wage_type": key[1], "date": key[2], "errors": messages}
                    for key, messages in error.cell_errors.items()
                ],
                "non_field_errors": error.errors,
            }
            return Response(WeekGridErrorSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return self._grid_response(employee, monday)


class _JsonOnlyNegotiation(BaseContentNegotiation):
    """The report's `format` parameter chooses the file, not a renderer (DRF reads `?format=` as a
    renderer's name): answers and errors are JSON whatever Accept or `format` say."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> Any:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class ReportHoursView(EmployeeAPIView):
    content_negotiation_class = _JsonOnlyNegotiation

    @extend_schema(
        tags=["rapporter"],
        parameters=[ReportQuerySerializer],
        responses={
            (200, "application/json"): ReportPageSerializer,
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description=_("CSV: UTF-8 med BOM, semikolon, desimalkomma.")
            ),
            (200, reports.XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description=_("Excel-arbeidsbok med typede datoer og tall.")
            ),
            **_errors(400, 401, 403),
        },
        summary=_("Timeføringene i en periode (rapport)"),
        description=_(
            "Én rad per timeføring i perioden `from`–`to` (høyst 366 dager; standard denne måneden): "
            "ansatt, prosjekt, lønnsart, dato, timer, status og overføring til Tripletex. "
            "Administratorer får hele selskapet, ledere avdelingene de leder. `format=json` gir sider "
            "(`page`, `page_size`); `csv` og `xlsx` gir hele perioden som fil."
        ),
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = _parsed_query(ReportQuerySerializer, request.query_params)
        period = query["period"]
        entries = reports.export_queryset(actor=self.actor, period=period)
        file_format = query["format"]
        if file_format != "json":
            rows = reports.export_rows(entries)
            chunks = reports.csv_lines(rows) if file_format == "csv" else reports.xlsx_chunks(rows)
            content_type = "text/csv; charset=utf-8" if file_format == "csv" else reports.XLSX_CONTENT_TYPE
            response = StreamingHttpResponse(
                reports.in_language(chunks, get_language()), content_type=content_type
            )
            filename = reports.export_filename(period, file_format)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        page, size = query["page"], query["page_size"]
        count = entries.count()
        url = request.build_absolute_uri()
        page_data = {
            "count": count,
            "next": replace_query_param(url, "page", page + 1) if page * size < count else None,
            "previous": replace_query_param(url, "page", page - 1) if page > 1 and count else None,
            "results": list(reports.export_rows(entries, offset=(page - 1) * size, limit=size)),
        }
        return Response(ReportPageSerializer(page_data).data)
