"""Flow pages: the list, one flow's settings, run now, and the live progress bar of its run.

Viewers see everything; only Integration admins change settings or start runs.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from config.htmx import htmx_partial
from integrations import selectors
from integrations.flow_forms import FlowSettingsForm, RunForm
from integrations.models import Flow, SyncRun
from integrations.roles import INTEGRATION_ADMIN, VIEWER, has_role, role_required
from integrations.sync import locks, schedules
from integrations.sync.runs import FlowBusy, resume_flow, start_run


def _get_flow(slug: str) -> Flow:
    return get_object_or_404(selectors.flow_with_related(), slug=slug)


@role_required(VIEWER)
@require_GET
def flow_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/flow_list.html",
        {"flows": selectors.flow_list(), "can_admin": has_role(request.user, INTEGRATION_ADMIN)},
    )


def _detail_context(request: HttpRequest, flow: Flow, *, form=None, run_form=None) -> dict:
    pending, pending_count = selectors.pending_records(flow)
    return {
        "flow": flow,
        "form": form or FlowSettingsForm(instance=flow),
        "run_form": run_form or RunForm(),
        "active_run": locks.active_run(flow),
        "runs": selectors.recent_runs(flow),
        "pending": pending,
        "pending_count": pending_count,
        "ax_drafts": selectors.ax_drafts([flow]).get(flow.pk) if flow.entity in selectors.DRAFT_ENTITIES else None,
        "can_admin": has_role(request.user, INTEGRATION_ADMIN),
        "schedule_name": schedules.schedule_name(flow),
    }


@role_required(VIEWER)
@require_GET
def flow_detail(request: HttpRequest, slug: str) -> HttpResponse:
    flow = _get_flow(slug)
    if htmx_partial(request) and request.GET.get("part") == "runs":
        # The recent runs, refreshed when the progress bar reports the end of a run.
        return render(request, "integrations/partials/flow_runs.html", _detail_context(request, flow))
    return render(request, "integrations/flow_detail.html", _detail_context(request, flow))


@role_required(INTEGRATION_ADMIN)
@require_POST
def flow_settings(request: HttpRequest, slug: str) -> HttpResponse:
    flow = _get_flow(slug)
    form = FlowSettingsForm(request.POST, instance=Flow.objects.get(pk=flow.pk))
    saved = False
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in schedules.EDITABLE}
        flow = schedules.update_flow(flow, actor=request.user, **changes)
        form = FlowSettingsForm(instance=flow)
        saved = True
    if htmx_partial(request):
        return render(
            request,
            "integrations/partials/flow_settings.html",
            {"flow": flow, "form": form, "saved": saved, "can_admin": True},
        )
    if saved:
        messages.success(request, f"{flow.name} saved.")
        return redirect("integrations:flow-detail", slug=flow.slug)
    return render(request, "integrations/flow_detail.html", _detail_context(request, flow, form=form), status=400)


@role_required(INTEGRATION_ADMIN)
@require_POST
def flow_run(request: HttpRequest, slug: str) -> HttpResponse:
    flow = _get_flow(slug)
    form = RunForm(request.POST)
    error = ""
    run = None
    if form.is_valid():
        try:
            run = start_run(
                flow, full=form.cleaned_data["full"], dry_run=form.cleaned_data["dry_run"], user=request.user
            )
        except FlowBusy as exc:
            run = exc.run
            error = "A run of this flow is already in progress."
        except Exception as exc:  # paused, disabled: say why
            error = str(exc)
    if htmx_partial(request):
        return render(request, "integrations/partials/flow_progress.html", {"run": run, "flow": flow, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Run {run.pk} of {flow.name} queued.")
    return redirect("integrations:flow-detail", slug=flow.slug)


@role_required(INTEGRATION_ADMIN)
@require_POST
def flow_resume(request: HttpRequest, slug: str) -> HttpResponse:
    flow = _get_flow(slug)
    resume_flow(flow, user=request.user)
    messages.success(request, f"{flow.name} resumed.")
    return redirect("integrations:flow-detail", slug=flow.slug)


@role_required(VIEWER)
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SyncRun.objects.select_related("flow"), pk=pk)
    context = {"run": run, "flow": run.flow, "error": ""}
    if run.status in locks.ACTIVE or not request.htmx:
        return render(request, "integrations/partials/flow_progress.html", context)
    response = render(request, "integrations/partials/flow_progress.html", context)
    # 286: htmx swaps in the final state and stops polling.
    stop = HttpResponseStopPolling(response.content)
    return trigger_client_event(stop, "runFinished", {"run": run.pk, "status": run.status})
