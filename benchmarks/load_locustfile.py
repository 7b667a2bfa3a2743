"""Locust users of the load test (started by bench_load.py; not meant to be run on its own).

Reads the company bench_load.py seeded from the JSON file named by LOAD_MANIFEST and appends one
line per request (name, milliseconds, failed, when it was sent) to LOAD_RECORD. Every user logs in
as a person of that company: employees through the login form (session and CSRF, as a browser),
API users through POST /api/v1/auth/token/. Requests carry X-Forwarded-Proto: https, as the
TLS-terminating proxy of production sets it, and an Origin header, as a browser's POST does.

- EmployeeUser (40): each week from last week backwards: open «Mine timer», save the week (two
  projects Monday to Friday, an overtime row every fourth week), sometimes correct a cell and save
  again, then «Send inn».
- ApproverUser (8, managers of the employees' departments): «Godkjenning», then «Godkjenn uke» on the
  first card, or «Godkjenn alle viste» when many weeks wait.
- AdministratorUser (2): «Overføringer», «Avstemming» of a month, «Rapporter» of a month and its CSV.
- ApiUser (4): the same week cycle through /api/v1/ with a token, and the entry list.
- ProbeUser (1): the trivial view /helse/ every half second, the baseline of every ratio.

Between two steps a person thinks (wait_time): 2–6 s for an employee, 3–8 s for an approver or an
API script, 5–10 s for an administrator. A login is followed by no redirect; a saved or sent-in week
is, as a browser does, by the page it redirects to (counted under its own name).
"""

from __future__ import annotations

import datetime
import http.cookiejar
import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from locust import HttpUser, between, constant, events, task
from requests.cookies import RequestsCookieJar

MANIFEST: dict[str, Any] = json.loads(Path(os.environ["LOAD_MANIFEST"]).read_text(encoding="utf-8"))
RECORD = open(os.environ["LOAD_RECORD"], "a", encoding="utf-8", buffering=1 << 16)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHOWN_FIELD = re.compile(r'name="shown-([0-9]+-[0-9]{4}-[0-9]{2}-[0-9]{2})" value="([0-9,]*)"')
# A card count from which an approver uses «Godkjenn alle viste» rather than one week.
MANY_WEEKS = 10


def record(
    name: str, response_time: float, exception: Exception | None, start_time: float, **_kwargs: Any
) -> None:
    failure = [str(exception)[:200]] if exception is not None else []
    line = [name, round(response_time, 2), exception is not None, round(start_time, 3), *failure]
    RECORD.write(json.dumps(line) + "\n")


def close_record(**_kwargs: Any) -> None:
    RECORD.close()


# Locust's EventHook.add_listener is unannotated: registered by a call, the listeners keep their types.
events.request.add_listener(record)
events.quitting.add_listener(close_record)


