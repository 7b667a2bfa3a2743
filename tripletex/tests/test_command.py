"""`manage.py tripletex_sandbox`: what a developer types and sees."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def test_command_prints_url_and_tokens_and_serves_with_them():
    # given the command started on a free port with tokens of our own
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "tripletex_sandbox",
            "--port",
            "0",
            "--consumer-token",
            "my-consumer",
            "--employee-token",
            "my-employee",
            "--employees",
            "5",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_ENV": "development", "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]
        serving = re.search(r"serving at (http://\S+/v2)$", lines[0])
        assert serving is not None
        base_url = serving.group(1)

        # when a session is made with the printed tokens
        created = requests.post(
            f"{base_url}/token/session/:create",
            json={
                "consumerToken": "my-consumer",
                "employeeToken": "my-employee",
                "expirationDate": "2099-01-01",
            },
            timeout=5,
        )
        employees = requests.get(
            f"{base_url}/employee", auth=("0", created.json()["value"]["token"]), timeout=5
        )
    finally:
        process.terminate()
        process.wait(timeout=10)

    # then
    assert lines[1:] == ["consumer token: my-consumer", "employee token: my-employee"]
    assert created.status_code == 201
    assert employees.json()["count"] == 18 + 5


@pytest.mark.parametrize("option", ["--employees", "--latency-ms", "--rate-limit"])
def test_negative_numbers_are_refused_before_serving(option):
    with pytest.raises(CommandError):
        call_command("tripletex_sandbox", "--port", "0", option, "-1")
