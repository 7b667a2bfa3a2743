"""Additions to the API's OpenAPI schema that hold for every operation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def add_common_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Every operation can answer 400: a query, path or body that is not what the schema says, or
    that holds control characters (grønnjobb.middleware), whatever the operation."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method in HTTP_METHODS:
                operation.setdefault("responses", {}).setdefault(
                    "400", {"description": _("Ugyldig forespørsel: feltnavn → liste med meldinger.")}
                )
    return result
