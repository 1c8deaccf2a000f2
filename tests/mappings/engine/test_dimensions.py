"""Financial dimension rules: conditions, first match or all matches, header or line, AX formats."""

from __future__ import annotations

import pytest

from mappings.engine import DimensionRuleSpec, RuleSpec, TransformSpec, compile_mapping, validate_spec
from mappings.engine.dimensions import default_dimension

from .helpers import spec, value_map

LINE_RULES = (
    RuleSpec("CustInvoiceLine[].Description", "path", "LineItems[].Description"),
    RuleSpec(
        "CustInvoiceLine[].LedgerDimension.Account", "path", "LineItems[].NominalCode", (TransformSpec("string"),)
    ),
)


def dim_values(dimension):
    return {v["Name"]: v["Value"] for v in dimension["Values"]}


def apply(rules, record, options=None):
    return compile_mapping(spec(*LINE_RULES, dimension_rules=tuple(rules), options=options or {})).apply(record)


def test_first_match_stops_at_the_first_matching_rule():
    rules = [
        DimensionRuleSpec(
            "core",
            "line",
            ({"field": "LineItems[].NominalCode", "op": "range", "value": 4000, "value_to": 4099},),
            {"Department": "022"},
        ),
        DimensionRuleSpec(
            "sales",
            "line",
            ({"field": "LineItems[].NominalCode", "op": "startswith", "value": "4"},),
            {"Department": "023", "CostCenter": "CC"},
        ),
        DimensionRuleSpec("default", "line", (), {"Department": "000"}),
    ]
    result = apply(rules, {"LineItems": [{"NominalCode": 4010}, {"NominalCode": 4500}, {"NominalCode": 7000}]})
    lines = result.document["CustInvoiceLine"]
    assert [dim_values(line["DefaultDimension"]) for line in lines] == [
        {"Department": "022"},
        {"Department": "023", "CostCenter": "CC"},
        {"Department": "000"},
    ]


def test_all_matches_combine_and_an_earlier_rule_keeps_its_value():
    rules = [
        DimensionRuleSpec(
            "project", "line", ({"field": "item.ProjectNumber", "op": "exists"},), {"CostCenter": "PRJ"}, stop=False
        ),
        DimensionRuleSpec(
            "sales",
            "line",
            ({"field": "item.NominalCode", "op": "in", "value": [4000, 4010]},),
            {"Department": "022", "CostCenter": "OU_4"},
            stop=False,
        ),
        DimensionRuleSpec("unit", "line", (), {"BusinessUnit": "BU1"}, stop=False),
    ]
    result = apply(rules, {"LineItems": [{"NominalCode": 4000, "ProjectNumber": "P1"}, {"NominalCode": 4000}]})
    first, second = result.document["CustInvoiceLine"]
    assert dim_values(first["DefaultDimension"]) == {"CostCenter": "PRJ", "Department": "022", "BusinessUnit": "BU1"}
    assert dim_values(second["DefaultDimension"]) == {"Department": "022", "CostCenter": "OU_4", "BusinessUnit": "BU1"}


def test_line_rules_can_read_the_header():
    rules = [
        DimensionRuleSpec(
            "euro",
            "line",
            (
                {"field": "Currency.Code", "op": "eq", "value": "EUR"},
                {"field": "item.NominalCode", "op": "gte", "value": 4000},
            ),
            {"Department": "EXPORT"},
        ),
    ]
    result = apply(rules, {"Currency": {"Code": "EUR"}, "LineItems": [{"NominalCode": 4000}, {"NominalCode": 100}]})
    assert [dim_values(line["DefaultDimension"]) for line in result.document["CustInvoiceLine"]] == [
        {"Department": "EXPORT"},
        {},
    ]


