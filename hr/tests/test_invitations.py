"""Invitations that cannot strand anyone: «Send invitasjonen på nytt», «Glemt passord» for someone
who never chose a password, and the page saying when its link expires."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from hr import services
from hr.models import Employee, Role
from hr.tests.factories import EmployeeFactory, administrator_of, manager_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "et-langt-passord-42"
# In Oslo's zone, so the clock the tests travel to has the server's local time too.
INVITED_AT = datetime.datetime(2026, 11, 25, 13, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Oslo"))


@pytest.fixture
def invited(administrator, department, django_capture_on_commit_callbacks) -> Employee:
    with django_capture_on_commit_callbacks(execute=True):
        employee = services.employee_invite(
            actor=administrator,
            first_name="Nina",
            last_name="Nilsen",
            email="nina@example.no",
            employee_number="88",
            role=Role.EMPLOYEE,
            department=department,
        )
    return employee


def last_link(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    link = re.search(r"https?://[^/\s]+(/passord/\S+/)", str(message.body))
    assert link is not None
    return link.group(1)


def choose_password(link: str) -> int:
    """Open the link and choose a password: 302 when the link worked."""
    client = Client()
    page = client.get(link, follow=True)
    if "new_password1" not in page.content.decode():
        return page.status_code
    form_url = page.redirect_chain[-1][0]
    return client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code


def admin_client(administrator: Employee) -> Client:
    client = Client()
    assert administrator.user is not None
    client.force_login(administrator.user)
    return client


def test_an_administrator_sends_the_invitation_again_and_the_old_link_stops_working(
    invited, administrator, django_capture_on_commit_callbacks
):
    # given
    old_link = last_link(invited.email)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client(administrator).post(
            reverse("hr:settings_employee_invite_again", args=[invited.id]), follow=True
        )

    # then
    assert "En ny invitasjon er sendt til nina@example.no" in response.content.decode()
    assert len(mail.outbox) == 1
    assert "Velg et passord" in mail.outbox[0].body
    new_link = last_link(invited.email)
    assert new_link != old_link
    assert choose_password(old_link) == 200  # the page, saying the link is invalid
    assert choose_password(new_link) == 302


def test_the_employee_page_offers_a_new_invitation_only_to_the_invited(invited, employee, administrator):
    client = admin_client(administrator)

    invited_page = client.get(reverse("hr:settings_employee", args=[invited.id])).content.decode()
    active_page = client.get(reverse("hr:settings_employee", args=[employee.id])).content.decode()

    assert "Send invitasjonen på nytt" in invited_page
    assert "Send invitasjonen på nytt" not in active_page


def test_no_new_invitation_for_someone_who_has_a_password(employee, administrator):
    mail.outbox.clear()

    response = admin_client(administrator).post(
        reverse("hr:settings_employee_invite_again", args=[employee.id]), follow=True
    )

    assert str(services.ALREADY_HAS_PASSWORD % {"name": employee.full_name}) in response.content.decode()
    assert mail.outbox == []


def test_only_administrators_of_the_company_send_invitations(invited, department, other_company):
    mail.outbox.clear()
    manager_client = Client()
    manager = manager_of(department)
    assert manager.user is not None
    manager_client.force_login(manager.user)
    outsider = admin_client(administrator_of(other_company))

    url = reverse("hr:settings_employee_invite_again", args=[invited.id])
    assert manager_client.post(url).status_code == 403
    assert outsider.post(url).status_code == 404
    assert mail.outbox == []


def test_forgot_password_sends_an_invited_person_a_fresh_invitation(
    invited, django_capture_on_commit_callbacks
):
    # given: the first invitation's link is lost or expired
    old_link = last_link(invited.email)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("password_reset"), {"email": "Nina@Example.no"})

    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "Velg et passord" in mail.outbox[0].body
    assert choose_password(old_link) == 200
    assert choose_password(last_link(invited.email)) == 302


def test_forgot_password_still_sends_a_reset_link_to_someone_with_a_password(employee):
    mail.outbox.clear()

    Client().post(reverse("password_reset"), {"email": employee.email})

    assert len(mail.outbox) == 1
    assert choose_password(last_link(employee.email)) == 302


def test_forgot_password_sends_nothing_to_a_deactivated_invited_person(administrator, department):
    invited = EmployeeFactory.create(company=administrator.company, department=department, is_active=False)
    assert invited.user is not None
    invited.user.set_unusable_password()
    invited.user.save()
    mail.outbox.clear()

    response = Client().post(reverse("password_reset"), {"email": invited.email})

    assert response.status_code == 302
    assert mail.outbox == []


def test_the_invitation_page_says_when_its_link_expires(
    administrator, department, django_capture_on_commit_callbacks
):
    with time_machine.travel(INVITED_AT, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            invited = services.employee_invite(
                actor=administrator,
                first_name="Nina",
                last_name="Nilsen",
                email="nina@example.no",
                employee_number="88",
                role=Role.EMPLOYEE,
                department=department,
            )
        page = Client().get(last_link(invited.email), follow=True).content.decode()

    # A week (PASSWORD_RESET_TIMEOUT) after 13:00 Oslo time on 25 November.
    assert "Lenken er gyldig til 2. desember 2026 kl. 13:00." in page
