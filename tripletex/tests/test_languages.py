"""Every page speaks one language: a crawl of the product in Norwegian and in English.

It lives with the Tripletex tests because the product's fullest pages need a connected company (the
sandbox over HTTP), and hr's own tests run without an accounting system.

Every URL of the table in test_url_access.py (so a new page is crawled as soon as it has its row),
plus every step of a wizard run holding data (an update of a connected company, and another
company's first connect), the approval page after an approval the integration
blocked and «Overføringer» with a failed transfer, is rendered for the administrator, a manager, an
employee (and, where a page is public, nobody logged in), in `nb` and in `en`, chosen the way the
product chooses it: the language cookie the language picker sets (LanguageMiddleware ignores
Accept-Language).

What counts as the page's visible text: text nodes and the attributes a person sees or hears
(`placeholder`, `title`, `alt`, `aria-label`, the `value` of buttons), without `<script>`,
`<style>`, `<template>`, the language picker itself (which names both languages on purpose) and
elements marked with another `lang` (Tripletex's own words, quoted as it answered them).

The rule for a leak: a text from the other language's catalogue that differs from its translation,
cut at its placeholders (`%(name)s`, `%s`, `{name}`) into fragments. A fragment counts when it has
at least two words and at least 10 characters; a whole text that is one word (no placeholders)
counts from 8 letters. So short words («Ja», «Status», «Tripletex»), lone pieces of sentences and
names never match by accident. A fragment must stand in the visible text whole, between word
boundaries, whitespace-normalised, case-sensitive; fragments both languages share count in neither
direction, nor do Tripletex's own menu names (TRIPLETEX_NAMES), which the English texts quote as
Tripletex shows them. For English pages the catalogue is the Norwegian msgids of
locale/en/LC_MESSAGES/django.po plus the Norwegian of Django's nb catalogues (its own and its
apps'); for Norwegian pages it is the English msgstrs of locale/en plus the English msgids of those
Django catalogues (so a password rule Django's nb does not translate shows).

Dates: a Norwegian page shows 24.11.2026 and 24.11.; an English page 11/24/2026 and 11/24 (see
grønnjobb/formats/). A page fails on a date in the other language's form, on an ISO date
(2026-11-24) in its text, and on a month name of the other language next to a day number.
"""

from __future__ import annotations

import datetime
import gettext
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hr import services as hr_services
from hr.models import Department, Employee, EntryStatus, HourEntry, WageType
from hr.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    administrator_of,
    manager_of,
)
from hr.tests.test_url_access import ROLES, TABLE
from hr.weeks import monday_of, today_local
from tripletex.models import ItemKind, RemoteHours, TransferState
from tripletex.services import wizard
from tripletex.tests import transfer_helpers
from tripletex.views import STEP_SLUGS

pytestmark = pytest.mark.django_db

point_at_sandbox = transfer_helpers.point_at_sandbox
connected = transfer_helpers.connected

LANGUAGES = ("nb", "en")
MIN_PHRASE_CHARS = 10
MIN_WORD_CHARS = 8
SHOWN_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
HIDDEN_ELEMENTS = {"script", "style", "template", "head"}
# Tripletex's own menu names, which the English texts quote as Tripletex shows them, and names in the
# sandbox company's data (a department «Administrasjon»), shown as Tripletex holds them.
TRIPLETEX_NAMES = {"Integrasjoner", "Administrasjon"}
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdf]|%[sdf]|\{[^}]*\}")


# --- the catalogues -------------------------------------------------------------------------


def _catalogue(path: Path) -> dict[str, str]:
    """msgid → msgstr of a compiled catalogue, plural forms flattened, the header left out."""
    with path.open("rb") as mo:
        raw = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    pairs: dict[str, str] = {}
    for key, text in raw.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid and "\x04" not in msgid:
            pairs.setdefault(msgid, text)
        elif msgid:
            pairs.setdefault(msgid.split("\x04", 1)[1], text)
    return pairs


def _fragments(text: str) -> Iterator[str]:
    parts = PLACEHOLDER.split(text)
    for part in parts:
        fragment = " ".join(part.split()).strip(" .,:;«»()")
        words = fragment.split()
        if (len(words) >= 2 and len(fragment) >= MIN_PHRASE_CHARS) or (
            len(parts) == 1 and len(words) == 1 and len(fragment) >= MIN_WORD_CHARS and fragment.isalpha()
        ):
            yield fragment


