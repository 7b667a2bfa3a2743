"""«Koble til Tripletex» through the Django test client: access, CSRF, each step's page, bad keys,
«Ferdigstill» twice, removal, the audit log and query counts. The sandbox serves Tripletex over HTTP."""

from __future__ import annotations

import datetime
import re
from typing import cast

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grønnjobb.middleware import CONTROL_CHARACTER_REFUSED
from hr.models import Employee, EntryStatus, Project, WageType
from hr.tests.factories import (
    PASSWORD,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    administrator_of,
    manager_of,
)
from hr.views import EmployeeRequest
from tripletex import selectors, views
from tripletex.models import (
    AuditAction,
    AuditEvent,
    Connection,
    ItemKind,
    LinkState,
    ProjectLink,
    WizardItem,
    WizardRun,
    WizardStatus,
)
from tripletex.sandbox import demo
from tripletex.services import wizard

pytestmark = pytest.mark.django_db

# What a step page and the summary cost, whatever the number of items fetched (measured: 8 each).
# Step: session, user, employee, the open run, the page's count and rows, the step's counts, and
# the base layout's read. Summary: session, user, employee, the open run, one read per kind, and
# the layout's read, plus the connection's date, the first hours waiting for approval, the count of
# approved hours from the date and the waiting hours around it.
STEP_PAGE_MAX_QUERIES = 8
SUMMARY_MAX_QUERIES = 12
# The employees' step adds one read: the company's departments, offered on every new row.
EMPLOYEE_STEP_MAX_QUERIES = 9
DEMO_PROJECT_COUNT = 9
# Texts of the templates (not messages), asserted exactly.
REMOVE_QUESTION = "Fjern integrasjonen med Tripletex?"
REMOVE_DELETES_KEY = "API-brukernøkkelen og sesjonen slettes fra GrønnJobb."
CONNECT_BUTTON = "Koble til Tripletex"
FETCHING = "Henter fra Tripletex …"
CHECKED_BOX = re.compile(r'name="selected" value="(\d+)" id="select-\d+" checked')
SHOWN = re.compile(r'name="shown" value="(\d+)"')


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db) -> Employee:
    company = CompanyFactory.create(name="Grønn Bygg AS")
    return administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")


@pytest.fixture
def admin_client(client: Client, admin: Employee) -> Client:
    login(client, admin)
    return client


def login(client: Client, employee: Employee) -> None:
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)


def url(name: str, *args: str) -> str:
    return reverse(f"tripletex:{name}", args=args or None)


def step_url(slug: str, **query: str) -> str:
    base = url("wizard_step", slug)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def settings_url() -> str:
    return reverse("hr:settings_general")


def text(response: HttpResponseBase) -> str:
    assert isinstance(response, HttpResponse)
    return response.content.decode()


def last_message(response) -> str:
    """The newest message the page showed (earlier steps' messages wait in the queue before it)."""
    return [str(message) for message in response.context["messages"]][-1]


def begin_and_check_key(client: Client, key: str) -> WizardRun:
    assert client.post(url("wizard_begin")).status_code == 302
    response = client.post(url("wizard_key"), {"key": key})
    assert response.status_code == 302, text(response)
    assert response["Location"] == step_url("prosjekter")
    # The employee middleware sets `employee` on every logged-in request (hr.views.EmployeeRequest).
    request = cast(EmployeeRequest, response.wsgi_request)
    return WizardRun.objects.get(status=WizardStatus.OPEN, company=request.employee.company)


def open_step(client: Client, capture, slug: str, **query: str):
    """The first visit starts the fetch (a task after commit) and shows progress; the next shows the list."""
    with capture(execute=True):
        first = client.get(step_url(slug, **query))
    assert first.status_code == 200
    assert FETCHING in text(first)
    response = client.get(step_url(slug, **query))
    assert response.status_code == 200
    assert FETCHING not in text(response)
    return response


def add_projects(tripletex_sandbox, count: int, prefix: str = "Q") -> None:
    with tripletex_sandbox.app.lock:
        for index in range(count):
            demo.add_project(
                tripletex_sandbox.app.store,
                name=f"Ekstra prosjekt {index:04d}",
                number=f"{prefix}-{index:04d}",
                start_date=datetime.date(2026, 1, 1),
            )


