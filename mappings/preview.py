"""The designer's preview: apply a version to one sample record and report the document and every issue."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mappings import services
from mappings.engine import MappingCompileError, RateProvider, compile_mapping
from mappings.models import MappingSet


@dataclass
class Preview:
    document: dict | None = None
    issues: list[dict] = field(default_factory=list)
    rule_errors: dict[str, list[str]] = field(default_factory=dict)
    error: str = ""


def preview(mapping_set: MappingSet, record: Any, rates: RateProvider | None = None) -> Preview:
    """Map ``record``; rules that cannot apply are left out (and reported) so the rest still shows."""
    result = Preview(rule_errors=services.rule_errors(mapping_set))
    if not isinstance(record, dict):
        result.error = "The sample record must be a JSON object"
        return result
    try:
        spec = services.to_spec(mapping_set)
        broken = set(result.rule_errors)
        if broken:
            spec = dataclasses.replace(
                spec,
                rules=tuple(r for r in spec.rules if r.target_path not in broken),
                value_maps={n: vm for n, vm in spec.value_maps.items() if f"value_maps.{n}" not in broken},
                dimension_rules=tuple(d for d in spec.dimension_rules if f"dimension_rules.{d.name}" not in broken),
            )
        compiled = compile_mapping(spec, rates=rates if rates is not None else services.default_rates(spec))
    except MappingCompileError as exc:
        for err in exc.errors:
            result.rule_errors.setdefault(err.rule, []).append(err.message)
        result.error = "The mapping cannot compile; fix the rules marked below"
        return result
    except Exception as exc:  # the preview reports, it never fails the page
        result.error = f"The mapping could not be applied: {exc}"
        return result
    mapped = compiled.apply(record)
    result.document = mapped.document
    result.issues = [i.as_dict() for i in mapped.issues]
    return result