def _foreign_phrases() -> dict[str, set[str]]:
    """For each page language, the fragments of the other language that must not show on it."""
    ours = _catalogue(Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.mo")
    djangos: dict[str, str] = {}
    for mo in sorted(Path(django.__file__).parent.glob("**/locale/nb/LC_MESSAGES/django.mo")):
        djangos |= _catalogue(mo)  # Django's own and its apps' (auth: the password rules)
    norwegian = {nb for nb, en in ours.items() if en and en != nb} | {
        nb for en, nb in djangos.items() if nb and nb != en
    }
    english = {en for nb, en in ours.items() if en and en != nb} | {
        en for en, nb in djangos.items() if nb and nb != en
    }
    # A fragment both languages use (a product name, "Tripletex API") is no leak either way.
    nb_fragments = {f for text in norwegian for f in _fragments(text)}
    en_fragments = {f for text in english for f in _fragments(text)}
    shared = nb_fragments & en_fragments
    return {"en": nb_fragments - shared - TRIPLETEX_NAMES, "nb": en_fragments - shared}


FOREIGN = _foreign_phrases()

# Dates in the other language's numeric form, ISO dates, and month names of the other language.
DOTTED = r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:\d{4})?(?![\d])"
SLASHED = r"(?<![\d/])\d{1,2}/\d{1,2}(?:/\d{4})?(?![\d/])"
ISO = r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"
EN_MONTHS = r"(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b"
NB_MONTHS = (
    r"\b\d{1,2}\. (?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember)\b"
)
WRONG_DATES = {
    "nb": re.compile("|".join((SLASHED, ISO, EN_MONTHS))),
    "en": re.compile("|".join((DOTTED, ISO, NB_MONTHS))),
}


# --- the visible text -----------------------------------------------------------------------


class _VisibleText(HTMLParser):
    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.hidden_depth = 0
        self.picker = reverse("set_language")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hides = (
            tag in HIDDEN_ELEMENTS
            or (tag == "form" and values.get("action") == self.picker)
            or (tag != "html" and values.get("lang") not in (None, self.language))
        )
        if tag not in ("input", "meta", "link", "br", "img", "hr"):
            self.stack.append(tag)
            if hides or self.hidden_depth:
                self.hidden_depth += 1
        if self.hidden_depth or hides:
            return
        for name, value in attrs:
            if value and (
                name in SHOWN_ATTRIBUTES
                or (name == "value" and tag == "input" and values.get("type") in ("submit", "button"))
            ):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            if self.hidden_depth:
                self.hidden_depth -= 1
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str, language: str) -> str:
    parser = _VisibleText(language)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def leaks(text: str, language: str) -> list[str]:
    found = [
        phrase
        for phrase in FOREIGN[language]
        if phrase in text and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
    ]
    dates = [f"date {match.group(0)!r}" for match in WRONG_DATES[language].finditer(text)]
    return sorted(found) + dates


# --- the product, with data -----------------------------------------------------------------


