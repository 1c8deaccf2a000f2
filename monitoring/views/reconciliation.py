"""The Reconciliation page: run one (Accountant), read the latest or any earlier one (Viewer).

Viewers may read: a reconciliation only reads both systems and shows amounts already visible on the runs and
exceptions pages; starting one reads both systems in full, so it needs the Accountant role.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from config.htmx import htmx_partial
from integrations.models import Flow, IntegrationPair
from integrations.reconciliation.models import ReconciliationRun
from integrations.reconciliation.readers import READERS
from integrations.reconciliation.report import ENTITY_LABELS, KIND_LABELS, UNPOSTED
from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from monitoring.selectors import latest_reconciliation
from monitoring.services.reconciliation import start_reconciliation

PAGE_URL = "monitoring:reconciliation"
LINEAGE_URL = "monitoring:run-find"


class ReconcileForm(forms.Form):
    pair = forms.ModelChoiceField(IntegrationPair.objects.order_by("name"), empty_label=None)
    entities = forms.MultipleChoiceField(
        choices=[(e, ENTITY_LABELS[e].capitalize() + "s") for e in READERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all of them.",
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@role_required(VIEWER)
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not has_role(request.user, ACCOUNTANT):
            raise PermissionDenied("Running a reconciliation needs the Accountant role.")
        form = ReconcileForm(request.POST)
        if form.is_valid():
            run = start_reconciliation(
                pair=form.cleaned_data["pair"],
                entities=form.cleaned_data["entities"],
                since=form.cleaned_data["since"],
                user=request.user,
            )
            return redirect(f"{reverse(PAGE_URL)}?{urlencode({'run': run.pk})}")
    else:
        form = ReconcileForm()
    chosen = request.GET.get("run", "")
    run = get_object_or_404(ReconciliationRun, pk=int(chosen)) if chosen.isdigit() else latest_reconciliation()
    context = {
        "form": form,
        "run": run,
        "can_run": has_role(request.user, ACCOUNTANT),
        "history": ReconciliationRun.objects.select_related("pair")[:10],
        **result_context(run),
    }
    if htmx_partial(request):
        return render(request, "monitoring/partials/reconciliation_result.html", context)
    return render(request, "monitoring/reconciliation_list.html", context)


def result_context(run: ReconciliationRun | None) -> dict:
    if run is None or not run.finished:
        return {}
    slugs = dict(Flow.objects.filter(pair=run.pair, direction="kf_to_ax").values_list("entity", "slug"))
    lineage = reverse(LINEAGE_URL)

    def row(d: dict) -> dict:
        return {
            **d,
            "entity_label": ENTITY_LABELS.get(d["entity"], d["entity"]),
            "kind_label": KIND_LABELS.get(d["kind"], d["kind"]),
            "lineage_url": f"{lineage}?{urlencode({'q': d['key'], 'flow': slugs.get(d['entity'], '')})}",
        }

    summary = run.summary or {}
    totals = [{**t, "entity_label": ENTITY_LABELS.get(t["entity"], t["entity"])} for t in summary.get("totals", [])]
    return {
        "unexplained": [row(d) for d in run.differences if not d.get("explained_by")],
        "explained": [row(d) for d in run.differences if d.get("explained_by") and d["kind"] != UNPOSTED],
        "unposted": [row(d) for d in run.differences if d.get("explained_by") and d["kind"] == UNPOSTED],
        "totals_differ": [t for t in totals if not t["agrees"]],
        "totals_agree": [t for t in totals if t["agrees"]],
        "entity_summaries": [
            {**e, "label": ENTITY_LABELS.get(e["entity"], e["entity"])} for e in summary.get("entities", [])
        ],
    }
