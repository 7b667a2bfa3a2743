"""Helpers for the browser journeys."""

from __future__ import annotations


def wait_for_js(page: object, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression until it is true. Playwright's wait_for_function evaluates its
    predicate with eval, which the Content-Security-Policy rightly forbids in our pages."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):  # type: ignore[attr-defined]
            return
        time.sleep(0.05)
    raise AssertionError(f"never true: {expression}")
