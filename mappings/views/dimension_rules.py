"""Financial dimension rules of a draft: save, reorder (first match wins), delete."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from integrations.roles import ACCOUNTANT, role_required
from mappings import naming, selectors, services
from mappings.forms import OP_LABELS, DimensionRuleForm, condition_rows, format_conditions, format_dimensions
from mappings.models import DimensionRule, MappingSet
from mappings.views.common import MAPPING_CHANGED, draft_or_refuse, is_editable

# The dimensions the engine knows the order of, offered when AX's own list cannot be read.
DIMENSION_ORDER = ("Department", "CostCenter", "BusinessUnit", "ItemGroup", "Project", "Customer", "Vendor")


def dimension_context(mapping_set: MappingSet, names: naming.Names | None = None) -> list[DimensionRule]:
    """The rules with their text forms and each dimension value beside its AX description."""
    names = names if names is not None else naming.names_for(mapping_set)
    rules = list(mapping_set.dimension_rules.all())
    for rule in rules:
        rule.conditions_text = format_conditions(rule.conditions)
        rule.dimensions_text = format_dimensions(rule.dimensions)
        rule.condition_rows = [
            {**row, "op_label": OP_LABELS.get(row["op"], row["op"])} for row in condition_rows(rule.conditions)
        ]
        rule.dimension_labels = [
            {"name": name, "value": value, "description": names.dimension(name, value)}
            for name, value in (rule.dimensions or {}).items()
        ]
    return rules


def dimension_pickers(mapping_set: MappingSet) -> dict:
    """What the condition and dimension rows pick from: source fields, operators, AX's dimensions."""
    return {
        "levels": DimensionRule.Level.choices,
        "source_paths": selectors.source_paths(mapping_set),
        "op_labels": list(OP_LABELS.items()),
        "dimension_names": naming.dimension_names() or list(DIMENSION_ORDER),
    }


def _dimensions_response(
    request: HttpRequest, mapping_set: MappingSet, errors: list[str] | None = None
) -> HttpResponse:
    rule_errors = services.rule_errors(mapping_set)
    rules = dimension_context(mapping_set)
    for rule in rules:
        rule.errors = rule_errors.get(f"dimension_rules.{rule.name}", [])
    response = render(
        request,
        "mappings/partials/dimension_rule_list.html",
        {
            "ms": mapping_set,
            "editable": is_editable(request, mapping_set),
            "dimension_rules": rules,
            "dim_errors": errors or [],
            "posted": request.POST if errors else None,
            **dimension_pickers(mapping_set),
        },
    )
    return trigger_client_event(response, MAPPING_CHANGED)


@role_required(ACCOUNTANT)
@require_POST
def save_dimension_rule(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    form = DimensionRuleForm(request.POST)
    if not form.is_valid():
        return _dimensions_response(
            request,
            mapping_set,
            [f"{k}: {e}" if k != "__all__" else e for k, errs in form.errors.items() for e in errs],
        )
    try:
        services.save_dimension_rule(mapping_set, actor=request.user, **form.cleaned_data)
    except services.MappingError as exc:
        return _dimensions_response(request, mapping_set, exc.errors or [exc.message])
    return _dimensions_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def move_dimension_rule(request: HttpRequest, pk: int, rule_id: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    try:
        services.move_dimension_rule(
            mapping_set, rule_id=rule_id, direction=request.POST.get("direction", ""), actor=request.user
        )
    except services.MappingError as exc:
        return _dimensions_response(request, mapping_set, [str(exc)])
    return _dimensions_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def delete_dimension_rule(request: HttpRequest, pk: int, rule_id: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    services.delete_dimension_rule(mapping_set, rule_id=rule_id, actor=request.user)
    return _dimensions_response(request, mapping_set)
