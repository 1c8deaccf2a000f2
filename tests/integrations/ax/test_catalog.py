"""The AX field catalogs: derived from the document definitions, with canonical concepts on nested paths."""

from __future__ import annotations

from integrations.connectors.dynamics_ax.catalog import CATALOGS

ENTITIES = {
    "customer",
    "supplier",
    "product",
    "sales_invoice",
    "payment",
    "purchase_invoice",
    "journal",
    "main_account",
    "dimension_value",
    "exchange_rate",
}


def test_there_is_a_catalog_per_entity():
    assert set(CATALOGS) == ENTITIES
    assert CATALOGS["sales_invoice"].remote_name == "CustInvoiceTable"
    assert CATALOGS["dimension_value"].key_field == "DimensionName/Value"


def test_nested_party_fields_carry_address_concepts():
    customer = CATALOGS["customer"]

    postcode = customer.field("DirParty[].DirPartyPostalAddressView[].ZipCode")
    assert (postcode.concept, postcode.max_length) == ("address.postcode", 10)
    assert customer.field("DirParty").type == "list"
    assert customer.field("DirParty[].Name").required
    assert customer.field("DirParty[].DirPartyContactInfoView[].Type").allowed_values[:3] == ("Phone", "Email", "URL")


def test_invoice_lines_expose_the_ledger_account_and_dimensions():
    sales = CATALOGS["sales_invoice"]

    account = sales.field("CustInvoiceLine[].LedgerDimension.Account")
    assert (account.concept, account.required) == ("line.nominal_code", True)
    assert sales.field("CustInvoiceLine[].LedgerDimension").type == "object"
    assert sales.field("CustInvoiceLine[].DefaultDimension.Values[].Name").allowed_values == (
        "Department",
        "CostCenter",
        "BusinessUnit",
    )
    assert sales.field("CustomerRef").concept == "invoice.external_reference"
    assert "read-only" in sales.field("PaymentStatus").description


def test_journal_lines_and_payment_concepts():
    payment = CATALOGS["payment"]
    journal = CATALOGS["journal"]

    assert payment.field("LedgerJournalTrans[].MarkedInvoice").concept == "payment.invoice_number"
    assert journal.field("LedgerJournalTrans[].AmountCurDebit").concept == "journal_line.debit"
    assert journal.field("LedgerJournalTrans[].AccountType").allowed_values == ("Ledger", "Cust", "Vend", "Bank")
    assert journal.field("JournalName").required


def test_every_path_is_unique_and_typed():
    for catalog in CATALOGS.values():
        paths = [f.path for f in catalog.fields]
        assert len(paths) == len(set(paths)), catalog.entity
        assert {f.type for f in catalog.fields} <= {"string", "decimal", "integer", "date", "list", "object"}
