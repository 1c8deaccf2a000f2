from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.sandbox.demo import reset_sandbox, seed_sandbox


class Command(BaseCommand):
    help = "Empties both simulated systems (records, AIF messages, fault rules); logins stay. --reseed loads the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reseed", action="store_true", help="seed the demo company again afterwards")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--invoices", type=int, default=200)

    def handle(self, *args, reseed: bool, seed: int, invoices: int, **options) -> None:
        if reseed:
            try:
                counts = seed_sandbox(seed=seed, invoices=invoices, reset=True)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS(f"Sandbox reset and seeded: {sum(counts.values())} records."))
            return
        reset_sandbox()
        self.stdout.write(self.style.SUCCESS("Sandbox reset: both systems are empty."))
