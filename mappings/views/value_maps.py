"""Value maps of a draft (nominal code -> main account, VAT rate -> tax group, ...) and the fix suggestions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from integrations.roles import ACCOUNTANT, VIEWER, role_required
from mappings import naming, services, suggestions
from mappings.forms import ValueMapEntryForm, ValueMapForm
from mappings.models import MappingSet, ValueMap
from mappings.views.common import MAPPING_CHANGED, draft_or_refuse, form_errors, get_mapping, is_editable


def value_map_context(mapping_set: MappingSet, names: naming.Names | None = None) -> list[ValueMap]:
    """The value maps with their rows, each code beside its name, and which list the targets are picked from."""
    names = names if names is not None else naming.names_for(mapping_set)
    value_maps = list(mapping_set.value_maps.prefetch_related("entries"))
    for vm in value_maps:
        vm.picker = naming.picker_kind(vm, mapping_set.target_system)
        vm.source_picker = naming.source_picker_kind(vm, mapping_set.source_system)
        vm.checked = bool(names.accounts)  # AX's accounts were read: a code without a name is not in AX
        vm.rows = []
        for entry in vm.entries.all():
            entry.source_name, entry.target_name = naming.entry_names(vm, names, entry.source_value, entry.target_value)
            vm.rows.append(entry)
        vm.default_name = naming.entry_names(vm, names, "", vm.default_value)[1] if vm.default_value else ""
    return value_maps


def _value_maps_response(
    request: HttpRequest, mapping_set: MappingSet, errors: list[str] | None = None
) -> HttpResponse:
    response = render(
        request,
        "mappings/partials/value_map_list.html",
        {
            "ms": mapping_set,
            "editable": is_editable(request, mapping_set),
            "value_maps": value_map_context(mapping_set),
            "value_map_kinds": ValueMap.Kind.choices,
            "vm_errors": errors or [],
        },
    )
    return trigger_client_event(response, MAPPING_CHANGED)


@role_required(ACCOUNTANT)
@require_POST
def save_value_map(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    form = ValueMapForm(request.POST)
    if not form.is_valid():
        return _value_maps_response(request, mapping_set, form_errors(form))
    try:
        services.save_value_map(mapping_set, actor=request.user, **form.cleaned_data)
    except services.MappingError as exc:
        return _value_maps_response(request, mapping_set, [str(exc)])
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def delete_value_map(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    services.delete_value_map(mapping_set, name=request.POST.get("name", ""), actor=request.user)
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def save_value_map_entry(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    form = ValueMapEntryForm(request.POST)
    if not form.is_valid():
        return _value_maps_response(request, mapping_set, form_errors(form))
    try:
        services.save_value_map_entry(mapping_set, actor=request.user, **form.cleaned_data)
    except services.MappingError as exc:
        return _value_maps_response(request, mapping_set, [str(exc)])
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def delete_value_map_entry(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    mapping_set = draft_or_refuse(pk)
    services.delete_value_map_entry(mapping_set, entry_id=entry_id, actor=request.user)
    return _value_maps_response(request, mapping_set)


@role_required(VIEWER)
@require_GET
def reference_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker's listbox: AX main accounts or one dimension's values matching what was typed."""
    mapping_set = get_mapping(pk)
    kind = request.GET.get("kind", "")
    query = request.GET.get(request.GET.get("field", "") or "q", "")[:100]
    return render(
        request,
        "mappings/partials/reference_options.html",
        {
            "ms": mapping_set,
            "options": naming.search(kind, query),
            "query": query,
            "listbox": request.GET.get("listbox", ""),
            "no_dimension": kind == naming.DIMENSION_PREFIX,
        },
    )


@role_required(ACCOUNTANT)
@require_GET
def value_fix_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = get_mapping(pk)
    name, value = request.GET.get("value_map", ""), request.GET.get("value", "")
    found = suggestions.suggest_value_map_fix(mapping_set, name, value) if name and value else []
    return render(
        request,
        "mappings/partials/value_map_fix.html",
        {
            "ms": mapping_set,
            "value_map": name,
            "value": value,
            "suggestions": found,
            "editable": is_editable(request, mapping_set),
        },
    )
