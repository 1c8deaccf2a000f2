"""A per-line rule reading only the header is computed once per record, with the same result as per line."""

from __future__ import annotations

from mappings.engine import RuleSpec, TransformSpec, compile_mapping

from .helpers import spec

TAX_GROUP = RuleSpec(
    "CustInvoiceLine[].TaxGroup",
    "path",
    "Currency.Code",
    (TransformSpec("conditional", {"op": "eq", "value": "GBP", "then": "DOM", "else": "EU"}),),
)
QUANTITY = RuleSpec("CustInvoiceLine[].Quantity", "path", "LineItems[].Quantity")


def test_every_line_gets_the_header_value_and_the_next_record_its_own():
    compiled = compile_mapping(spec(QUANTITY, TAX_GROUP))
    gbp = compiled.apply({"Currency": {"Code": "GBP"}, "LineItems": [{"Quantity": 1}, {"Quantity": 2}]})
    eur = compiled.apply({"Currency": {"Code": "EUR"}, "LineItems": [{"Quantity": 1}]})
    assert [line["TaxGroup"] for line in gbp.document["CustInvoiceLine"]] == ["DOM", "DOM"]
    assert [line["TaxGroup"] for line in eur.document["CustInvoiceLine"]] == ["EU"]


def test_a_failure_is_reported_on_every_line():
    rule = RuleSpec("CustInvoiceLine[].AmountCur", "path", "Total", (TransformSpec("money"),))
    compiled = compile_mapping(spec(QUANTITY, rule))
    result = compiled.apply({"Total": "lots", "LineItems": [{"Quantity": 1}, {"Quantity": 2}]})
    assert sorted((i.code, i.field) for i in result.issues) == [
        ("rule_error", "CustInvoiceLine[0].AmountCur"),
        ("rule_error", "CustInvoiceLine[1].AmountCur"),
    ]


def test_list_values_are_not_shared_between_lines():
    rule = RuleSpec("CustInvoiceLine[].Tags", "path", "Tags", (TransformSpec("split"),))
    compiled = compile_mapping(spec(QUANTITY, rule))
    lines = compiled.apply({"Tags": "a,b", "LineItems": [{"Quantity": 1}, {"Quantity": 2}]}).document["CustInvoiceLine"]
    assert lines[0]["Tags"] == lines[1]["Tags"] == ["a", "b"]
    assert lines[0]["Tags"] is not lines[1]["Tags"]
