"""The audit trail: read-only for everyone who can log in with a role."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from integrations.roles import VIEWER, role_required
from monitoring import selectors


@require_safe
@role_required(VIEWER)
def audit_list(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip()[:100] for k in ("object_type", "actor", "action", "q")}
    page = Paginator(selectors.audit_events(**params), 50).get_page(request.GET.get("page"))
    context = {"page": page, "params": params, "object_types": selectors.audit_object_types()}
    if request.htmx and not request.htmx.boosted:
        return render(request, "monitoring/partials/audit_table.html", context)
    return render(request, "monitoring/audit_list.html", context)
