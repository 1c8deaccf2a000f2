"""The dashboard: every flow's health, last and next run, today's numbers, charts. It refreshes itself."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from integrations.roles import VIEWER, role_required
from integrations.selectors import AxDrafts
from monitoring import charts, selectors
from monitoring.models import Alert

REFRESH_SECONDS = 15


def _context() -> dict:
    now = timezone.now()
    summaries = selectors.flow_summaries(now=now)
    series = selectors.hourly_series(now=now)
    rows = []
    for summary in summaries:
        data = series.get(summary.flow.pk)
        rows.append(
            {
                "s": summary,
                "drafts": (
                    AxDrafts(summary.flow.ax_drafts_count, summary.flow.ax_drafts_oldest)
                    if summary.flow.ax_drafts_count
                    else None
                ),
                "throughput": charts.bar_chart(
                    data["written"] if data else [0] * 24,
                    labels=data["buckets"] if data else None,
                    title=f"Records written per hour, {summary.flow.name}",
                ),
                "errors": charts.line_chart(
                    data["error_rate"] if data else [0] * 24,
                    labels=data["buckets"] if data else None,
                    title=f"Error rate per hour, {summary.flow.name}",
                    unit="%",
                    ceiling=100,
                ),
            }
        )
    return {
        "rows": rows,
        "firing": Alert.objects.filter(state=Alert.State.FIRING).select_related("rule")[:10],
        "totals": {
            "open": sum(s.open_exceptions for s in summaries),
            "synced": sum(s.synced_today for s in summaries),
            "failing": sum(1 for s in summaries if s.health in ("failing", "paused")),
        },
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
    }


@role_required(VIEWER)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _context()
    if request.htmx and not request.htmx.boosted:
        return render(request, "monitoring/partials/dashboard_panel.html", context)
    return render(request, "monitoring/dashboard.html", context)
