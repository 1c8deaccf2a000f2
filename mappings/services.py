"""Writes to mapping sets: drafts, rule edits, publish, restore, and the compiled mapping a run uses.

Life cycle of one mapping (all rows sharing ``key``):

- At most one **draft** and one **published** version exist (database constraints).
- A published or archived version is immutable: every edit function refuses it with
  ``VersionLocked``. Editing starts with ``get_or_create_draft``, which copies the published
  version into a new draft numbered after the highest version so far.
- ``publish`` validates the draft with the engine (a rule that cannot apply refuses the publish,
  every broken rule listed), archives the previous published version and records the diff in
  the audit trail.
- ``restore_version`` never revives an old row: it copies that version's content into a new
  version. By default the copy becomes the draft (replacing any draft in progress), so it can be
  previewed first; with ``publish=True`` it is published at once (a one-click roll back).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from mappings.catalogs import catalog_for
from mappings.models import DimensionRule, FieldRule, MappingSet, ValueMap, ValueMapEntry
from monitoring import audit


class MappingError(Exception):
    """A mapping change that cannot be made; ``errors`` lists every reason."""

    def __init__(self, message: str, errors: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        return self.message + ": " + "; ".join(self.errors)


class VersionLocked(MappingError):
    """Published and archived versions are never edited: make a draft."""


class PublishRefused(MappingError):
    """The draft has rules that cannot apply."""


# --- Snapshot: one version's content as plain data (the export format's body) ----------------


def snapshot(mapping_set: MappingSet) -> dict[str, Any]:
    """The content of one version, as plain JSON-ready data (without identity and status)."""
    return {
        "options": mapping_set.options or {},
        "notes": mapping_set.notes,
        "rules": [
            {
                "target_path": r.target_path,
                "source_kind": r.source_kind,
                "source": r.source,
                "transforms": r.transforms or [],
                "default": r.default,
                "notes": r.notes,
            }
            for r in mapping_set.rules.all()
        ],
        "value_maps": [
            {
                "name": vm.name,
                "kind": vm.kind,
                "default_value": vm.default_value,
                "entries": [
                    {"source_value": e.source_value, "source_to": e.source_to, "target_value": e.target_value}
                    # sorted here, not by the database, so every backend's collation exports the same file
                    for e in sorted(vm.entries.all(), key=lambda e: (e.source_value, e.source_to))
                ],
            }
            for vm in sorted(mapping_set.value_maps.all(), key=lambda vm: vm.name)
        ],
        "dimension_rules": [
            {
                "name": d.name,
                "level": d.level,
                "conditions": d.conditions or [],
                "dimensions": d.dimensions or {},
                "stop": d.stop,
            }
            for d in mapping_set.dimension_rules.all()
        ],
    }


def fill_from_snapshot(mapping_set: MappingSet, content: dict[str, Any]) -> None:
    """Write ``content`` (as ``snapshot`` returns it) into an empty version."""
    mapping_set.options = content.get("options") or {}
    mapping_set.notes = content.get("notes") or ""
    mapping_set.save(update_fields=["options", "notes", "updated_at"])
    FieldRule.objects.bulk_create(
        FieldRule(
            mapping_set=mapping_set,
            position=i,
            target_path=r["target_path"],
            source_kind=r.get("source_kind") or FieldRule.SourceKind.PATH,
            source=r.get("source") or "",
            transforms=r.get("transforms") or [],
            default=r.get("default"),
            notes=r.get("notes") or "",
        )
        for i, r in enumerate(content.get("rules") or [])
    )
    for vm in content.get("value_maps") or []:
        value_map = ValueMap.objects.create(
            mapping_set=mapping_set,
            name=vm["name"],
            kind=vm.get("kind") or ValueMap.Kind.GENERIC,
            default_value=vm.get("default_value") or "",
        )
        ValueMapEntry.objects.bulk_create(
            ValueMapEntry(
                value_map=value_map,
                source_value=str(e["source_value"]),
                source_to=str(e.get("source_to") or ""),
                target_value=str(e["target_value"]),
            )
            for e in vm.get("entries") or []
        )
    DimensionRule.objects.bulk_create(
        DimensionRule(
            mapping_set=mapping_set,
            position=i,
            name=d["name"],
            level=d.get("level") or DimensionRule.Level.LINE,
            conditions=d.get("conditions") or [],
            dimensions=d.get("dimensions") or {},
            stop=d.get("stop", True),
        )
        for i, d in enumerate(content.get("dimension_rules") or [])
    )


def next_version_number(key: str) -> int:
    return (MappingSet.objects.filter(key=key).aggregate(m=Max("version"))["m"] or 0) + 1


def _new_version(
    source: MappingSet, *, status: str, actor=None, content: dict | None = None, version: int | None = None
) -> MappingSet:
    copy = MappingSet.objects.create(
        key=source.key,
        name=source.name,
        source_system=source.source_system,
        source_entity=source.source_entity,
        target_system=source.target_system,
        target_entity=source.target_entity,
        version=version or next_version_number(source.key),
        status=status,
        based_on=source,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    fill_from_snapshot(copy, content if content is not None else snapshot(source))
    return copy


# --- Drafts and edits ----------------------------------------------------------------------------


def ensure_draft(mapping_set: MappingSet) -> None:
    if mapping_set.status != MappingSet.Status.DRAFT:
        raise VersionLocked(
            f"Version {mapping_set.version} of {mapping_set.name} is {mapping_set.status} and cannot change; "
            "edit a draft instead"
        )


def current_draft(key: str) -> MappingSet | None:
    return MappingSet.objects.filter(key=key, status=MappingSet.Status.DRAFT).first()


def published_version(key: str) -> MappingSet | None:
    return MappingSet.objects.filter(key=key, status=MappingSet.Status.PUBLISHED).first()


@transaction.atomic
def get_or_create_draft(mapping_set: MappingSet, *, actor=None) -> MappingSet:
    """The draft of this mapping, copied from ``mapping_set`` (normally the published one) if there is none."""
    draft = MappingSet.objects.select_for_update().filter(key=mapping_set.key, status=MappingSet.Status.DRAFT).first()
    if draft:
        return draft
    try:
        with transaction.atomic():
            draft = _new_version(mapping_set, status=MappingSet.Status.DRAFT, actor=actor)
    except IntegrityError:  # someone else opened the draft (or took the number) at the same moment
        found = current_draft(mapping_set.key)
        if found is None:
            raise
        return found
    audit.record(
        actor=actor, action="draft_created", obj=draft, changes={"based_on_version": [None, mapping_set.version]}
    )
    return draft


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
    if source_to and not (_is_number(source_value) and _is_number(source_to)):
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
        if c.get("op") == "range" and not (_is_number(c.get("value")) and _is_number(c.get("value_to"))):
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


@transaction.atomic
def discard_draft(mapping_set: MappingSet, *, actor=None) -> None:
    ensure_draft(mapping_set)
    audit.record(actor=actor, action="draft_discarded", obj=mapping_set)
    mapping_set.delete()


# --- Compile, publish, restore -------------------------------------------------------------------


def to_spec(mapping_set: MappingSet):
    """The engine's ``MappingSpec`` for one version (the rows read once)."""
    from mappings.engine import DimensionRuleSpec, MappingSpec, RuleSpec, TransformSpec, ValueMapEntrySpec, ValueMapSpec

    rules = tuple(
        RuleSpec(
            target_path=r.target_path,
            source_kind=r.source_kind,
            source=r.source,
            transforms=tuple(
                TransformSpec(name=t.get("name", ""), params=t.get("params") or {})
                for t in (r.transforms or [])
                if isinstance(t, dict)
            ),
            default=r.default,
        )
        for r in mapping_set.rules.all()
    )
    value_maps = {
        vm.name: ValueMapSpec(
            name=vm.name,
            kind=vm.kind,
            entries=tuple(
                ValueMapEntrySpec(source=e.source_value, source_to=e.source_to, target=e.target_value)
                for e in vm.entries.all()
            ),
            default=vm.default_value,
        )
        for vm in mapping_set.value_maps.prefetch_related("entries")
    }
    dimension_rules = tuple(
        DimensionRuleSpec(
            name=d.name,
            level=d.level,
            conditions=tuple(d.conditions or ()),
            dimensions=dict(d.dimensions or {}),
            stop=d.stop,
        )
        for d in mapping_set.dimension_rules.all()
    )
    return MappingSpec(
        key=mapping_set.key,
        version=mapping_set.version,
        source_system=mapping_set.source_system,
        source_entity=mapping_set.source_entity,
        target_system=mapping_set.target_system,
        target_entity=mapping_set.target_entity,
        rules=rules,
        value_maps=value_maps,
        dimension_rules=dimension_rules,
        options=dict(mapping_set.options or {}),
        target_catalog=catalog_for(mapping_set.target_system, mapping_set.target_entity),
    )


