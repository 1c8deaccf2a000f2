"""The compiled sales-invoice mapping and the hand-written reference produce identical documents and issues."""

from __future__ import annotations

import copy

from mappings.engine import compile_mapping

from .reference import generate_invoices, reference_map, sales_invoice_spec


def test_compiled_mapping_matches_the_hand_written_reference_on_generated_invoices():
    compiled = compile_mapping(sales_invoice_spec())
    invoices = generate_invoices(200, lines_per_invoice=10)
    for invoice in invoices:
        expected_doc, expected_issues = reference_map(copy.deepcopy(invoice))
        result = compiled.apply(invoice)
        assert result.document == expected_doc, invoice["Number"]
        assert sorted((i.code, i.field) for i in result.issues) == sorted(expected_issues), invoice["Number"]


def test_generated_invoices_exercise_issues_and_every_dimension_rule():
    compiled = compile_mapping(sales_invoice_spec())
    results = [compiled.apply(inv) for inv in generate_invoices(50)]
    codes = {i.code for r in results for i in r.issues}
    assert {"value_not_mapped"} <= codes
    departments = {
        v["Value"]
        for r in results
        for line in r.document["CustInvoiceLine"]
        for v in line["DefaultDimension"]["Values"]
        if v["Name"] == "Department"
    }
    assert departments == {"022", "023", "000"}
    units = {r.document["DefaultDimension"]["Values"][0]["Value"] for r in results}
    assert units == {"TRADE", "RETAIL"}


def test_mapping_does_not_modify_the_source_record():
    compiled = compile_mapping(sales_invoice_spec())
    invoice = generate_invoices(1)[0]
    before = copy.deepcopy(invoice)
    compiled.apply(invoice)
    assert invoice == before
