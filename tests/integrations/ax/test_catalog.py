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
    "supplier_payment",
    "bank_statement",
    "vendor_invoice",
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


def test_documents_convert_to_zeep_values_leniently_but_refuse_unknown_fields():
    from decimal import Decimal

    from integrations.connectors.dynamics_ax.client import to_zeep
    from integrations.connectors.dynamics_ax.documents import CUST_INVOICE_TABLE, CUST_TABLE

    problems: list[str] = []
    party = to_zeep(
        CUST_TABLE,
        {"AccountNum": "C1", "CreditMax": Decimal("1000.50"), "DirParty": {"Name": "A"}},
        problems,
        path="CustTable",
    )
    line = to_zeep(
        CUST_INVOICE_TABLE,
        {
            "CustInvoiceLine": [
                {
                    "Quantity": 1.5,
                    "LedgerDimension": {"Account": 401100, "Values": [{"Name": "Department", "Value": "020"}]},
                    "DefaultDimension": "",
                }
            ]
        },
        problems,
        path="CustInvoiceTable",
    )
    to_zeep(CUST_TABLE, {"Colour": "red", "DirParty": [{"Shoe": 1}]}, problems, path="CustTable")

    organisation = {"class": "entity", "__xsi_type__": "AxdEntity_DirParty_DirOrganization", "Name": "A"}
    assert party == {"class": "entity", "AccountNum": "C1", "CreditMax": "1000.50", "DirParty": [organisation]}
    assert line["CustInvoiceLine"][0]["Quantity"] == "1.5"
    assert line["CustInvoiceLine"][0]["LedgerDimension"]["Values"] == {
        "Value": [{"Name": "Department", "Value": "020"}]
    }
    assert "DefaultDimension" not in line["CustInvoiceLine"][0]
    assert problems == ["CustTable.Colour", "CustTable.DirParty[].Shoe"]


def test_the_vendor_invoice_catalog_has_no_ledger_account_on_its_lines_but_a_procurement_category():
    invoice = CATALOGS["vendor_invoice"]
    assert invoice.remote_name == "VendInvoiceInfoTable" and invoice.key_field == "TableRefId"
    assert invoice.field("Num").required and invoice.field("Num").concept == "invoice.number"
    assert invoice.field("OrderAccount").concept == "invoice.supplier_code"
    assert invoice.field("VendInvoiceInfoLine[].ProcurementCategory").required
    assert invoice.field("VendInvoiceInfoLine[].LineAmount").concept == "line.amount"
    assert invoice.field("VendInvoiceInfoLine[].LedgerDimension") is None
