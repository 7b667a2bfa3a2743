"""«Godkjenning»: filters in the address, one card per person-week, week decisions, «Godkjenn alle
viste» with refusals grouped by cause, the e-mails of a week's decision, and a constant query count."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from hr import forms, services, views
from hr.integration import NoIntegration, integration_register
from hr.models import Company, Employee, EntryStatus, HourEntry, WageType
from hr.selectors import APPROVAL_WEEKS_PER_PAGE
from hr.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
)

MONDAY = datetime.date(2026, 11, 23)  # week 48
SENT = datetime.datetime(2026, 11, 23, 16, 0, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_week_49():
    with time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def login(client, employee: Employee) -> None:
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)


def sent_in(employee: Employee, monday: datetime.date = MONDAY, days: Sequence[int] = (0, 1), **kwargs):
    return [
        HourEntryFactory.create(
            employee=employee,
            date=monday + datetime.timedelta(days=day),
            status=EntryStatus.SUBMITTED,
            submitted_at=SENT,
            **kwargs,
        )
        for day in days
    ]


def page(client: Client, **query: Any) -> str:
    response = client.get(reverse("hr:approval"), query)
    assert response.status_code == 200
    return response.content.decode()


def cards(html: str) -> int:
    return html.count('class="card approval-week"')


class _RefusesPerson(NoIntegration):
    """A payroll integration that refuses every entry of one person, for a reason of its own."""

    def __init__(self, employee: Employee) -> None:
        self.employee = employee

    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        return {
            e.id: f"{self.employee.full_name} er ikke koblet til en ansatt i Tripletex."
            for e in entries
            if e.employee_id == self.employee.id
        }


# --- filters -------------------------------------------------------------------------------------


def test_filters_by_department_person_week_dates_and_status(client, company, department, administrator):
    # given: two departments, two people, two weeks, one week already approved
    other_department = DepartmentFactory.create(company=company, name="Anlegg")
    kari = EmployeeFactory.create(company=company, department=department, first_name="Kari", last_name="Berg")
    ola = EmployeeFactory.create(
        company=company, department=other_department, first_name="Ola", last_name="Dal"
    )
    sent_in(kari)
    sent_in(kari, MONDAY + datetime.timedelta(days=7))
    sent_in(ola)
    approved = sent_in(ola, MONDAY - datetime.timedelta(days=7))
    HourEntry.objects.filter(id__in=[e.id for e in approved]).update(
        status=EntryStatus.APPROVED, decided_at=SENT
    )
    login(client, administrator)

    # when / then
    assert cards(page(client)) == 3  # everything waiting
    assert cards(page(client, department=other_department.id)) == 1
    assert cards(page(client, employee=kari.id)) == 2
    assert cards(page(client, week="2026-W48")) == 2
    assert cards(page(client, week="2026-W49", employee=kari.id)) == 1
    assert cards(page(client, date_from="2026-11-30", date_to="2026-12-06")) == 1
    assert cards(page(client, date_from="23.11.2026", date_to="29.11.2026")) == 2
    assert cards(page(client, status="approved")) == 1
    assert cards(page(client, status="all")) == 4
    only_ola = page(client, department=other_department.id, status="all")
    assert cards(only_ola) == 2 and "Kari Berg" not in only_ola.split("approval-form")[1].split("recent")[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"department": "abc"}, forms.FILTER_DEPARTMENT_UNKNOWN),
        ({"department": "987654321"}, forms.FILTER_DEPARTMENT_UNKNOWN),
        ({"employee": "x"}, forms.FILTER_EMPLOYEE_UNKNOWN),
        ({"status": "maybe"}, forms.FILTER_STATUS_UNKNOWN),
        ({"week": "2025-W53"}, forms.FILTER_WEEK_INVALID),
        ({"week": "uke 12"}, forms.FILTER_WEEK_INVALID),
        ({"week": "9999-W52"}, forms.FILTER_WEEK_INVALID),
        ({"date_from": "2026-02-30"}, forms.FILTER_DATE_INVALID),
        ({"date_to": "1999-12-31"}, forms.FILTER_DATE_INVALID),
        ({"date_from": "2026-12-01", "date_to": "2026-11-01"}, forms.FILTER_DATES_REVERSED),
        ({"week": "2026-W48", "date_from": "2026-11-01"}, forms.FILTER_WEEK_AND_DATES),
    ],
)
def test_bad_filter_values_get_a_norwegian_message_never_a_500(client, employee, manager, query, message):
    # given
    sent_in(employee)
    login(client, manager)

    # when
    response = client.get(reverse("hr:approval"), query)

    # then: the page says what is wrong, and shows no weeks it might be misunderstood to approve
    html = response.content.decode()
    assert response.status_code == 400
    assert str(views.FILTER_REFUSED) in html
    assert str(message) in html
    assert cards(html) == 0


def test_another_departments_id_is_refused_like_one_that_does_not_exist(client, company, manager, employee):
    # given: a department the manager does not lead, and one of another company
    elsewhere = DepartmentFactory.create(company=company, name="Anlegg")
    foreign = DepartmentFactory.create(company=EmployeeFactory.create().company, name="Fremmed")
    login(client, manager)

    # when / then
    for department in (elsewhere, foreign):
        response = client.get(reverse("hr:approval"), {"department": department.id})
        assert response.status_code == 400
        assert str(forms.FILTER_DEPARTMENT_UNKNOWN) in response.content.decode()


def test_a_manager_sees_their_departments_never_their_own_hours_an_administrator_all(
    client, company, department, manager, employee, administrator
):
    # given
    outsider = EmployeeFactory.create(
        company=company, department=DepartmentFactory.create(company=company, name="Anlegg")
    )
    stranger = EmployeeFactory.create()  # another company
    for person in (employee, outsider, stranger, manager):
        sent_in(person)

    # when
    login(client, manager)
    as_manager = page(client)
    client.logout()
    login(client, administrator)
    as_administrator = page(client)

    # then
    assert f'id="week-{employee.id}-' in as_manager
    assert f'id="week-{outsider.id}-' not in as_manager
    assert f'id="week-{manager.id}-' not in as_manager
    assert f'id="week-{stranger.id}-' not in as_manager
    assert {f'id="week-{p.id}-' in as_administrator for p in (employee, outsider, manager)} == {True}
    assert f'id="week-{stranger.id}-' not in as_administrator


def test_the_filters_stay_in_the_address_of_the_pages(client, company, department, manager):
    # given: more person-weeks than fit on one page
    people = [EmployeeFactory.create(company=company, department=department) for _ in range(3)]
    for person in people:
        for week in range(20):
            sent_in(person, MONDAY - datetime.timedelta(days=7 * week), days=(0,))
    login(client, manager)

    # when
    first = page(client, department=department.id)
    second = page(client, department=department.id, page=2)

    # then
    assert cards(first) == APPROVAL_WEEKS_PER_PAGE
    assert cards(second) == 60 - APPROVAL_WEEKS_PER_PAGE
    assert f"?department={department.id}&amp;page=2" in first
    assert "Viser 1–50 av 60 uker." in first


# --- a card ---------------------------------------------------------------------------------------


def test_a_card_is_the_week_as_a_read_only_grid_with_totals_normal_week_and_comments(
    client, company, employee, manager
):
    # given: a long project name, 40 hours on a 37,5-hour week, and a comment
    company.normal_week_hours = Decimal("37.5")
    company.save()
    project = ProjectFactory.create(company=company, number="P-900", name="Rehabilitering av " + "lang " * 20)
    entries = sent_in(employee, days=(0, 1, 2, 3, 4), project=project, hours=Decimal("8"))
    HourEntry.objects.filter(id=entries[2].id).update(comment="Kveldsarbeid")
    login(client, manager)

    # when
    html = page(client)

    # then
    card = html.split(f'id="week-{employee.id}-{MONDAY.isoformat()}"')[1].split("</section>")[0]
    assert f'title="P-900 {project.name}"' in card
    assert 'tabindex="0"' in card  # the full name is there on focus too
    assert 'class="truncate"' in card
    assert card.count('<td class="num cell">8</td>') == 5
    assert "40 t" in card and "37,5 t" in card and "2,5 t over" in card
    assert "Kveldsarbeid" in card
    assert (
        f'name="shown-{employee.id}-{MONDAY.isoformat()}" value="{",".join(str(e.id) for e in entries)}"'
        in card
    )
    assert "<input" not in card.split("</table>")[0].split("<table")[1]  # read-only grid


def test_a_card_escapes_what_people_typed(client, company, employee, manager):
    # given: a project, a lønnsart and a person registering for another whose names look like markup
    project = ProjectFactory.create(company=company, number="P-<1>", name='Bro "&" kai')
    overtime = WageType.objects.create(company=company, name="<script>Overtid</script>", number="2010")
    entries = sent_in(employee, days=(0,), project=project, wage_type=overtime)
    HourEntry.objects.filter(id=entries[0].id).update(submitted_by=manager)
    manager.first_name = "<b>Leder</b>"
    manager.save()
    login(client, manager)

    # when
    html = page(client)

    # then
    card = html.split(f'id="week-{employee.id}-{MONDAY.isoformat()}"')[1].split("</section>")[0]
    assert "<script>" not in card and "<b>" not in card and "P-<1>" not in card
    assert 'title="P-&lt;1&gt; Bro &quot;&amp;&quot; kai"' in card
    assert "&lt;script&gt;Overtid&lt;/script&gt;" in card
    assert "av &lt;b&gt;Leder&lt;/b&gt;" in card


def test_under_time_is_marked(client, employee, manager):
    sent_in(employee, days=(0,))  # 7,5 t
    login(client, manager)
    assert "30 t under" in page(client)


# --- decisions ------------------------------------------------------------------------------------


def _key(employee: Employee, monday: datetime.date = MONDAY) -> str:
    return f"{employee.id}-{monday.isoformat()}"


def test_approve_week_approves_only_what_the_card_showed(client, employee, manager):
    # given: the page showed two entries; a third was sent in after
    shown = sent_in(employee, days=(0, 1))
    later = sent_in(employee, days=(2,))
    login(client, manager)

    # when
    response = client.post(
        reverse("hr:approval") + "?week=2026-W48",
        {
            "action": f"approve-week:{_key(employee)}",
            f"shown-{_key(employee)}": f"{shown[0].id},{shown[1].id}",
        },
    )

    # then: back to the same filtered page at the card
    assert response.status_code == 302
    assert response["Location"] == f"/godkjenning/?week=2026-W48#week-{_key(employee)}"
    statuses = dict(HourEntry.objects.values_list("id", "status"))
    assert [statuses[e.id] for e in shown] == [EntryStatus.APPROVED, EntryStatus.APPROVED]
    assert statuses[later[0].id] == EntryStatus.SUBMITTED


def test_reject_week_requires_a_reason_and_loses_nothing(client, employee, manager):
    # given
    entries = sent_in(employee)
    login(client, manager)
    ids = ",".join(str(e.id) for e in entries)

    # when: no reason
    refused = client.post(
        reverse("hr:approval") + "?status=submitted",
        {
            "action": f"reject-week:{_key(employee)}",
            f"shown-{_key(employee)}": ids,
            f"reason-{_key(employee)}": " ",
        },
        follow=True,
    )

    # then: refused with the message, the week still waits, on the same filtered page
    assert str(services.REASON_REQUIRED) in refused.content.decode()
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    assert refused.redirect_chain[-1][0] == f"/godkjenning/?status=submitted#week-{_key(employee)}"

    # when: with a reason
    client.post(
        reverse("hr:approval"),
        {
            "action": f"reject-week:{_key(employee)}",
            f"shown-{_key(employee)}": ids,
            f"reason-{_key(employee)}": "Feil prosjekt",
        },
    )

    # then
    assert set(HourEntry.objects.values_list("status", "rejection_reason")) == {
        (EntryStatus.REJECTED, "Feil prosjekt")
    }


def test_a_refused_single_week_shows_each_cause_once(client, employee, manager):
    # given: five entries, all refused for the same reason
    entries = sent_in(employee, days=(0, 1, 2, 3, 4))
    integration_register(_RefusesPerson(employee))
    login(client, manager)

    # when
    response = client.post(
        reverse("hr:approval"),
        {
            "action": f"approve-week:{_key(employee)}",
            f"shown-{_key(employee)}": ",".join(str(e.id) for e in entries),
        },
        follow=True,
    )

    # then: one banner, not five
    html = response.content.decode()
    assert html.count(f"{employee.full_name} er ikke koblet til en ansatt i Tripletex.") == 1
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_approve_all_shown_approves_the_rest_and_groups_refusals_by_cause(
    client, company, department, manager
):
    # given: four people; one of them has three weeks the integration refuses
    people = [EmployeeFactory.create(company=company, department=department) for _ in range(3)]
    refused = EmployeeFactory.create(
        company=company, department=department, first_name="Kåre", last_name="Sæther"
    )
    shown: dict[str, str] = {}
    for person in people:
        shown[_key(person)] = ",".join(str(e.id) for e in sent_in(person))
    for week in range(3):
        monday = MONDAY - datetime.timedelta(days=7 * week)
        shown[_key(refused, monday)] = ",".join(str(e.id) for e in sent_in(refused, monday))
    integration_register(_RefusesPerson(refused))
    login(client, manager)

    # when
    response = client.post(
        reverse("hr:approval"),
        {"action": "approve-shown", **{f"shown-{key}": ids for key, ids in shown.items()}},
        follow=True,
    )

    # then
    html = response.content.decode()
    assert "3 uker er godkjent (6 timeføringer)." in html
    assert html.count("Kåre Sæther er ikke koblet til en ansatt i Tripletex.") == 1
    assert "3 uker ble ikke godkjent: Kåre Sæther er ikke koblet til en ansatt i Tripletex." in html
    assert HourEntry.objects.filter(status=EntryStatus.APPROVED).count() == 6
    assert set(HourEntry.objects.filter(employee=refused).values_list("status", flat=True)) == {
        EntryStatus.SUBMITTED
    }


def test_approve_all_shown_with_nothing_waiting_says_so(client, manager):
    login(client, manager)
    response = client.post(reverse("hr:approval"), {"action": "approve-shown"}, follow=True)
    assert str(views.NOTHING_SHOWN_TO_APPROVE) in response.content.decode()
    assert "Ingen timer venter på godkjenning." in response.content.decode()
    assert "Ingen uker passer filteret." in page(client, week="2026-W48")


def test_approve_all_shown_never_approves_what_the_actor_may_not(client, company, manager):
    # given: the form is tampered with to include another department's week and the manager's own
    outsider = EmployeeFactory.create(
        company=company, department=DepartmentFactory.create(company=company, name="Anlegg")
    )
    theirs = sent_in(outsider)
    own = sent_in(manager)
    login(client, manager)

    # when
    client.post(
        reverse("hr:approval"),
        {
            "action": "approve-shown",
            f"shown-{_key(outsider)}": ",".join(str(e.id) for e in theirs),
            f"shown-{_key(manager)}": ",".join(str(e.id) for e in own),
        },
    )

    # then
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_the_administrator_can_still_reopen_recently_approved_hours(client, employee, administrator):
    # given
    entry = sent_in(employee, days=(0,))[0]
    services.entries_approve(actor=administrator, entry_ids=[entry.id])
    login(client, administrator)
    assert f'id="approved-{entry.id}"' in page(client)

    # when
    client.post(reverse("hr:approval"), {"action": f"reopen:{entry.id}"})

    # then
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


# --- e-mails of a week's decision -------------------------------------------------------------------


def test_the_employee_gets_one_email_per_week_approved(employee, manager, django_capture_on_commit_callbacks):
    # given: two weeks, five entries
    first = sent_in(employee, days=(0, 1, 2))
    second = sent_in(employee, MONDAY + datetime.timedelta(days=7), days=(0, 1))

    # when: approved in one go
    with django_capture_on_commit_callbacks(execute=True):
        services.entries_approve(actor=manager, entry_ids=[e.id for e in first + second])

    # then
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([employee.email], "Timene dine for uke 48, 2026 er godkjent"),
        ([employee.email], "Timene dine for uke 49, 2026 er godkjent"),
    ]
    assert f"Godkjent av {manager.full_name}." in mail.outbox[0].body
    assert "22,5 t" in mail.outbox[0].body


def test_the_employee_gets_one_email_per_week_rejected_with_the_reason(
    employee, manager, django_capture_on_commit_callbacks
):
    # given
    entries = sent_in(employee, days=(0, 1, 2, 3, 4))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.entries_reject(
            actor=manager, entry_ids=[e.id for e in entries], reason="Mangler prosjektkode"
        )

    # then
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([employee.email], "Timene dine for uke 48, 2026 er avvist")
    ]
    assert mail.outbox[0].body.count("Begrunnelse: Mangler prosjektkode") == 1


def test_approve_all_shown_sends_one_email_per_week_and_none_for_refused_weeks(
    client, company, department, manager, django_capture_on_commit_callbacks
):
    # given
    approved = EmployeeFactory.create(company=company, department=department)
    refused = EmployeeFactory.create(company=company, department=department)
    shown = {
        f"shown-{_key(person)}": ",".join(str(e.id) for e in sent_in(person, days=(0, 1, 2)))
        for person in (approved, refused)
    }
    integration_register(_RefusesPerson(refused))
    login(client, manager)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hr:approval"), {"action": "approve-shown", **shown})

    # then
    assert [m.to for m in mail.outbox] == [[approved.email]]


def test_the_email_is_in_the_companys_language_whatever_the_approvers(
    client, employee, manager, django_capture_on_commit_callbacks
):
    # given: the manager uses the English pages
    entries = sent_in(employee, days=(0,))
    login(client, manager)
    client.cookies["django_language"] = "en"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("hr:approval"),
            {"action": f"approve-week:{_key(employee)}", f"shown-{_key(employee)}": str(entries[0].id)},
        )

    # then
    assert [m.subject for m in mail.outbox] == ["Timene dine for uke 48, 2026 er godkjent"]


# --- services -------------------------------------------------------------------------------------


def test_weeks_approve_counts_weeks_per_cause(company, department, manager):
    # given
    refused = EmployeeFactory.create(company=company, department=department)
    fine = EmployeeFactory.create(company=company, department=department)
    weeks = [[e.id for e in sent_in(p)] for p in (refused, fine)]
    integration_register(_RefusesPerson(refused))

    # when
    result = services.weeks_approve(actor=manager, weeks=weeks)

    # then
    assert (result.approved_weeks, result.approved_entries, result.refused_weeks) == (1, 2, 1)
    assert result.refused == {f"{refused.full_name} er ikke koblet til en ansatt i Tripletex.": 1}


def test_weeks_approve_decides_an_entry_named_twice_once(company, department, manager):
    # given: one week named under two keys (the form's Monday and another day of the same week)
    person = EmployeeFactory.create(company=company, department=department)
    week = [e.id for e in sent_in(person)]

    # when
    result = services.weeks_approve(actor=manager, weeks=[week, week])

    # then
    assert (result.approved_weeks, result.approved_entries, result.refused_weeks) == (1, 2, 0)
    assert HourEntry.objects.filter(id__in=week, status=EntryStatus.APPROVED).count() == 2


def test_weeks_approve_refuses_a_week_decided_meanwhile_and_approves_the_rest(company, department, manager):
    # given: two weeks on the page; one is rejected by someone else before «Godkjenn alle viste»
    gone, fine = (EmployeeFactory.create(company=company, department=department) for _ in range(2))
    weeks = [[e.id for e in sent_in(p)] for p in (gone, fine)]
    services.entries_reject(actor=manager, entry_ids=weeks[0][:1], reason="Feil prosjekt")

    # when
    result = services.weeks_approve(actor=manager, weeks=weeks)

    # then: the decided week stays as it is, whole; the other is approved
    assert (result.approved_weeks, result.approved_entries, result.refused_weeks) == (1, 2, 1)
    assert result.refused == {str(services.ENTRY_NOT_SUBMITTED): 1}
    assert HourEntry.objects.get(id=weeks[0][1]).status == EntryStatus.SUBMITTED


def test_refusal_causes_keep_each_message_once():
    error = ValidationError([ValidationError("A"), ValidationError("B"), ValidationError("A")])
    assert services.refusal_causes(error) == ["A", "B"]


# --- query count ----------------------------------------------------------------------------------

APPROVAL_PAGE_QUERIES = 9


def _person_weeks(company: Company, department, count: int) -> None:
    """``count`` person-weeks of sent-in hours: ten weeks each for count/10 people, two rows a week."""
    people = [EmployeeFactory.create(company=company, department=department) for _ in range(count // 10)]
    projects = [
        ProjectFactory.create(company=company, name="Prosjekt med et langt navn " * 3) for _ in range(2)
    ]
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    HourEntry.objects.bulk_create(
        HourEntry(
            company=company,
            employee=person,
            date=MONDAY - datetime.timedelta(days=7 * week) + datetime.timedelta(days=day),
            project=projects[day % 2],
            wage_type=ordinary,
            hours=Decimal("3.75"),
            comment="Merknad" if day == 0 else "",
            status=EntryStatus.SUBMITTED,
            submitted_at=SENT,
        )
        for person in people
        for week in range(10)
        for day in range(5)
    )


@pytest.mark.parametrize("person_weeks", [10, 500])
def test_the_page_takes_the_same_number_of_queries_for_10_and_500_person_weeks(
    client, company, department, administrator, django_assert_num_queries, person_weeks
):
    # given
    _person_weeks(company, department, person_weeks)
    login(client, administrator)

    # when
    with django_assert_num_queries(APPROVAL_PAGE_QUERIES):
        response = client.get(reverse("hr:approval"), {"department": department.id})

    # then
    assert response.status_code == 200
    assert cards(response.content.decode()) == min(person_weeks, APPROVAL_WEEKS_PER_PAGE)


def test_the_page_in_english_shows_english_texts(client, employee, manager):
    # given
    sent_in(employee, days=(0, 1, 2, 3, 4, 5))  # 45 h
    login(client, manager)
    client.cookies["django_language"] = "en"

    # when
    html = page(client)

    # then
    for text in ("Approve all shown", "Approve week", "Reject week", "7.5 h over", "Normal working week"):
        assert text in html, text
    for text in ("Godkjenn", "Avvis uke", "t over", "Avdeling"):
        assert text not in html, text