def counts_line(response) -> str:
    match = re.search(r'<p class="counts" id="step-counts">(.*?)</p>', text(response), re.S)
    assert match, "the step shows its counts"
    return " ".join(match.group(1).split())


def expected_counts_line(run: WizardRun, kind: str) -> str:
    counts = selectors.step_counts(run=run, kind=kind)
    return (
        f"{counts.total} hentet fra Tripletex · {counts.eligible} kan hentes · "
        f"<strong>{counts.selected} valgt</strong> · {counts.new} nye, {counts.linked} koblet, "
        f"{counts.to_link} kobles, {counts.to_unlink} kobles fra, "
        f"{counts.changed} endret i Tripletex, {counts.ineligible} kan ikke hentes"
    )


def shown_names(response) -> set[str]:
    ids = [int(i) for i in SHOWN.findall(text(response))]
    return set(WizardItem.objects.filter(id__in=ids).values_list("name", flat=True))


def checked_ids(response) -> set[int]:
    return {int(i) for i in CHECKED_BOX.findall(text(response))}


def wizard_urls() -> list[tuple[str, str]]:
    """(method, url) for every wizard URL, with the methods each one accepts."""
    pages = [
        url("wizard_key"),
        url("wizard_summary"),
        step_url("prosjekter"),
        step_url("lonnsarter"),
        step_url("ansatte"),
        url("wizard_fetch_status", "prosjekter"),
        url("connection_remove"),
        url("audit"),
    ]
    return (
        [("post", url("wizard_begin")), ("post", url("wizard_cancel"))]
        + [("get", page) for page in pages]
        + [("post", page) for page in pages]
    )


# --- who may use the wizard -------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_every_wizard_url(client):
    for method, address in wizard_urls():
        response = getattr(client, method)(address)
        assert response.status_code == 302, (method, address)
        assert response.url.startswith(reverse("login")), (method, address)
    assert not WizardRun.objects.exists()


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_employees_and_managers_get_403_everywhere_and_see_no_tripletex(
    client, admin, admin_client, tripletex_sandbox, role
):
    # given: the company is connected and an update is open, so there is a card to leak
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    admin_client.post(url("wizard_summary"))
    admin_client.post(url("wizard_begin"))
    assert WizardRun.objects.filter(status=WizardStatus.OPEN).count() == 1
    department = DepartmentFactory.create(company=admin.company)
    person = (
        EmployeeFactory.create(company=admin.company, department=department)
        if role == "employee"
        else manager_of(department)
    )
    other = Client()
    login(other, person)
    before = (
        list(WizardRun.objects.values_list("id", "status", "key_checked")),
        list(Connection.objects.values_list("id", "is_active", "employee_token")),
        AuditEvent.objects.count(),
    )
    # when / then
    for method, address in wizard_urls():
        response = getattr(other, method)(address, {"key": tripletex_sandbox.employee_token})
        assert response.status_code == 403, (method, address)
    assert (
        list(WizardRun.objects.values_list("id", "status", "key_checked")),
        list(Connection.objects.values_list("id", "is_active", "employee_token")),
        AuditEvent.objects.count(),
    ) == before
    assert other.get(settings_url()).status_code == 403
    reachable = [reverse("hr:home"), reverse("hr:week")] + (
        [reverse("hr:approval")] if role == "manager" else []
    )
    for address in reachable:
        page = text(other.get(address, follow=True))
        assert CONNECT_BUTTON not in page
        assert "Oppdater Tripletex" not in page
        assert "Fortsett oppsettet" not in page
        assert "/innstillinger/tripletex/" not in page


@pytest.mark.parametrize("name", ["wizard_begin", "wizard_cancel"])
def test_get_on_post_only_urls_is_405_and_changes_nothing(admin_client, name):
    response = admin_client.get(url(name))
    assert response.status_code == 405
    assert not WizardRun.objects.exists()


