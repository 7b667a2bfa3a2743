"""Send the weekly reminders that are due now, like the beat task; --dry-run only lists them."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hr.reminders import reminders_send


class Command(BaseCommand):
    help = "Send the weekly reminders that are due now (the beat task does this every few minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would get which reminder now; send and save nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        reminders = reminders_send(dry_run=dry_run)
        for reminder in reminders:
            self.stdout.write(reminder.describe())
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(reminders)} reminder(s)."))
