"""Fields proven valid when the mapping compiles are not re-checked per record; everything that can fail still is."""

from __future__ import annotations

from mappings.engine import RuleSpec, TransformSpec, ValueMapEntrySpec, ValueMapSpec, compile_mapping

from .helpers import spec

LINES = {"lines": {"source": "LineItems", "target": "CustInvoiceLine", "number": "LineNum"}}


def _checked_paths(plan, prefix=""):
    groups, objects, lists = plan
    paths = []
    for key, fields in groups:
        at = prefix if key is None else f"{prefix}{key}."
        paths += [f"{at}{f[0]}" for f in fields]
    for key, sub in objects:
        paths += _checked_paths(sub, f"{prefix}{key}.")
    for key, items, _ in lists:
        if items is not None:
            paths += _checked_paths(items, f"{prefix}{key}[].")
    return set(paths)


def _compile(catalog, *rules, value_maps=None):
    return compile_mapping(spec(*rules, target_catalog=catalog, options=LINES, value_maps=value_maps or {}))


def _issues(compiled, record):
    return sorted((i.code, i.field) for i in compiled.apply(record).issues)


def test_rounded_amounts_iso_dates_and_line_numbers_are_not_checked_per_record(ax_invoice_catalog):
    compiled = _compile(
        ax_invoice_catalog,
        RuleSpec("OrderAccount", "path", "Code"),
        RuleSpec("InvoiceDate", "path", "Issued", (TransformSpec("date_format"),)),
        RuleSpec("CustInvoiceLine[].Quantity", "path", "LineItems[].Quantity", (TransformSpec("money"),)),
    )
    checked = _checked_paths(compiled.validator._plan)
    assert "InvoiceDate" not in checked
    assert "CustInvoiceLine[].Quantity" not in checked
    assert "CustInvoiceLine[].LineNum" not in checked
    assert "OrderAccount" in checked  # required: still checked
    record = {"Code": "", "Issued": "2026-03-31", "LineItems": [{"Quantity": 2}]}
    assert _issues(compiled, record) == [
        ("missing_required", "CustInvoiceLine[0].LedgerDimension"),
        ("missing_required", "OrderAccount"),
    ]


def test_a_plain_copy_into_a_date_field_is_still_checked(ax_invoice_catalog):
    compiled = _compile(
        ax_invoice_catalog, RuleSpec("OrderAccount", "constant", "A"), RuleSpec("InvoiceDate", "path", "Issued")
    )
    assert "InvoiceDate" in _checked_paths(compiled.validator._plan)
    assert _issues(compiled, {"Issued": "31/03/2026"}) == [("wrong_type", "InvoiceDate")]


def test_truncating_to_more_than_the_field_allows_is_still_too_long(ax_invoice_catalog):
    rule = RuleSpec(
        "CustInvoiceLine[].Description", "path", "LineItems[].D", (TransformSpec("truncate", {"length": 80}),)
    )
    compiled = _compile(ax_invoice_catalog, RuleSpec("OrderAccount", "constant", "A"), rule)
    record = {"LineItems": [{"D": "x" * 70}]}
    assert ("too_long", "CustInvoiceLine[0].Description") in _issues(compiled, record)


def test_truncating_within_the_field_length_is_proven(ax_invoice_catalog):
    rule = RuleSpec(
        "CustInvoiceLine[].Description", "path", "LineItems[].D", (TransformSpec("truncate", {"length": 60}),), "-"
    )
    compiled = _compile(ax_invoice_catalog, RuleSpec("OrderAccount", "constant", "A"), rule)
    assert "CustInvoiceLine[].Description" not in _checked_paths(compiled.validator._plan)


def test_a_value_map_with_a_target_too_long_for_the_field_is_still_checked(ax_invoice_catalog):
    maps = {"groups": ValueMapSpec("groups", "item_tax_group", (ValueMapEntrySpec("20", "", "STANDARD-RATE"),))}
    rule = RuleSpec(
        "CustInvoiceLine[].TaxGroup", "path", "LineItems[].VAT", (TransformSpec("lookup", {"map": "groups"}),)
    )
    compiled = _compile(ax_invoice_catalog, RuleSpec("OrderAccount", "constant", "A"), rule, value_maps=maps)
    assert "CustInvoiceLine[].TaxGroup" in _checked_paths(compiled.validator._plan)
    assert ("too_long", "CustInvoiceLine[0].TaxGroup") in _issues(compiled, {"LineItems": [{"VAT": 20}]})


def test_a_value_map_whose_targets_all_fit_is_proven(ax_invoice_catalog):
    maps = {"groups": ValueMapSpec("groups", "item_tax_group", (ValueMapEntrySpec("20", "", "STD"),))}
    rule = RuleSpec(
        "CustInvoiceLine[].TaxGroup", "path", "LineItems[].VAT", (TransformSpec("lookup", {"map": "groups"}),)
    )
    compiled = _compile(ax_invoice_catalog, RuleSpec("OrderAccount", "constant", "A"), rule, value_maps=maps)
    assert "CustInvoiceLine[].TaxGroup" not in _checked_paths(compiled.validator._plan)
    assert _issues(compiled, {"LineItems": [{"VAT": 7}]}) == [
        ("missing_required", "CustInvoiceLine[0].LedgerDimension"),
        ("value_not_mapped", "CustInvoiceLine[0].TaxGroup"),
    ]


def test_two_rules_writing_one_field_keep_its_check(ax_invoice_catalog):
    compiled = _compile(
        ax_invoice_catalog,
        RuleSpec("OrderAccount", "constant", "A"),
        RuleSpec("InvoiceDate", "path", "Issued", (TransformSpec("date_format"),)),
        RuleSpec("InvoiceDate", "path", "Other"),
    )
    assert "InvoiceDate" in _checked_paths(compiled.validator._plan)
