"""Export and import of one mapping version as JSON, so a mapping moves between environments.

The document carries ``format`` and ``format_version``; the body is ``versions.snapshot``. Import
validates everything first and reports every problem at once; the write is one transaction,
so a refused document leaves nothing behind.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from config import json_guard
from mappings import selectors
from mappings.models import DimensionRule, FieldRule, MappingSet, ValueMap
from mappings.services import versions
from mappings.services.ax_checks import warmed
from mappings.services.compiling import rule_errors
from mappings.services.edits import check_dimension_rule, is_number
from mappings.services.errors import MappingError
from mappings.services.versions import fill_from_snapshot, snapshot
from monitoring import audit

FORMAT = "ledgerbridge.mapping"
FORMAT_VERSION = 1
SYSTEMS = ("kashflow", "dynamics_ax")


class ImportRefused(MappingError):
    """The JSON is not a mapping this portal can import; ``errors`` lists every problem."""


def export_mapping(mapping_set: MappingSet) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "key": mapping_set.key,
        "name": mapping_set.name,
        "version": mapping_set.version,
        "source_system": mapping_set.source_system,
        "source_entity": mapping_set.source_entity,
        "target_system": mapping_set.target_system,
        "target_entity": mapping_set.target_entity,
        **snapshot(mapping_set),
    }


def export_json(mapping_set: MappingSet) -> str:
    return json.dumps(export_mapping(mapping_set), indent=2, ensure_ascii=False) + "\n"


def parse(data: str | bytes | dict) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    if not isinstance(data, str | bytes):
        raise ImportRefused("The file is not a mapping", ["the top level must be a JSON object"])
    parsed, problems = json_guard.loads(data)
    if problems:
        raise ImportRefused("The file is not acceptable JSON", problems)
    if not isinstance(parsed, dict):
        raise ImportRefused("The file is not a mapping", ["the top level must be a JSON object"])
    return parsed


def validate_document(doc: dict[str, Any]) -> list[str]:
    """Every problem of an export document, in words a person can act on; empty when importable."""
    errors: list[str] = []
    if doc.get("format") != FORMAT:
        errors.append(f"format must be {FORMAT!r}")
    if doc.get("format_version") != FORMAT_VERSION:
        errors.append(f"format_version {doc.get('format_version')!r} is not supported (expected {FORMAT_VERSION})")
    for name in ("key", "name", "source_entity", "target_entity"):
        if not isinstance(doc.get(name), str) or not doc.get(name, "").strip():
            errors.append(f"{name} is required")
    key = doc.get("key")
    if isinstance(key, str) and key and not all(c.isalnum() or c in "-_" for c in key):
        errors.append("key may only hold letters, digits, '-' and '_'")
    for name, limit in (("key", 100), ("name", 150), ("source_entity", 30), ("target_entity", 30)):
        if isinstance(doc.get(name), str) and len(doc[name]) > limit:
            errors.append(f"{name} is longer than {limit} characters")
    for name in ("source_system", "target_system"):
        if doc.get(name) not in SYSTEMS:
            errors.append(f"{name} must be one of {', '.join(SYSTEMS)}")
    if not isinstance(doc.get("options", {}), dict):
        errors.append("options must be an object")
    errors += _check_rules(doc.get("rules", []))
    errors += _check_value_maps(doc.get("value_maps", []))
    errors += _check_dimension_rules(doc.get("dimension_rules", []))
    return errors


def _check_rules(rules: Any) -> list[str]:
    if not isinstance(rules, list):
        return ["rules must be a list"]
    errors, seen = [], set()
    for i, r in enumerate(rules, 1):
        where = f"rule {i}"
        if not isinstance(r, dict):
            errors.append(f"{where} must be an object")
            continue
        target = r.get("target_path")
        if not isinstance(target, str) or not target.strip():
            errors.append(f"{where} needs a target_path")
        else:
            where = f"rule {i} ({target})"
            if target in seen:
                errors.append(f"{where}: a second rule for the same target field")
            seen.add(target)
            if len(target) > 200:
                errors.append(f"{where}: target_path is longer than 200 characters")
        if r.get("source_kind", "path") not in FieldRule.SourceKind.values:
            errors.append(f"{where}: source_kind must be one of {', '.join(FieldRule.SourceKind.values)}")
        if not isinstance(r.get("source", ""), str):
            errors.append(f"{where}: source must be text")
        transforms = r.get("transforms", [])
        if not isinstance(transforms, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("params", {}), dict)
            for t in transforms
        ):
            errors.append(f"{where}: transforms must be a list of {{name, params}} objects")
    return errors


def _check_value_maps(value_maps: Any) -> list[str]:
    if not isinstance(value_maps, list):
        return ["value_maps must be a list"]
    errors, seen = [], set()
    for i, vm in enumerate(value_maps, 1):
        if not isinstance(vm, dict) or not isinstance(vm.get("name"), str) or not vm.get("name"):
            errors.append(f"value map {i} needs a name")
            continue
        where = f"value map {vm['name']}"
        if len(vm["name"]) > 60 or not all(c.isalnum() or c in "-_" for c in vm["name"]):
            errors.append(f"{where}: a name has at most 60 letters, digits, '-' or '_'")
        if len(str(vm.get("default_value") or "")) > 100:
            errors.append(f"{where}: default_value is longer than 100 characters")
        if vm["name"] in seen:
            errors.append(f"{where}: the name is used twice")
        seen.add(vm["name"])
        if vm.get("kind", "generic") not in ValueMap.Kind.values:
            errors.append(f"{where}: kind must be one of {', '.join(ValueMap.Kind.values)}")
        entries = vm.get("entries", [])
        if not isinstance(entries, list):
            errors.append(f"{where}: entries must be a list")
            continue
        keys = set()
        for j, e in enumerate(entries, 1):
            if not isinstance(e, dict) or e.get("source_value") in (None, "") or e.get("target_value") in (None, ""):
                errors.append(f"{where} row {j} needs source_value and target_value")
                continue
            pair = (str(e["source_value"]), str(e.get("source_to") or ""))
            if max(len(pair[0]), len(pair[1]), len(str(e["target_value"]))) > 100:
                errors.append(f"{where} row {j}: values have at most 100 characters")
            if pair in keys:
                errors.append(f"{where} row {j}: source value {pair[0]} appears twice")
            keys.add(pair)
            if pair[1] and not (is_number(pair[0]) and is_number(pair[1])):
                errors.append(f"{where} row {j}: a range needs numbers at both ends")
    return errors


def _check_dimension_rules(rules: Any) -> list[str]:
    if not isinstance(rules, list):
        return ["dimension_rules must be a list"]
    errors = []
    for i, d in enumerate(rules, 1):
        if not isinstance(d, dict):
            errors.append(f"dimension rule {i} must be an object")
            continue
        if len(str(d.get("name") or "")) > 100:
            errors.append(f"dimension rule {i}: the name is longer than 100 characters")
        problems = check_dimension_rule(
            str(d.get("name") or ""),
            d.get("level", DimensionRule.Level.LINE),
            d.get("conditions", []),
            d.get("dimensions"),
        )
        errors += [f"dimension rule {i} ({d.get('name') or '?'}): {p}" for p in problems]
    return errors


@warmed
def import_mapping(data: str | bytes | dict, *, actor=None, publish: bool = False) -> MappingSet:
    """Import an export document as the new draft of its key (replacing a draft in progress).

    With ``publish`` the draft is published at once; rules the engine cannot apply refuse the whole
    import. Raises ``ImportRefused`` listing every problem; nothing is written then.
    """
    doc = parse(data)
    errors = validate_document(doc)
    if errors:
        raise ImportRefused("The mapping cannot be imported", errors)
    with transaction.atomic():
        existing = MappingSet.objects.filter(key=doc["key"]).first()
        if existing and (
            existing.source_system,
            existing.source_entity,
            existing.target_system,
            existing.target_entity,
        ) != (
            doc["source_system"],
            doc["source_entity"],
            doc["target_system"],
            doc["target_entity"],
        ):
            raise ImportRefused(
                "The mapping cannot be imported",
                [
                    f"key {doc['key']} already maps {existing.source_system} {existing.source_entity} -> "
                    f"{existing.target_system} {existing.target_entity}"
                ],
            )
        draft = selectors.current_draft(doc["key"])
        if draft:
            draft.delete()
        mapping_set = MappingSet.objects.create(
            key=doc["key"],
            name=doc["name"].strip(),
            source_system=doc["source_system"],
            source_entity=doc["source_entity"],
            target_system=doc["target_system"],
            target_entity=doc["target_entity"],
            version=selectors.next_version_number(doc["key"]),
            status=MappingSet.Status.DRAFT,
            based_on=selectors.published_version(doc["key"]),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        fill_from_snapshot(mapping_set, doc)
        problems = rule_errors(mapping_set)
        if problems:
            raise ImportRefused(
                "The mapping cannot be imported",
                [f"{rule}: {msg}" if rule else msg for rule, msgs in problems.items() for msg in msgs],
            )
        audit.record(actor=actor, action="imported", obj=mapping_set, changes={"version": [None, mapping_set.version]})
        if publish:
            mapping_set = versions.publish(mapping_set, actor=actor)
    return mapping_set
