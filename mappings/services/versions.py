"""Versions of one mapping: a version's content as data, drafts, publish, restore and the value-map fix
the exception queue applies."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mappings import selectors
from mappings.models import DimensionRule, FieldRule, MappingSet, ValueMap, ValueMapEntry
from mappings.services.ax_checks import check_against_ax, warmed
from mappings.services.compiling import rule_errors
from mappings.services.edits import ensure_draft, save_value_map_entry
from mappings.services.errors import MappingError, PublishRefused
from monitoring import audit

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
        version=version or selectors.next_version_number(source.key),
        status=status,
        based_on=source,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    fill_from_snapshot(copy, content if content is not None else snapshot(source))
    return copy


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
        found = selectors.current_draft(mapping_set.key)
        if found is None:
            raise
        return found
    audit.record(
        actor=actor, action="draft_created", obj=draft, changes={"based_on_version": [None, mapping_set.version]}
    )
    return draft


@transaction.atomic
def discard_draft(mapping_set: MappingSet, *, actor=None) -> None:
    ensure_draft(mapping_set)
    audit.record(actor=actor, action="draft_discarded", obj=mapping_set)
    mapping_set.delete()


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


@warmed
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
    unknown = check_against_ax(mapping_set).unknown
    if unknown:
        raise PublishRefused(
            f"{mapping_set.name} v{mapping_set.version} cannot be published: AX does not have every value it writes",
            [u.message for u in unknown],
        )
    previous = selectors.published_version(mapping_set.key)
    changes = rules_diff(previous, mapping_set)
    if previous:
        previous.status = MappingSet.Status.ARCHIVED
        previous.save(update_fields=["status", "updated_at"])
    mapping_set.status = MappingSet.Status.PUBLISHED
    mapping_set.published_at = timezone.now()
    mapping_set.published_by = actor if getattr(actor, "is_authenticated", False) else None
    mapping_set.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    _follow_key(mapping_set)
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


def _follow_key(published: MappingSet) -> None:
    """Every flow of this mapping now points at its published version: a flow follows its mapping's key, and
    its row (what the flow page, the API and a PROTECTed delete of an old draft see) must say what runs use.
    Through the reverse relation, so the mapping app imports nothing of the flows'."""
    flow_model = MappingSet._meta.get_field("flows").related_model
    flow_model.objects.filter(mapping_set__key=published.key).exclude(mapping_set=published).update(
        mapping_set=published
    )


@warmed
@transaction.atomic
def restore_version(mapping_set: MappingSet, *, actor=None, publish_now: bool = False) -> MappingSet:
    """Copy an earlier version into a new version: the draft (replacing any draft), or published at once."""
    draft = selectors.current_draft(mapping_set.key)
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


@warmed
@transaction.atomic
def apply_value_map_fix(
    mapping_set: MappingSet, *, value_map_name: str, source_value: str, target_value: str, actor=None
) -> MappingSet:
    """Add one value-map row and publish it at once, so a retried record maps (the exception queue's fix).

    The new published version is the published one plus this row. A draft in progress keeps its own
    edits, gains the same row, and is renumbered to come after the new published version.
    Returns the new published version (or the draft itself when nothing was ever published).
    """
    published = selectors.published_version(mapping_set.key)
    if published is None:
        draft = selectors.current_draft(mapping_set.key) or mapping_set
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
    draft = selectors.current_draft(mapping_set.key)
    number = selectors.next_version_number(mapping_set.key)
    if draft is not None:
        number = draft.version
        draft.version = selectors.next_version_number(mapping_set.key)
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
