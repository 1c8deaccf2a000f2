"""Map: the flow's compiled mapping turns a source record into the target's document.

Issues that block the write become a MappingFailed with a fix a person can apply (a value map entry).
"""

from __future__ import annotations

import logging
import re

from integrations.sync.errors import MappingFailed
from mappings.suggestions import suggest_value_map_fix

log = logging.getLogger(__name__)

BLOCKING_ISSUES = {"missing_required", "value_not_mapped", "too_long", "wrong_type", "not_allowed", "rule_error"}


def map_record(ctx, record: dict) -> dict:
    result = ctx.mapping.apply(record)
    blocking = [i for i in result.issues if getattr(i, "code", "") in BLOCKING_ISSUES]
    if blocking:
        message = "; ".join(f"{i.field or i.rule}: {i.message}" for i in blocking)
        raise MappingFailed(message, issues=blocking, suggested_fix=_suggest_for_issues(ctx, blocking))
    return result.document


_VALUE_MAP_NAME = re.compile(r"value map '([^']+)'")


def _suggest_for_issues(ctx, issues) -> dict | None:
    first = issues[0]
    if first.code == "value_not_mapped":
        match = _VALUE_MAP_NAME.search(first.message or "")
        name = match.group(1) if match else ""
        value = None if first.value is None else str(first.value)
        fix = {
            "kind": "add_value_map_entry",
            "mapping_set": ctx.mapping_set.pk,
            "value_map": name,
            "value": value,
            "rule": first.rule,
            "field": first.field,
            "message": f"Add {value!r} to value map {name!r}.",
        }
        if name and value is not None:
            try:
                fix["candidates"] = [
                    {"value": s.value, "score": s.score, "reason": s.reason}
                    for s in suggest_value_map_fix(ctx.mapping_set, name, value, limit=3)
                ]
            except Exception:
                log.debug("no value map suggestion", exc_info=True)
        return fix
    return {"kind": "edit_mapping", "mapping_set": ctx.mapping_set.pk, "field": first.field, "message": first.message}
