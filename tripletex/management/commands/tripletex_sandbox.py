"""`python manage.py tripletex_sandbox --port 8089`: the offline Tripletex, for people and browsers."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN, SandboxApp, SandboxServer, SeedOptions
from tripletex.sandbox.app import DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_PERIOD_SECONDS


class Command(BaseCommand):
    help = "Serve the offline Tripletex sandbox (demo company «Grønn Bygg AS») on a local port."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8089, help="Port (default 8089; 0 picks a free one).")
        parser.add_argument("--consumer-token", default=DEMO_CONSUMER_TOKEN, help="Consumer token to accept.")
        parser.add_argument(
            "--employee-token", default=DEMO_EMPLOYEE_TOKEN, help="Demo employee token to accept."
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed for generated names and random faults.")
        parser.add_argument(
            "--employees", type=int, default=0, help="Generated employees added to the demo ones."
        )
        parser.add_argument(
            "--projects", type=int, default=0, help="Generated projects added to the demo ones."
        )
        parser.add_argument("--latency-ms", type=int, default=0, help="Delay added to every /v2 request.")
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=DEFAULT_RATE_LIMIT,
            help="Requests per period per employee token.",
        )
        parser.add_argument(
            "--rate-limit-period",
            type=int,
            default=DEFAULT_RATE_LIMIT_PERIOD_SECONDS,
            help="Period in seconds.",
        )
        parser.add_argument(
            "--omit-reset-on-429",
            action="store_true",
            help="Leave X-Rate-Limit-Reset out of 429 answers, as real Tripletex sometimes does.",
        )
        parser.add_argument("--access-log", action="store_true", help="Print one line per request.")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("employees", "projects", "latency_ms", "rate_limit"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must not be negative.")
        if options["rate_limit_period"] < 1:
            raise CommandError("--rate-limit-period must be at least 1 second.")
        if not options["consumer_token"] or not options["employee_token"]:
            raise CommandError("Tokens must not be empty.")
        app = SandboxApp(
            options=SeedOptions(
                seed=options["seed"],
                employees=options["employees"],
                projects=options["projects"],
                consumer_token=options["consumer_token"],
                employee_token=options["employee_token"],
            ),
            rate_limit=options["rate_limit"],
            rate_limit_period_seconds=options["rate_limit_period"],
            omit_reset_on_429=options["omit_reset_on_429"],
            latency_ms=options["latency_ms"],
        )
        server = SandboxServer(
            app, host=options["host"], port=options["port"], quiet=not options["access_log"]
        )
        self.stdout.write(f"Tripletex sandbox «Grønn Bygg AS» serving at {server.base_url}")
        self.stdout.write(f"consumer token: {options['consumer_token']}")
        self.stdout.write(f"employee token: {options['employee_token']}")
        self.stdout.write(f"control API: {server.root_url}/_sandbox (Ctrl-C stops)")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
