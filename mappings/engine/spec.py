"""The mapping as data: frozen dataclasses, built from the database rows or from JSON.

``spec_from_dict`` / ``spec_to_dict`` give the JSON shape (the same keys as the dataclass fields;
transforms as ``{"name": ..., "params": {...}}``; conditions as ``{"field", "op", "value", "value_to"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integrations.connectors.catalog import EntityCatalog

SOURCE_KINDS = ("path", "constant", "expression")


@dataclass(frozen=True)
class TransformSpec:
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSpec:
    """``target_path`` <- ``source`` (a path, a constant or a safe expression) through ``transforms``.

    ``default`` is used when the value is still missing (None or "") after the transforms."""

    target_path: str
    source_kind: str = "path"
    source: Any = ""
    transforms: tuple[TransformSpec, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class ValueMapEntrySpec:
    """An exact ``source`` value, or the range ``source``..``source_to`` (inclusive), -> ``target``."""

    source: str
    source_to: str = ""
    target: str = ""


@dataclass(frozen=True)
class ValueMapSpec:
    """Lookup: exact entry, then a range entry, then ``default``; no match and no default -> an issue."""

    name: str
    kind: str = "generic"
    entries: tuple[ValueMapEntrySpec, ...] = ()
    default: str = ""


@dataclass(frozen=True)
class DimensionRuleSpec:
    """When every condition holds, set ``dimensions`` (``{"Department": "022"}``) on the header or each line.

    ``conditions``: ``{"field": path, "op": eq|ne|in|not_in|range|startswith|contains|exists, "value": ...,
    "value_to": ...}``. ``stop``: first match — later rules of the same level are skipped."""

    name: str
    level: str = "line"
    conditions: tuple[Mapping[str, Any], ...] = ()
    dimensions: Mapping[str, str] = field(default_factory=dict)
    stop: bool = True


@dataclass(frozen=True)
class MappingSpec:
    key: str
    version: int
    source_system: str
    source_entity: str
    target_system: str
    target_entity: str
    rules: tuple[RuleSpec, ...] = ()
    value_maps: Mapping[str, ValueMapSpec] = field(default_factory=dict)
    dimension_rules: tuple[DimensionRuleSpec, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    target_catalog: EntityCatalog | None = None


# ---------------------------------------------------------------- JSON


def spec_to_dict(spec: MappingSpec) -> dict[str, Any]:
    """The JSON form of a spec (without the catalog, which belongs to the target connector)."""
    return {
        "key": spec.key,
        "version": spec.version,
        "source_system": spec.source_system,
        "source_entity": spec.source_entity,
        "target_system": spec.target_system,
        "target_entity": spec.target_entity,
        "rules": [
            {
                "target_path": r.target_path,
                "source_kind": r.source_kind,
                "source": r.source,
                "transforms": [{"name": t.name, "params": dict(t.params)} for t in r.transforms],
                "default": r.default,
            }
            for r in spec.rules
        ],
        "value_maps": {
            name: {
                "name": vm.name,
                "kind": vm.kind,
                "default": vm.default,
                "entries": [{"source": e.source, "source_to": e.source_to, "target": e.target} for e in vm.entries],
            }
            for name, vm in spec.value_maps.items()
        },
        "dimension_rules": [
            {
                "name": d.name,
                "level": d.level,
                "conditions": [dict(c) for c in d.conditions],
                "dimensions": dict(d.dimensions),
                "stop": d.stop,
            }
            for d in spec.dimension_rules
        ],
        "options": dict(spec.options),
    }


def spec_from_dict(data: Mapping[str, Any], target_catalog: EntityCatalog | None = None) -> MappingSpec:
    """Build a spec from its JSON form; missing keys take their defaults. Raises ValueError on a wrong shape."""
    if not isinstance(data, Mapping):
        raise ValueError("a mapping spec must be an object")
    try:
        rules = tuple(
            RuleSpec(
                target_path=str(r["target_path"]),
                source_kind=str(r.get("source_kind", "path")),
                source=r.get("source", ""),
                transforms=tuple(
                    TransformSpec(str(t["name"]), dict(t.get("params") or {})) for t in r.get("transforms") or ()
                ),
                default=r.get("default"),
            )
            for r in data.get("rules") or ()
        )
        value_maps = {}
        raw_maps = data.get("value_maps") or {}
        items = raw_maps.items() if isinstance(raw_maps, Mapping) else ((m["name"], m) for m in raw_maps)
        for name, vm in items:
            value_maps[str(name)] = ValueMapSpec(
                name=str(vm.get("name", name)),
                kind=str(vm.get("kind", "generic")),
                entries=tuple(
                    ValueMapEntrySpec(str(e["source"]), str(e.get("source_to") or ""), str(e.get("target", "")))
                    for e in vm.get("entries") or ()
                ),
                default=str(vm.get("default") or ""),
            )
        dimension_rules = tuple(
            DimensionRuleSpec(
                name=str(d.get("name", "")),
                level=str(d.get("level", "line")),
                conditions=tuple(dict(c) for c in d.get("conditions") or ()),
                dimensions=dict(d.get("dimensions") or {}),
                stop=bool(d.get("stop", True)),
            )
            for d in data.get("dimension_rules") or ()
        )
        return MappingSpec(
            key=str(data.get("key", "")),
            version=int(data.get("version", 1)),
            source_system=str(data.get("source_system", "")),
            source_entity=str(data.get("source_entity", "")),
            target_system=str(data.get("target_system", "")),
            target_entity=str(data.get("target_entity", "")),
            rules=rules,
            value_maps=value_maps,
            dimension_rules=dimension_rules,
            options=dict(data.get("options") or {}),
            target_catalog=target_catalog,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a mapping spec: {exc!r}") from exc
