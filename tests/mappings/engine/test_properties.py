"""Property: any record in -> a MappingResult out, never an exception, for realistic mappings."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappings.engine import (
    DimensionRuleSpec,
    ExchangeRateTable,
    Issue,
    MappingCompileError,
    MappingResult,
    RuleError,
    RuleSpec,
    TransformSpec,
    compile_mapping,
    spec_from_dict,
    validate_spec,
)

from .helpers import invoice_catalog, spec
from .reference import sales_invoice_spec

T = TransformSpec

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)

KEYS = [
    "Number",
    "CustomerCode",
    "IssuedDate",
    "DueDate",
    "Currency",
    "CustomerReference",
    "LineItems",
    "Addresses",
    "CustomTextBoxes",
    "Status",
    "Narrative",
]
ITEM_KEYS = ["Description", "Quantity", "Rate", "NominalCode", "VATRate", "ProjectNumber"]

items = st.fixed_dictionaries({}, optional={k: JSON for k in ITEM_KEYS}) | JSON
invoice_like = st.fixed_dictionaries(
    {},
    optional={
        **{k: JSON for k in KEYS},
        "LineItems": st.lists(items, max_size=4) | JSON,
        "Currency": st.fixed_dictionaries({}, optional={"Code": JSON, "ExchangeRate": JSON}) | JSON,
        "Addresses": st.lists(
            st.fixed_dictionaries(
                {}, optional={k: JSON for k in ("Line1", "Line2", "Line3", "PostCode", "CountryName", "CountryCode")}
            ),
            max_size=2,
        ),
    },
)
RECORDS = invoice_like | JSON

RATES = ExchangeRateTable([{"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-01-01", "Rate": "0.85"}])


def kitchen_sink():
    base = sales_invoice_spec()
    extra = (
        RuleSpec("Street", "path", "Addresses[0]", (T("address", {"part": "Street"}),)),
        RuleSpec("Address", "path", "Addresses[0]", (T("address"),)),
        RuleSpec("Label", "path", "CustomerCode", (T("concat", {"paths": ["Narrative", "Status"]}), T("upper"))),
        RuleSpec("Paid", "path", "Status", (T("conditional", {"value": "Paid", "then": "Yes", "else": "No"}),)),
        RuleSpec("Group", "path", "CustomTextBoxes[Name=CustomerGroup].Value", (T("default", {"value": "NONE"}),)),
        RuleSpec("Cleaned", "path", "Narrative", (T("regex_replace", {"pattern": r"\s+", "replacement": " "}),)),
        RuleSpec("First", "path", "Narrative", (T("split", {"separator": " ", "index": 0}),)),
        RuleSpec("Shown", "path", "IssuedDate", (T("datetime_format", {"output": "%d/%m/%Y %H:%M"}),)),
        RuleSpec("GBP", "path", "NetAmount", (T("currency_convert", {"to": "GBP", "date_path": "IssuedDate"}),)),
        RuleSpec("Total", "expression", "sum(field('LineItems[].Rate')) + len(LineItems)"),
        RuleSpec("Code", "expression", "coalesce(upper(CustomerCode), 'X') + str(Number)"),
        RuleSpec("Padded", "path", "Number", (T("integer"), T("pad", {"width": 8}))),
        RuleSpec("CustInvoiceLine[].Neg", "path", "LineItems[].Rate", (T("negate"),)),
        RuleSpec("CustInvoiceLine[].Cond", "expression", "'big' if item.Rate > 100 else 'small'"),
    )
    dims = (
        *base.dimension_rules,
        DimensionRuleSpec(
            "custom", "header", ({"field": "CustomTextBoxes[Name=Region].Value", "op": "in", "value": ["N", "S"]},),
            {"Department": "R"}, stop=False,
        ),
    )  # fmt: skip
    options = {
        "lines": {
            "source": "LineItems",
            "target": "CustInvoiceLine",
            "number": "LineNum",
            "split": {
                "field": "AmountCur",
                "allocations": [{"percent": 70, "dimensions": {"CostCenter": "A"}}, {"percent": 30}],
                "when": [{"field": "item.NominalCode", "op": "range", "value": 4000, "value_to": 4999}],
            },
            "aggregate": {"by": ["LedgerDimension", "TaxGroup"], "sum": ["AmountCur", "Quantity"]},
        }
    }
    return dataclasses.replace(base, rules=base.rules + extra, dimension_rules=dims, options=options)


PLAIN = compile_mapping(sales_invoice_spec())
SINK = compile_mapping(kitchen_sink(), rates=RATES)


def check(result):
    assert isinstance(result, MappingResult)
    assert isinstance(result.document, dict)
    assert all(isinstance(i, Issue) and i.code and i.message for i in result.issues)
    # the last-resort guard in apply() must never be what caught a problem: that would be an engine bug
    assert not [i for i in result.issues if i.message.startswith("mapping failed")], result.issues


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_any_record_maps_without_raising(record):
    check(PLAIN.apply(record))
    check(SINK.apply(record))


WITH_CATALOG = compile_mapping(dataclasses.replace(sales_invoice_spec(), target_catalog=invoice_catalog()))


@settings(max_examples=60, deadline=None)
@given(RECORDS)
def test_mapping_with_a_catalog_never_raises(record):
    check(WITH_CATALOG.apply(record))


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_any_expression_text_compiles_or_is_refused_never_crashes(source):

    errors = validate_spec(spec(RuleSpec("Out", "expression", source)))
    if not errors:
        check(compile_mapping(spec(RuleSpec("Out", "expression", source))).apply({"a": 1}))


TRANSFORM_NAMES = st.sampled_from(
    [
        *("trim", "money", "lookup", "concat", "split", "regex_replace", "date_format", "conditional"),
        *("address", "currency_convert", "truncate", "pad", "template", "default", "nope"),
    ]
)
PARAMS = st.dictionaries(
    st.sampled_from(["map", "paths", "pattern", "length", "width", "text", "value", "op", "field", "to", "part"]),
    JSON,
    max_size=3,
)
SPEC_DICTS = st.fixed_dictionaries(
    {
        "rules": st.lists(
            st.fixed_dictionaries(
                {
                    "target_path": st.sampled_from(["A", "B.C", "L[].X", "L[0].Y", "A[]", "", "A..B"])
                    | st.text(max_size=8),
                    "source_kind": st.sampled_from(["path", "constant", "expression", "x"]),
                    "source": JSON,
                    "transforms": st.lists(
                        st.fixed_dictionaries({"name": TRANSFORM_NAMES, "params": PARAMS}), max_size=2
                    ),
                }
            ),
            max_size=4,
        ),
        "value_maps": st.dictionaries(
            st.sampled_from(["m", "vat"]),
            st.fixed_dictionaries(
                {
                    "entries": st.lists(
                        st.fixed_dictionaries(
                            {
                                "source": st.text(max_size=4),
                                "source_to": st.text(max_size=4),
                                "target": st.text(max_size=3),
                            }
                        ),
                        max_size=3,
                    )
                }
            ),
            max_size=2,
        ),
        "dimension_rules": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.text(max_size=5),
                    "level": st.sampled_from(["header", "line", "x"]),
                    "conditions": st.lists(
                        st.dictionaries(st.sampled_from(["field", "op", "value", "value_to"]), JSON, max_size=4),
                        max_size=2,
                    ),
                    "dimensions": st.dictionaries(st.text(max_size=5), JSON, max_size=2),
                }
            ),
            max_size=2,
        ),
        "options": st.dictionaries(st.sampled_from(["lines", "dimensions", "validate"]), JSON, max_size=2),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPEC_DICTS, RECORDS)
def test_any_spec_is_either_refused_with_rule_errors_or_maps_any_record(data, record):
    try:
        spec = spec_from_dict(data, target_catalog=invoice_catalog())
    except ValueError:
        return
    errors = validate_spec(spec)
    assert all(isinstance(e, RuleError) and e.message for e in errors)
    if errors:
        try:
            compile_mapping(spec)
        except MappingCompileError as exc:
            assert exc.errors == errors
        else:
            raise AssertionError("compile_mapping accepted a spec validate_spec refused")
    else:
        check(compile_mapping(spec).apply(record))


def test_a_null_dimensions_option_compiles_like_an_absent_one():
    # Found by hypothesis: {"dimensions": None} crashed the compile-time validation proofs.
    data = {"rules": [], "value_maps": {}, "dimension_rules": [], "options": {"dimensions": None}}
    spec = spec_from_dict(data, target_catalog=invoice_catalog())
    check(compile_mapping(spec).apply({}))