def rule_errors(mapping_set: MappingSet) -> dict[str, list[str]]:
    """{rule (target path or dimension rule name): [messages]} for every rule that cannot apply."""
    from mappings.engine import validate_spec

    errors: dict[str, list[str]] = {}
    try:
        found = validate_spec(to_spec(mapping_set))
    except Exception as exc:  # an engine bug must show on the page, not as a 500
        return {"": [f"The mapping could not be checked: {exc}"]}
    for err in found:
        errors.setdefault(err.rule or "", []).append(err.message)
    return errors


def compiled_mapping(mapping_set: MappingSet, rates=None):
    """Compile one version into the engine's ``CompiledMapping`` (call once per run, apply per record).

    Raises ``MappingCompileError`` (listing every broken rule) when the version cannot compile.
    ``rates`` is an engine ``RateProvider`` for the currency conversion transform; by default, when a rule
    converts currencies, AX's exchange rates (read through the connector, cached).
    """
    from mappings.engine import compile_mapping

    spec = to_spec(mapping_set)
    return compile_mapping(spec, rates=rates if rates is not None else default_rates(spec))


def default_rates(spec):
    """AX's exchange rates when a rule of ``spec`` converts currencies, else None (nothing is fetched)."""
    if not any(t.name == "currency_convert" for r in spec.rules for t in r.transforms):
        return None
    from mappings.rates import rate_provider

    return rate_provider()


