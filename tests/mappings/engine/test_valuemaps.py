"""Value maps: exact code, then a range, then the default; unmapped values are issues naming the map."""

from __future__ import annotations

from decimal import Decimal

from mappings.engine import RuleSpec, TransformSpec, ValueMapEntrySpec, ValueMapSpec, compile_mapping, validate_spec
from mappings.engine.valuemaps import NOT_FOUND, compile_value_map

from .helpers import spec, value_map

NOMINALS = value_map(
    "nominal",
    ("4000", "401100"),
    ("4010", "401200"),
    ("4000", "4999", "401900"),
    ("7000", "7999", "601000"),
    ("A100", "A199", "TEXT-RANGE"),
    default="999999",
)


def test_exact_code_wins_over_a_range():
    vm = compile_value_map(NOMINALS)
    assert vm.lookup(4000) == "401100"
    assert vm.lookup("4010") == "401200"


def test_a_code_range_compares_numerically():
    vm = compile_value_map(NOMINALS)
    assert vm.lookup(4500) == "401900"
    assert vm.lookup("7999") == "601000"
    assert vm.lookup(799) == "999999"  # "799" sorts between "7000" and "7999" as text, not as a number


def test_a_range_with_text_ends_compares_as_text():
    assert compile_value_map(NOMINALS).lookup("A150") == "TEXT-RANGE"


def test_the_default_catches_everything_else():
    vm = compile_value_map(NOMINALS)
    assert vm.lookup(1234) == "999999"
    assert vm.lookup("nonsense") == "999999"


def test_numbers_match_whatever_their_spelling():
    vat = compile_value_map(value_map("vat", ("20", "STD"), ("17.50", "OLD"), ("0", "ZERO")))
    assert vat.find(20) == vat.find(20.0) == vat.find("20.00") == vat.find(Decimal("20")) == "STD"
    assert vat.find(17.5) == "OLD"
    assert vat.find("0.0") == "ZERO"
    assert vat.find(True) is NOT_FOUND  # a boolean is not the number 1 or 0


def test_text_matches_exactly_then_ignoring_case_and_spaces():
    status = compile_value_map(value_map("status", ("Paid", "Paid"), ("paid", "lower"), ("Unpaid", "None")))
    assert status.find("Paid") == "Paid"
    assert status.find("paid") == "lower"
    assert status.find(" UNPAID ") == "None"


def test_reverse_lookup_uses_exact_entries():
    status = compile_value_map(value_map("status", ("PartiallyPaid", "PartlyPaid"), ("Paid", "Paid")))
    assert status.reverse("PartlyPaid") == "PartiallyPaid"
    assert status.reverse("partlypaid") == "PartiallyPaid"
    assert status.reverse("Nope") is None


def test_unmapped_value_without_default_is_an_issue_naming_map_and_value():
    maps = {"tax": value_map("tax", ("20", "STD"))}
    rule = RuleSpec(
        "CustInvoiceLine[].TaxGroup", "path", "LineItems[].VATRate", (TransformSpec("lookup", {"map": "tax"}),)
    )
    result = compile_mapping(spec(rule, value_maps=maps)).apply({"LineItems": [{"VATRate": 20}, {"VATRate": 12.5}]})
    assert result.document["CustInvoiceLine"] == [{"TaxGroup": "STD"}, {}]
    (issue,) = result.issues
    assert (issue.code, issue.field, issue.rule, issue.value) == (
        "value_not_mapped",
        "CustInvoiceLine[1].TaxGroup",
        "CustInvoiceLine[].TaxGroup",
        12.5,
    )
    assert "'tax'" in issue.message and "12.5" in issue.message


def test_missing_source_value_is_not_reported_as_unmapped():
    maps = {"tax": value_map("tax", ("20", "STD"))}
    rule = RuleSpec("TaxGroup", "path", "VATRate", (TransformSpec("lookup", {"map": "tax"}),))
    assert compile_mapping(spec(rule, value_maps=maps)).apply({}).issues == []


def test_broken_value_maps_are_reported_by_name():
    maps = {
        "empty_source": ValueMapSpec("empty_source", "generic", (ValueMapEntrySpec("", "", "x"),)),
        "backwards": ValueMapSpec("backwards", "generic", (ValueMapEntrySpec("5000", "4000", "x"),)),
    }
    errors = validate_spec(spec(value_maps=maps))
    assert {e.rule for e in errors} == {"value_maps.empty_source", "value_maps.backwards"}