def test_csrf_is_enforced_on_every_post(admin, tripletex_sandbox, django_capture_on_commit_callbacks):
    # given: a connected company with an open, key-checked update and fetched projects
    strict = Client(enforce_csrf_checks=True)
    login(strict, admin)
    relaxed = Client()
    login(relaxed, admin)
    begin_and_check_key(relaxed, tripletex_sandbox.employee_token)
    relaxed.post(url("wizard_summary"))
    run = begin_and_check_key(relaxed, tripletex_sandbox.employee_token)
    open_step(relaxed, django_capture_on_commit_callbacks, "prosjekter")
    item = WizardItem.objects.filter(run=run, kind=ItemKind.PROJECT, eligible=True).first()
    assert item is not None and not item.selected
    audit_before = AuditEvent.objects.count()
    # when: every form posted without the token
    for address, data in [
        (url("wizard_begin"), {}),
        (url("wizard_cancel"), {}),
        (url("wizard_key"), {"key": demo.DEMO_READ_ONLY_EMPLOYEE_TOKEN}),
        (step_url("prosjekter"), {"shown": item.id, "selected": item.id, "action": "select-all"}),
        (url("wizard_summary"), {}),
        (url("connection_remove"), {}),
    ]:
        assert strict.post(address, data).status_code == 403, address
    # then: nothing changed
    run.refresh_from_db()
    item.refresh_from_db()
    assert run.status == WizardStatus.OPEN and run.key_checked
    assert not item.selected
    assert Connection.objects.get(company=admin.company).is_active
    assert AuditEvent.objects.count() == audit_before
    # and with the token the same client is let through
    token = strict.get(settings_url()).cookies["csrftoken"].value
    response = strict.post(url("wizard_cancel"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == WizardStatus.CANCELLED


# --- step 1: the key --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["prosjekter", "lonnsarter", "ansatte", None])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_step_before_the_key_is_checked_goes_back_to_the_key(admin_client, slug, method):
    admin_client.post(url("wizard_begin"))
    address = step_url(slug) if slug else url("wizard_summary")
    response = getattr(admin_client, method)(address, follow=True)
    assert response.redirect_chain == [(url("wizard_key"), 302)]
    assert str(wizard.KEY_NOT_CHECKED) in text(response)
    run = WizardRun.objects.get()
    assert run.status == WizardStatus.OPEN and run.fetch_state == {} and not run.items.exists()
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", wizard.KEY_REQUIRED),
        ("    ", wizard.KEY_REQUIRED),
        ("x" * 10_000, wizard.KEY_MALFORMED),
        ("abc\r\ndef", wizard.KEY_MALFORMED),
        ("dGhpcyBpcyBub3QgYSBrZXk=", wizard.KEY_REFUSED),
        (demo.DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN, wizard.KEY_WRONG_APPLICATION),
    ],
    ids=["empty", "spaces", "10kB", "crlf", "wrong", "other-application"],
)
def test_bad_key_answers_400_with_its_message_and_stores_nothing(
    admin_client, tripletex_sandbox, key, message
):
    admin_client.post(url("wizard_begin"))
    response = admin_client.post(url("wizard_key"), {"key": key})
    assert response.status_code == 400
    assert response.context["error"] == str(message)
    assert f'<p class="error" id="key-error" role="alert">{message}</p>' in text(response)
    if len(key) > 10:
        assert key not in text(response)
    run = WizardRun.objects.get()
    assert (run.key_checked, run.employee_token, run.token_last4, run.tripletex_company_id) == (
        False,
        "",
        "",
        None,
    )
    assert not Connection.objects.exists()


def test_good_key_names_company_and_user_and_shows_only_the_last_four(admin_client, tripletex_sandbox):
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    page = text(admin_client.get(url("wizard_key")))
    run = WizardRun.objects.get()
    assert f"Kontrollert nøkkel: …{tripletex_sandbox.employee_token[-4:]} ({demo.DEMO_COMPANY_NAME})" in page
    assert tripletex_sandbox.employee_token not in page
    assert run.tripletex_company_name == demo.DEMO_COMPANY_NAME


# --- steps 2-4 --------------------------------------------------------------------------------


