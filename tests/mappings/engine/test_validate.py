"""Output checked against the target's field catalog: each issue names the field and the rule."""

from __future__ import annotations

from decimal import Decimal

from mappings.engine import DimensionRuleSpec, RuleSpec, TransformSpec, compile_mapping, validate_spec

from .helpers import spec, value_map


def issues_of(catalog, record, *rules, options=None):
    compiled = compile_mapping(spec(*rules, target_catalog=catalog, options=options or {}))
    result = compiled.apply(record)
    return result, sorted((i.code, i.field, i.rule) for i in result.issues)


LINES = (
    RuleSpec("CustInvoiceLine[].Description", "path", "LineItems[].Description"),
    RuleSpec("CustInvoiceLine[].LedgerDimension.Account", "path", "LineItems[].NominalCode"),
    RuleSpec("CustInvoiceLine[].Quantity", "path", "LineItems[].Quantity"),
)


def test_missing_required_field_names_the_rule_that_should_fill_it(ax_invoice_catalog):
    _, issues = issues_of(ax_invoice_catalog, {}, RuleSpec("OrderAccount", "path", "CustomerCode"))
    assert issues == [("missing_required", "OrderAccount", "OrderAccount")]


def test_required_field_without_any_rule_is_reported_with_an_empty_rule(ax_invoice_catalog):
    _, issues = issues_of(ax_invoice_catalog, {}, RuleSpec("CustomerRef", "path", "Number"))
    assert issues == [("missing_required", "OrderAccount", "")]


def test_too_long_wrong_type_and_not_allowed(ax_invoice_catalog):
    rules = (
        RuleSpec("OrderAccount", "path", "Code"),
        RuleSpec("InvoiceDate", "path", "Issued"),
        RuleSpec("PaymentStatus", "path", "Status"),
        RuleSpec("CurrencyCode", "constant", "GBPX"),
    )
    record = {"Code": "A" * 21, "Issued": "31/03/2026", "Status": "Overdue"}
    _, issues = issues_of(ax_invoice_catalog, record, *rules)
    assert issues == [
        ("not_allowed", "PaymentStatus", "PaymentStatus"),
        ("too_long", "CurrencyCode", "CurrencyCode"),
        ("too_long", "OrderAccount", "OrderAccount"),
        ("wrong_type", "InvoiceDate", "InvoiceDate"),
    ]


def test_line_fields_are_checked_on_every_line_with_its_index(ax_invoice_catalog):
    record = {
        "Code": "ACME",
        "LineItems": [
            {"Description": "ok", "NominalCode": "4000", "Quantity": 1},
            {"Description": "x" * 61, "Quantity": "lots"},
        ],
    }
    _, issues = issues_of(ax_invoice_catalog, record, RuleSpec("OrderAccount", "path", "Code"), *LINES)
    assert issues == [
        ("missing_required", "CustInvoiceLine[1].LedgerDimension", "CustInvoiceLine[].LedgerDimension.Account"),
        ("too_long", "CustInvoiceLine[1].Description", "CustInvoiceLine[].Description"),
        ("wrong_type", "CustInvoiceLine[1].Quantity", "CustInvoiceLine[].Quantity"),
    ]


def test_dimension_names_and_values_are_checked_against_the_catalog_when_compiling(ax_invoice_catalog):
    rules = (
        DimensionRuleSpec("colour", "header", (), {"Colour": "Blue"}),
        DimensionRuleSpec("fine", "header", (), {"Department": "022"}),
    )
    allocations = [{"percent": 100, "dimensions": {"Dept": "1"}}]
    options = {"lines": {"split": {"field": "AmountCur", "allocations": allocations}}}
    errors = validate_spec(
        spec(
            RuleSpec("OrderAccount", "constant", "A"),
            *LINES,
            dimension_rules=rules,
            options=options,
            target_catalog=ax_invoice_catalog,
        )
    )
    assert sorted((e.rule, e.message.split(" is not")[0]) for e in errors) == [
        ("dimension_rules.colour", "dimension 'Colour'"),
        ("options.lines.split", "dimension 'Dept'"),
    ]


def test_dimension_values_written_by_a_rule_are_checked_per_record(ax_invoice_catalog):
    rules = (
        RuleSpec("OrderAccount", "constant", "A"),
        RuleSpec("DefaultDimension.Values[0].Name", "path", "Dim"),
    )
    _, issues = issues_of(ax_invoice_catalog, {"Dim": "Colour"}, *rules)
    assert issues == [("not_allowed", "DefaultDimension.Values[0].Name", "DefaultDimension.Values[0].Name")]


def test_numbers_written_to_text_fields_become_text(ax_invoice_catalog):
    result, issues = issues_of(
        ax_invoice_catalog,
        {"Number": 1001, "Code": "A"},
        RuleSpec("CustomerRef", "path", "Number"),
        RuleSpec("OrderAccount", "path", "Code"),
    )
    assert issues == [] and result.document["CustomerRef"] == "1001"


def test_decimals_integers_and_numeric_text_are_all_decimals(ax_invoice_catalog):
    record = {"Code": "A", "LineItems": [{"NominalCode": "1", "Quantity": q} for q in (1, 1.5, "2.25", Decimal("3"))]}
    _, issues = issues_of(ax_invoice_catalog, record, RuleSpec("OrderAccount", "path", "Code"), *LINES)
    assert issues == []


def test_validation_can_be_switched_off(ax_invoice_catalog):
    _, issues = issues_of(
        ax_invoice_catalog, {}, RuleSpec("CustomerRef", "path", "Number"), options={"validate": False}
    )
    assert issues == []


def test_a_rule_writing_a_field_the_catalog_does_not_know_is_a_compile_error(ax_invoice_catalog):
    errors = validate_spec(
        spec(
            RuleSpec("OrderAcount", "path", "Code"),
            RuleSpec("CustInvoiceLine[].LedgerDimension.Account", "path", "LineItems[].NominalCode"),
            RuleSpec("CustInvoiceLine[].DefaultDimension.Extra", "constant", "x"),
            target_catalog=ax_invoice_catalog,
        )
    )
    assert [(e.rule, e.message) for e in errors] == [("OrderAcount", "OrderAcount is not a field of CustInvoiceTable")]


def test_issues_from_rules_and_validation_come_together(ax_invoice_catalog):
    maps = {"acc": value_map("acc", ("4000", "401100"))}
    rules = (
        RuleSpec("OrderAccount", "path", "Code"),
        RuleSpec(
            "CustInvoiceLine[].LedgerDimension.Account",
            "path",
            "LineItems[].NominalCode",
            (TransformSpec("lookup", {"map": "acc"}),),
        ),
    )
    result = compile_mapping(spec(*rules, value_maps=maps, target_catalog=ax_invoice_catalog)).apply(
        {"Code": "A", "LineItems": [{"NominalCode": 9999}]}
    )
    assert sorted((i.code, i.field) for i in result.issues) == [
        ("missing_required", "CustInvoiceLine[0].LedgerDimension"),
        ("value_not_mapped", "CustInvoiceLine[0].LedgerDimension.Account"),
    ]