def rules_diff(before: MappingSet | None, after: MappingSet) -> dict[str, list]:
    """{item: [old, new]} between two versions: rules by target, value-map rows, dimension rules by name."""
    return audit.diff(_flatten(snapshot(before)) if before else {}, _flatten(snapshot(after)))


def _flatten(content: dict) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for r in content["rules"]:
        flat[f"rule {r['target_path']}"] = {k: r[k] for k in ("source_kind", "source", "transforms", "default")}
    for vm in content["value_maps"]:
        flat[f"value map {vm['name']}"] = {"kind": vm["kind"], "default": vm["default_value"]}
        for e in vm["entries"]:
            label = e["source_value"] + (f"..{e['source_to']}" if e["source_to"] else "")
            flat[f"value map {vm['name']}[{label}]"] = e["target_value"]
    for d in content["dimension_rules"]:
        flat[f"dimension rule {d['name']}"] = {k: d[k] for k in ("level", "conditions", "dimensions", "stop")}
    if content.get("options"):
        flat["options"] = content["options"]
    return flat


@transaction.atomic
def publish(mapping_set: MappingSet, *, actor=None) -> MappingSet:
    """Publish a draft: validate with the engine, archive the previous published version, audit the diff."""
    mapping_set = MappingSet.objects.select_for_update().get(pk=mapping_set.pk)
    ensure_draft(mapping_set)
    return _publish(mapping_set, actor=actor)


