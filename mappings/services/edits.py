"""Edits to one draft: its field rules, value maps (and their rows) and dimension rules; each is audited.

Every function refuses a published or archived version (``VersionLocked``): edit a draft.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from mappings.models import DimensionRule, FieldRule, MappingSet, ValueMap, ValueMapEntry
from mappings.services.errors import MappingError, VersionLocked
from monitoring import audit


def ensure_draft(mapping_set: MappingSet) -> None:
    if mapping_set.status != MappingSet.Status.DRAFT:
        raise VersionLocked(
            f"Version {mapping_set.version} of {mapping_set.name} is {mapping_set.status} and cannot change; "
            "edit a draft instead"
        )


def _rule_data(rule: FieldRule | None) -> dict | None:
    if rule is None:
        return None
    return {
        "source_kind": rule.source_kind,
        "source": rule.source,
        "transforms": rule.transforms,
        "default": rule.default,
    }


@transaction.atomic
def save_rule(
    mapping_set: MappingSet,
    *,
    target_path: str,
    source_kind: str = FieldRule.SourceKind.PATH,
    source: str = "",
    transforms: list[dict] | None = None,
    default: Any = None,
    notes: str = "",
    actor=None,
) -> FieldRule | None:
    """Create, change or (when source, default and transforms are all empty) remove the rule of one target field."""
    ensure_draft(mapping_set)
    target_path = target_path.strip()
    if not target_path:
        raise MappingError("A rule needs a target field")
    if source_kind not in FieldRule.SourceKind.values:
        raise MappingError(f"Unknown source kind {source_kind!r}")
    transforms = transforms or []
    existing = mapping_set.rules.filter(target_path=target_path).first()
    before = _rule_data(existing)
    empty = not source.strip() and default in (None, "") and not transforms
    if empty:
        if existing:
            existing.delete()
            audit.record(actor=actor, action="rule_removed", obj=mapping_set, changes={target_path: [before, None]})
        return None
    rule = existing or FieldRule(
        mapping_set=mapping_set, target_path=target_path, position=(mapping_set.rules.count() + 1) * 10
    )
    rule.source_kind = source_kind
    rule.source = source.strip()
    rule.transforms = transforms
    rule.default = None if default == "" else default
    rule.notes = notes
    rule.save()
    after = _rule_data(rule)
    if after != before:
        audit.record(actor=actor, action="rule_saved", obj=mapping_set, changes={target_path: [before, after]})
    return rule


@transaction.atomic
def delete_rule(mapping_set: MappingSet, *, target_path: str, actor=None) -> None:
    save_rule(mapping_set, target_path=target_path, source="", actor=actor)


@transaction.atomic
def save_value_map(
    mapping_set: MappingSet, *, name: str, kind: str = ValueMap.Kind.GENERIC, default_value: str = "", actor=None
) -> ValueMap:
    ensure_draft(mapping_set)
    if kind not in ValueMap.Kind.values:
        raise MappingError(f"Unknown value map kind {kind!r}")
    value_map, created = ValueMap.objects.get_or_create(mapping_set=mapping_set, name=name, defaults={"kind": kind})
    before = {"kind": value_map.kind, "default_value": value_map.default_value}
    value_map.kind = kind
    value_map.default_value = default_value
    value_map.full_clean()
    value_map.save()
    after = {"kind": kind, "default_value": default_value}
    if created or before != after:
        audit.record(
            actor=actor,
            action="value_map_saved",
            obj=mapping_set,
            changes={f"value_map:{name}": [None if created else before, after]},
        )
    return value_map


@transaction.atomic
def delete_value_map(mapping_set: MappingSet, *, name: str, actor=None) -> None:
    ensure_draft(mapping_set)
    deleted, _ = mapping_set.value_maps.filter(name=name).delete()
    if deleted:
        audit.record(
            actor=actor, action="value_map_removed", obj=mapping_set, changes={f"value_map:{name}": [name, None]}
        )


@transaction.atomic
def save_value_map_entry(
    mapping_set: MappingSet, *, value_map: str, source_value: str, target_value: str, source_to: str = "", actor=None
) -> ValueMapEntry:
    """Set the target of one source value (or range ``source_value``..``source_to``) in a value map."""
    ensure_draft(mapping_set)
    source_value, source_to, target_value = str(source_value).strip(), str(source_to).strip(), str(target_value).strip()
    if not source_value or not target_value:
        raise MappingError("A value map row needs a source value and a target value")
    vm = mapping_set.value_maps.filter(name=value_map).first()
    if vm is None:
        raise MappingError(f"No value map named {value_map!r} in this mapping")
    if source_to and not (is_number(source_value) and is_number(source_to)):
        raise MappingError("A range needs numbers at both ends")
    entry = vm.entries.filter(source_value=source_value, source_to=source_to).first()
    before = entry.target_value if entry else None
    if entry is None:
        entry = ValueMapEntry(value_map=vm, source_value=source_value, source_to=source_to)
    entry.target_value = target_value
    entry.save()
    label = source_value + (f"..{source_to}" if source_to else "")
    if before != target_value:
        audit.record(
            actor=actor,
            action="value_map_entry_saved",
            obj=mapping_set,
            changes={f"{value_map}[{label}]": [before, target_value]},
        )
    return entry


@transaction.atomic
def delete_value_map_entry(mapping_set: MappingSet, *, entry_id: int, actor=None) -> None:
    ensure_draft(mapping_set)
    entry = (
        ValueMapEntry.objects.filter(pk=entry_id, value_map__mapping_set=mapping_set)
        .select_related("value_map")
        .first()
    )
    if entry is None:
        return
    label = entry.source_value + (f"..{entry.source_to}" if entry.source_to else "")
    entry.delete()
    audit.record(
        actor=actor,
        action="value_map_entry_removed",
        obj=mapping_set,
        changes={f"{entry.value_map.name}[{label}]": [entry.target_value, None]},
    )


DIMENSION_OPS = ("eq", "ne", "in", "not_in", "range", "gt", "gte", "lt", "lte", "startswith", "contains", "exists")


def check_dimension_rule(name: str, level: str, conditions: list, dimensions: dict) -> list[str]:
    errors = []
    if not name.strip():
        errors.append("a dimension rule needs a name")
    if level not in DimensionRule.Level.values:
        errors.append(f"level must be header or line, not {level!r}")
    if not isinstance(conditions, list):
        errors.append("conditions must be a list")
        conditions = []
    for i, c in enumerate(conditions, 1):
        if not isinstance(c, dict) or not c.get("field"):
            errors.append(f"condition {i} needs a field")
            continue
        if c.get("op", "eq") not in DIMENSION_OPS:
            errors.append(f"condition {i}: unknown operator {c.get('op')!r} (use {', '.join(DIMENSION_OPS)})")
        if c.get("op") == "range" and not (is_number(c.get("value")) and is_number(c.get("value_to"))):
            errors.append(f"condition {i}: a range needs numbers at both ends")
    if not isinstance(dimensions, dict) or not dimensions:
        errors.append("a dimension rule must set at least one dimension")
    elif not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in dimensions.items()):
        errors.append("dimension names and values must be non-empty text")
    return errors


@transaction.atomic
def save_dimension_rule(
    mapping_set: MappingSet,
    *,
    rule_id: int | None = None,
    name: str,
    level: str = DimensionRule.Level.LINE,
    conditions: list | None = None,
    dimensions: dict | None = None,
    stop: bool = True,
    position: int | None = None,
    actor=None,
) -> DimensionRule:
    ensure_draft(mapping_set)
    conditions = conditions or []
    dimensions = dimensions or {}
    errors = check_dimension_rule(name, level, conditions, dimensions)
    if errors:
        raise MappingError("The dimension rule cannot be saved", errors)
    rule = mapping_set.dimension_rules.filter(pk=rule_id).first() if rule_id else None
    before = None
    if rule is None:
        last = mapping_set.dimension_rules.aggregate(m=Max("position"))["m"] or 0
        rule = DimensionRule(mapping_set=mapping_set, position=last + 10)
    else:
        before = {"level": rule.level, "conditions": rule.conditions, "dimensions": rule.dimensions, "stop": rule.stop}
    rule.name, rule.level, rule.conditions, rule.dimensions, rule.stop = (
        name.strip(),
        level,
        conditions,
        dimensions,
        stop,
    )
    if position is not None:
        rule.position = position
    rule.save()
    after = {"level": level, "conditions": conditions, "dimensions": dimensions, "stop": stop}
    audit.record(
        actor=actor, action="dimension_rule_saved", obj=mapping_set, changes={f"dimension:{name}": [before, after]}
    )
    return rule


@transaction.atomic
def move_dimension_rule(mapping_set: MappingSet, *, rule_id: int, direction: str, actor=None) -> None:
    """Move a dimension rule ``up``, ``down`` or to the ``top``: order decides which first-match rule wins."""
    ensure_draft(mapping_set)
    rules = list(mapping_set.dimension_rules.all())
    index = next((i for i, r in enumerate(rules) if r.pk == rule_id), None)
    if index is None:
        raise MappingError("No such dimension rule in this mapping")
    moved = rules.pop(index)
    target = {"up": max(index - 1, 0), "down": min(index + 1, len(rules)), "top": 0}.get(direction)
    if target is None:
        raise MappingError("Move a rule up, down or to the top")
    rules.insert(target, moved)
    for position, rule in enumerate(rules, 1):
        if rule.position != position * 10:
            rule.position = position * 10
            rule.save(update_fields=["position"])
    audit.record(
        actor=actor,
        action="dimension_rule_moved",
        obj=mapping_set,
        changes={f"dimension:{moved.name}": [index + 1, target + 1]},
    )


@transaction.atomic
def delete_dimension_rule(mapping_set: MappingSet, *, rule_id: int, actor=None) -> None:
    ensure_draft(mapping_set)
    rule = mapping_set.dimension_rules.filter(pk=rule_id).first()
    if rule:
        rule.delete()
        audit.record(
            actor=actor,
            action="dimension_rule_removed",
            obj=mapping_set,
            changes={f"dimension:{rule.name}": [rule.name, None]},
        )


def is_number(value: Any) -> bool:
    try:
        float(str(value))
    except (TypeError, ValueError):
        return False
    return True