def test_header_rules_set_the_documents_default_dimension_and_flow_into_ledger_dimensions():
    rules = [
        DimensionRuleSpec(
            "retail",
            "header",
            ({"field": "CustomTextBoxes[Name=CustomerGroup].Value", "op": "eq", "value": "RETAIL"},),
            {"BusinessUnit": "RET"},
        ),
        DimensionRuleSpec(
            "core",
            "line",
            ({"field": "LineItems[].NominalCode", "op": "range", "value": 4000, "value_to": 4099},),
            {"Department": "022", "CostCenter": "OU_4"},
        ),
    ]
    record = {
        "CustomTextBoxes": [{"Name": "Other", "Value": "x"}, {"Name": "CustomerGroup", "Value": "RETAIL"}],
        "LineItems": [{"NominalCode": 4000}],
    }
    result = apply(rules, record)
    assert result.document["DefaultDimension"] == {"Values": [{"Name": "BusinessUnit", "Value": "RET"}]}
    (line,) = result.document["CustInvoiceLine"]
    assert line["LedgerDimension"] == {
        "Account": "4000",
        "DisplayValue": "4000-022-OU_4-RET",
        "Values": [
            {"Name": "Department", "Value": "022"},
            {"Name": "CostCenter", "Value": "OU_4"},
            {"Name": "BusinessUnit", "Value": "RET"},
        ],
    }
    assert dim_values(line["DefaultDimension"]) == {"Department": "022", "CostCenter": "OU_4"}


def test_header_values_stay_out_of_ledger_dimensions_when_not_inherited():
    rules = [DimensionRuleSpec("all", "header", (), {"BusinessUnit": "RET"})]
    result = apply(rules, {"LineItems": [{"NominalCode": 4000}]}, {"dimensions": {"inherit_header": False}})
    assert result.document["CustInvoiceLine"][0]["LedgerDimension"]["DisplayValue"] == "4000"


def test_dimension_order_is_configurable():
    rules = [DimensionRuleSpec("all", "line", (), {"Department": "D", "CostCenter": "C"})]
    result = apply(rules, {"LineItems": [{"NominalCode": 1}]}, {"dimensions": {"order": ["CostCenter", "Department"]}})
    assert result.document["CustInvoiceLine"][0]["LedgerDimension"]["DisplayValue"] == "1-C-D"


def test_ledger_dimension_is_completed_even_without_dimension_rules():
    result = apply([], {"LineItems": [{"NominalCode": 4000}]})
    assert result.document["CustInvoiceLine"][0] == {
        "LedgerDimension": {"Account": "4000", "DisplayValue": "4000", "Values": []}
    }


@pytest.mark.parametrize(
    ("condition", "value", "matches"),
    [
        ({"op": "eq", "value": "4000"}, 4000, True),
        ({"op": "eq", "value": 20}, 20.0, True),
        ({"op": "ne", "value": "GBP"}, "EUR", True),
        ({"op": "in", "value": ["A", "B"]}, "B", True),
        ({"op": "in", "value": "A, B"}, "C", False),
        ({"op": "not_in", "value": ["A"]}, "B", True),
        ({"op": "range", "value": "4000", "value_to": "4999"}, "4500", True),
        ({"op": "range", "value": 4000, "value_to": 4999}, 5000, False),
        ({"op": "startswith", "value": "TR"}, "TRADE1", True),
        ({"op": "contains", "value": "Ltd"}, "Acme Ltd", True),
        ({"op": "contains", "value": "x"}, None, False),
        ({"op": "exists"}, "", False),
        ({"op": "exists", "value": False}, None, True),
        ({"op": "gt", "value": 100}, 100.5, True),
        ({"op": "lte", "value": "B"}, "C", False),
    ],
)
def test_condition_ops(condition, value, matches):
    rules = [DimensionRuleSpec("r", "header", ({"field": "F", **condition},), {"Department": "HIT"})]
    result = compile_mapping(spec(dimension_rules=tuple(rules))).apply({"F": value})
    assert ("DefaultDimension" in result.document) is matches


def test_broken_dimension_rules_are_reported_by_name():
    rules = (
        DimensionRuleSpec("bad op", "header", ({"field": "F", "op": "like", "value": 1},), {"Department": "X"}),
        DimensionRuleSpec("no dims", "header", (), {}),
        DimensionRuleSpec("bad level", "footer", (), {"Department": "X"}),
        DimensionRuleSpec("no lines", "line", (), {"Department": "X"}),
        DimensionRuleSpec("bad path", "header", ({"field": "A..B", "op": "eq", "value": 1},), {"Department": "X"}),
    )
    errors = validate_spec(spec(dimension_rules=rules))
    assert {e.rule for e in errors} == {f"dimension_rules.{r.name}" for r in rules}


