from django.core.management.base import BaseCommand

from monitoring.alerts import check_alerts


class Command(BaseCommand):
    help = "Evaluate every alert rule once: open, keep or resolve incidents and send the notices that are due."

    def handle(self, *args, **options) -> None:
        firing = check_alerts()
        self.stdout.write(f"{len(firing)} alert(s) firing")
