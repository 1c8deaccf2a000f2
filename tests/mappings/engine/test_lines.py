"""Lists: per-item rules, splitting across allocations, aggregation, numbering."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mappings.engine import DimensionRuleSpec, RuleSpec, TransformSpec, compile_mapping, validate_spec

from .helpers import spec

L = "CustInvoiceLine[]"
LINE_RULES = (
    RuleSpec(f"{L}.Description", "path", "LineItems[].Description"),
    RuleSpec(f"{L}.AmountCur", "expression", "round(item.Quantity * item.Rate, 2)"),
    RuleSpec(f"{L}.Quantity", "path", "LineItems[].Quantity", (TransformSpec("number"),)),
    RuleSpec(f"{L}.LedgerDimension.Account", "path", "LineItems[].NominalCode", (TransformSpec("string"),)),
    RuleSpec(f"{L}.TaxGroup", "path", "LineItems[].VATRate", (TransformSpec("string"),)),
    RuleSpec(f"{L}.CurrencyCode", "path", "Currency.Code"),
)


def mapped(record, options, dimension_rules=()):
    result = compile_mapping(spec(*LINE_RULES, options=options, dimension_rules=dimension_rules)).apply(record)
    assert result.issues == []
    return result.document["CustInvoiceLine"]


def item(nominal, qty, rate, vat=20, **extra):
    return {
        "NominalCode": nominal,
        "Quantity": qty,
        "Rate": rate,
        "VATRate": vat,
        "Description": f"n{nominal}",
        **extra,
    }


def test_each_item_maps_with_the_same_rules_and_reads_the_header():
    lines = mapped({"Currency": {"Code": "EUR"}, "LineItems": [item(4000, 2, 1.5), item(4010, 1, 3)]}, {})
    assert [(ln["Description"], ln["AmountCur"], ln["CurrencyCode"]) for ln in lines] == [
        ("n4000", Decimal("3.00"), "EUR"),
        ("n4010", Decimal("3.00"), "EUR"),
    ]


def test_the_source_list_is_inferred_from_the_rules_and_lines_are_numbered():
    lines = mapped({"LineItems": [item(1, 1, 1), item(2, 1, 1)]}, {"lines": {"number": "LineNum"}})
    assert [ln["LineNum"] for ln in lines] == [1, 2]


def test_an_empty_list_maps_to_an_empty_list_and_a_missing_one_to_nothing():
    assert mapped({"LineItems": []}, {}) == []
    result = compile_mapping(spec(*LINE_RULES)).apply({})
    assert "CustInvoiceLine" not in result.document and result.issues == []


def test_a_source_list_that_is_not_a_list_is_a_missing_source_issue():
    result = compile_mapping(spec(*LINE_RULES)).apply({"LineItems": {"0": item(1, 1, 1)}})
    assert [(i.code, i.field) for i in result.issues] == [("missing_source", "CustInvoiceLine")]


def test_aggregation_merges_lines_by_account_tax_and_dimensions_summing_amounts():
    options = {
        "lines": {
            "number": "LineNum",
            "aggregate": {
                "by": ["LedgerDimension.Account", "TaxGroup", "DefaultDimension"],
                "sum": ["AmountCur", "Quantity"],
            },
        }
    }
    dims = (DimensionRuleSpec("p", "line", ({"field": "item.ProjectNumber", "op": "exists"},), {"CostCenter": "PRJ"}),)
    items = [
        item(4000, 2, 10.0),
        item(4000, 1, 5.55),
        item(4000, 1, 1.0, vat=0),
        item(4010, 3, 2.0),
        item(4000, 1, 0.45),
        item(4000, 1, 7.0, ProjectNumber="P1"),
    ]
    lines = mapped({"LineItems": items}, options, dims)
    summary = [
        (ln["LineNum"], ln["LedgerDimension"]["Account"], ln["TaxGroup"], ln["AmountCur"], ln["Quantity"])
        for ln in lines
    ]
    assert summary == [
        (1, "4000", "20", Decimal("26.00"), Decimal("4")),
        (2, "4000", "0", Decimal("1.00"), Decimal("1")),
        (3, "4010", "20", Decimal("6.00"), Decimal("3")),
        (4, "4000", "20", Decimal("7.00"), Decimal("1")),
    ]
    assert lines[0]["Description"] == "n4000"  # other fields keep the first line's value
    total_in = sum(Decimal(repr(i["Quantity"])) * Decimal(repr(i["Rate"])) for i in items)
    assert sum(ln["AmountCur"] for ln in lines) == total_in


SPLIT = {
    "lines": {
        "number": "LineNum",
        "split": {
            "field": "AmountCur",
            "allocations": [
                {"percent": 33.33, "dimensions": {"Department": "A"}},
                {"percent": 33.33, "dimensions": {"Department": "B"}},
                {"percent": 33.34, "dimensions": {"Department": "C"}},
            ],
        },
    }
}


@pytest.mark.parametrize("rate", [100, 0.01, 0.02, 10.01, 99.99, 1234.57, -50.03])
def test_splitting_preserves_the_total_exactly(rate):
    lines = mapped({"LineItems": [item(4000, 1, rate)]}, SPLIT)
    amounts = [ln["AmountCur"] for ln in lines]
    assert len(amounts) == 3
    assert sum(amounts) == Decimal(repr(float(rate))).quantize(Decimal("0.01"))
    assert all(a == a.quantize(Decimal("0.01")) for a in amounts)


def test_each_split_part_carries_its_allocations_dimensions():
    dims = (DimensionRuleSpec("cc", "line", (), {"CostCenter": "OU_4", "Department": "X"}),)
    lines = mapped({"LineItems": [item(4000, 1, 100)]}, SPLIT, dims)
    assert [ln["LineNum"] for ln in lines] == [1, 2, 3]
    assert [ln["AmountCur"] for ln in lines] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert [ln["LedgerDimension"]["DisplayValue"] for ln in lines] == ["4000-A-OU_4", "4000-B-OU_4", "4000-C-OU_4"]
    assert lines[0]["DefaultDimension"]["Values"] == [
        {"Name": "Department", "Value": "A"},
        {"Name": "CostCenter", "Value": "OU_4"},
    ]
    # the parts are independent copies
    lines[0]["LedgerDimension"]["Values"].clear()
    assert lines[1]["LedgerDimension"]["Values"]


def test_split_only_lines_matching_when():
    options = {
        "lines": {
            "split": {**SPLIT["lines"]["split"], "when": [{"field": "item.NominalCode", "op": "eq", "value": 4000}]}
        }
    }
    lines = mapped({"LineItems": [item(4000, 1, 9), item(5000, 1, 9)]}, options)
    assert [ln["LedgerDimension"]["Account"] for ln in lines] == ["4000", "4000", "4000", "5000"]


def test_split_then_aggregate_recombines_equal_parts():
    options = {
        "lines": {
            "split": {
                "field": "AmountCur",
                "allocations": [
                    {"percent": 50, "dimensions": {"Department": "A"}},
                    {"percent": 50, "dimensions": {"Department": "B"}},
                ],
            },
            "aggregate": {"by": ["LedgerDimension"], "sum": ["AmountCur"]},
        }
    }
    lines = mapped({"LineItems": [item(4000, 1, 10), item(4000, 1, 20.01)]}, options)
    assert [(ln["LedgerDimension"]["DisplayValue"], ln["AmountCur"]) for ln in lines] == [
        ("4000-A", Decimal("15.01")),  # 10.005 rounds up on the first part; the last part takes the rest
        ("4000-B", Decimal("15.00")),
    ]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (
            {"lines": {"split": {"field": "AmountCur", "allocations": [{"percent": 60}, {"percent": 30}]}}},
            "add up to 90",
        ),
        ({"lines": {"split": {"allocations": [{"percent": 100}]}}}, "field"),
        ({"lines": {"split": {"field": "AmountCur", "allocations": [{"percent": "x"}]}}}, "not a number"),
        ({"lines": {"aggregate": {"by": ["TaxGroup"], "sum": []}}}, "sum"),
        ({"lines": {"aggregate": {"by": "TaxGroup", "sum": ["AmountCur"]}}}, "by"),
        ({"lines": {"colour": "red"}}, "unknown key"),
        ({"lines": "LineItems"}, "object"),
        ({"lines": [{"target": "A"}, {"target": "B"}, {}]}, "target"),
    ],
)
def test_bad_line_options_are_compile_errors(options, fragment):
    errors = validate_spec(spec(*LINE_RULES, options=options))
    assert errors and all(e.rule.startswith("options") for e in errors)
    assert any(fragment in e.message for e in errors), errors


def test_a_list_whose_source_cannot_be_inferred_needs_the_option():
    rules = (RuleSpec(f"{L}.Description", "constant", "x"),)
    errors = validate_spec(spec(*rules))
    assert errors[0].rule == "options.lines" and "source" in errors[0].message
    result = compile_mapping(spec(*rules, options={"lines": {"source": "LineItems"}})).apply({"LineItems": [{}, {}]})
    assert result.document == {"CustInvoiceLine": [{"Description": "x"}, {"Description": "x"}]}


def test_two_lists_map_side_by_side():
    rules = (
        RuleSpec("DirParty[0].DirPartyPostalAddressView[].City", "path", "Addresses[].Line2"),
        RuleSpec("DirParty[0].DirPartyContactInfoView[].Locator", "path", "Contacts[].Email"),
        RuleSpec("DirParty[0].Name", "path", "Name"),
    )
    record = {"Name": "Acme", "Addresses": [{"Line2": "Leeds"}, {"Line2": "York"}], "Contacts": [{"Email": "a@x"}]}
    result = compile_mapping(spec(*rules)).apply(record)
    assert result.document == {
        "DirParty": [
            {
                "Name": "Acme",
                "DirPartyPostalAddressView": [{"City": "Leeds"}, {"City": "York"}],
                "DirPartyContactInfoView": [{"Locator": "a@x"}],
            }
        ]
    }


def test_amounts_that_cannot_be_added_up_are_an_issue_and_the_lines_stay():
    rules = (
        RuleSpec(f"{L}.TaxGroup", "path", "LineItems[].VATRate"),
        RuleSpec(f"{L}.AmountCur", "path", "LineItems[].Amount"),
    )
    options = {"lines": {"aggregate": {"by": ["TaxGroup"], "sum": ["AmountCur"]}}}
    result = compile_mapping(spec(*rules, options=options)).apply(
        {"LineItems": [{"VATRate": 20, "Amount": "ten"}, {"VATRate": 20, "Amount": 5}]}
    )
    lines = result.document["CustInvoiceLine"]
    assert lines == [{"TaxGroup": 20, "AmountCur": "ten"}, {"TaxGroup": 20, "AmountCur": 5}]
    assert [(i.code, i.rule) for i in result.issues] == [("rule_error", "options.lines.aggregate")]