def test_step_page_shows_counts_search_and_filters(
    admin, admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: P-100 exists here under another name, so it is "changed"
    ProjectFactory.create(company=admin.company, number="P-100", name="Gammelt navn")
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    # when
    response = open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    # then
    assert counts_line(response) == expected_counts_line(run, ItemKind.PROJECT)
    counts = selectors.step_counts(run=run, kind=ItemKind.PROJECT)
    assert (counts.total, counts.changed) == (DEMO_PROJECT_COUNT, 1)
    assert len(shown_names(response)) == DEMO_PROJECT_COUNT
    searched = admin_client.get(step_url("prosjekter", q="Bjørvika"))
    assert shown_names(searched) == {"Nybygg Bjørvika kontorbygg"}
    assert 'value="Bjørvika"' in text(searched)
    by_number = admin_client.get(step_url("prosjekter", q="p-40"))
    assert shown_names(by_number) == {"Grøntanlegg Fjøsanger"}
    changed = admin_client.get(step_url("prosjekter", vis="endret"))
    assert shown_names(changed) == {"Nybygg Bjørvika kontorbygg"}
    assert "Gammelt navn → <strong>Nybygg Bjørvika kontorbygg</strong>" in text(changed)
    ineligible = shown_names(admin_client.get(step_url("prosjekter", vis="ikke-valgbare")))
    assert {"Bod på Røa", "Tilbud garasje Bærum"} <= ineligible
    assert ineligible == set(
        WizardItem.objects.filter(run=run, kind=ItemKind.PROJECT, eligible=False).values_list(
            "name", flat=True
        )
    )
    new = shown_names(admin_client.get(step_url("prosjekter", vis="nye")))
    assert new == set(
        WizardItem.objects.filter(
            run=run, kind=ItemKind.PROJECT, eligible=True, link_state=LinkState.NEW
        ).values_list("name", flat=True)
    )
    assert "Nybygg Bjørvika kontorbygg" not in new and "Bod på Røa" not in new
    # the project matching one here by number is proposed for linking: ticked, «Kobles»
    assert shown_names(admin_client.get(step_url("prosjekter", vis="valgte"))) == {
        "Nybygg Bjørvika kontorbygg"
    }
    to_link = admin_client.get(step_url("prosjekter", vis="kobles"))
    assert shown_names(to_link) == {"Nybygg Bjørvika kontorbygg"}
    assert 'data-plan="link">Kobles</span>' in text(to_link)
    assert shown_names(admin_client.get(step_url("prosjekter", vis="koblet"))) == set()
    assert shown_names(admin_client.get(step_url("prosjekter", vis="nye", q="Bjørvika"))) == set()


def test_ticks_saved_on_one_page_stay_when_another_page_is_saved(
    admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: more projects than one page holds
    add_projects(tripletex_sandbox, 60)
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    first = open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    first_ids = [int(i) for i in SHOWN.findall(text(first))]
    assert len(first_ids) == selectors.STEP_PAGE_SIZE
    assert "Side 1 av 2" in text(first)
    # when: two ticked on page 1, then «Neste side», then one ticked on page 2
    eligible_first = list(
        WizardItem.objects.filter(id__in=first_ids, eligible=True).values_list("id", flat=True)
    )[:2]
    response = admin_client.post(
        step_url("prosjekter"), {"shown": first_ids, "selected": eligible_first, "action": "page:2"}
    )
    assert response.status_code == 302
    second = admin_client.get(response.url)
    second_ids = [int(i) for i in SHOWN.findall(text(second))]
    assert second_ids and not set(second_ids) & set(first_ids)
    eligible_second = WizardItem.objects.filter(id__in=second_ids, eligible=True).values_list(
        "id", flat=True
    )[0]
    admin_client.post(
        step_url("prosjekter") + "?side=2",
        {"shown": second_ids, "selected": [eligible_second], "action": "save"},
    )
    # then: both pages keep their ticks
    assert checked_ids(admin_client.get(step_url("prosjekter"))) == set(eligible_first)
    assert checked_ids(admin_client.get(step_url("prosjekter", side="2"))) == {eligible_second}
    assert set(WizardItem.objects.filter(run=run, selected=True).values_list("id", flat=True)) == {
        *eligible_first,
        eligible_second,
    }


def test_select_all_and_none_with_a_search_touch_only_the_matches(
    admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    add_projects(tripletex_sandbox, 3, prefix="Q")
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    projects = WizardItem.objects.filter(run=run, kind=ItemKind.PROJECT)
    extra = set(projects.filter(number__startswith="Q-").values_list("id", flat=True))
    # when: «Velg alle» with the search "Ekstra"
    response = admin_client.post(step_url("prosjekter", q="Ekstra"), {"action": "select-all"}, follow=True)
    # then
    assert "3 rader er oppdatert." in text(response)
    assert "Velg alle treff" in text(response)
    assert set(projects.filter(selected=True).values_list("id", flat=True)) == extra
    # when: «Velg alle» without a search, then «Velg ingen» for one match
    admin_client.post(step_url("prosjekter"), {"action": "select-all"})
    admin_client.post(step_url("prosjekter", q="Q-0001"), {"action": "select-none"})
    # then: every eligible project but Q-0001 is ticked, never an ineligible one
    selected = set(projects.filter(selected=True).values_list("number", flat=True))
    eligible = set(projects.filter(eligible=True).values_list("number", flat=True))
    assert selected == eligible - {"Q-0001"}
    assert not projects.filter(eligible=False, selected=True).exists()


def test_summary_shows_what_will_be_created_linked_and_updated(
    admin, admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: P-100 here with another name (update), P-400 here already (link), P-200 new (create)
    ProjectFactory.create(company=admin.company, number="P-100", name="Gammelt navn")
    ProjectFactory.create(company=admin.company, number="P-400", name="Grøntanlegg Fjøsanger")
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    projects = {i.number: i for i in WizardItem.objects.filter(run=run, kind=ItemKind.PROJECT)}
    chosen = [projects["P-100"].id, projects["P-200"].id, projects["P-400"].id]
    admin_client.post(step_url("prosjekter"), {"shown": chosen, "selected": chosen, "action": "next"})
    # when
    response = admin_client.get(url("wizard_summary"))
    # then
    assert response.status_code == 200
    section = re.search(r'id="summary-project">(.*?)</section>', text(response), re.S)
    assert section
    found = dict(re.findall(r'data-count="(\w+)">(\d+)<', section.group(1)))
    assert found == {"create": "1", "link": "1", "keep": "0", "update": "1"}
    assert "P-200 Rehabilitering Ås sykehjem" in section.group(1)
    assert "Ikke åpnet: Lønnsarter, Ansatte." in text(response)


# --- «Ferdigstill» ----------------------------------------------------------------------------


def test_ferdigstill_twice_imports_once_and_the_second_says_why(
    admin, admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    p100 = WizardItem.objects.get(run=run, number="P-100")
    admin_client.post(step_url("prosjekter"), {"shown": [p100.id], "selected": [p100.id]})
    # when: a double click
    first = admin_client.post(url("wizard_summary"))
    second = admin_client.post(url("wizard_summary"), follow=True)
    # then
    assert first.status_code == 302
    assert str(wizard.WIZARD_NOT_OPEN) in text(second)
    assert Project.objects.filter(company=admin.company, number="P-100").count() == 1
    assert ProjectLink.objects.filter(company=admin.company).count() == 1
    assert AuditEvent.objects.filter(company=admin.company, action=AuditAction.CONNECTED).count() == 1
    run.refresh_from_db()
    assert run.status == WizardStatus.FINISHED
    assert views.WIZARD_FINISHED % {"created": 1, "linked": 0, "updated": 0, "unlinked": 0} in text(second)


def test_remove_asks_first_then_forgets_the_key_and_offers_connect_again(
    admin, admin_client, tripletex_sandbox
):
    # given: connected
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    admin_client.post(url("wizard_summary"))
    card = text(admin_client.get(settings_url()))
    assert "Fjern integrasjonen" in card and CONNECT_BUTTON not in card
    assert f"…{tripletex_sandbox.employee_token[-4:]}" in card
    # when: «Fjern integrasjonen» is opened
    confirm = admin_client.get(url("connection_remove"))
    # then: it asks, and says what happens; nothing is removed yet
    assert confirm.status_code == 200
    assert REMOVE_QUESTION in text(confirm) and REMOVE_DELETES_KEY in text(confirm)
    assert Connection.objects.get(company=admin.company).is_active
    # when: confirmed
    response = admin_client.post(url("connection_remove"), follow=True)
    # then
    connection = Connection.objects.get(company=admin.company)
    assert (connection.is_active, connection.employee_token) == (False, "")
    page = text(response)
    assert str(views.CONNECTION_REMOVED) in page
    assert CONNECT_BUTTON in page and "Oppdater Tripletex" not in page
    assert AuditEvent.objects.filter(company=admin.company, action=AuditAction.REMOVED).count() == 1
    # and a second removal has nothing to remove
    assert admin_client.post(url("connection_remove")).status_code == 302
    assert AuditEvent.objects.filter(company=admin.company, action=AuditAction.REMOVED).count() == 1


def test_audit_log_lists_connect_and_remove_with_who(admin, admin_client, tripletex_sandbox):
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    admin_client.post(url("wizard_summary"))
    admin_client.post(url("connection_remove"))
    page = text(admin_client.get(url("audit")))
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    assert len(rows) == 2
    assert str(AuditAction.REMOVED.label) in rows[0] and str(AuditAction.CONNECTED.label) in rows[1]
    for row in rows:
        assert admin.full_name in row and demo.DEMO_COMPANY_NAME in row


def test_cancel_leaves_no_integration_and_offers_connect_again(admin_client, tripletex_sandbox):
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    response = admin_client.post(url("wizard_cancel"), follow=True)
    run.refresh_from_db()
    assert (run.status, run.employee_token) == (WizardStatus.CANCELLED, "")
    assert last_message(response) == ("Oppsettet er avbrutt. Ingenting er endret, og ingen timer blir sendt.")
    assert last_message(response) == str(views.WIZARD_CANCELLED)
    assert CONNECT_BUTTON in text(response)
    assert not Connection.objects.filter(is_active=True).exists()


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("total", [60, 600])
def test_step_and_summary_query_counts_do_not_grow_with_items(
    admin_client,
    tripletex_sandbox,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
    total,
):
    add_projects(tripletex_sandbox, total - DEMO_PROJECT_COUNT)
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    admin_client.post(step_url("prosjekter"), {"action": "select-all"})
    assert WizardItem.objects.filter(run=run).count() == total
    with django_assert_max_num_queries(STEP_PAGE_MAX_QUERIES):
        page = admin_client.get(step_url("prosjekter", side="2"))
    assert len(SHOWN.findall(text(page))) == min(selectors.STEP_PAGE_SIZE, total - selectors.STEP_PAGE_SIZE)
    with django_assert_max_num_queries(SUMMARY_MAX_QUERIES):
        summary = admin_client.get(url("wizard_summary"))
    assert summary.status_code == 200
    selected = WizardItem.objects.filter(run=run, selected=True).count()
    assert f'data-count="create">{selected}<' in text(summary)


def test_second_of_two_simultaneous_ferdigstill_gets_the_message_not_a_second_import(
    admin, admin_client, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: a project ticked, and the run as the second request loaded it, before the first finished
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    p100 = WizardItem.objects.get(run=run, number="P-100")
    admin_client.post(step_url("prosjekter"), {"shown": [p100.id], "selected": [p100.id]})
    stale = WizardRun.objects.get(id=run.id)
    assert admin_client.post(url("wizard_summary")).status_code == 302
    # when: the second click arrives with the run it read while the first was still working
    monkeypatch.setattr(selectors, "wizard_for", lambda *, company: stale)
    second = admin_client.post(url("wizard_summary"))
    # then
    assert second.status_code == 400
    assert str(wizard.WIZARD_NOT_OPEN) in text(second)
    assert Project.objects.filter(company=admin.company, number="P-100").count() == 1
    assert AuditEvent.objects.filter(company=admin.company).count() == 1


def test_markup_from_tripletex_or_the_search_is_shown_as_text(
    admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a project whose name and number carry markup
    with tripletex_sandbox.app.lock:
        demo.add_project(
            tripletex_sandbox.app.store,
            name='<img src=x onerror="alert(1)">',
            number="P-<b>9</b>",
            start_date=datetime.date(2026, 1, 1),
        )
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    item = WizardItem.objects.get(run=run, number="P-<b>9</b>")
    admin_client.post(step_url("prosjekter"), {"shown": [item.id], "selected": [item.id]})
    # when
    pages = [
        admin_client.get(step_url("prosjekter")),
        admin_client.get(step_url("prosjekter", q='"><script>alert(2)</script>')),
        admin_client.get(step_url("prosjekter", vis='"><script>alert(3)</script>')),
        admin_client.get(url("wizard_summary")),
    ]
    admin_client.post(url("wizard_summary"))
    pages.append(admin_client.get(url("audit")))
    # then
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text(pages[0])
    assert "P-&lt;b&gt;9&lt;/b&gt;" in text(pages[3]) and "P-&lt;b&gt;9&lt;/b&gt;" in text(pages[4])
    for page in pages:
        assert page.status_code == 200
        assert "<img src=x" not in text(page) and "<b>9</b>" not in text(page)
        assert "<script>alert" not in text(page)


@pytest.mark.parametrize("key", ["abc\x07def", "abc\x00def"], ids=["bell", "nul"])
def test_a_key_with_control_characters_is_refused_before_the_wizard_and_stores_nothing(
    admin_client, tripletex_sandbox, key
):
    admin_client.post(url("wizard_begin"))
    response = admin_client.post(url("wizard_key"), {"key": key})
    assert response.status_code == 400
    assert str(CONTROL_CHARACTER_REFUSED) in text(response)
    run = WizardRun.objects.get()
    assert (run.key_checked, run.employee_token, run.token_last4) == (False, "", "")


def test_a_nul_in_a_steps_query_is_a_400_with_a_message(admin_client, tripletex_sandbox):
    admin_client.post(url("wizard_begin"))
    for query in ("side=%00", "q=%00"):
        response = admin_client.get(step_url("prosjekter") + "?" + query)
        assert response.status_code == 400
        assert str(CONTROL_CHARACTER_REFUSED) in text(response)


@pytest.mark.parametrize("side", ["abc", "0", "99999"])
def test_odd_page_numbers_show_a_page(
    admin_client, tripletex_sandbox, django_capture_on_commit_callbacks, side
):
    add_projects(tripletex_sandbox, 60)
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter")
    response = admin_client.get(step_url("prosjekter", side=side))
    assert response.status_code == 200
    assert SHOWN.findall(text(response))
    moved = admin_client.post(step_url("prosjekter"), {"action": f"page:{side}"})
    assert moved.status_code == 302
    assert admin_client.get(moved.url).status_code == 200


@pytest.mark.parametrize("extra", [60, 600])
def test_employee_step_query_count_does_not_grow_with_rows_and_their_choices(
    admin,
    admin_client,
    tripletex_sandbox,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
    extra,
):
    # given: many new employees, each row with a role and a department to choose
    for name in ("Bygg", "Rør", "Kontor"):
        DepartmentFactory.create(company=admin.company, name=name)
    with tripletex_sandbox.app.lock:
        for index in range(extra):
            demo._add_employee(
                tripletex_sandbox.app.store,
                f"{5000 + index}",
                "Ny",
                f"Ansatt {index}",
                f"ny{index}@gronnbygg.no",
            )
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    open_step(admin_client, django_capture_on_commit_callbacks, "ansatte")
    assert WizardItem.objects.filter(run=run, kind=ItemKind.EMPLOYEE).count() > extra
    # when
    with django_assert_max_num_queries(EMPLOYEE_STEP_MAX_QUERIES):
        page = admin_client.get(step_url("ansatte", vis="nye"))
    # then: a full page of rows, each with its own choices
    assert len(SHOWN.findall(text(page))) == selectors.STEP_PAGE_SIZE
    assert text(page).count('<option value="">–</option>') == selectors.STEP_PAGE_SIZE


def test_summary_asks_from_which_date_hours_are_sent_and_the_card_says_it(
    admin, admin_client, tripletex_sandbox
):
    # given
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    today = timezone.localdate()
    # when: the summary opens
    summary = text(admin_client.get(url("wizard_summary")))
    # then: the activation day is proposed, with what it includes
    assert "Send godkjente timer fra og med" in summary
    assert f'name="send_from" value="{today:%Y-%m-%d}"' in summary
    assert 'data-count="send-from">0<' in summary
    # when: another date is chosen and counted, then «Ferdigstill»
    chosen = datetime.date(2026, 11, 1)
    assert (
        admin_client.post(url("wizard_summary"), {"send_from": "2026-11-01", "action": "count"}).status_code
        == 302
    )
    run.refresh_from_db()
    assert run.send_hours_from == chosen
    assert 'value="2026-11-01"' in text(admin_client.get(url("wizard_summary")))
    admin_client.post(url("wizard_summary"), {"send_from": "2026-11-01", "action": "finish"})
    # then
    assert Connection.objects.get(company=admin.company).send_hours_from == chosen
    assert 'id="tripletex-send-from">01.11.2026<' in text(admin_client.get(settings_url()))


def test_hours_waiting_for_approval_move_the_proposed_date_back_so_none_is_lost(
    admin, admin_client, tripletex_sandbox
):
    # given: last week sent in for approval (7,5 t on Monday, 5 t on Tuesday), not yet approved
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    employee = EmployeeFactory.create(company=admin.company)
    sent_in = {"status": EntryStatus.SUBMITTED, "submitted_by": employee, "submitted_at": timezone.now()}
    HourEntryFactory.create(employee=employee, date=monday, **sent_in)
    HourEntryFactory.create(employee=employee, date=monday + datetime.timedelta(days=1), hours="5", **sent_in)
    HourEntryFactory.create(employee=employee, date=monday - datetime.timedelta(days=7))
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    # when
    summary = text(admin_client.get(url("wizard_summary")))
    # then: the date proposed is the first day waiting, and both entries are said to go once approved
    assert f'name="send_from" value="{monday:%Y-%m-%d}"' in summary
    assert 'data-count="waiting-from">2<' in summary
    assert "12,5 t" in summary
    assert "waiting-before" not in summary
    # when: a later date is chosen
    later = monday + datetime.timedelta(days=1)
    admin_client.post(url("wizard_summary"), {"send_from": f"{later:%Y-%m-%d}", "action": "count"})
    summary = text(admin_client.get(url("wizard_summary")))
    # then: the Monday's entry is said to be left out for good
    assert 'data-count="waiting-before">1<' in summary
    assert 'data-count="waiting-from">1<' in summary


def test_a_date_that_is_not_a_date_is_refused_with_the_reason(admin, admin_client, tripletex_sandbox):
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    response = admin_client.post(url("wizard_summary"), {"send_from": "i går", "action": "finish"})
    assert response.status_code == 400
    assert str(views.SEND_FROM_INVALID) in text(response)
    assert not Connection.objects.filter(company=admin.company, is_active=True).exists()


def test_cancelling_an_update_says_the_integration_stays_active(admin, admin_client, tripletex_sandbox):
    # given: connected, then «Oppdater Tripletex» started
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    admin_client.post(url("wizard_summary"))
    admin_client.post(url("wizard_begin"))
    # when
    response = admin_client.post(url("wizard_cancel"), follow=True)
    # then
    assert last_message(response) == str(views.UPDATE_CANCELLED)
    assert last_message(response) == (
        "Oppdateringen er avbrutt. Ingenting er endret: integrasjonen med Tripletex er fortsatt aktiv med "
        "de samme koblingene, og godkjente timer sendes fortsatt til Tripletex."
    )
    assert "ingen timer blir sendt" not in text(response)
    assert Connection.objects.get(company=admin.company).is_active


def test_cancelling_an_update_in_english_says_the_integration_stays_active(
    admin, admin_client, tripletex_sandbox
):
    # given: connected, then «Oppdater Tripletex» started, in English
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    admin_client.post(url("wizard_summary"))
    admin_client.post(url("wizard_begin"))
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    response = admin_client.post(url("wizard_cancel"), follow=True)
    # then
    assert last_message(response) == (
        "The update was cancelled. Nothing has changed: the Tripletex integration is still active with the "
        "same links, and approved hours are still sent to Tripletex."
    )


def test_project_step_shows_dates_and_participants_only_projects(
    admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    page = text(open_step(admin_client, django_capture_on_commit_callbacks, "prosjekter"))
    row = re.search(r'<tr id="item-\d+"[^>]*>((?:(?!</tr>).)*Brygge på Stø(?:(?!</tr>).)*)</tr>', page, re.S)
    assert row and 'data-warning="participants-only"' in row.group(1)
    row = re.search(
        r'<tr id="item-\d+"[^>]*>((?:(?!</tr>).)*Fasade Tromsø rådhus(?:(?!</tr>).)*)</tr>', page, re.S
    )
    assert row and "til 30.06.2027" in row.group(1)
    assert page.count('data-warning="participants-only"') == 1


def test_lonnsart_step_offers_the_lonnsarter_here_and_saves_the_choice(
    admin, admin_client, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    helg = WageType.objects.create(company=admin.company, number="77", name="Helg")
    run = begin_and_check_key(admin_client, tripletex_sandbox.employee_token)
    page = text(open_step(admin_client, django_capture_on_commit_callbacks, "lonnsarter"))
    holiday = WizardItem.objects.get(run=run, kind=ItemKind.WAGE_TYPE, number="2030")
    assert f'name="wage_type_id-{holiday.id}"' in page
    assert f'<option value="{helg.id}" >77 Helg</option>' in page
    # when
    admin_client.post(
        step_url("lonnsarter"),
        {"shown": [holiday.id], "selected": [holiday.id], f"wage_type_id-{holiday.id}": str(helg.id)},
    )
    # then
    holiday.refresh_from_db()
    assert (holiday.local_id, holiday.plan) == (helg.id, "link")
