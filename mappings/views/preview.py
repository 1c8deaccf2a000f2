"""The live preview: a sample record (fetched from the source system or pasted) mapped with this version."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integrations.roles import ACCOUNTANT, role_required
from mappings import reference
from mappings.catalogs import SYSTEM_LABELS
from mappings.preview import preview
from mappings.views.common import SAMPLES_KEY, get_mapping, samples

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
    request.session[session_key] = stored
    records = stored.get("records") or []
    index = stored.get("index", 0)
    record = records[index] if 0 <= index < len(records) else None
    result = preview(mapping_set, record) if record is not None else None
    return render(
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


def _record_label(record: dict) -> str:
    key = next((record[k] for k in ("Number", "Code", "AccountNum", "InvoiceId", "ItemId", "Id") if record.get(k)), "")
    name = next((record[k] for k in ("CustomerName", "SupplierName", "Name", "Narrative") if record.get(k)), "")
    return f"{key} {name}".strip()
