"""The live preview: a sample record (fetched from the source system or pasted) mapped with this version."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from integrations.roles import ACCOUNTANT, role_required
from mappings import naming, reference, selectors
from mappings.catalogs import SYSTEM_LABELS
from mappings.preview import compare, dry_run, preview
from mappings.preview import tables as preview_tables
from mappings.views.common import SAMPLE_CHANGED, SAMPLES_KEY, current_sample, get_mapping, samples

MAX_SAMPLES = 20
MAX_SAMPLE_CHARS = 200_000


@role_required(ACCOUNTANT)
def mapping_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET re-renders with the stored sample; POST fetches samples from the source system or takes pasted JSON."""
    mapping_set = get_mapping(pk)
    session_key = SAMPLES_KEY.format(key=mapping_set.key)
    stored = samples(request, mapping_set)
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
                stored = {"records": records, "index": 0, "origin": "source"}
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
                stored = {"records": [record], "index": 0, "origin": "pasted"}
            else:
                problem = "The pasted JSON must be one record (an object)"
    elif request.method == "POST" and action == "choose":
        try:
            index = int(request.POST.get("index", "0"))
        except ValueError:
            index = 0
        if 0 <= index < len(stored.get("records", [])):
            stored["index"] = index
    changed = request.method == "POST" and action in ("fetch", "paste", "choose") and not problem
    request.session[session_key] = stored
    records = stored.get("records") or []
    index = stored.get("index", 0)
    record = records[index] if 0 <= index < len(records) else None
    result = preview(mapping_set, record) if record is not None else None
    if result is not None and result.issues:
        names = naming.names_for(mapping_set)
        for issue in result.issues:  # "4900" -> "4900 Sundry income"
            value = "" if issue.get("value") is None else str(issue["value"])
            issue["value_name"] = names.nominal(value) or names.account(value)
    response = render(
        request,
        "mappings/partials/mapping_preview.html",
        {
            "ms": mapping_set,
            "record": record,
            "record_json": json.dumps(record, indent=2, ensure_ascii=False) if record is not None else "",
            "record_labels": [_record_label(r) for r in records],
            "index": index,
            "origin": stored.get("origin", ""),
            "result": result,
            "document_json": json.dumps(result.document, indent=2, ensure_ascii=False, default=str)
            if result and result.document is not None
            else "",
            "problem": problem,
            "source_label": SYSTEM_LABELS.get(mapping_set.source_system, mapping_set.source_system),
            "rate_rule": reference.RATE_DATE_RULE,
        },
    )
    return trigger_client_event(response, SAMPLE_CHANGED) if changed else response


def _record_label(record: dict) -> str:
    key = next((record[k] for k in ("Number", "Code", "AccountNum", "InvoiceId", "ItemId", "Id") if record.get(k)), "")
    name = next((record[k] for k in ("CustomerName", "SupplierName", "Name", "Narrative") if record.get(k)), "")
    return f"{key} {name}".strip()


def _plural(entity: str) -> str:
    words = entity.replace("_", " ")
    return f"{words} records" if words.endswith("s") else f"{words}s"


@role_required(ACCOUNTANT)
@require_GET
def record_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The sample record and the document it becomes, side by side as tables; a draft's document is compared
    with the published version's for the same record, changed values marked per line."""
    mapping_set = get_mapping(pk)
    record = current_sample(request, mapping_set)
    context: dict = {"ms": mapping_set, "record": record}
    if record is not None:
        result = preview(mapping_set, record)
        published = selectors.published_version(mapping_set.key)
        other = published if published is not None and published.pk != mapping_set.pk else None
        name_of = naming.namer(naming.names_for(mapping_set))
        mapped = preview_tables(result.document).name_codes(name_of)
        if other is not None:
            compare(mapped, preview_tables(preview(other, record).document))
        context |= {
            "result": result,
            "source": preview_tables(record).name_codes(name_of),
            "mapped": mapped,
            "other": other,
            "source_label": SYSTEM_LABELS.get(mapping_set.source_system, mapping_set.source_system),
            "target_label": SYSTEM_LABELS.get(mapping_set.target_system, mapping_set.target_system),
        }
    return render(request, "mappings/partials/preview_tables.html", context)


MAX_DRY_RUN = 200


@role_required(ACCOUNTANT)
@require_POST
def mapping_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft over the source system's last N records against the published version, before publishing."""
    mapping_set = get_mapping(pk)
    try:
        count = max(1, min(MAX_DRY_RUN, int(request.POST.get("count", "20"))))
    except ValueError:
        count = 20
    published = selectors.published_version(mapping_set.key)
    other = published if published is not None and published.pk != mapping_set.pk else None
    problem = ""
    try:
        records = reference.recent_records(mapping_set.source_system, mapping_set.source_entity, count)
    except Exception as exc:  # the source system's failure is shown, never a 500
        records, problem = [], f"Could not read {SYSTEM_LABELS.get(mapping_set.source_system)}: {exc}"
    result = dry_run(mapping_set, other, records, key_of=_record_label) if records else None
    return render(
        request,
        "mappings/partials/dry_run_result.html",
        {
            "ms": mapping_set,
            "other": other,
            "result": result,
            "count": count,
            "problem": problem or ("" if records else "No records to try: is an integration pair configured?"),
            "noun": _plural(mapping_set.source_entity),
        },
    )
