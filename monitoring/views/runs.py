"""Run history per flow, run detail with per-record lineage, and "where is record X?"."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from integrations.models import Flow, RecordOutcome, SyncRun
from integrations.roles import VIEWER, role_required
from monitoring import selectors

PAGE_SIZE = 50


@role_required(VIEWER)
def run_list(request: HttpRequest) -> HttpResponse:
    flow = request.GET.get("flow", "")[:100]
    status = request.GET.get("status", "")[:20]
    page = Paginator(selectors.run_list(flow=flow, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "flow": flow,
        "status": status,
        "flows": Flow.objects.only("name", "slug"),
        "statuses": SyncRun.Status.choices,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "monitoring/partials/run_table.html", context)
    return render(request, "monitoring/run_list.html", context)


@role_required(VIEWER)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SyncRun.objects.select_related("flow", "mapping_set"), pk=pk)
    action = request.GET.get("action", "")[:20]
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.run_outcomes(run, action=action, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/run_detail.html",
        {"run": run, "page": page, "action": action, "q": q, "actions": RecordOutcome.Action.choices},
    )


@role_required(VIEWER)
def outcome_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One record's lineage in one run: source payload -> mapped document -> target key / MessageId."""
    outcome = get_object_or_404(RecordOutcome.objects.select_related("run__flow", "flow"), pk=pk)
    return render(
        request,
        "monitoring/outcome_detail.html",
        {
            "o": outcome,
            "record_flow": selectors.outcome_flow(outcome),
            "source_json": json.dumps(outcome.source_payload, indent=2, sort_keys=True, default=str),
            "document_json": json.dumps(outcome.mapped_document, indent=2, sort_keys=True, default=str),
        },
    )


@role_required(VIEWER)
def find_record(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    flow = request.GET.get("flow", "")[:100]
    lineage = selectors.find_record(q, flow=flow) if q else None
    return render(
        request,
        "monitoring/record_find.html",
        {"q": q, "flow": flow, "lineage": lineage, "flows": Flow.objects.only("name", "slug")},
    )
