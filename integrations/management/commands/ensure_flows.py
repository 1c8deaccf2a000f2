"""python manage.py ensure_flows [--portal-url URL]: the demo pair, its flows with template mappings, schedules."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from integrations.services.connections import ensure_demo_connections
from integrations.sync.schedules import ensure_schedules
from integrations.sync.setup import ensure_default_flows


class Command(BaseCommand):
    help = "Create the demo connections and pair, a flow per row of the flow table, and their schedules."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--portal-url", default=settings.PORTAL_URL, help="where the sandbox is served")
        parser.add_argument("--no-schedules", action="store_true", help="do not create django-q2 schedules")

    def handle(self, *args, portal_url: str, no_schedules: bool, **options) -> None:
        pair = ensure_demo_connections(portal_url)
        flows = ensure_default_flows(pair)
        missing = [f.name for f in flows if f.mapping_set_id is None]
        if not no_schedules:
            ensure_schedules()
        self.stdout.write(self.style.SUCCESS(f"{len(flows)} flows for {pair.name}."))
        if missing:
            self.stdout.write(self.style.WARNING(f"No published mapping for: {', '.join(missing)}"))
