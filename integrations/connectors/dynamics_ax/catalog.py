"""Field catalogs of the AX documents, derived from documents.py, with LedgerBridge's canonical concepts.

Paths follow the document dicts: child tables are lists (``DirParty`` is a list, its fields are
``DirParty[].Name``), a ledger account is an object (``CustInvoiceLine[].LedgerDimension.Account``) and
dimension values are ``...Values[].Name`` / ``...Values[].Value``. Lengths, enums and mandatory flags are the
ones the AIF simulator enforces.
"""

from __future__ import annotations

from integrations.connectors.catalog import EntityCatalog, FieldSpec
from integrations.connectors.dynamics_ax.documents import DIMENSION_NAME, SERVICES, AxField, AxTable

SYSTEM = "dynamics_ax"

_PARTY = {
    "DirParty[].NameAlias": "",
    "DirParty[].DirPartyPostalAddressView[].Street": "address.street",
    "DirParty[].DirPartyPostalAddressView[].City": "address.city",
    "DirParty[].DirPartyPostalAddressView[].County": "address.county",
    "DirParty[].DirPartyPostalAddressView[].ZipCode": "address.postcode",
    "DirParty[].DirPartyPostalAddressView[].CountryRegionId": "address.country",
    "Currency": "money.currency",
    "PaymTermId": "party.payment_terms",
    "VATNum": "party.vat_number",
}
_LINES = {
    "Description": "line.description",
    "Quantity": "line.quantity",
    "UnitPrice": "line.unit_price",
    "AmountCur": "line.amount",
    "LedgerDimension.Account": "line.nominal_code",
    "TaxGroup": "line.tax_group",
    "TaxItemGroup": "line.item_tax_group",
    "DefaultDimension": "line.dimensions",
}
_JOURNAL = {
    "JournalNum": "journal.number",
    "Name": "journal.narrative",
    "LedgerJournalTrans[].TransDate": "journal.date",
    "LedgerJournalTrans[].LedgerDimension.Account": "journal_line.account",
    "LedgerJournalTrans[].AmountCurDebit": "journal_line.debit",
    "LedgerJournalTrans[].AmountCurCredit": "journal_line.credit",
    "LedgerJournalTrans[].Txt": "journal_line.narrative",
    "LedgerJournalTrans[].CurrencyCode": "money.currency",
    "LedgerJournalTrans[].ExchRate": "money.exchange_rate",
    "LedgerJournalTrans[].DefaultDimension": "line.dimensions",
    "LedgerJournalTrans[].TaxGroup": "line.tax_group",
    "LedgerJournalTrans[].TaxItemGroup": "line.item_tax_group",
    "LedgerJournalTrans[].DocumentNum": "invoice.external_reference",
}

CONCEPTS: dict[str, dict[str, str]] = {
    "customer": {
        **_PARTY,
        "AccountNum": "customer.code",
        "DirParty[].Name": "customer.name",
        "CustGroup": "party.group",
    },
    "supplier": {
        **_PARTY,
        "AccountNum": "supplier.code",
        "DirParty[].Name": "supplier.name",
        "VendGroup": "party.group",
    },
    "product": {
        "ItemId": "product.code",
        "Name": "product.name",
        "Description": "product.description",
        "SalesPrice": "product.price",
        "ItemGroupId": "product.group",
    },
    "sales_invoice": {
        "InvoiceId": "invoice.number",
        "OrderAccount": "invoice.customer_code",
        "InvoiceAccount": "invoice.customer_code",
        "InvoiceDate": "invoice.date",
        "DueDate": "invoice.due_date",
        "CurrencyCode": "money.currency",
        "CustomerRef": "invoice.external_reference",
        "PurchOrderFormNum": "invoice.customer_reference",
        "DefaultDimension": "line.dimensions",
        "SumTax": "invoice.tax",
        "InvoiceAmount": "invoice.gross",
        "PaymentStatus": "invoice.status",
        **{f"CustInvoiceLine[].{k}": v for k, v in _LINES.items()},
    },
    "payment": {
        **_JOURNAL,
        "LedgerJournalTrans[].TransDate": "payment.date",
        "LedgerJournalTrans[].AmountCurCredit": "payment.amount",
        "LedgerJournalTrans[].MarkedInvoice": "payment.invoice_number",
        "LedgerJournalTrans[].PaymReference": "payment.reference",
        "LedgerJournalTrans[].PaymMode": "payment.method",
        "LedgerJournalTrans[].DocumentNum": "payment.id",
        "LedgerJournalTrans[].LedgerDimension.Account": "invoice.customer_code",
    },
    "purchase_invoice": {
        **_JOURNAL,
        "LedgerJournalTrans[].TransDate": "invoice.date",
        "LedgerJournalTrans[].Invoice": "invoice.number",
        "LedgerJournalTrans[].DocumentNum": "invoice.external_reference",
    },
    "vendor_invoice": {
        "Num": "invoice.number",
        "OrderAccount": "invoice.supplier_code",
        "InvoiceAccount": "invoice.supplier_code",
        "DocumentDate": "invoice.date",
        "TransDate": "invoice.date",
        "FixedDueDate": "invoice.due_date",
        "CurrencyCode": "money.currency",
        "Description": "invoice.external_reference",
        "DefaultDimension": "line.dimensions",
        "VendInvoiceInfoLine[].Description": "line.description",
        "VendInvoiceInfoLine[].ReceiveNow": "line.quantity",
        "VendInvoiceInfoLine[].PurchPrice": "line.unit_price",
        "VendInvoiceInfoLine[].LineAmount": "line.amount",
        "VendInvoiceInfoLine[].TaxGroup": "line.tax_group",
        "VendInvoiceInfoLine[].TaxItemGroup": "line.item_tax_group",
        "VendInvoiceInfoLine[].DefaultDimension": "line.dimensions",
    },
    "journal": dict(_JOURNAL),
    "supplier_payment": {
        **_JOURNAL,
        "LedgerJournalTrans[].TransDate": "payment.date",
        "LedgerJournalTrans[].AmountCurDebit": "payment.amount",
        "LedgerJournalTrans[].MarkedInvoice": "payment.invoice_number",
        "LedgerJournalTrans[].PaymReference": "payment.reference",
        "LedgerJournalTrans[].PaymMode": "payment.method",
        "LedgerJournalTrans[].DocumentNum": "payment.id",
        "LedgerJournalTrans[].LedgerDimension.Account": "supplier.code",
    },
    "main_account": {"MainAccountId": "account.code", "Name": "account.name"},
    "dimension_value": {"DimensionName": "dimension.name", "Value": "dimension.value"},
    "exchange_rate": {
        "FromCurrencyCode": "money.currency",
        "ExchangeRate[].ExchangeRate": "money.exchange_rate",
    },
}