@pytest.fixture
def product(connected, tripletex_sandbox, django_capture_on_commit_callbacks) -> dict[str, object]:
    """A connected company with a manager, hours in every state this week and last, a failed transfer,
    an approval the integration refused, and an update of the integration open in the wizard."""
    admin, worker, project = connected
    manager = manager_of(worker.department)
    stranger = EmployeeFactory.create(company=admin.company, department=worker.department)
    wage_type = WageType.objects.get(company=admin.company, is_builtin=True)
    monday = monday_of(today_local())
    last_monday = monday - datetime.timedelta(days=7)

    def entry(person: Employee, day: datetime.date, hours: str, comment: str = "") -> HourEntry:
        return hr_services.entry_create(
            actor=person,
            employee=person,
            date=day,
            project=project,
            wage_type=wage_type,
            hours=hours,
            comment=comment,
        )

    # last week: one sent to Tripletex, one refused there (the project was closed in Tripletex)
    sent = entry(worker, last_monday, "7,5", "Rigging av stillas")
    failing = entry(worker, last_monday + datetime.timedelta(days=1), "6")
    rejected = entry(worker, last_monday + datetime.timedelta(days=2), "4")
    hr_services.week_submit(actor=worker, employee=worker, monday=last_monday)
    transfer_helpers.approve(manager, [sent], django_capture_on_commit_callbacks)
    remote_project = tripletex_sandbox.project_id("P-100")
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[remote_project].is_closed = True
    transfer_helpers.approve(manager, [failing], django_capture_on_commit_callbacks)
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[remote_project].is_closed = False
    assert RemoteHours.objects.filter(state=TransferState.FAILED).count() == 1
    hr_services.entries_reject(actor=manager, entry_ids=[rejected.id], reason="Gjelder P-200")
    # this week: registered, and sent in (one by someone Tripletex does not know)
    registered = entry(worker, monday, "7,5", "Forskaling")
    entry(stranger, monday, "3")
    hr_services.week_submit(actor=stranger, employee=stranger, monday=monday)
    # «Oppdater Tripletex»: a run with every step fetched
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)
    for kind in (ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    blocked = HourEntry.objects.get(employee=stranger, status=EntryStatus.SUBMITTED)
    # another company in the middle of its first «Koble til Tripletex», every step fetched
    newcomer = administrator_of(CompanyFactory.create(name="Ny Kunde AS"), employee_number="90001")
    first = wizard.wizard_start(actor=newcomer)
    first = wizard.wizard_key_check(actor=newcomer, run=first, key=tripletex_sandbox.employee_token)
    for kind in (ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=first.id, kind=kind)
    for number, department in enumerate(Department.objects.all(), start=1):
        department.name = f"Bygg og anlegg {number}"  # not the word «Avdeling», which is a text of ours
        department.save()
    return {
        "newcomer": newcomer,
        "administrator": admin,
        "manager": manager,
        "employee": worker,
        "blocked": blocked,
        "own": {
            "entry_id": registered.id,
            "employee_id": worker.id,
            "department_id": DepartmentFactory.create(company=admin.company, name="Tømrerne").id,
            "project_id": project.id,
            "wage_type_id": wage_type.id,
        },
        "last_monday": last_monday,
    }


def _client(product: dict[str, object], role: str, language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if role != "anonymous":
        person = product[role]
        assert isinstance(person, Employee)
        assert person.user is not None
        client.force_login(person.user)
    return client


def _address(name: str, ids: dict[str, int]) -> str:
    from hr.tests.test_url_access import _url

    return _url(name, ids)


def _pages(product: dict[str, object], role: str) -> list[str]:
    ids = product["own"]
    assert isinstance(ids, dict)
    column = ROLES.index("administrator" if role == "newcomer" else role)
    addresses = [_address(name, ids) for name, answers in TABLE.items() if answers[column] != 405]
    if role in ("administrator", "newcomer"):
        addresses += [reverse("tripletex:wizard_step", kwargs={"slug": slug}) for slug in STEP_SLUGS]
        addresses += [
            reverse("tripletex:wizard_step", kwargs={"slug": "ansatte"}) + "?vis=ikke-valgbare",
            reverse("tripletex:wizard_step", kwargs={"slug": "prosjekter"}) + "?vis=ikke-valgbare",
        ]
    if role not in ("anonymous", "newcomer"):
        last_monday = product["last_monday"]
        assert isinstance(last_monday, datetime.date)
        year, week, _day = last_monday.isocalendar()
        addresses.append(reverse("hr:week") + f"?week={year}-W{week:02}")
    return list(dict.fromkeys(addresses))


def _check(client: Client, address: str, language: str, problems: list[str], label: str) -> int:
    response = client.get(address, follow=True)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return 0
    found = leaks(visible_text(response.content.decode(), language), language)
    problems += [f"{label} {address} [{language}]: {leak}" for leak in found]
    return 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_shows_only_its_own_language_and_dates(product, language):
    problems: list[str] = []
    crawled = 0
    for role in (*ROLES, "newcomer"):
        client = _client(product, role, language)
        for address in _pages(product, role):
            crawled += _check(client, address, language, problems, role)
        if role in ("manager", "administrator"):
            # an approval the integration refuses: the page that says why
            blocked = product["blocked"]
            assert isinstance(blocked, HourEntry)
            response = client.post(reverse("hr:approval"), {"action": f"approve:{blocked.id}"}, follow=True)
            assert response.status_code == 200
            assert HourEntry.objects.get(id=blocked.id).status == EntryStatus.SUBMITTED
            problems += [
                f"{role} refused approval [{language}]: {leak}"
                for leak in leaks(visible_text(response.content.decode(), language), language)
            ]
            crawled += 1

        if role != "anonymous":
            # a password the rules refuse: the rules speak the page's language
            response = client.post(
                reverse("password_change"),
                {"old_password": "feil", "new_password1": "abc", "new_password2": "abc"},
            )
            assert response.status_code in (200, 400)
            problems += [
                f"{role} refused password [{language}]: {leak}"
                for leak in leaks(visible_text(response.content.decode(), language), language)
            ]
    assert crawled >= 120, crawled  # 138 pages and answers per language when this was written
    assert problems == [], "\n".join(problems)
