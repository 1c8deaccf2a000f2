"""python manage.py sync FLOW [--full] [--dry-run]: run one flow now, in the foreground, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from integrations.models import Flow, SyncRun
from integrations.sync.runs import FlowBusy, run_flow

BAR = 30


class Command(BaseCommand):
    help = "Run one flow now in the foreground (FLOW is its slug, id or name). --dry-run maps and validates only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("flow", help="the flow's slug, id or name")
        parser.add_argument("--full", action="store_true", help="read every record, not only those changed")
        parser.add_argument("--dry-run", action="store_true", help="map and validate without writing anything")

    def handle(self, *args, flow: str, full: bool, dry_run: bool, **options) -> None:
        query = Q(slug=flow) | Q(name=flow)
        if flow.isdigit():
            query |= Q(pk=int(flow))
        found = Flow.objects.filter(query).first()
        if found is None:
            slugs = ", ".join(Flow.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No flow {flow!r}. Flows: {slugs}")
        interactive = self.stdout.isatty()
        try:
            run = run_flow(found, full=full, dry_run=dry_run, on_progress=lambda r: self._progress(r, interactive))
        except FlowBusy as exc:
            raise CommandError(f"{found.name} is already running (run {exc.run.pk if exc.run else '?'}).") from None
        except Exception as exc:
            raise CommandError(f"{found.name} could not start: {exc}") from None
        self.stdout.write("")
        summary = (
            f"Run {run.pk} of {found.name}: {run.status}{' (dry run)' if run.dry_run else ''} — "
            f"{run.processed}/{run.total} records: {run.created_count} created, {run.updated_count} updated, "
            f"{run.skipped_count} skipped or validated, {run.failed_count} failed"
        )
        waiting = run.outcomes.filter(action="waiting").count()
        if waiting:
            summary += f", {waiting} waiting"
        if run.error:
            summary += f"\n{run.error}"
        style = self.style.SUCCESS if run.status == SyncRun.Status.SUCCEEDED else self.style.WARNING
        self.stdout.write(style(summary))
        if run.status == SyncRun.Status.FAILED:
            raise CommandError("The run failed.")

    def _progress(self, run: SyncRun, interactive: bool) -> None:
        total = max(run.total, 1)
        done = min(run.processed, total)
        filled = int(BAR * done / total)
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {run.processed}/{run.total} {run.status}"
        if interactive:
            self.stdout.write("\r" + line, ending="")
            self.stdout.flush()
        elif run.processed == run.total or run.status not in ("queued", "running"):
            self.stdout.write(line)
