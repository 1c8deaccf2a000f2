"""The short text syntax accountants type in the designer instead of JSON."""

from __future__ import annotations

import pytest

from mappings.forms import (
    SyntaxProblem,
    format_conditions,
    format_dimensions,
    format_transforms,
    parse_conditions,
    parse_dimensions,
    parse_transforms,
)


def test_transforms_read_names_and_typed_params():
    parsed = parse_transforms(
        'trim | upper | lookup(map=nominal_accounts) | money(decimals=2) | template(text="KF-{value}")'
    )
    assert parsed == [
        {"name": "trim", "params": {}},
        {"name": "upper", "params": {}},
        {"name": "lookup", "params": {"map": "nominal_accounts"}},
        {"name": "money", "params": {"decimals": 2}},
        {"name": "template", "params": {"text": "KF-{value}"}},
    ]


def test_transforms_round_trip_through_the_text_form():
    transforms = [
        {"name": "date_format", "params": {"input": "%d/%m/%Y", "output": "%Y-%m-%d"}},
        {"name": "concat", "params": {"paths": ["Line2", "Line3"], "separator": ", "}},
        {"name": "conditional", "params": {"op": "eq", "value": "Paid", "then": True, "else": False}},
        {"name": "default", "params": {"value": "022"}},
    ]
    assert parse_transforms(format_transforms(transforms)) == transforms


def test_a_pipe_inside_quotes_does_not_split_transforms():
    assert parse_transforms('concat(paths=["A"], separator=" | ")') == [
        {"name": "concat", "params": {"paths": ["A"], "separator": " | "}}
    ]


@pytest.mark.parametrize("text", ["trim |", "lookup(map=x", "lookup(x)", "9bad", 'upper("unclosed)'])
def test_malformed_transforms_are_refused_with_a_reason(text):
    with pytest.raises(SyntaxProblem):
        parse_transforms(text)


def test_conditions_read_ranges_lists_and_exists():
    text = (
        "LineItems[].NominalCode range 4000..4099\n"
        "CustomTextBoxes[Name=CustomerGroup].Value in RETAIL, EU\n"
        "VATNumber exists"
    )
    conditions = parse_conditions(text)
    assert conditions == [
        {"field": "LineItems[].NominalCode", "op": "range", "value": "4000", "value_to": "4099"},
        {"field": "CustomTextBoxes[Name=CustomerGroup].Value", "op": "in", "value": ["RETAIL", "EU"]},
        {"field": "VATNumber", "op": "exists"},
    ]
    assert parse_conditions(format_conditions(conditions)) == conditions


@pytest.mark.parametrize("text", ["Currency.Code", "Currency.Code like GBP", "Number range 4000", "Status eq"])
def test_bad_conditions_are_refused(text):
    with pytest.raises(SyntaxProblem):
        parse_conditions(text)


def test_dimensions_read_name_value_pairs():
    assert parse_dimensions("Department=022, CostCenter=OU_4") == {"Department": "022", "CostCenter": "OU_4"}
    assert format_dimensions({"Department": "022", "CostCenter": "OU_4"}) == "Department=022, CostCenter=OU_4"
    with pytest.raises(SyntaxProblem):
        parse_dimensions("Department")
