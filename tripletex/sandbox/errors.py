"""Tripletex's error envelope and the exception handlers raise to produce it."""

from __future__ import annotations

from typing import Any

from tripletex.sandbox import messages as m


class ApiException(Exception):
    def __init__(
        self,
        *,
        status: int,
        code: int | None,
        message: str,
        validation: list[tuple[str, str]] | None = None,
        developer_message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.validation = validation
        self.developer_message = developer_message
        self.headers = headers or {}

    def envelope(self, request_id: str) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "link": m.DOCS_LINK,
            "developerMessage": self.developer_message
            if self.developer_message is not None
            else self.message,
            "validationMessages": (
                [
                    {"field": field, "message": text, "path": None, "rootId": None}
                    for field, text in self.validation
                ]
                if self.validation is not None
                else None
            ),
            "requestId": request_id,
        }


def validation_failed(messages: list[tuple[str, str]], *, code: int = m.CODE_VALIDATION) -> ApiException:
    return ApiException(status=422, code=code, message=m.MSG_VALIDATION_FAILED, validation=messages)


def not_found() -> ApiException:
    return ApiException(status=404, code=m.CODE_NOT_FOUND, message=m.MSG_OBJECT_NOT_FOUND)


def duplicate() -> ApiException:
    return ApiException(status=409, code=m.CODE_DUPLICATE, message=m.MSG_DUPLICATE)


def revision() -> ApiException:
    return ApiException(status=409, code=m.CODE_REVISION, message=m.MSG_REVISION)


def locked() -> ApiException:
    return ApiException(status=409, code=m.CODE_LOCKED, message=m.MSG_LOCKED)
