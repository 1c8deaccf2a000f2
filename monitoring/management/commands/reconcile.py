"""python manage.py reconcile [--flow F] [--since DATE]: KashFlow against AX, money by money, in the foreground."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from integrations.models import Flow, IntegrationPair
from integrations.reconciliation.models import ReconciliationRun
from integrations.reconciliation.report import text_report
from monitoring.services.reconciliation import start_reconciliation


class Command(BaseCommand):
    help = (
        "Reconcile KashFlow with Dynamics AX (amounts, currencies, accounts, tax, settlement) and print every "
        "difference with both sides. Exit status 1 when a difference is not explained by the exception queue."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--flow", action="append", default=[], help="a flow's slug, id or entity (repeatable)")
        parser.add_argument("--since", type=date.fromisoformat, help="only documents dated on or after YYYY-MM-DD")
        parser.add_argument("--pair", help="the integration pair's name (default: the only one)")

    def handle(self, *args, flow: list[str], since: date | None, pair: str | None, **options) -> None:
        chosen = self._pair(pair)
        entities = [self._entity(chosen, f) for f in flow]
        run = start_reconciliation(
            pair=chosen, entities=entities, since=since, trigger=ReconciliationRun.Trigger.COMMAND, inline=True
        )
        for line in text_report(run):
            self.stdout.write(line)
        if run.status == ReconciliationRun.Status.FAILED:
            raise CommandError("The reconciliation could not read both systems.", returncode=2)
        if not run.clean:
            raise CommandError(f"{run.unexplained_count} unexplained differences.", returncode=1)

    def _pair(self, name: str | None) -> IntegrationPair:
        pairs = IntegrationPair.objects.all()
        if name:
            pairs = pairs.filter(name=name)
        found = list(pairs[:2])
        if len(found) != 1:
            names = ", ".join(IntegrationPair.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"Name one integration pair with --pair; pairs: {names}")
        return found[0]

    def _entity(self, pair: IntegrationPair, flow: str) -> str:
        query = Q(slug=flow) | Q(name=flow) | Q(entity=flow.replace("-", "_"))
        if flow.isdigit():
            query |= Q(pk=int(flow))
        found = Flow.objects.filter(query, pair=pair, direction="kf_to_ax").first()
        if found is None:
            slugs = ", ".join(Flow.objects.filter(pair=pair, direction="kf_to_ax").values_list("slug", flat=True))
            raise CommandError(f"No KashFlow -> AX flow {flow!r}. Flows: {slugs or 'none yet'}")
        return found.entity
