"""Weekly reminders: who gets them, exactly once, at the right Oslo instant; the command; the settings."""

from __future__ import annotations

import datetime
import io
import smtplib
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest
from django.urls import reverse

from hr import forms, reminders, views
from hr.models import (
    Company,
    Employee,
    EntryStatus,
    ReminderKind,
    ReminderRound,
    ReminderSent,
    Weekday,
)
from hr.tasks import reminders_send_task
from hr.tests.factories import (
    PASSWORD,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    administrator_of,
    manager_of,
)

pytestmark = pytest.mark.django_db

OSLO = datetime.timezone(datetime.timedelta(hours=1))  # CET, the whole of week 48
MONDAY = datetime.date(2026, 11, 23)  # 2026-W48
FRIDAY_14 = datetime.datetime(2026, 11, 27, 14, 0, tzinfo=OSLO)
EMPLOYEE = ReminderKind.EMPLOYEE
MANAGER = ReminderKind.MANAGER


@pytest.fixture(autouse=True)
def clock():
    """People and hours are made the week before, so logins are older than the week reminded of."""
    with time_machine.travel(datetime.datetime(2026, 11, 16, 9, 0, tzinfo=OSLO), tick=False) as traveller:
        yield traveller


def week_of_hours(
    employee: Employee,
    status: str,
    *,
    days: int = 5,
    hours: str = "7.5",
    monday: datetime.date = MONDAY,
) -> None:
    """Hours on the first `days` days of the week, all in one status (with the times it requires)."""
    sent_at = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
    for offset in range(days):
        HourEntryFactory.create(
            employee=employee,
            date=monday + datetime.timedelta(days=offset),
            hours=Decimal(hours),
            status=status,
            submitted_at=None if status == EntryStatus.REGISTERED else sent_at,
            decided_at=sent_at if status in (EntryStatus.APPROVED, EntryStatus.REJECTED) else None,
            rejection_reason="Feil prosjekt" if status == EntryStatus.REJECTED else "",
        )


def run(clock, at: datetime.datetime) -> set[tuple[str, str]]:
    """One beat run at `at`: the (address, kind) of every e-mail it sent."""
    clock.move_to(at)
    before = len(mail.outbox)
    sent = reminders_send_task()
    new = mail.outbox[before:]
    assert sent == len(new)
    return {(message.to[0], _kind_of(message)) for message in new}


def _kind_of(message: EmailMessage) -> str:
    return EMPLOYEE if "?week=" in message.body else MANAGER


@pytest.fixture
def people(company, department, employee, manager, administrator):
    """Everybody one reminder rule is about. Whoever approves has sent in a full week, approved."""
    week_of_hours(manager, EntryStatus.APPROVED)
    week_of_hours(administrator, EntryStatus.APPROVED)
    cast = {
        "nothing": employee,  # no hours at all
        "registered": EmployeeFactory.create(company=company, department=department),
        "rejected": EmployeeFactory.create(company=company, department=department),
        "partly_sent": EmployeeFactory.create(company=company, department=department),
        "sent": EmployeeFactory.create(company=company, department=department),
        "approved": EmployeeFactory.create(company=company, department=department),
        "over": EmployeeFactory.create(company=company, department=department),
        "deactivated": EmployeeFactory.create(company=company, department=department, is_active=False),
        "no_login": EmployeeFactory.create(company=company, department=department, user=None),
        "invited": EmployeeFactory.create(company=company, department=department),
        "manager": manager,
        "administrator": administrator,
    }
    week_of_hours(cast["registered"], EntryStatus.REGISTERED)
    week_of_hours(cast["rejected"], EntryStatus.SUBMITTED, days=4)
    week_of_hours(cast["rejected"], EntryStatus.REJECTED, days=1)
    week_of_hours(cast["partly_sent"], EntryStatus.SUBMITTED, days=2)
    week_of_hours(cast["sent"], EntryStatus.SUBMITTED)
    week_of_hours(cast["approved"], EntryStatus.APPROVED)
    week_of_hours(cast["over"], EntryStatus.SUBMITTED, days=4, hours="10")
    cast["deactivated"].user.is_active = False
    cast["deactivated"].user.save()
    cast["invited"].user.set_unusable_password()  # has not followed the invitation yet
    cast["invited"].user.save()
    return cast


def expected_first_run(people: dict[str, Employee]) -> set[tuple[str, str]]:
    reminded = ["nothing", "registered", "rejected", "partly_sent"]
    return {(people[name].email, EMPLOYEE) for name in reminded} | {
        (people["manager"].email, MANAGER),
        (people["administrator"].email, MANAGER),
    }