_TYPES = {"string": "string", "enum": "string", "decimal": "decimal", "integer": "integer", "date": "date"}


def _describe(fld: AxField) -> str:
    text = fld.label or fld.name
    if fld.description:
        text = f"{text}: {fld.description}"
    if fld.read_only:
        text += " (read-only, computed by AX)"
    return text


def _fields(table: AxTable, concepts: dict[str, str], prefix: str = "") -> list[FieldSpec]:
    out: list[FieldSpec] = []
    for fld in table.fields:
        path = prefix + fld.name
        concept = concepts.get(path, "")
        if fld.type in ("account", "dimensions"):
            out.append(FieldSpec(path, "object", fld.required, None, (), _describe(fld), concept))
            if fld.type == "account":
                out.append(
                    FieldSpec(
                        f"{path}.Account",
                        "string",
                        fld.required,
                        20,
                        (),
                        "Main account, customer or vendor account, by the line's account type",
                        concepts.get(f"{path}.Account", ""),
                    )
                )
                out.append(FieldSpec(f"{path}.DisplayValue", "string", False, 500, (), "Account and dimension values"))
            out.append(FieldSpec(f"{path}.Values", "list", False, None, (), "Financial dimension values"))
            out.append(
                FieldSpec(
                    f"{path}.Values[].Name", "string", False, 40, DIMENSION_NAME.values, "Dimension", "dimension.name"
                )
            )
            out.append(
                FieldSpec(f"{path}.Values[].Value", "string", False, 30, (), "Dimension value", "dimension.value")
            )
            continue
        allowed = fld.enum.values if fld.enum else ()
        out.append(
            FieldSpec(
                path, _TYPES.get(fld.type, "string"), fld.required, fld.max_length, allowed, _describe(fld), concept
            )
        )
    for child in table.children:
        out.append(FieldSpec(prefix + child.name, "list", False, None, (), child.label or child.name))
        out.extend(_fields(child, concepts, f"{prefix}{child.name}[]."))
    return out


def _catalog(entity: str, service: str) -> EntityCatalog:
    svc = SERVICES[service]
    return EntityCatalog(
        system=SYSTEM,
        entity=entity,
        remote_name=svc.root.name,
        key_field="/".join(svc.key_fields),
        fields=tuple(_fields(svc.root, CONCEPTS.get(entity, {}))),
    )


# Our entity -> the AX service that carries it (the connector adds journal-name filters and references).
ENTITY_SERVICES: dict[str, str] = {
    "customer": "CustomerService",
    "supplier": "VendVendTableService",
    "product": "ItemService",
    "sales_invoice": "FreeTextInvoiceService",
    "payment": "CustPaymJournalService",
    "purchase_invoice": "LedgerGeneralJournalService",
    "journal": "LedgerGeneralJournalService",
    "supplier_payment": "LedgerGeneralJournalService",
    "bank_statement": "BankStmtService",
    "vendor_invoice": "VendVendInvoiceService",
    "main_account": "MainAccountService",
    "dimension_value": "DimensionValueService",
    "exchange_rate": "ExchangeRateService",
}

CATALOGS: dict[str, EntityCatalog] = {entity: _catalog(entity, service) for entity, service in ENTITY_SERVICES.items()}