class LoopbackCookieJar(RequestsCookieJar):
    """Keeps the Secure session and CSRF cookies for the loopback: in production the proxy in front
    speaks TLS to the browser; here the load generator stands where that proxy would."""

    def set_cookie(self, cookie: http.cookiejar.Cookie, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


def week_label(monday: datetime.date) -> str:
    year, number, _day = monday.isocalendar()
    return f"{year}-W{number:02d}"


class Person:
    """Hands out the manifest's people of one kind, one to each user."""

    counters: ClassVar[dict[str, itertools.count[int]]] = {}

    @classmethod
    def next(cls, kind: str) -> dict[str, Any]:
        index = next(cls.counters.setdefault(kind, itertools.count()))
        people = MANIFEST[kind]
        person: dict[str, Any] = people[index % len(people)]
        return person


class ThinkingUser(HttpUser):
    """Locust's HttpUser with its wait (unannotated there) typed."""

    abstract = True

    def wait(self) -> None:
        """Think for `wait_time` between two steps."""
        HttpUser.wait(self)


class BrowserUser(ThinkingUser):
    """A person with a browser: logs in through the form, posts forms with the CSRF token."""

    abstract = True
    kind = ""

    def on_start(self) -> None:
        self.person = Person.next(self.kind)
        origin = f"https://{urlsplit(str(self.host)).netloc}"
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin})
        self.client.cookies = LoopbackCookieJar()
        page = self.client.get("/logg-inn/", name="GET /logg-inn/")
        token = CSRF_FIELD.search(page.text)
        data = {
            "username": self.person["email"],
            "password": MANIFEST["password"],
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        self.post("/logg-inn/", data, name="POST /logg-inn/")

    def post(self, path: str, data: dict[str, Any], *, name: str) -> None:
        """A form POST that must answer with a redirect (saved, sent in, approved)."""
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(path, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"{r.status_code}, not a redirect")


class WeekCycle:
    """The weeks one person fills, from last week backwards, never before the projects began."""

    def __init__(self) -> None:
        self.monday = datetime.date.fromisoformat(MANIFEST["first_monday"])
        self.earliest = datetime.date.fromisoformat(MANIFEST["earliest_monday"])
        self.count = 0

    def next(self) -> datetime.date | None:
        if self.monday < self.earliest:
            return None
        monday = self.monday
        self.monday -= datetime.timedelta(days=7)
        self.count += 1
        return monday

    def rows(self) -> list[tuple[int, int, list[str]]]:
        """(project, lønnsart, hours Monday to Sunday): 7,5 t a working day over two projects, and
        2 t overtime on Friday every fourth week."""
        first, second = random.sample(MANIFEST["projects"], 2)
        ordinary, overtime = MANIFEST["wage_types"]["ordinary"], MANIFEST["wage_types"]["overtime"]
        rows = [(first, ordinary, ["6"] * 5 + ["", ""]), (second, ordinary, ["1,5"] * 5 + ["", ""])]
        if self.count % 4 == 0:
            rows.append((first, overtime, ["", "", "", "", "2", "", ""]))
        return rows


class EmployeeUser(BrowserUser):
    fixed_count = 40
    kind = "employees"
    wait_time = between(2, 6)

    def on_start(self) -> None:
        super().on_start()
        self.weeks = WeekCycle()

    @task
    def week(self) -> None:
        monday = self.weeks.next()
        if monday is None:
            self.client.get("/timer/", name="GET /timer/")
            return
        address = f"/timer/?week={week_label(monday)}"
        self.client.get(address, name="GET /timer/")
        self.wait()
        rows = self.weeks.rows()
        data: dict[str, Any] = {"row": [f"p{p}-w{w}" for p, w, _hours in rows]}
        for project, wage_type, hours in rows:
            data.update({f"h-p{project}-w{wage_type}-{day}": value for day, value in enumerate(hours)})
        self.post(address, data, name="POST /timer/ (lagre)")
        self.client.get(address, name="GET /timer/")
        if random.random() < 0.5:  # a correction: Wednesday of the second row
            self.wait()
            project, wage_type, _hours = rows[1]
            data[f"h-p{project}-w{wage_type}-2"] = "2"
            data[f"h-p{rows[0][0]}-w{rows[0][1]}-2"] = "5,5"
            self.post(address, data, name="POST /timer/ (lagre)")
            self.client.get(address, name="GET /timer/")
        self.wait()
        self.post("/timer/send-inn/", {"monday": monday.isoformat()}, name="POST /timer/send-inn/")
        self.client.get(address, name="GET /timer/")


class ApproverUser(BrowserUser):
    fixed_count = 8
    kind = "approvers"
    wait_time = between(3, 8)

    @task
    def approve(self) -> None:
        page = self.client.get("/godkjenning/", name="GET /godkjenning/")
        shown = SHOWN_FIELD.findall(page.text)
        if not shown:
            return
        self.wait()
        if len(shown) >= MANY_WEEKS:
            data = {"action": "approve-shown", **{f"shown-{key}": ids for key, ids in shown}}
            self.post("/godkjenning/", data, name="POST /godkjenning/ (godkjenn alle viste)")
        else:
            key, ids = shown[0]
            data = {"action": f"approve-week:{key}", f"shown-{key}": ids}
            self.post("/godkjenning/", data, name="POST /godkjenning/ (godkjenn uke)")
        self.client.get("/godkjenning/", name="GET /godkjenning/")


class AdministratorUser(BrowserUser):
    fixed_count = 2
    kind = "administrators"
    wait_time = between(5, 10)

    def month(self) -> tuple[datetime.date, datetime.date]:
        first = datetime.date.fromisoformat(MANIFEST["first_monday"]).replace(day=1)
        first = (first - datetime.timedelta(days=random.randrange(0, 90))).replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return first, last

    @task(3)
    def transfers(self) -> None:
        self.client.get(
            "/innstillinger/tripletex/overforinger/", name="GET /innstillinger/tripletex/overforinger/"
        )

    @task(2)
    def reconciliation(self) -> None:
        first, _last = self.month()
        self.client.get(
            f"/innstillinger/tripletex/avstemming/?maned={first:%Y-%m}",
            name="GET /innstillinger/tripletex/avstemming/",
        )

    @task(2)
    def reports(self) -> None:
        first, last = self.month()
        self.client.get(f"/rapporter/?from={first}&to={last}", name="GET /rapporter/")

    @task(1)
    def report_csv(self) -> None:
        first, last = self.month()
        self.client.get(f"/rapporter/eksport.csv?from={first}&to={last}", name="GET /rapporter/eksport.csv")


class ApiUser(ThinkingUser):
    fixed_count = 4
    wait_time = between(3, 8)

    def on_start(self) -> None:
        person = Person.next("api")
        self.client.headers.update({"X-Forwarded-Proto": "https"})
        response = self.client.post(
            "/api/v1/auth/token/",
            json={"email": person["email"], "password": MANIFEST["password"], "name": "Last"},
            name="POST /api/v1/auth/token/",
        )
        self.client.headers.update({"Authorization": f"Token {response.json().get('token', '')}"})
        self.weeks = WeekCycle()

    @task
    def week(self) -> None:
        monday = self.weeks.next()
        if monday is None:
            self.client.get("/api/v1/projects/", name="GET /api/v1/projects/")
            return
        label = week_label(monday)
        self.client.get(f"/api/v1/weeks/{label}/", name="GET /api/v1/weeks/{week}/")
        self.wait()
        days = [(monday + datetime.timedelta(days=d)).isoformat() for d in range(7)]
        rows = [
            {
                "project": project,
                "wage_type": wage_type,
                "cells": [
                    {"date": day, "hours": value} for day, value in zip(days, hours, strict=True) if value
                ],
            }
            for project, wage_type, hours in self.weeks.rows()
        ]
        self.client.put(f"/api/v1/weeks/{label}/", json={"rows": rows}, name="PUT /api/v1/weeks/{week}/")
        self.wait()
        self.client.post("/api/v1/weeks/submit/", json={"week": label}, name="POST /api/v1/weeks/submit/")
        self.client.get(f"/api/v1/entries/?week={label}", name="GET /api/v1/entries/")


class ProbeUser(HttpUser):
    """The trivial view, measured beside the pages in the same run, through the same client."""

    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def health(self) -> None:
        self.client.get("/helse/", name="GET /helse/", headers={"X-Forwarded-Proto": "https"})
