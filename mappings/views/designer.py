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
from mappings import naming, reference, selectors, services, suggestions, transform_fields
from mappings.catalogs import SYSTEM_LABELS
from mappings.engine import describe_transforms
from mappings.forms import RuleForm, format_transforms
from mappings.models import MappingSet, ValueMap
from mappings.selectors import RuleRow
from mappings.views.common import (
    MAPPING_CHANGED,
    SAMPLE_CHANGED,
    SAMPLES_KEY,
    current_sample,
    draft_or_refuse,
    get_mapping,
    is_editable,
)
from mappings.views.dimension_rules import dimension_context, dimension_pickers
from mappings.views.preview import MAX_SAMPLES
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
    names = naming.names_for(mapping_set)
    return {
        "ms": mapping_set,
        "editable": editable,
        "can_edit": has_role(request.user, ACCOUNTANT),
        "rows": _rows(mapping_set, editable, current_sample(request, mapping_set)),
        "source_paths": selectors.source_paths(mapping_set),
        "value_maps": value_map_context(mapping_set, names),
        "dimension_rules": dimension_context(mapping_set, names),
        "set_errors": {
            k: v for k, v in errors.items() if not k or k.split(".")[0] in ("value_maps", "dimension_rules", "options")
        },
        "versions": selectors.versions_of(mapping_set.key),
        "draft": selectors.current_draft(mapping_set.key),
        "published": selectors.published_version(mapping_set.key),
        "systems": SYSTEM_LABELS,
        "source_label": SYSTEM_LABELS.get(mapping_set.source_system, mapping_set.source_system),
        "value_map_kinds": ValueMap.Kind.choices,
        **dimension_pickers(mapping_set),
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


@role_required(ACCOUNTANT)
@require_GET
def transform_editor(request: HttpRequest, pk: int) -> HttpResponse:
    """The transforms of one rule as blocks of fields, opened under its row."""
    mapping_set = draft_or_refuse(pk)
    target = request.GET.get("target_path", "")
    rule = mapping_set.rules.filter(target_path=target).first()
    value_maps = list(mapping_set.value_maps.values_list("name", flat=True))
    return render(
        request,
        "mappings/partials/transform_editor.html",
        {
            "ms": mapping_set,
            "target_path": target,
            "rule": rule,
            "default_text": "" if rule is None or rule.default is None else str(rule.default),
            "blocks": transform_fields.blocks(rule.transforms if rule else [], value_maps),
            "transforms": transform_fields.catalog().values(),
        },
    )


@role_required(ACCOUNTANT)
@require_GET
def transform_block(request: HttpRequest, pk: int) -> HttpResponse:
    """One more transform for the editor: its parameters as fields."""
    mapping_set = draft_or_refuse(pk)
    name = request.GET.get("add", "")
    if name not in transform_fields.catalog():
        return HttpResponse("")
    value_maps = list(mapping_set.value_maps.values_list("name", flat=True))
    return render(
        request,
        "mappings/partials/transform_block.html",
        {"ms": mapping_set, "b": transform_fields.block(name, value_maps=value_maps)},
    )


@role_required(ACCOUNTANT)
@require_GET
def source_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The source fields of a real sample record with their values, to drag (or pick) onto target rows.

    With no sample yet, a few records are read from the source system once (as the preview's fetch does)."""
    mapping_set = get_mapping(pk)
    fetched = False
    if current_sample(request, mapping_set) is None and request.GET.get("fetch") != "no":
        try:
            records = reference.sample_records(mapping_set.source_system, mapping_set.source_entity, MAX_SAMPLES)
        except Exception:  # the source system is down: the panel lists the catalog's fields without values
            records = []
        if records:
            request.session[SAMPLES_KEY.format(key=mapping_set.key)] = {
                "records": records,
                "index": 0,
                "origin": "source",
            }
            fetched = True
    sample = current_sample(request, mapping_set)
    response = render(
        request,
        "mappings/partials/source_panel.html",
        {
            "ms": mapping_set,
            "source_fields": selectors.source_fields(mapping_set, sample),
            "has_sample": sample is not None,
            "source_label": SYSTEM_LABELS.get(mapping_set.source_system, mapping_set.source_system),
        },
    )
    return trigger_client_event(response, SAMPLE_CHANGED) if fetched else response
