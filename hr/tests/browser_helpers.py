"""Helpers for the browser journeys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer


def wait_for_js(page: Page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression until it is true. Playwright's wait_for_function evaluates its
    predicate with eval, which the Content-Security-Policy rightly forbids in our pages."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        time.sleep(0.05)
    raise AssertionError(f"never true: {expression}")


def logged_in(
    browser: Browser, live_server: LiveServer, email: str, password: str | None = None, **context_options: Any
) -> Page:
    """A new browser context in Norwegian and Oslo time, logged in as `email` (with the factories'
    password unless another is given), on «Mine timer»."""
    import re

    from hr.tests.factories import PASSWORD

    context = browser.new_context(
        base_url=live_server.url,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
        **context_options,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/logg-inn/")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(password or PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(r"/timer/"))
    return page
