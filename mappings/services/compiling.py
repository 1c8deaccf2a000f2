"""A version as the engine sees it: its ``MappingSpec``, the rules that cannot apply, and the compiled mapping
a run applies per record."""

from __future__ import annotations

from mappings.catalogs import catalog_for
from mappings.engine import (
    CompiledMapping,
    DimensionRuleSpec,
    MappingSpec,
    RateProvider,
    RuleSpec,
    TransformSpec,
    ValueMapEntrySpec,
    ValueMapSpec,
    compile_mapping,
    validate_spec,
)
from mappings.models import MappingSet
from mappings.rates import rate_provider


def to_spec(mapping_set: MappingSet) -> MappingSpec:
    """The engine's ``MappingSpec`` for one version (the rows read once)."""
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
    errors: dict[str, list[str]] = {}
    try:
        found = validate_spec(to_spec(mapping_set))
    except Exception as exc:  # an engine bug must show on the page, not as a 500
        return {"": [f"The mapping could not be checked: {exc}"]}
    for err in found:
        errors.setdefault(err.rule or "", []).append(err.message)
    return errors


def compiled_mapping(mapping_set: MappingSet, rates: RateProvider | None = None) -> CompiledMapping:
    """Compile one version into the engine's ``CompiledMapping`` (call once per run, apply per record).

    Raises ``MappingCompileError`` (listing every broken rule) when the version cannot compile.
    ``rates`` is an engine ``RateProvider`` for the currency conversion transform; by default, when a rule
    converts currencies, AX's exchange rates (read through the connector, cached).
    """
    spec = to_spec(mapping_set)
    return compile_mapping(spec, rates=rates if rates is not None else default_rates(spec))


def default_rates(spec: MappingSpec) -> RateProvider | None:
    """AX's exchange rates when a rule of ``spec`` converts currencies, else None (nothing is fetched)."""
    if not any(t.name == "currency_convert" for r in spec.rules for t in r.transforms):
        return None
    return rate_provider()
