"""Comparing a mapped document with the record already in the target."""

from __future__ import annotations

from typing import Any

from integrations.sync.messageid import normalise

EMPTY = (None, "", [], {})


def subset_equal(document: Any, current: Any) -> bool:
    """True when ``current`` already holds every value of ``document`` (extra fields in ``current`` allowed)."""
    if isinstance(document, dict):
        if not isinstance(current, dict):
            return all(v in EMPTY for v in document.values())
        return all(subset_equal(v, current.get(k)) for k, v in document.items())
    if isinstance(document, list):
        if not isinstance(current, list):
            return not document
        if len(document) > len(current):
            return False
        return all(subset_equal(d, c) for d, c in zip(document, current, strict=False))
    if document in EMPTY:
        return current in EMPTY
    return normalise(document) == normalise(current)


def overwritten_values(document: Any, current: Any, path: str = "") -> dict[str, list]:
    """{path: [value in the target, value written]} for every mapped field the write changes."""
    changes: dict[str, list] = {}
    if isinstance(document, dict):
        current = current if isinstance(current, dict) else {}
        for k, v in document.items():
            changes.update(overwritten_values(v, current.get(k), f"{path}.{k}" if path else k))
        return changes
    if isinstance(document, list):
        current = current if isinstance(current, list) else []
        for i, v in enumerate(document):
            changes.update(overwritten_values(v, current[i] if i < len(current) else None, f"{path}[{i}]"))
        return changes
    if not subset_equal(document, current):
        changes[path] = [current, document]
    return changes
