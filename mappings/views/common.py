"""What every mapping view shares: finding the version, who may edit it, and the preview's sample records."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from integrations.roles import ACCOUNTANT, has_role
from mappings.models import MappingSet

# The event every change sends; the preview pane and the diff listen for it (hx-trigger "... from:body").
MAPPING_CHANGED = "mappingChanged"
# Sent when the sample records change (fetched, pasted, another chosen): the source panel and preview listen.
SAMPLE_CHANGED = "sampleChanged"

SAMPLES_KEY = "mapping-samples:{key}"


def get_mapping(pk: int) -> MappingSet:
    return get_object_or_404(MappingSet, pk=pk)


def is_editable(request: HttpRequest, mapping_set: MappingSet) -> bool:
    return mapping_set.status == MappingSet.Status.DRAFT and has_role(request.user, ACCOUNTANT)


def draft_or_refuse(pk: int) -> MappingSet:
    mapping_set = get_mapping(pk)
    if mapping_set.status != MappingSet.Status.DRAFT:
        raise Http404("Only a draft can be edited")
    return mapping_set


def samples(request: HttpRequest, mapping_set: MappingSet) -> dict:
    """The sample records stored for this mapping in the session, and which one is shown."""
    return request.session.get(SAMPLES_KEY.format(key=mapping_set.key)) or {"records": [], "index": 0}


def current_sample(request: HttpRequest, mapping_set: MappingSet) -> dict | None:
    stored = samples(request, mapping_set)
    records = stored.get("records") or []
    index = stored.get("index", 0)
    return records[index] if 0 <= index < len(records) else None


def form_errors(form: forms.Form) -> list[str]:
    """A form's errors as lines: ``field: message``."""
    return [f"{k}: {e}" for k, errs in form.errors.items() for e in errs]
