"""Compiling: every broken rule reported at once, parsing done once, applying never raises."""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from decimal import Decimal

import pytest

import mappings.engine.context as context_module
import mappings.engine.expressions as expressions_module
from mappings.engine import (
    DimensionRuleSpec,
    MappingCompileError,
    MappingResult,
    MappingSpec,
    RuleError,
    RuleSpec,
    TransformSpec,
    compile_mapping,
    jsonable,
    spec_from_dict,
    spec_to_dict,
    validate_spec,
)

from .helpers import spec
from .reference import generate_invoices, sales_invoice_spec


def test_validate_spec_lists_every_broken_rule_with_its_target():
    broken = spec(
        RuleSpec("Good", "path", "Number"),
        RuleSpec("Bad..Target", "path", "Number"),
        RuleSpec("BadSource", "path", "A..B"),
        RuleSpec("BadExpression", "expression", "open('x')"),
        RuleSpec("BadTransform", "path", "Number", (TransformSpec("sparkle"),)),
        RuleSpec("BadKind", "sql", "select 1"),
        RuleSpec("Lines[].A[].B", "path", "X[].Y"),
    )
    errors = validate_spec(broken)
    assert [e.rule for e in errors] == [
        "Bad..Target",
        "BadSource",
        "BadExpression",
        "BadTransform",
        "BadKind",
        "Lines[].A[].B",
    ]
    assert all(isinstance(e, RuleError) and e.message for e in errors)


def test_compile_mapping_raises_with_the_same_errors():
    broken = spec(RuleSpec("A", "expression", "1 +"), RuleSpec("B", "path", ""))
    with pytest.raises(MappingCompileError) as caught:
        compile_mapping(broken)
    assert caught.value.errors == validate_spec(broken)
    assert "A:" in str(caught.value) and "B:" in str(caught.value)


def test_a_valid_spec_has_no_errors():
    assert validate_spec(sales_invoice_spec()) == []


def test_compiled_mapping_does_no_parsing_per_record(monkeypatch):
    before = expressions_module.PARSE_COUNT
    compiled = compile_mapping(sales_invoice_spec())
    assert before + 1 == expressions_module.PARSE_COUNT  # the one expression rule, parsed once

    def forbidden(*args, **kwargs):
        raise AssertionError("parsing at apply time")

    monkeypatch.setattr(ast, "parse", forbidden)
    monkeypatch.setattr(re, "compile", forbidden)
    monkeypatch.setattr(context_module, "parse_path", forbidden)
    monkeypatch.setattr(expressions_module, "compile_source_path", forbidden)
    rules_before = compiled.header_rules, compiled.groups
    for invoice in generate_invoices(20):
        assert compiled.apply(invoice).document["CustInvoiceLine"]
    assert (compiled.header_rules, compiled.groups) == rules_before
    assert before + 1 == expressions_module.PARSE_COUNT


def test_the_compiled_mapping_is_a_callable():
    compiled = compile_mapping(spec(RuleSpec("A", "constant", 1)))
    assert compiled({}) == compiled.apply({}) == MappingResult({"A": 1}, [])
    assert compiled({}).ok


@pytest.mark.parametrize("record", [None, "text", 42, [1, 2], 1.5, True])
def test_a_record_that_is_not_an_object_is_an_issue(record):
    result = compile_mapping(sales_invoice_spec()).apply(record)
    assert result.document == {}
    assert [i.code for i in result.issues] == ["missing_source"]


