"""The mapping page: its field rules as rows of target fields, with suggestions one click away."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from config.htmx import htmx_partial
from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from mappings import selectors, services, suggestions
from mappings.catalogs import SYSTEM_LABELS
from mappings.engine import describe_transforms
from mappings.forms import RuleForm, format_transforms
from mappings.models import DimensionRule, MappingSet, ValueMap
from mappings.selectors import RuleRow
from mappings.views.common import MAPPING_CHANGED, current_sample, draft_or_refuse, get_mapping, is_editable
from mappings.views.dimension_rules import dimension_context
from mappings.views.value_maps import value_map_context


def _rows(mapping_set: MappingSet, editable: bool, sample: dict | None) -> list[RuleRow]:
    rows = selectors.rule_rows(mapping_set)
    errors = services.rule_errors(mapping_set)
    suggested = suggestions.suggest_unmapped(mapping_set, sample) if editable else {}
    for row in rows:
        row.errors = errors.get(row.target_path, [])
        row.suggestions = [
            {"value": s.value, "score": s.score, "reason": s.reason, "transforms_text": format_transforms(s.transforms)}
            for s in suggested.get(row.target_path, [])
        ]
        row.transforms_text = format_transforms(row.rule.transforms) if row.rule else ""
        row.default_text = "" if not row.rule or row.rule.default is None else str(row.rule.default)
    return rows


def _detail_context(request: HttpRequest, mapping_set: MappingSet) -> dict:
    editable = is_editable(request, mapping_set)
    errors = services.rule_errors(mapping_set)
    return {
        "ms": mapping_set,
        "editable": editable,
        "can_edit": has_role(request.user, ACCOUNTANT),
        "rows": _rows(mapping_set, editable, current_sample(request, mapping_set)),
        "source_paths": selectors.source_paths(mapping_set),
        "value_maps": value_map_context(mapping_set),
        "dimension_rules": dimension_context(mapping_set),
        "set_errors": {
            k: v for k, v in errors.items() if not k or k.split(".")[0] in ("value_maps", "dimension_rules", "options")
        },
        "versions": selectors.versions_of(mapping_set.key),
        "draft": selectors.current_draft(mapping_set.key),
        "published": selectors.published_version(mapping_set.key),
        "systems": SYSTEM_LABELS,
        "value_map_kinds": ValueMap.Kind.choices,
        "levels": DimensionRule.Level.choices,
        "transform_help": _transform_help(),
    }


def _transform_help() -> list[dict]:
    return [
        {
            "name": t["name"],
            "help": t["help"],
            "params": ", ".join(
                f"{name}{'' if p['required'] else '?'}"
                + (f"={p['default']}" if p.get("default") not in (None, "") else "")
                for name, p in t["params"].items()
            ),
        }
        for t in describe_transforms()
    ]


@role_required(VIEWER)
@require_GET
def mapping_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = get_mapping(pk)
    return render(request, "mappings/mapping_detail.html", _detail_context(request, mapping_set))


@role_required(ACCOUNTANT)
@require_POST
def start_draft(request: HttpRequest, pk: int) -> HttpResponse:
    draft = services.get_or_create_draft(get_mapping(pk), actor=request.user)
    return redirect("mappings:detail", pk=draft.pk)


def _row_response(request: HttpRequest, mapping_set: MappingSet, target_path: str, form_errors=None) -> HttpResponse:
    rows = [r for r in _rows(mapping_set, True, current_sample(request, mapping_set)) if r.target_path == target_path]
    if not rows:
        rows = [RuleRow(target_path=target_path)]
        rows[0].transforms_text = rows[0].default_text = ""
    response = render(
        request,
        "mappings/partials/rule_row.html",
        {
            "ms": mapping_set,
            "row": rows[0],
            "editable": True,
            "form_errors": form_errors or [],
            "source_paths": selectors.source_paths(mapping_set),
        },
    )
    return trigger_client_event(response, MAPPING_CHANGED)


@role_required(ACCOUNTANT)
@require_POST
def save_rule(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    form = RuleForm(request.POST)
    if not form.is_valid():
        target = request.POST.get("target_path", "")
        if not target:
            return HttpResponse("A rule needs a target field", status=400)
        errors = [e if k in ("transforms", "__all__") else f"{k}: {e}" for k, errs in form.errors.items() for e in errs]
        return _row_response(request, mapping_set, target, errors)
    data = form.cleaned_data
    try:
        services.save_rule(
            mapping_set,
            target_path=data["target_path"],
            source_kind=data["source_kind"],
            source=data["source"],
            transforms=data["transforms"],
            default=data["default"],
            actor=request.user,
        )
    except services.MappingError as exc:
        return _row_response(request, mapping_set, data["target_path"], [str(exc)])
    if not htmx_partial(request):
        return redirect("mappings:detail", pk=pk)
    return _row_response(request, mapping_set, data["target_path"])


@role_required(ACCOUNTANT)
@require_POST
def map_all(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    sample = current_sample(request, mapping_set)
    created = suggestions.map_all_suggested(mapping_set, actor=request.user, sample=sample)
    messages.success(request, f"Mapped {len(created)} fields from suggestions; existing rules were left as they were.")
    if htmx_partial(request):
        return HttpResponseClientRedirect(reverse("mappings:detail", args=[mapping_set.pk]))
    return redirect("mappings:detail", pk=pk)
