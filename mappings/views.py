"""The mapping designer (HTMX). Viewers may look at mappings read-only; every change needs the Accountant role.

Each view parses input, calls one service and renders; after a rule change the response carries
the ``mappingChanged`` event so the preview pane and the checks re-render themselves.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from mappings import io, reference, selectors, services, suggestions, templates
from mappings.catalogs import SYSTEM_LABELS
from mappings.forms import (
    DimensionRuleForm,
    ImportForm,
    RuleForm,
    ValueMapEntryForm,
    ValueMapForm,
    format_conditions,
    format_dimensions,
    format_transforms,
)
from mappings.models import DimensionRule, MappingSet, ValueMap
from mappings.preview import preview

SAMPLES_KEY = "mapping-samples:{key}"
MAX_SAMPLES = 20
MAX_SAMPLE_CHARS = 200_000


def _get_mapping(pk: int) -> MappingSet:
    return get_object_or_404(MappingSet, pk=pk)


def _editable(request: HttpRequest, mapping_set: MappingSet) -> bool:
    return mapping_set.status == MappingSet.Status.DRAFT and has_role(request.user, ACCOUNTANT)


def _draft_or_refuse(pk: int) -> MappingSet:
    mapping_set = _get_mapping(pk)
    if mapping_set.status != MappingSet.Status.DRAFT:
        raise Http404("Only a draft can be edited")
    return mapping_set


# --- List, import, templates ---------------------------------------------------------------------


@role_required(VIEWER)
@require_GET
def mapping_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "mappings/list.html",
        {"summaries": selectors.mapping_summaries(), "can_edit": has_role(request.user, ACCOUNTANT)},
    )


@role_required(ACCOUNTANT)
@require_POST
def install_templates(request: HttpRequest) -> HttpResponse:
    installed = templates.install_templates(actor=request.user)
    messages.success(request, f"Templates ready: {len(installed)} mappings have a published version.")
    return redirect("mappings:list")


@role_required(ACCOUNTANT)
def mapping_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            mapping_set = io.import_mapping(
                form.cleaned_data["payload"], actor=request.user, publish=form.cleaned_data["publish"]
            )
        except services.MappingError as exc:
            errors = exc.errors or [exc.message]
        else:
            messages.success(request, f"Imported {mapping_set}.")
            return redirect("mappings:detail", pk=mapping_set.pk)
    return render(request, "mappings/import.html", {"form": form, "errors": errors}, status=400 if errors else 200)


# --- The mapping page ----------------------------------------------------------------------------


def _rows(mapping_set: MappingSet, editable: bool, sample: dict | None) -> list[selectors.RuleRow]:
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


def _samples(request: HttpRequest, mapping_set: MappingSet) -> dict:
    return request.session.get(SAMPLES_KEY.format(key=mapping_set.key)) or {"records": [], "index": 0}


def _current_sample(request: HttpRequest, mapping_set: MappingSet) -> dict | None:
    samples = _samples(request, mapping_set)
    records = samples.get("records") or []
    index = samples.get("index", 0)
    return records[index] if 0 <= index < len(records) else None


def _detail_context(request: HttpRequest, mapping_set: MappingSet) -> dict:
    editable = _editable(request, mapping_set)
    errors = services.rule_errors(mapping_set)
    return {
        "ms": mapping_set,
        "editable": editable,
        "can_edit": has_role(request.user, ACCOUNTANT),
        "rows": _rows(mapping_set, editable, _current_sample(request, mapping_set)),
        "source_paths": selectors.source_paths(mapping_set),
        "value_maps": _value_map_context(mapping_set),
        "dimension_rules": _dimension_context(mapping_set),
        "set_errors": {
            k: v for k, v in errors.items() if not k or k.split(".")[0] in ("value_maps", "dimension_rules", "options")
        },
        "versions": selectors.versions_of(mapping_set.key),
        "draft": services.current_draft(mapping_set.key),
        "published": services.published_version(mapping_set.key),
        "systems": SYSTEM_LABELS,
        "value_map_kinds": ValueMap.Kind.choices,
        "levels": DimensionRule.Level.choices,
        "transform_help": _transform_help(),
    }


def _transform_help() -> list[dict]:
    from mappings.engine import describe_transforms

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
    mapping_set = _get_mapping(pk)
    return render(request, "mappings/detail.html", _detail_context(request, mapping_set))


@role_required(VIEWER)
@require_GET
def mapping_key(request: HttpRequest, key: str) -> HttpResponse:
    mapping_set = services.current_draft(key) or services.published_version(key)
    if mapping_set is None:
        raise Http404("No such mapping")
    return redirect("mappings:detail", pk=mapping_set.pk)


@role_required(ACCOUNTANT)
@require_POST
def start_draft(request: HttpRequest, pk: int) -> HttpResponse:
    draft = services.get_or_create_draft(_get_mapping(pk), actor=request.user)
    return redirect("mappings:detail", pk=draft.pk)


def _row_response(request: HttpRequest, mapping_set: MappingSet, target_path: str, form_errors=None) -> HttpResponse:
    rows = [r for r in _rows(mapping_set, True, _current_sample(request, mapping_set)) if r.target_path == target_path]
    if not rows:
        from mappings.selectors import RuleRow

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
    return trigger_client_event(response, "mappingChanged")


@role_required(ACCOUNTANT)
@require_POST
def save_rule(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
    form = RuleForm(request.POST)
    if not form.is_valid():
        target = request.POST.get("target_path", "")
        if not target:
            return HttpResponse("A rule needs a target field", status=400)
        errors = [e if k in ("transforms", "__all__") else f"{k}: {e}" for k, errs in form.errors.items() for e in errs]
        return _row_response(request, mapping_set, target, errors)
    data = form.cleaned_data
    default = data["default"]
    try:
        services.save_rule(
            mapping_set,
            target_path=data["target_path"],
            source_kind=data["source_kind"],
            source=data["source"],
            transforms=data["transforms"],
            default=default,
            actor=request.user,
        )
    except services.MappingError as exc:
        return _row_response(request, mapping_set, data["target_path"], [str(exc)])
    if not request.htmx:
        return redirect("mappings:detail", pk=pk)
    return _row_response(request, mapping_set, data["target_path"])


@role_required(ACCOUNTANT)
@require_POST
def map_all(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
    created = suggestions.map_all_suggested(
        mapping_set, actor=request.user, sample=_current_sample(request, mapping_set)
    )
    messages.success(request, f"Mapped {len(created)} fields from suggestions; existing rules were left as they were.")
    if request.htmx:
        return HttpResponseClientRedirect(mapping_set_url(mapping_set))
    return redirect("mappings:detail", pk=pk)


def mapping_set_url(mapping_set: MappingSet) -> str:
    from django.urls import reverse

    return reverse("mappings:detail", args=[mapping_set.pk])


# --- Value maps ----------------------------------------------------------------------------------


def _value_map_context(mapping_set: MappingSet) -> list[ValueMap]:
    return list(mapping_set.value_maps.prefetch_related("entries"))


def _value_maps_response(
    request: HttpRequest, mapping_set: MappingSet, errors: list[str] | None = None
) -> HttpResponse:
    response = render(
        request,
        "mappings/partials/value_maps.html",
        {
            "ms": mapping_set,
            "editable": _editable(request, mapping_set),
            "value_maps": _value_map_context(mapping_set),
            "value_map_kinds": ValueMap.Kind.choices,
            "vm_errors": errors or [],
        },
        status=200,
    )
    return trigger_client_event(response, "mappingChanged")


@role_required(ACCOUNTANT)
@require_POST
def save_value_map(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
    form = ValueMapForm(request.POST)
    if not form.is_valid():
        return _value_maps_response(
            request, mapping_set, [f"{k}: {e}" for k, errs in form.errors.items() for e in errs]
        )
    try:
        services.save_value_map(mapping_set, actor=request.user, **form.cleaned_data)
    except services.MappingError as exc:
        return _value_maps_response(request, mapping_set, [str(exc)])
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def delete_value_map(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
    services.delete_value_map(mapping_set, name=request.POST.get("name", ""), actor=request.user)
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def save_value_map_entry(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
    form = ValueMapEntryForm(request.POST)
    if not form.is_valid():
        return _value_maps_response(
            request, mapping_set, [f"{k}: {e}" for k, errs in form.errors.items() for e in errs]
        )
    try:
        services.save_value_map_entry(mapping_set, actor=request.user, **form.cleaned_data)
    except services.MappingError as exc:
        return _value_maps_response(request, mapping_set, [str(exc)])
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_POST
def delete_value_map_entry(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
    services.delete_value_map_entry(mapping_set, entry_id=entry_id, actor=request.user)
    return _value_maps_response(request, mapping_set)


@role_required(ACCOUNTANT)
@require_GET
def value_fix_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _get_mapping(pk)
    name, value = request.GET.get("value_map", ""), request.GET.get("value", "")
    found = suggestions.suggest_value_map_fix(mapping_set, name, value) if name and value else []
    return render(
        request,
        "mappings/partials/value_fix.html",
        {
            "ms": mapping_set,
            "value_map": name,
            "value": value,
            "suggestions": found,
            "editable": _editable(request, mapping_set),
        },
    )


# --- Dimension rules -----------------------------------------------------------------------------


def _dimension_context(mapping_set: MappingSet) -> list[DimensionRule]:
    rules = list(mapping_set.dimension_rules.all())
    for rule in rules:
        rule.conditions_text = format_conditions(rule.conditions)
        rule.dimensions_text = format_dimensions(rule.dimensions)
    return rules


def _dimensions_response(
    request: HttpRequest, mapping_set: MappingSet, errors: list[str] | None = None
) -> HttpResponse:
    rule_errors = services.rule_errors(mapping_set)
    rules = _dimension_context(mapping_set)
    for rule in rules:
        rule.errors = rule_errors.get(f"dimension_rules.{rule.name}", [])
    response = render(
        request,
        "mappings/partials/dimension_rules.html",
        {
            "ms": mapping_set,
            "editable": _editable(request, mapping_set),
            "dimension_rules": rules,
            "levels": DimensionRule.Level.choices,
            "dim_errors": errors or [],
            "posted": request.POST if errors else None,
        },
    )
    return trigger_client_event(response, "mappingChanged")


@role_required(ACCOUNTANT)
@require_POST
def save_dimension_rule(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _draft_or_refuse(pk)
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
    mapping_set = _draft_or_refuse(pk)
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
    mapping_set = _draft_or_refuse(pk)
    services.delete_dimension_rule(mapping_set, rule_id=rule_id, actor=request.user)
    return _dimensions_response(request, mapping_set)


# --- Preview -------------------------------------------------------------------------------------


@role_required(ACCOUNTANT)
def mapping_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET re-renders with the stored sample; POST fetches samples from the source system or takes pasted JSON."""
    mapping_set = _get_mapping(pk)
    session_key = SAMPLES_KEY.format(key=mapping_set.key)
    samples = _samples(request, mapping_set)
    problem = ""
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "fetch":
        try:
            records = reference.sample_records(mapping_set.source_system, mapping_set.source_entity, MAX_SAMPLES)
        except Exception as exc:  # the remote system's failure is shown, never a 500
            problem = (
                f"Could not fetch from {SYSTEM_LABELS.get(mapping_set.source_system)}: {exc}. Paste a record instead."
            )
        else:
            if records:
                samples = {"records": records, "index": 0, "origin": "source"}
            else:
                problem = (
                    f"No {mapping_set.source_entity} records found in {SYSTEM_LABELS.get(mapping_set.source_system)} "
                    "(is an integration pair configured?). Paste a record instead."
                )
    elif request.method == "POST" and action == "paste" and len(request.POST.get("sample_json", "")) > MAX_SAMPLE_CHARS:
        problem = f"The pasted record is larger than {MAX_SAMPLE_CHARS // 1000} kB; paste one record."
    elif request.method == "POST" and action == "paste":
        try:
            record = json.loads(request.POST.get("sample_json", ""))
        except ValueError as exc:
            problem = f"The pasted text is not valid JSON: {exc}"
        else:
            if isinstance(record, dict):
                samples = {"records": [record], "index": 0, "origin": "pasted"}
            else:
                problem = "The pasted JSON must be one record (an object)"
    elif request.method == "POST" and action == "choose":
        try:
            index = int(request.POST.get("index", "0"))
        except ValueError:
            index = 0
        if 0 <= index < len(samples.get("records", [])):
            samples["index"] = index
    request.session[session_key] = samples
    records = samples.get("records") or []
    index = samples.get("index", 0)
    record = records[index] if 0 <= index < len(records) else None
    result = preview(mapping_set, record) if record is not None else None
    return render(
        request,
        "mappings/partials/preview.html",
        {
            "ms": mapping_set,
            "record": record,
            "record_json": json.dumps(record, indent=2, ensure_ascii=False) if record is not None else "",
            "record_labels": [_record_label(r) for r in records],
            "index": index,
            "origin": samples.get("origin", ""),
            "result": result,
            "document_json": json.dumps(result.document, indent=2, ensure_ascii=False, default=str)
            if result and result.document is not None
            else "",
            "problem": problem,
            "source_label": SYSTEM_LABELS.get(mapping_set.source_system, mapping_set.source_system),
            "rate_rule": reference.RATE_DATE_RULE,
        },
    )


