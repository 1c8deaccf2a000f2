"""Alert history (everyone) and alert rules (Integration admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from integrations.roles import INTEGRATION_ADMIN, VIEWER, has_role, role_required
from monitoring import audit
from monitoring.forms import AlertRuleForm
from monitoring.models import Alert, AlertRule

RULE_FIELDS = [
    "name",
    "kind",
    "flow",
    "threshold",
    "window_minutes",
    "emails",
    "webhook_url",
    "throttle_minutes",
    "enabled",
]


@role_required(VIEWER)
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = Alert.objects.select_related("rule").order_by("-fired_at", "-id")
    state = request.GET.get("state", "")
    if state in Alert.State.values:
        alerts = alerts.filter(state=state)
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/alert_list.html",
        {
            "page": page,
            "state": state,
            "rules": AlertRule.objects.select_related("flow"),
            "can_edit": has_role(request.user, INTEGRATION_ADMIN),
        },
    )


def _snapshot(rule: AlertRule) -> dict:
    return {f: str(getattr(rule, f)) if f == "flow" else getattr(rule, f) for f in RULE_FIELDS}


@role_required(INTEGRATION_ADMIN)
def alert_rule_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk) if pk else None
    before = _snapshot(rule) if rule else {}
    form = AlertRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        audit.record(
            actor=request.user,
            action="updated" if rule else "created",
            obj=saved,
            changes=audit.diff(before, _snapshot(saved)),
        )
        messages.success(request, f"Alert rule {saved.name} saved.")
        return redirect("monitoring:alert-list")
    return render(request, "monitoring/alert_rule_form.html", {"form": form, "rule": rule})


@require_POST
@role_required(INTEGRATION_ADMIN)
def alert_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk)
    # Rules are switched off, not deleted, so their alert history stays.
    if rule.enabled:
        rule.enabled = False
        rule.save(update_fields=["enabled"])
        audit.record(actor=request.user, action="disabled", obj=rule, changes={"enabled": [True, False]})
    messages.success(request, f"Alert rule {rule.name} switched off.")
    return redirect("monitoring:alert-list")
