from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.sandbox.demo import MAX_INVOICES
from integrations.sandbox.loading import load_demo


class Command(BaseCommand):
    help = (
        "Loads the demo: the demo company in the sandbox, the demo login (an Integration admin; the output "
        "shows its user name and password), the demo connections and pair, and the default flows with their "
        "starter mappings. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--portal-url", default=settings.PORTAL_URL, help="the portal's base URL")
        parser.add_argument("--seed", type=int, default=42, help="random seed of the demo data (default 42)")
        parser.add_argument("--invoices", type=int, default=200, help="sales invoices to create (default 200)")
        parser.add_argument("--reseed", action="store_true", help="empty the sandbox and seed it again")

    def handle(self, *args, portal_url: str, seed: int, invoices: int, reseed: bool, **options) -> None:
        if not 0 <= invoices <= MAX_INVOICES:
            raise CommandError(f"--invoices must be from 0 to {MAX_INVOICES}")
        if not portal_url.startswith(("http://", "https://")):
            raise CommandError("--portal-url must be an http(s) URL, e.g. http://127.0.0.1:8000")
        report = load_demo(portal_url=portal_url, seed=seed, invoices=invoices, reseed=reseed)
        for line in report.done:
            self.stdout.write(self.style.SUCCESS(f"  done     {line}"))
        for line in report.skipped:
            self.stdout.write(f"  skipped  {line}")