def test_the_right_people_get_one_reminder_each_across_runs_and_a_restart(clock, people):
    # given: the people above; Friday 14:00 (employees) and Monday 08:00 (managers) have passed
    # when: beat runs at 14:00, again five minutes later, and once more after a restart
    first = run(clock, FRIDAY_14)
    second = run(clock, FRIDAY_14 + datetime.timedelta(minutes=5))
    third = run(clock, FRIDAY_14 + datetime.timedelta(minutes=10))

    # then: those who have not sent in, and those with weeks to approve, got exactly one each
    assert first == expected_first_run(people)
    assert len(mail.outbox) == 6
    assert second == set() and third == set()
    assert ReminderSent.objects.filter(week=MONDAY, sent_at__isnull=False).count() == 6
    assert set(ReminderRound.objects.values_list("kind", flat=True)) == {EMPLOYEE, MANAGER}


def test_two_processes_that_both_found_the_round_due_send_each_reminder_once(clock, people, monkeypatch):
    # given: two processes both planned the round at 14:00, before either sent anything
    clock.move_to(FRIDAY_14)
    stale_plan = {
        kind: reminders._plan(people["nothing"].company, kind, MONDAY) for kind in (EMPLOYEE, MANAGER)
    }

    # when: the first sends its round; the second, with the plan it made before, then sends its own
    first = run(clock, FRIDAY_14)
    ReminderRound.objects.all().delete()  # the second process checked the rounds before these were written
    monkeypatch.setattr(reminders, "_plan", lambda company, kind, monday: stale_plan[kind])
    second = run(clock, FRIDAY_14)

    # then: the claims stopped the second process; nobody got two
    assert len(stale_plan[EMPLOYEE]) + len(stale_plan[MANAGER]) == 6
    assert first == expected_first_run(people)
    assert second == set()
    assert len(mail.outbox) == 6