def test_formats_of_ax_dimensions():
    assert default_dimension({"CostCenter": "OU_4", "Department": "022"}) == {
        "Values": [{"Name": "Department", "Value": "022"}, {"Name": "CostCenter", "Value": "OU_4"}]
    }


def test_a_rule_whose_value_is_none_writes_nothing_and_lookups_feed_other_fields():
    maps = {"dept": value_map("dept", ("RETAIL", "022"))}
    rules = (
        RuleSpec("DefaultDimension", "expression", "None"),
        RuleSpec("CustInvoiceLine[].Description", "path", "LineItems[].Description"),
        RuleSpec("Dept", "path", "Group", (TransformSpec("lookup", {"map": "dept"}),)),
    )
    result = compile_mapping(spec(*rules, value_maps=maps)).apply({"Group": "RETAIL", "LineItems": []})
    assert result.document == {"Dept": "022", "CustInvoiceLine": []}


def test_a_condition_that_cannot_be_checked_is_an_issue_and_the_rule_does_not_match():
    rules = (
        DimensionRuleSpec(
            "odd", "line", ({"field": "item.Code", "op": "range", "value": "A", "value_to": "Z"},), {"Department": "X"}
        ),
        DimensionRuleSpec("default", "line", (), {"Department": "D"}),
    )
    odd = {"__lt__": 1}

    class Weird:  # not JSON, but a record may come from anywhere
        def __str__(self):
            raise ValueError("no text")

    result = apply(rules, {"LineItems": [{"NominalCode": 1, "Code": Weird()}, {"NominalCode": 2, "Code": odd}]})
    first, second = result.document["CustInvoiceLine"]
    assert dim_values(first["DefaultDimension"]) == {"Department": "D"}
    assert [(i.code, i.field, i.rule) for i in result.issues] == [
        ("rule_error", "CustInvoiceLine[0].DefaultDimension", "dimension_rules.odd")
    ]
    assert dim_values(second["DefaultDimension"]) == {"Department": "D"}


def test_a_condition_can_test_a_value_through_a_value_map():
    maps = {"category": value_map("category", ("WID-1", "HARDWARE"), ("SVC-1", "SERVICES"))}
    rules = (
        DimensionRuleSpec(
            "hardware",
            "line",
            ({"field": "item.ProductCode", "map": "category", "op": "eq", "value": "HARDWARE"},),
            {"Department": "HW"},
        ),
        DimensionRuleSpec("other", "line", (), {"Department": "GEN"}),
    )
    compiled = compile_mapping(spec(*LINE_RULES, value_maps=maps, dimension_rules=rules))
    record = {"LineItems": [{"ProductCode": "WID-1"}, {"ProductCode": "SVC-1"}, {"ProductCode": "??"}]}
    lines = compiled.apply(record).document["CustInvoiceLine"]
    assert [dim_values(line["DefaultDimension"]) for line in lines] == [
        {"Department": "HW"},
        {"Department": "GEN"},
        {"Department": "GEN"},
    ]
    bad = (DimensionRuleSpec("x", "line", ({"field": "item.A", "map": "nope"},), {"Department": "X"}),)
    assert "no value map" in validate_spec(spec(*LINE_RULES, dimension_rules=bad))[0].message


def test_conditional_transform_can_test_through_a_value_map():
    maps = {"category": value_map("category", ("WID-1", "HARDWARE"))}
    params = {"map": "category", "value": "HARDWARE", "then": "goods", "else": "other"}
    rule = RuleSpec("Kind", "path", "Code", (TransformSpec("conditional", params),))
    compiled = compile_mapping(spec(rule, value_maps=maps))
    assert compiled.apply({"Code": "WID-1"}).document == {"Kind": "goods"}
    assert compiled.apply({"Code": "X"}).document == {"Kind": "other"}