def _publish(mapping_set: MappingSet, *, actor=None, reason: str = "") -> MappingSet:
    errors = rule_errors(mapping_set)
    if errors:
        raise PublishRefused(
            f"{mapping_set.name} v{mapping_set.version} cannot be published",
            [f"{rule}: {msg}" if rule else msg for rule, msgs in errors.items() for msg in msgs],
        )
    previous = published_version(mapping_set.key)
    changes = rules_diff(previous, mapping_set)
    if previous:
        previous.status = MappingSet.Status.ARCHIVED
        previous.save(update_fields=["status", "updated_at"])
    mapping_set.status = MappingSet.Status.PUBLISHED
    mapping_set.published_at = timezone.now()
    mapping_set.published_by = actor if getattr(actor, "is_authenticated", False) else None
    mapping_set.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit.record(
        actor=actor,
        action="published",
        obj=mapping_set,
        changes={
            "version": [previous.version if previous else None, mapping_set.version],
            **({"reason": reason} if reason else {}),
            **changes,
        },
    )
    return mapping_set


@transaction.atomic
def restore_version(mapping_set: MappingSet, *, actor=None, publish_now: bool = False) -> MappingSet:
    """Copy an earlier version into a new version: the draft (replacing any draft), or published at once."""
    draft = current_draft(mapping_set.key)
    if draft is not None:
        audit.record(
            actor=actor, action="draft_discarded", obj=draft, changes={"reason": f"restore of v{mapping_set.version}"}
        )
        draft.delete()
    restored = _new_version(mapping_set, status=MappingSet.Status.DRAFT, actor=actor)
    audit.record(
        actor=actor, action="restored", obj=restored, changes={"restored_version": [None, mapping_set.version]}
    )
    if publish_now:
        restored = publish(restored, actor=actor)
    return restored


@transaction.atomic
def apply_value_map_fix(
    mapping_set: MappingSet, *, value_map_name: str, source_value: str, target_value: str, actor=None
) -> MappingSet:
    """Add one value-map row and publish it at once, so a retried record maps (the exception queue's fix).

    The new published version is the published one plus this row. A draft in progress keeps its own
    edits, gains the same row, and is renumbered to come after the new published version.
    Returns the new published version (or the draft itself when nothing was ever published).
    """
    published = published_version(mapping_set.key)
    if published is None:
        draft = current_draft(mapping_set.key) or mapping_set
        save_value_map_entry(
            draft, value_map=value_map_name, source_value=source_value, target_value=target_value, actor=actor
        )
        return draft
    existing = ValueMapEntry.objects.filter(
        value_map__mapping_set=published, value_map__name=value_map_name, source_value=str(source_value), source_to=""
    ).first()
    if existing is not None and existing.target_value == str(target_value):
        return published  # already there (a second click): nothing to publish
    content = snapshot(published)
    _add_entry(content, value_map_name, source_value, target_value)
    draft = current_draft(mapping_set.key)
    number = next_version_number(mapping_set.key)
    if draft is not None:
        number = draft.version
        draft.version = next_version_number(mapping_set.key)
        draft.save(update_fields=["version", "updated_at"])
    fixed = _new_version(published, status=MappingSet.Status.ARCHIVED, actor=actor, content=content, version=number)
    fixed = _publish(fixed, actor=actor, reason=f"value map fix {value_map_name}[{source_value}]")
    if draft is not None and draft.value_maps.filter(name=value_map_name).exists():
        save_value_map_entry(
            draft, value_map=value_map_name, source_value=source_value, target_value=target_value, actor=actor
        )
    return fixed


def _add_entry(content: dict, value_map_name: str, source_value: str, target_value: str) -> None:
    for vm in content["value_maps"]:
        if vm["name"] == value_map_name:
            vm["entries"] = [
                e for e in vm["entries"] if not (e["source_value"] == str(source_value) and not e["source_to"])
            ]
            vm["entries"].append(
                {"source_value": str(source_value), "source_to": "", "target_value": str(target_value)}
            )
            return
    raise MappingError(f"No value map named {value_map_name!r} in this mapping")


def _is_number(value: Any) -> bool:
    try:
        float(str(value))
    except (TypeError, ValueError):
        return False
    return True
