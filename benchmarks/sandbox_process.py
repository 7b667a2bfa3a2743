"""The Tripletex sandbox in a process of its own, as every benchmark starts it, and its control
endpoints (`/_sandbox/...`, see docs/sandbox.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent


def start_sandbox(
    *,
    employees: int | None = None,
    projects: int | None = None,
    latency_ms: int | None = None,
    rate_limit: int | None = None,
    log: Path | None = None,
) -> tuple[subprocess.Popen[str], str]:
    """Start `manage.py tripletex_sandbox` on a free port; its process and base URL. Options left
    None keep the sandbox's defaults; its errors go to `log` (or this process's stderr)."""
    command = [sys.executable, str(ROOT / "manage.py"), "tripletex_sandbox", "--port", "0"]
    for option, value in (
        ("--employees", employees),
        ("--projects", projects),
        ("--latency-ms", latency_ms),
        ("--rate-limit", rate_limit),
    ):
        if value is not None:
            command += [option, str(value)]
    environment = dict(os.environ, DJANGO_ENV="development", PYTHONUNBUFFERED="1")
    environment.pop("DATABASE_URL", None)  # the sandbox needs no database
    errors = log.open("ab") if log is not None else None
    try:
        process = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment, cwd=ROOT
        )
    finally:
        if errors is not None:
            errors.close()
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"serving at (http://\S+)", line)
        if found:
            return process, found.group(1)
    raise RuntimeError("the sandbox did not start")


def sandbox_control(base_url: str, path: str, *, method: str = "GET", body: Any = None) -> Any:
    root = base_url.removesuffix("/v2")
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    request = Request(f"{root}/_sandbox/{path}", method=method, data=data, headers=headers)  # noqa: S310
    with urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
        return json.load(response)
