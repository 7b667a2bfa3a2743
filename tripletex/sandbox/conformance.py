"""Validate sandbox traffic against Tripletex's official OpenAPI document, with openapi-core.

The document is read from the path in TRIPLETEX_OPENAPI_SPEC (the project does not carry a copy).
Three adjustments, each because the official document as written is refused by real Tripletex
traffic:

1. Spec validation is off: the document has integer parameters with string defaults.
2. Every schema is nullable: Tripletex answers with nulls (`"project": null`) the document does
   not allow.
3. Object-level `readOnly` is dropped: whole DTOs (TimesheetEntry, Employee, …) are marked
   read-only, which would forbid every request body that Tripletex's own examples send. Property-
   level `readOnly` stays, so a client sending e.g. `chargeableHours` is still caught.

And one tightening: objects with declared properties get `additionalProperties: false`, so a
sandbox inventing a field, or a client sending one, fails here instead of in production.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_ENVIRONMENT_VARIABLE = "TRIPLETEX_OPENAPI_SPEC"
SKIP_REASON = (
    "conformance against the official Tripletex OpenAPI document skipped: "
    f"{SPEC_ENVIRONMENT_VARIABLE} is not set or does not name a readable file "
    "(.ci/run sets it to the official openapi-2.74.00.json)"
)
SERVER = "https://tripletex.no"  # the document's server; sandbox paths are mapped onto it
CLIENT_USER_AGENT_PREFIX = "GronnJobb"
_PATH_PREFIXES = (
    "/token/session",
    "/employee",
    "/department",
    "/project",
    "/activity",
    "/salary/type",
    "/timesheet/",
)


def spec_path() -> Path | None:
    raw = os.environ.get(SPEC_ENVIRONMENT_VARIABLE, "")
    if not raw:
        return None
    path = Path(raw)
    return path if path.is_file() else None


def _adjust(node: Any) -> None:
    if isinstance(node, dict):
        if "type" in node or "properties" in node:
            node["nullable"] = True
        if node.get("type") == "object" or "properties" in node:
            node.pop("readOnly", None)
            if "properties" in node:
                node["additionalProperties"] = False
        for value in node.values():
            _adjust(value)
    elif isinstance(node, list):
        for value in node:
            _adjust(value)


@dataclass(frozen=True)
class Problem:
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}"


class SpecValidator:
    def __init__(self, document: dict[str, Any]) -> None:
        from openapi_core import Config, OpenAPI
        from openapi_schema_validator import OAS30Validator

        document = dict(document)
        # Only the paths the sandbox serves: path lookup over all 560 would slow every check.
        document["paths"] = {k: v for k, v in document["paths"].items() if k.startswith(_PATH_PREFIXES)}
        _adjust(document)
        self.document = document
        self.openapi = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))
        self._error_validator = OAS30Validator(
            {"$ref": "#/components/schemas/ApiError", "components": document["components"]}
        )

    def operation(self, method: str, path_template: str) -> dict[str, Any] | None:
        item = self.document["paths"].get(path_template)
        return item.get(method.lower()) if item else None

    def check_request(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        content_type: str,
    ) -> list[Problem]:
        from openapi_core.testing import MockRequest

        request = MockRequest(
            SERVER, method, path, args=query, headers=headers, data=body or None, content_type=content_type
        )
        try:
            self.openapi.validate_request(request)
        except Exception as error:  # openapi-core raises a family of errors; all are findings here
            return [Problem(f"request {method} {path}", _describe(error))]
        return []

    def check_response(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        status: int,
        body: bytes,
    ) -> list[Problem]:
        from openapi_core.templating.paths.exceptions import PathNotFound
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.testing import MockRequest, MockResponse

        where = f"response {status} to {method} {path}"
        if status >= 400:
            return self._check_error(where, body)
        if status == 204:
            # The document declares a JSON body for 204; Tripletex (and HTTP) sends none.
            return [] if not body else [Problem(where, "204 with a body")]
        request = MockRequest(SERVER, method, path, args=query, headers=headers)
        try:
            self.openapi.validate_response(request, MockResponse(body, status_code=status))
        except (PathNotFound, ResponseNotFound) as error:
            return [Problem(where, f"not in the official document: {_describe(error)}")]
        except Exception as error:
            return [Problem(where, _describe(error))]
        return []

    def _check_error(self, where: str, body: bytes) -> list[Problem]:
        try:
            data = json.loads(body)
        except ValueError:
            return [Problem(where, "error body is not JSON")]
        problems = [Problem(where, error.message) for error in self._error_validator.iter_errors(data)]
        for key in ("status", "code", "message", "requestId", "validationMessages"):
            if key not in data:
                problems.append(Problem(where, f"error envelope lacks {key!r}"))
        return problems


def _describe(error: BaseException) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        detail = getattr(cause, "schema_errors", None)
        parts.append(
            f"{type(cause).__name__}: {cause}" + (f" {[str(e.message) for e in detail]}" if detail else "")
        )
        cause = cause.__cause__
    return " <- ".join(parts)


@functools.cache
def load_validator(path: str) -> SpecValidator:
    with open(path, encoding="utf-8") as handle:
        return SpecValidator(json.load(handle))


def validator() -> SpecValidator | None:
    path = spec_path()
    return load_validator(str(path)) if path is not None else None


def check_exchange(spec: SpecValidator, exchange: Any) -> list[Problem]:
    """Every response; and every request the GrønnJobb client sent (tests may send bad ones on purpose)."""
    if not exchange.path.startswith("/v2/"):
        return []
    path = exchange.path
    problems: list[Problem] = []
    if exchange.request_headers.get("User-Agent", "").startswith(CLIENT_USER_AGENT_PREFIX):
        problems += spec.check_request(
            method=exchange.method,
            path=path,
            query=exchange.query,
            headers=exchange.request_headers,
            body=exchange.request_body,
            content_type=exchange.request_content_type,
        )
    problems += spec.check_response(
        method=exchange.method,
        path=path,
        query=exchange.query,
        headers=exchange.request_headers,
        status=exchange.status,
        body=exchange.response_body,
    )
    return problems
