"""Reading request bodies and query parameters strictly, the way Tripletex refuses bad input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from tripletex.sandbox import messages as m
from tripletex.sandbox.errors import ApiException, validation_failed
from tripletex.sandbox.render import MODELS

_MISSING = object()


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiException(
            status=422, code=m.CODE_INVALID_JSON, message=m.MSG_INVALID_JSON, developer_message=str(error)
        ) from error


def check_object(body: Any, kind: str, *, prefix: str = "") -> dict[str, Any]:
    """A JSON object whose keys all exist on the model; anything else is refused (422)."""
    if not isinstance(body, dict):
        raise validation_failed([(prefix or "body", m.MSG_WRONG_TYPE)], code=m.CODE_MAPPING)
    unknown = [key for key in body if key not in MODELS[kind].fields]
    if unknown:
        raise validation_failed(
            [(f"{prefix}{key}", m.MSG_UNKNOWN_PROPERTY) for key in unknown], code=m.CODE_MAPPING
        )
    for key, value in body.items():
        nested = MODELS[kind].fields[key]
        if nested is not None and isinstance(value, dict):
            check_object(value, nested, prefix=f"{prefix}{key}.")
    return body


class Reader:
    """Collects every problem with a body before answering, as Tripletex lists them all."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.problems: list[tuple[str, str]] = []

    def has(self, key: str) -> bool:
        return key in self.body

    def reference(self, key: str, *, required: bool) -> int | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problems.append((key, m.MSG_FIELD_REQUIRED if value is _MISSING else m.MSG_NOT_NULL))
            return None
        if not isinstance(value, dict) or "id" not in value:
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None
        object_id = value["id"]
        if not isinstance(object_id, int) or isinstance(object_id, bool):
            self.problems.append((f"{key}.id", m.MSG_WRONG_TYPE))
            return None
        return object_id

    def date(self, key: str, *, required: bool) -> date | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problems.append((key, m.MSG_FIELD_REQUIRED if value is _MISSING else m.MSG_NOT_NULL))
            return None
        if not isinstance(value, str):
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None

    def decimal(self, key: str, *, required: bool) -> Decimal | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problems.append((key, m.MSG_FIELD_REQUIRED if value is _MISSING else m.MSG_NOT_NULL))
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None
        result = Decimal(value)
        if not result.is_finite():
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None
        return result

    def text(self, key: str) -> str | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING:
            return None
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None
        return value

    def integer(self, key: str) -> int | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append((key, m.MSG_WRONG_TYPE))
            return None
        return value

    def raise_problems(self) -> None:
        if self.problems:
            raise validation_failed(self.problems)


def query_int(args: MultiDict[str, str], key: str, default: int | None) -> int | None:
    raw = args.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ApiException(
            status=422, code=m.CODE_PARAM, message=m.MSG_WRONG_NUMBER.format(value=raw)
        ) from error


def query_ids(args: MultiDict[str, str], key: str) -> set[int] | None:
    raw = args.get(key)
    if raw is None or raw.strip() == "":
        return None
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError as error:
        raise ApiException(
            status=422, code=m.CODE_PARAM, message=m.MSG_WRONG_NUMBER.format(value=raw)
        ) from error


def query_bool(args: MultiDict[str, str], key: str, default: bool | None) -> bool | None:
    raw = args.get(key)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise validation_failed([(key, m.MSG_WRONG_TYPE)], code=m.CODE_PARAM)


def query_date(
    args: MultiDict[str, str], key: str, *, required: bool, default: date | None = None
) -> date | None:
    raw = args.get(key)
    if raw is None or raw == "":
        if required:
            raise validation_failed([(key, m.MSG_NOT_NULL)], code=m.CODE_PARAM)
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise validation_failed([(key, m.MSG_WRONG_DATE.format(value=raw))], code=m.CODE_PARAM) from error
