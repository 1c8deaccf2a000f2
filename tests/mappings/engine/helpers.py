"""Small builders for engine tests."""

from __future__ import annotations

from typing import Any

from mappings.engine import MappingSpec, RuleSpec, TransformSpec, ValueMapEntrySpec, ValueMapSpec, compile_mapping


def spec(*rules: RuleSpec, **kwargs: Any) -> MappingSpec:
    base: dict[str, Any] = {
        "key": "test",
        "version": 1,
        "source_system": "kashflow",
        "source_entity": "sales_invoice",
        "target_system": "dynamics_ax",
        "target_entity": "sales_invoice",
        "rules": tuple(rules),
    }
    base.update(kwargs)
    return MappingSpec(**base)


def value_map(name: str, *entries: tuple[str, str] | tuple[str, str, str], default: str = "") -> ValueMapSpec:
    built = []
    for e in entries:
        if len(e) == 2:
            built.append(ValueMapEntrySpec(e[0], "", e[1]))
        else:
            built.append(ValueMapEntrySpec(e[0], e[1], e[2]))
    return ValueMapSpec(name, "generic", tuple(built), default)


def transform_result(name: str, params: dict | None, value: Any, record: dict | None = None, **kwargs: Any):
    """Apply one transform to ``value`` (the source field ``In``) -> (output value or None, issues)."""
    compiled = compile_mapping(spec(RuleSpec("Out", "path", "In", (TransformSpec(name, params or {}),)), **kwargs))
    result = compiled.apply({**(record or {}), "In": value})
    return result.document.get("Out"), result.issues
