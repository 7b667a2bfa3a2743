"""Fixtures shared by every app's tests: the real browser for the journeys."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttle counters live in the cache; one test's requests must not throttle the next."""
    from django.core.cache import cache

    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright. Skips where there is none, except in CI."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required but was not found at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium to run the browser journeys")
    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests make
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", timezone_id="Europe/Oslo")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


# Accessibility: axe-core in the page; serious and critical violations fail the test.
AXE_FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def axe_check() -> Callable[[Page, str | None], None]:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page: Page, context: str | None = None) -> None:
        results = axe.run(page, context=context)
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in AXE_FAILING_IMPACTS
        ]
        assert not violations, "\n".join(violations)

    return check
