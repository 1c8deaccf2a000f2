"""A version's changes against another, and the version life cycle: publish, restore, discard, export."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.htmx import htmx_partial
from integrations.roles import ACCOUNTANT, VIEWER, role_required
from mappings import selectors, services
from mappings.forms import format_conditions, format_dimensions, format_transforms
from mappings.models import MappingSet
from mappings.services import transfer
from mappings.views.common import draft_or_refuse, get_mapping


def _describe(value: Any) -> str | None:
    """A diff value in the designer's own words: a rule as ``source | transforms``, a dimension rule as text."""
    if value is None:
        return None
    if isinstance(value, dict) and "source_kind" in value:
        text = value["source"] if value["source_kind"] == "path" else f"{value['source_kind']} {value['source']!r}"
        if value.get("transforms"):
            text += " | " + format_transforms(value["transforms"])
        if value.get("default") not in (None, ""):
            text += f" (default {value['default']})"
        return text
    if isinstance(value, dict) and "dimensions" in value:
        when = format_conditions(value.get("conditions") or []).replace("\n", " and ") or "always"
        stop = ", first match" if value.get("stop") else ""
        return f"{value.get('level')}: when {when} set {format_dimensions(value['dimensions'])}{stop}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@role_required(VIEWER)
@require_GET
def mapping_diff(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = get_mapping(pk)
    other_pk = request.GET.get("against", "")
    if other_pk and not other_pk.isdigit():
        raise Http404("No such version")
    if other_pk:
        other = get_object_or_404(MappingSet, pk=other_pk, key=mapping_set.key)
    else:
        other = selectors.published_version(mapping_set.key)
        if other and other.pk == mapping_set.pk:
            other = mapping_set.based_on
    changes = {
        item: [_describe(old), _describe(new)] for item, (old, new) in services.rules_diff(other, mapping_set).items()
    }
    template = "mappings/partials/mapping_diff.html" if htmx_partial(request) else "mappings/mapping_diff.html"
    return render(request, template, {"ms": mapping_set, "other": other, "changes": changes})


@role_required(ACCOUNTANT)
@require_POST
def mapping_publish(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = get_mapping(pk)
    try:
        published = services.publish(mapping_set, actor=request.user)
    except services.MappingError as exc:
        messages.error(request, str(exc))
        return redirect("mappings:detail", pk=pk)
    messages.success(request, f"Published version {published.version}.")
    return redirect("mappings:detail", pk=published.pk)


@role_required(ACCOUNTANT)
@require_POST
def mapping_restore(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = get_mapping(pk)
    publish_now = request.POST.get("mode") == "publish"
    try:
        restored = services.restore_version(mapping_set, actor=request.user, publish_now=publish_now)
    except services.MappingError as exc:
        messages.error(request, str(exc))
        return redirect("mappings:detail", pk=pk)
    verb = "published as" if publish_now else "restored as draft"
    messages.success(request, f"Version {mapping_set.version} {verb} version {restored.version}.")
    return redirect("mappings:detail", pk=restored.pk)


@role_required(ACCOUNTANT)
@require_POST
def discard_draft(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    key = mapping_set.key
    services.discard_draft(mapping_set, actor=request.user)
    messages.success(request, "Draft discarded.")
    published = selectors.published_version(key)
    return redirect("mappings:detail", pk=published.pk) if published else redirect("mappings:list")


@role_required(VIEWER)
@require_GET
def mapping_export(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = get_mapping(pk)
    response = HttpResponse(transfer.export_json(mapping_set), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{mapping_set.key}-v{mapping_set.version}.json"'
    return response