@pytest.mark.django_db(transaction=True)
def test_two_processes_at_once_on_postgresql_send_each_reminder_once(clock, people, monkeypatch):
    """Real concurrency: two threads, each with its own PostgreSQL connection, both plan every round
    before either claims anything, then race to claim and send the same reminders."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (two connections racing for one row); run with DATABASE_URL=postgres://…"
        )
    # given: both "processes" plan a round, then wait for each other before sending
    planned = threading.Barrier(2, timeout=30)
    plan = reminders._plan

    def plan_then_wait(company, kind, monday):
        reminders_planned = plan(company, kind, monday)
        planned.wait()
        return reminders_planned

    monkeypatch.setattr(reminders, "_plan", plan_then_wait)
    clock.move_to(FRIDAY_14)
    counts: list[int] = []
    errors: list[BaseException] = []

    def process() -> None:
        try:
            counts.append(reminders_send_task())
        except BaseException as error:  # surfaced below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: six reminders between them, each to a different person and kind
    assert errors == []
    assert len(counts) == 2 and sum(counts) == 6
    assert len(mail.outbox) == 6
    assert {(m.to[0], _kind_of(m)) for m in mail.outbox} == expected_first_run(people)
    assert ReminderSent.objects.filter(sent_at__isnull=False).count() == 6


def test_a_crash_between_claim_and_send_loses_that_reminder_and_never_duplicates(clock, people, monkeypatch):
    # given: the process dies while handing the second e-mail to the mail server
    original_send = EmailMessage.send
    calls = []

    def dies_on_second(message: EmailMessage, fail_silently: bool = False) -> int:
        calls.append(message.to[0])
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return original_send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", dies_on_second)
    clock.move_to(FRIDAY_14)
    with pytest.raises(SystemExit):
        reminders_send_task()
    monkeypatch.setattr(EmailMessage, "send", original_send)

    # when: the restarted beat runs again
    after_restart = run(clock, FRIDAY_14 + datetime.timedelta(minutes=5))

    # then: the one being sent is lost (its claim has no sent_at); everybody else got exactly one
    lost = calls[1]
    assert {address for address, _kind in after_restart} == {
        address for address, _kind in expected_first_run(people)
    } - {calls[0], lost}
    assert [m.to[0] for m in mail.outbox].count(calls[0]) == 1
    assert lost not in [m.to[0] for m in mail.outbox]
    assert ReminderSent.objects.get(employee__email=lost, week=MONDAY).sent_at is None
    assert len(mail.outbox) == 5


def test_a_send_that_fails_with_an_error_is_tried_again_on_the_next_run(clock, people, monkeypatch):
    # given: the mail server refuses the first e-mail of the run
    original_send = EmailMessage.send
    refused: list[object] = []

    def refuses_first(message: EmailMessage, fail_silently: bool = False) -> int:
        if not refused:
            refused.append(message.to[0])
            raise smtplib.SMTPServerDisconnected("gone")
        return original_send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", refuses_first)

    # when: beat runs twice
    first = run(clock, FRIDAY_14)
    second = run(clock, FRIDAY_14 + datetime.timedelta(minutes=5))
    third = run(clock, FRIDAY_14 + datetime.timedelta(minutes=10))

    # then: the refused one went out on the next run, once; nobody else got a second
    assert len(first) == 5 and refused[0] not in {address for address, _kind in first}
    assert {address for address, _kind in second} == {refused[0]}
    assert third == set()
    assert len(mail.outbox) == 6


def test_nobody_is_reminded_of_a_week_they_joined_in_or_when_reminders_are_off(clock, company, department):
    # given: someone who got their login on Tuesday of the week, and someone from before
    clock.move_to(datetime.datetime(2026, 11, 24, 9, 0, tzinfo=OSLO))
    newcomer = EmployeeFactory.create(company=company, department=department)
    clock.move_to(datetime.datetime(2026, 11, 16, 9, 0, tzinfo=OSLO))
    veteran = EmployeeFactory.create(company=company, department=department)
    other = CompanyFactory.create(name="Av AS")
    Company.objects.filter(id=other.id).update(reminders_enabled=False)
    EmployeeFactory.create(company=other, department=DepartmentFactory.create(company=other))

    # when
    sent = run(clock, FRIDAY_14)

    # then: only the veteran; the company with reminders off gets nothing
    assert sent == {(veteran.email, EMPLOYEE)}
    assert newcomer.email not in [m.to[0] for m in mail.outbox]


def test_managers_get_one_digest_of_their_own_departments_and_administrators_of_all(
    clock, company, department
):
    # given: two departments, each with a manager; hours of two weeks wait in Bygg, one in Drift
    drift = DepartmentFactory.create(company=company, name="Drift")
    bygg_manager = manager_of(department, first_name="Berit", last_name="Bakke")
    drift_manager = manager_of(drift, first_name="Dag", last_name="Dahl")
    idle_manager = manager_of(DepartmentFactory.create(company=company, name="Lager"), last_name="Lund")
    administrator = administrator_of(company, first_name="Anne", last_name="Aas")
    ole = EmployeeFactory.create(company=company, department=department, first_name="Ole", last_name="Hansen")
    kari = EmployeeFactory.create(company=company, department=drift, first_name="Kari", last_name="Lie")
    week_of_hours(ole, EntryStatus.SUBMITTED, monday=MONDAY - datetime.timedelta(days=7))
    week_of_hours(ole, EntryStatus.SUBMITTED, days=2)
    week_of_hours(kari, EntryStatus.SUBMITTED, days=1)
    week_of_hours(bygg_manager, EntryStatus.SUBMITTED)  # their own week is the administrator's to approve
    for approver in (drift_manager, idle_manager, administrator):
        week_of_hours(approver, EntryStatus.APPROVED)

    # when: beat runs on Monday 08:00 of week 48
    sent = run(clock, datetime.datetime(2026, 11, 23, 8, 0, tzinfo=OSLO))

    # then: a digest each to those with weeks waiting, none to the idle manager, and no employee reminders yet
    assert sent == {
        (bygg_manager.email, MANAGER),
        (drift_manager.email, MANAGER),
        (administrator.email, MANAGER),
    }
    digests = {message.to[0]: message for message in mail.outbox}
    bygg = digests[bygg_manager.email]
    assert bygg.subject == "2 uker venter på godkjenning"
    assert "- Ole Hansen, uke 47 2026: 37,5 t\n- Ole Hansen, uke 48 2026: 15 t\n" in bygg.body
    assert "Kari" not in bygg.body and "Bakke" not in bygg.body
    assert "http://127.0.0.1:8000" + reverse("hr:approval") in bygg.body
    assert digests[drift_manager.email].subject == "1 uke venter på godkjenning"
    assert digests[administrator.email].subject == "4 uker venter på godkjenning"


def test_the_employees_e_mail_is_norwegian_and_links_to_the_week(clock, people):
    # when
    run(clock, FRIDAY_14)

    # then
    message = next(m for m in mail.outbox if m.to == [people["registered"].email])
    assert message.subject == "Husk å sende inn timene for uke 48"
    assert f"Hei {people['registered'].first_name}!" in message.body
    assert "Timene dine for uke 48 (23.11.2026–29.11.2026) er ikke sendt inn ennå." in message.body
    assert "Ikke sendt inn (registrert eller avvist): 37,5 t" in message.body
    assert "Sendt inn: 0 t av 37,5 t i en normal arbeidsuke" in message.body
    assert "http://127.0.0.1:8000" + reverse("hr:week") + "?week=2026-W48" in message.body
    partly = next(m for m in mail.outbox if m.to == [people["partly_sent"].email])
    assert "Sendt inn: 15 t av 37,5 t" in partly.body
    assert "Ikke sendt inn (registrert" not in partly.body


def test_the_e_mails_have_their_english_translation(clock, people, monkeypatch):
    # given: a recipient whose language is English
    monkeypatch.setattr(reminders, "_language_of", lambda employee: "en")

    # when
    run(clock, FRIDAY_14)

    # then
    reminder = next(m for m in mail.outbox if m.to == [people["registered"].email])
    digest = next(m for m in mail.outbox if m.to == [people["manager"].email])
    assert reminder.subject == "Remember to send in your hours for week 48"
    assert "Your hours for week 48 (11/23/2026–11/29/2026) are not sent in yet." in reminder.body
    assert "Sent in: 0 h of 37.5 h in a normal working week" in reminder.body
    assert digest.subject == "4 weeks wait for approval"
    assert "These weeks are sent in and wait for approval:" in digest.body


def test_the_dry_run_lists_exactly_the_people_the_real_run_mails_and_changes_nothing(clock, people):
    # given
    clock.move_to(FRIDAY_14)

    # when
    dry = io.StringIO()
    call_command("send_reminders", "--dry-run", stdout=dry)
    rows_after_dry_run = ReminderSent.objects.count() + ReminderRound.objects.count()
    mails_after_dry_run = len(mail.outbox)
    real = io.StringIO()
    call_command("send_reminders", stdout=real)

    # then
    dry_lines = dry.getvalue().splitlines()
    real_lines = real.getvalue().splitlines()
    assert (rows_after_dry_run, mails_after_dry_run) == (0, 0)
    assert dry_lines[-1] == "Would send 6 reminder(s)."
    assert real_lines[-1] == "Sent 6 reminder(s)."
    assert sorted(dry_lines[:-1]) == sorted(real_lines[:-1])
    assert {(m.to[0], _kind_of(m)) for m in mail.outbox} == expected_first_run(people)
    nothing = people["nothing"]
    assert f"{nothing.full_name} <{nothing.email}> (Grønn Test AS): week 2026-W48 not sent in" in dry_lines


@pytest.mark.parametrize(
    ("at", "expected_week"),
    [
        pytest.param(
            datetime.datetime(2026, 11, 29, 23, 59, tzinfo=OSLO), "2026-W48", id="sunday-23-59-oslo"
        ),
        # Still Sunday 23:00 in UTC, but week 49 in Oslo, whose Friday is yet to come.
        pytest.param(datetime.datetime(2026, 11, 30, 0, 0, tzinfo=OSLO), None, id="monday-00-00-oslo"),
    ],
)
def test_the_week_turns_at_midnight_in_oslo_not_in_utc(clock, company, department, at, expected_week):
    # given: someone who has not sent in week 48 (nor 49), and no run yet this week
    person = EmployeeFactory.create(company=company, department=department)

    # when: the first beat run after Friday 14:00 comes late
    sent = run(clock, at)

    # then: until Sunday 23:59 Oslo it reminds of week 48; from Monday 00:00 Oslo week 48 is over
    if expected_week is None:
        assert sent == set()
        assert not ReminderSent.objects.exists()
    else:
        assert sent == {(person.email, EMPLOYEE)}
        assert f"?week={expected_week}" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("friday", "utc_hour"),
    [
        pytest.param(datetime.date(2026, 10, 23), 12, id="summer-time-friday-before-the-change"),
        pytest.param(datetime.date(2026, 10, 30), 13, id="winter-time-friday-after-the-change"),
    ],
)
def test_friday_14_oslo_is_the_right_utc_instant_on_both_sides_of_the_october_change(
    clock, company, department, friday, utc_hour
):
    # given: someone who has not sent in (their login is from long before)
    clock.move_to(datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC))
    person = EmployeeFactory.create(company=company, department=department)
    moment = datetime.datetime.combine(friday, datetime.time(utc_hour, 0), tzinfo=datetime.UTC)

    # when: beat runs a minute before 14:00 Oslo, and at 14:00 Oslo
    before = run(clock, moment - datetime.timedelta(minutes=1))
    at = run(clock, moment)

    # then
    assert before == set()
    assert at == {(person.email, EMPLOYEE)}


def test_the_moment_is_the_weekday_at_the_oslo_time_of_the_week(company):
    # when / then: CEST before the last Sunday of October 2026, CET after it
    before = reminders.reminder_moment(monday=datetime.date(2026, 10, 19), weekday=4, at=datetime.time(14, 0))
    after = reminders.reminder_moment(monday=datetime.date(2026, 10, 26), weekday=4, at=datetime.time(14, 0))
    assert before.astimezone(datetime.UTC) == datetime.datetime(2026, 10, 23, 12, 0, tzinfo=datetime.UTC)
    assert after.astimezone(datetime.UTC) == datetime.datetime(2026, 10, 30, 13, 0, tzinfo=datetime.UTC)


# --- the settings ------------------------------------------------------------------------------


def login(client, employee: Employee) -> None:
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)


def reminder_post(**fields: str) -> dict[str, str]:
    data = {
        "reminders-reminders_enabled": "on",
        "reminders-employee_reminder_weekday": "4",
        "reminders-employee_reminder_time": "14:00",
        "reminders-manager_reminder_weekday": "0",
        "reminders-manager_reminder_time": "08:00",
        "reminders-save": "1",
    }
    data.update({f"reminders-{name}": value for name, value in fields.items()})
    return data


def test_the_settings_show_the_defaults_friday_14_and_monday_08(client, administrator):
    # given
    login(client, administrator)

    # when
    page = client.get(reverse("hr:settings_general")).content.decode()

    # then
    assert "Påminnelser" in page
    assert 'name="reminders-reminders_enabled" id="id_reminders-reminders_enabled" checked' in page
    assert '<option value="4" selected>fredag</option>' in page
    assert '<option value="0" selected>mandag</option>' in page
    assert 'value="14:00"' in page and 'value="08:00"' in page


def test_the_settings_save_the_reminders_and_leave_the_company_alone(client, administrator, company):
    # given
    login(client, administrator)

    # when
    response = client.post(
        reverse("hr:settings_general"),
        reminder_post(
            reminders_enabled="",
            employee_reminder_weekday="3",
            employee_reminder_time="15.30",
            manager_reminder_weekday="1",
            manager_reminder_time="07:45",
        ),
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("hr:settings_general") + "#paminnelser"
    company.refresh_from_db()
    assert (
        company.reminders_enabled,
        company.employee_reminder_weekday,
        company.employee_reminder_time,
        company.manager_reminder_weekday,
        company.manager_reminder_time,
        company.name,
    ) == (
        False,
        Weekday.THURSDAY,
        datetime.time(15, 30),
        Weekday.TUESDAY,
        datetime.time(7, 45),
        "Grønn Test AS",
    )
    assert str(views.REMINDERS_SAVED) in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"employee_reminder_time": "25:00"}, forms.REMINDER_TIME_INVALID, id="hour-25"),
        pytest.param({"manager_reminder_time": "kl 8"}, forms.REMINDER_TIME_INVALID, id="words"),
        pytest.param({"employee_reminder_time": ""}, forms.REMINDER_TIME_REQUIRED, id="empty-time"),
        pytest.param({"manager_reminder_weekday": "7"}, forms.REMINDER_WEEKDAY_INVALID, id="weekday-7"),
        pytest.param({"employee_reminder_weekday": ""}, forms.REMINDER_WEEKDAY_INVALID, id="no-weekday"),
    ],
)
def test_the_settings_refuse_a_bad_weekday_or_time_with_a_message(
    client, administrator, company, fields, message
):
    # given
    login(client, administrator)

    # when
    response = client.post(reverse("hr:settings_general"), reminder_post(**fields))

    # then
    assert response.status_code == 400
    assert response.content.decode().count(str(message)) == 1
    company.refresh_from_db()
    assert (company.employee_reminder_weekday, company.employee_reminder_time) == (
        Weekday.FRIDAY,
        datetime.time(14, 0),
    )
    assert company.manager_reminder_weekday == Weekday.MONDAY


def test_beat_runs_the_reminders_every_few_minutes():
    # given
    from grønnjobb.celery import app

    # when
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "hr.tasks.reminders_send_task"]

    # then: one entry, often enough that a reminder is at most five minutes late
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 300
