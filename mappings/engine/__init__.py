"""The mapping and rules engine: pure Python over dicts, no Django.

A ``MappingSpec`` (rules, value maps, dimension rules, options) compiles once into a ``CompiledMapping``;
``compiled.apply(record)`` returns a ``MappingResult(document, issues)`` and never raises.
"""

from mappings.engine.compile import CompiledMapping, MappingResult, compile_mapping, validate_spec
from mappings.engine.currency import CachedRateProvider, ExchangeRateTable, RateProvider
from mappings.engine.errors import Issue, MappingCompileError, RuleError
from mappings.engine.expressions import expression_functions
from mappings.engine.spec import (
    DimensionRuleSpec,
    MappingSpec,
    RuleSpec,
    TransformSpec,
    ValueMapEntrySpec,
    ValueMapSpec,
    spec_from_dict,
    spec_to_dict,
)
from mappings.engine.transforms import describe_transforms
from mappings.engine.values import jsonable

__all__ = [
    "CachedRateProvider",
    "CompiledMapping",
    "DimensionRuleSpec",
    "ExchangeRateTable",
    "Issue",
    "MappingCompileError",
    "MappingResult",
    "MappingSpec",
    "RateProvider",
    "RuleError",
    "RuleSpec",
    "TransformSpec",
    "ValueMapEntrySpec",
    "ValueMapSpec",
    "compile_mapping",
    "describe_transforms",
    "expression_functions",
    "jsonable",
    "spec_from_dict",
    "spec_to_dict",
    "validate_spec",
]