def _describe(value) -> str | None:
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


def _record_label(record: dict) -> str:
    key = next((record[k] for k in ("Number", "Code", "AccountNum", "InvoiceId", "ItemId", "Id") if record.get(k)), "")
    name = next((record[k] for k in ("CustomerName", "SupplierName", "Name", "Narrative") if record.get(k)), "")
    return f"{key} {name}".strip()


# --- Diff, publish, restore, export ----------------------------------------------------------------


@role_required(VIEWER)
@require_GET
def mapping_diff(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _get_mapping(pk)
    other_pk = request.GET.get("against", "")
    if other_pk and not other_pk.isdigit():
        raise Http404("No such version")
    if other_pk:
        other = get_object_or_404(MappingSet, pk=other_pk, key=mapping_set.key)
    else:
        other = services.published_version(mapping_set.key)
        if other and other.pk == mapping_set.pk:
            other = mapping_set.based_on
    changes = {
        item: [_describe(old), _describe(new)] for item, (old, new) in services.rules_diff(other, mapping_set).items()
    }
    template = "mappings/partials/diff.html" if request.htmx else "mappings/diff.html"
    return render(request, template, {"ms": mapping_set, "other": other, "changes": changes})


@role_required(ACCOUNTANT)
@require_POST
def mapping_publish(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _get_mapping(pk)
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
    mapping_set = _get_mapping(pk)
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
    mapping_set = _draft_or_refuse(pk)
    key = mapping_set.key
    services.discard_draft(mapping_set, actor=request.user)
    messages.success(request, "Draft discarded.")
    published = services.published_version(key)
    return redirect("mappings:detail", pk=published.pk) if published else redirect("mappings:list")


@role_required(VIEWER)
@require_GET
def mapping_export(request: HttpRequest, pk: int) -> HttpResponse:
    mapping_set = _get_mapping(pk)
    response = HttpResponse(io.export_json(mapping_set), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{mapping_set.key}-v{mapping_set.version}.json"'
    return response
