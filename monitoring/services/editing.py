"""Checks on an accountant's edit of a mapped document or a source payload, before it is sent again.

An edit that does not pass is refused with the reasons, and the exception is left as it was.
The checks: the text is a JSON object; the mapped document fits the target system's field
catalog (required fields, types, lengths, allowed values) and the engine's own pre-send checks
(a journal balances, an invoice has lines); an edited source payload keeps its key and maps
without issues under the flow's published mapping, and its result passes the same checks.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.models import Flow
from integrations.sync.errors import SyncError
from mappings import services as mapping_services
from mappings.catalogs import catalog_for


class EditRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def parse_json_object(text: str, *, what: str = "document") -> dict:
    """The edited text as a dict, or EditRefused saying where the JSON is broken."""
    if not str(text or "").strip():
        raise EditRefused([f"The {what} is empty."])
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EditRefused([f"The {what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."])
    if not isinstance(value, dict):
        raise EditRefused([f"The {what} must be a JSON object ({{...}}), not {type(value).__name__}."])
    return value


def systems_of(flow: Flow) -> tuple[str, str]:
    """(source system, target system) of a flow."""
    return flow.source_system, flow.target_system


def _values_at(document: Any, path: str, prefix: str = "") -> list[tuple[str, Any, bool]]:
    """(concrete path, value, present) for every place ``path`` reaches; ``[]`` walks list items."""
    head, _, rest = path.partition(".")
    is_list = head.endswith("[]")
    name = head.removesuffix("[]")
    here = f"{prefix}.{name}" if prefix else name
    if not isinstance(document, dict):
        return []
    present = name in document and document[name] not in (None, "")
    value = document.get(name)
    if not rest:
        if is_list and isinstance(value, list):
            return [(f"{here}[{i}]", v, v not in (None, "")) for i, v in enumerate(value)]
        return [(here, value, present)]
    if is_list:
        if not isinstance(value, list):
            return []
        found = []
        for i, item in enumerate(value):
            found.extend(_values_at(item, rest, f"{here}[{i}]"))
        return found
    if not isinstance(value, dict):
        return [] if value is None else [(here, value, True)]
    return _values_at(value, rest, here)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _type_problem(value: Any, kind: str) -> str:
    if kind == "string":
        return "" if isinstance(value, str | int | float) and not isinstance(value, bool) else "must be text"
    if kind == "integer":
        if isinstance(value, bool):
            return "must be a whole number"
        if isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip())):
            return ""
        return "must be a whole number"
    if kind == "decimal":
        if isinstance(value, bool):
            return "must be a number"
        try:
            Decimal(str(value))
        except (InvalidOperation, ValueError):
            return "must be a number"
        return ""
    if kind == "boolean":
        return (
            "" if isinstance(value, bool) or str(value).lower() in ("true", "false", "yes", "no") else "must be yes/no"
        )
    if kind in ("date", "datetime"):
        if not isinstance(value, str) or not _DATE.match(value):
            return "must be a date (YYYY-MM-DD)"
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            return "is not a real date"
        return ""
    if kind == "list":
        return "" if isinstance(value, list) else "must be a list"
    if kind == "object":
        return "" if isinstance(value, dict) else "must be an object"
    return ""


def catalog_problems(document: dict, system: str, entity: str) -> list[str]:
    """What the target system would refuse, judged by its field catalog."""
    catalog = catalog_for(system, entity)
    if catalog is None:
        return []
    problems: list[str] = []
    for spec in catalog.fields:
        # A missing parent object or list yields nothing here: the parent is checked on its own.
        found = _values_at(document, spec.path)
        for where, value, present in found:
            if not present:
                if spec.required:
                    problems.append(f"{where} is required.")
                continue
            problem = _type_problem(value, spec.type)
            if problem:
                problems.append(f"{where} {problem} (got {value!r}).")
                continue
            if spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
                problems.append(f"{where} is longer than {spec.max_length} characters.")
            if spec.allowed_values and str(value) not in spec.allowed_values:
                problems.append(f"{where} must be one of {', '.join(spec.allowed_values)} (got {value!r}).")
    return problems


def engine_problems(flow: Flow, document: dict) -> list[str]:
    """The sync engine's own pre-send checks for this flow (a journal balances, an invoice has lines)."""
    check = flow.spec.check
    if check is None:
        return []
    try:
        check(document)
    except SyncError as exc:
        return [exc.message]
    except Exception as exc:  # a check that trips over an odd edit is still a refusal, not a 500
        return [f"The document could not be checked: {exc}"]
    return []


def check_document(flow: Flow, document: dict) -> list[str]:
    _, target = systems_of(flow)
    return catalog_problems(document, target, flow.entity) + engine_problems(flow, document)


def map_payload(flow: Flow, payload: dict) -> tuple[dict | None, list[str]]:
    """Map an edited source payload with the flow's published mapping: (document, problems)."""
    current = flow.published_mapping_set()
    if current is None:
        return None, []
    try:
        result = mapping_services.compiled_mapping(current).apply(payload)
    except Exception as exc:  # a mapping that cannot compile is reported, not raised
        return None, [f"The mapping could not be applied: {exc}"]
    return result.document, [f"{i.field or i.rule}: {i.message}" for i in result.issues]


def check_payload(flow: Flow, payload: dict, *, source_key: str) -> list[str]:
    source, _ = systems_of(flow)
    catalog = catalog_for(source, flow.entity)
    problems: list[str] = []
    if catalog is not None and catalog.key_field:
        key = payload.get(catalog.key_field)
        if key is not None and str(key) != str(source_key):
            problems.append(
                f"{catalog.key_field} must stay {source_key!r}: edit the record, not which record it is (got {key!r})."
            )
    document, mapping_problems = map_payload(flow, payload)
    problems.extend(mapping_problems)
    if document is not None and not mapping_problems:
        problems.extend(check_document(flow, document))
    return problems


def validated_edit(flow: Flow, *, source_key: str, document_text: str = "", payload_text: str = "") -> dict:
    """{"edited_document": ...} or {"edited_payload": ...} ready to send, or EditRefused with every reason."""
    if document_text and payload_text:
        raise EditRefused(["Edit either the mapped document or the source payload, not both."])
    if payload_text:
        payload = parse_json_object(payload_text, what="source payload")
        problems = check_payload(flow, payload, source_key=source_key)
        if problems:
            raise EditRefused(problems)
        return {"edited_payload": payload}
    document = parse_json_object(document_text, what="mapped document")
    problems = check_document(flow, document)
    if problems:
        raise EditRefused(problems)
    return {"edited_document": document}
