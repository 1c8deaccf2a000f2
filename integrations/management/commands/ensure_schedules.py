"""python manage.py ensure_schedules: the stalled-run check and one Schedule per scheduled or polling flow."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from integrations.sync.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create the stalled-run check and bring every flow's Schedule in line with its trigger."

    def handle(self, *args, **options) -> None:
        count = ensure_schedules()
        self.stdout.write(self.style.SUCCESS(f"Stalled-run check scheduled; {count} flow schedule(s) in place."))
