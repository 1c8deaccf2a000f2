from __future__ import annotations

import pytest

from integrations.connectors.catalog import EntityCatalog, FieldSpec


@pytest.fixture
def ax_invoice_catalog() -> EntityCatalog:
    """A trimmed AX free text invoice catalog, shaped like the connector's."""
    fields = (
        FieldSpec("OrderAccount", "string", required=True, max_length=20),
        FieldSpec("InvoiceDate", "date"),
        FieldSpec("CurrencyCode", "string", max_length=3),
        FieldSpec("CustomerRef", "string", max_length=60),
        FieldSpec("PurchOrderFormNum", "string", max_length=20),
        FieldSpec("PaymentStatus", "string", allowed_values=("None", "PartlyPaid", "Paid")),
        FieldSpec("DefaultDimension", "object"),
        FieldSpec("DefaultDimension.Values", "list"),
        FieldSpec(
            "DefaultDimension.Values[].Name", "string", allowed_values=("Department", "CostCenter", "BusinessUnit")
        ),
        FieldSpec("CustInvoiceLine", "list"),
        FieldSpec("CustInvoiceLine[].LineNum", "decimal"),
        FieldSpec("CustInvoiceLine[].Description", "string", max_length=60),
        FieldSpec("CustInvoiceLine[].Quantity", "decimal"),
        FieldSpec("CustInvoiceLine[].AmountCur", "decimal"),
        FieldSpec("CustInvoiceLine[].LedgerDimension", "object", required=True),
        FieldSpec("CustInvoiceLine[].LedgerDimension.Account", "string", required=True, max_length=20),
        FieldSpec("CustInvoiceLine[].TaxGroup", "string", max_length=10),
        FieldSpec("CustInvoiceLine[].DefaultDimension", "object"),
        FieldSpec(
            "CustInvoiceLine[].DefaultDimension.Values[].Name",
            "string",
            allowed_values=("Department", "CostCenter", "BusinessUnit"),
        ),
    )
    return EntityCatalog("dynamics_ax", "sales_invoice", "CustInvoiceTable", "InvoiceId", fields)
