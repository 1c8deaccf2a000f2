"""The suggested fix shown beside an exception, and what "apply at the mapping level" needs to know.

The sync engine may store a ``suggested_fix`` dict on the item. For a value that a value map lacks
we read (in this order) ``suggested_fix["value_map"]`` / ``["value"]``, then the message's own words
("value '4900' not in value map nominal_to_main_account"), and ask the mapping app for the nearest
valid targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mappings.suggestions import suggest_value_map_fix
from monitoring.models import ExceptionItem

_VALUE_MAP_MESSAGE = re.compile(
    r"""(?:value\s+)?['"](?P<value>[^'"]*)['"].*?value[ _]map\s+['"]?(?P<map>[\w.-]+)""", re.IGNORECASE | re.DOTALL
)


@dataclass
class ValueMapFix:
    mapping_set: Any  # mappings.MappingSet
    value_map: str
    value: str
    candidates: list = field(default_factory=list)  # mappings.suggestions.Suggestion

    @property
    def best(self) -> str:
        if not self.candidates:
            return ""
        first = self.candidates[0]
        return str(first.get("value", "")) if isinstance(first, dict) else first.value


def value_map_gap(item: ExceptionItem) -> tuple[str, str] | None:
    """(value map name, missing value) when the item failed because a value map lacks a value."""
    fix = item.suggested_fix if isinstance(item.suggested_fix, dict) else {}
    name = fix.get("value_map") or fix.get("value_map_name") or ""
    value = fix.get("value", fix.get("source_value"))
    if name and value not in (None, ""):
        return str(name), str(value)
    if item.error_class != ExceptionItem.ErrorClass.VALUE_NOT_MAPPED and item.error_code != "value_not_mapped":
        return None
    match = _VALUE_MAP_MESSAGE.search(item.message or "")
    if match:
        return match.group("map"), match.group("value")
    return None


def value_map_fix_for(item: ExceptionItem, *, limit: int = 5) -> ValueMapFix | None:
    gap = value_map_gap(item)
    if gap is None:
        return None
    mapping_set = item.flow.published_mapping_set()
    if mapping_set is None:
        return None
    name, value = gap
    try:
        candidates = suggest_value_map_fix(mapping_set, name, value, limit=limit)
    except Exception:  # suggestions are a help; a failure must not hide the item
        candidates = []
    if not candidates and isinstance(item.suggested_fix, dict):
        candidates = [c for c in item.suggested_fix.get("candidates") or [] if isinstance(c, dict)][:limit]
    return ValueMapFix(mapping_set=mapping_set, value_map=name, value=value, candidates=list(candidates))


def describe_fix(item: ExceptionItem) -> str:
    """The stored suggestion as one sentence for the page."""
    fix = item.suggested_fix
    if isinstance(fix, dict):
        for key in ("message", "description", "label", "text"):
            if fix.get(key):
                return str(fix[key])
        return ", ".join(f"{k}: {v}" for k, v in fix.items() if not isinstance(v, list | dict))
    if isinstance(fix, str):
        return fix
    return ""
