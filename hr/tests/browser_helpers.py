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


def logged_in(
    browser: object, live_server: object, email: str, password: str | None = None, **context_options: object
) -> object:
    """A new browser context in Norwegian and Oslo time, logged in as `email` (with the factories'
    password unless another is given), on «Mine timer»."""
    import re

    from hr.tests.factories import PASSWORD

    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=live_server.url,  # type: ignore[attr-defined]
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