def test_constant_path_and_expression_sources():
    compiled = compile_mapping(
        spec(
            RuleSpec("JournalName", "constant", "GenJrn"),
            RuleSpec("Nested.Flag", "constant", True),
            RuleSpec("Name", "path", "Narrative"),
            RuleSpec("Txt", "expression", "concat(Narrative, ' #', Number)"),
            RuleSpec("Group", "path", "CustomTextBoxes[Name=CustomerGroup].Value"),
        )
    )
    record = {"Narrative": "Accruals", "Number": 7, "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "TRADE"}]}
    assert compiled.apply(record).document == {
        "JournalName": "GenJrn",
        "Nested": {"Flag": True},
        "Name": "Accruals",
        "Txt": "Accruals #7",
        "Group": "TRADE",
    }


def test_a_rule_writing_through_another_rules_value_is_an_issue_not_a_crash():
    compiled = compile_mapping(
        spec(RuleSpec("LedgerDimension", "constant", "401100"), RuleSpec("LedgerDimension.Account", "constant", "x"))
    )
    result = compiled.apply({})
    assert result.document == {"LedgerDimension": "401100"}
    assert [(i.code, i.rule) for i in result.issues] == [("rule_error", "LedgerDimension.Account")]


def test_item_in_a_header_rule_is_a_compile_error():
    errors = validate_spec(spec(RuleSpec("A", "path", "item.Rate")))
    assert errors[0].rule == "A" and "per-line" in errors[0].message


def test_a_line_rule_needs_a_field_after_the_brackets():
    errors = validate_spec(spec(RuleSpec("Lines[]", "path", "Items[]")))
    assert errors and errors[0].rule == "Lines[]"


def test_json_form_round_trips():
    original = sales_invoice_spec()
    again = spec_from_dict(spec_to_dict(original))
    assert spec_to_dict(again) == spec_to_dict(original)
    record = generate_invoices(1)[0]
    assert compile_mapping(again).apply(record) == compile_mapping(original).apply(record)


@pytest.mark.parametrize(
    "data", [[], "x", {"rules": [{"source": "x"}]}, {"rules": [{"target_path": "A", "transforms": [{}]}]}]
)
def test_json_of_the_wrong_shape_is_a_value_error(data):
    with pytest.raises(ValueError):
        spec_from_dict(data)


def test_options_of_the_wrong_shape_are_errors_not_crashes():
    bad = MappingSpec("k", 1, "a", "b", "c", "d", options=["lines"])  # type: ignore[arg-type]
    assert [e.rule for e in validate_spec(bad)] == ["options"]
    bad_dims = spec(
        RuleSpec("L[].A", "path", "X[].A"),
        dimension_rules=(DimensionRuleSpec("d", "line", (), {"Department": "1"}),),
        options={"dimensions": {"line_target": "A.B"}},
    )
    assert [e.rule for e in validate_spec(bad_dims)] == ["options.dimensions"]


def test_rule_error_compares_by_content():
    assert RuleError("A", "broken") == RuleError("A", "broken")
    assert RuleError("A", "broken") != RuleError("B", "broken")
    assert len({RuleError("A", "x"), RuleError("A", "x")}) == 1
    assert str(RuleError("A", "broken")) == "A: broken"


def test_constant_objects_are_fresh_for_every_record():
    compiled = compile_mapping(
        spec(
            RuleSpec("Party", "constant", {"Roles": ["Invoice"]}),
            RuleSpec("Party.Name", "path", "Name"),
            RuleSpec("Extra", "path", "Missing", default={"a": []}),
            RuleSpec("Extra.b", "path", "Name"),
        )
    )
    first = compiled.apply({"Name": "Acme"}).document
    first["Party"]["Roles"].append("Delivery")
    second = compiled.apply({"Name": "Beta"}).document
    assert second == {"Party": {"Roles": ["Invoice"], "Name": "Beta"}, "Extra": {"a": [], "b": "Beta"}}
    assert compiled.spec.rules[0].source == {"Roles": ["Invoice"]}


def test_jsonable_turns_decimals_and_dates_into_text():

    document = {"A": Decimal("12.50"), "B": [date(2026, 1, 2), {"C": 1}], "D": None}
    assert json.loads(json.dumps(jsonable(document))) == {"A": "12.50", "B": ["2026-01-02", {"C": 1}], "D": None}
