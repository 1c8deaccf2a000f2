"""Field catalogs of KashFlow's REST objects, as the simulator and the real API serve them.

Max lengths are the ones the sandbox enforces; KashFlow does not publish them, so they are chosen to be
at least as strict as the KashFlow screens (codes 20, names 100, address lines 60).
"""

from __future__ import annotations

from integrations.connectors.catalog import EntityCatalog, FieldSpec

SYSTEM = "kashflow"


def f(
    path: str,
    type: str = "string",
    *,
    required: bool = False,
    max_length: int | None = None,
    allowed: tuple[str, ...] = (),
    concept: str = "",
    description: str = "",
) -> FieldSpec:
    return FieldSpec(path, type, required, max_length, allowed, description, concept)


def _address(prefix: str, label: str) -> tuple[FieldSpec, ...]:
    return (
        f(prefix, "list", description=f"{label}; the first is the main one."),
        f(f"{prefix}[].Name", max_length=100, description="Name of the address (e.g. Head office)."),
        f(f"{prefix}[].Line1", max_length=60, concept="address.line1", description="First address line (street)."),
        f(f"{prefix}[].Line2", max_length=60, concept="address.line2", description="Free-form: street, town, ..."),
        f(f"{prefix}[].Line3", max_length=60, concept="address.line3", description="Free-form: town or county."),
        f(f"{prefix}[].Line4", max_length=60, concept="address.line4", description="Free-form: town or county."),
        f(f"{prefix}[].PostCode", max_length=20, concept="address.postcode"),
        f(f"{prefix}[].CountryName", max_length=60, description="Country name as typed in KashFlow."),
        f(f"{prefix}[].CountryCode", max_length=2, concept="address.country", description="ISO 3166 alpha-2."),
    )


def _party(kind: str) -> tuple[FieldSpec, ...]:
    return (
        f("Id", "integer", description=f"KashFlow's internal {kind} id (read-only)."),
        f("Code", max_length=20, required=True, concept=f"{kind}.code", description=f"The {kind}'s account code."),
        f("Name", max_length=100, required=True, concept=f"{kind}.name"),
        f("Email", max_length=100, concept="party.email"),
        f("Telephone", max_length=30, concept="party.phone"),
        f("Mobile", max_length=30),
        f("Website", max_length=100),
        f("VATNumber", max_length=20, concept="party.vat_number"),
        f("Currency", "object"),
        f("Currency.Code", max_length=3, concept="money.currency", description="ISO 4217 code, e.g. GBP."),
        f("Currency.ExchangeRate", "decimal", concept="money.exchange_rate"),
        f("PaymentTerms", "object"),
        f("PaymentTerms.Days", "integer", concept="party.payment_terms", description="Days until payment is due."),
        f("PaymentTerms.Type", allowed=("Days", "DaysAfterMonthEnd", "EndOfMonth")),
        f("DiscountRate", "decimal", description="Default discount in percent."),
        f("Source", max_length=50, description="Where the contact came from."),
        f("Note", max_length=2000),
        f("IsArchived", "boolean"),
        f("Contacts", "list"),
        f("Contacts[].FirstName", max_length=50),
        f("Contacts[].LastName", max_length=50),
        f("Contacts[].Email", max_length=100, concept="party.email"),
        f("Contacts[].Telephone", max_length=30, concept="party.phone"),
        f("Contacts[].Mobile", max_length=30),
        f("Contacts[].IsPrimary", "boolean"),
        *_address("Addresses", "Postal addresses"),
        *_address("DeliveryAddresses", "Delivery addresses"),
        f("CustomTextBoxes", "list", description="Custom text fields; CustomerGroup lives here."),
        f("CustomTextBoxes[].Name", max_length=50, required=True),
        f("CustomTextBoxes[].Value", max_length=250, concept="party.group"),
        f("CustomCheckBoxes", "list"),
        f("CustomCheckBoxes[].Name", max_length=50, required=True),
        f("CustomCheckBoxes[].Value", "boolean"),
        f("CreatedDate", "datetime", description="Read-only."),
        f("LastUpdatedDate", "datetime", description="Read-only; what modified-since polling compares."),
    )


STATUSES = ("Draft", "Unpaid", "PartiallyPaid", "Paid", "Overdue")


def _document(party: str, label: str) -> tuple[FieldSpec, ...]:
    P = party.capitalize()
    return (
        f("Id", "integer", description="Internal id (read-only)."),
        f("Number", "integer", concept="invoice.number", description=f"{label} number; assigned when not sent."),
        f(f"{P}Id", "integer", description="Read-only."),
        f(f"{P}Code", max_length=20, required=True, concept=f"invoice.{party}_code"),
        f(f"{P}Name", max_length=100, description="Read-only, from the contact."),
        f(f"{P}Reference", max_length=50, concept="invoice.customer_reference" if party == "customer" else ""),
        f("IssuedDate", "date", required=True, concept="invoice.date"),
        f("DueDate", "date", concept="invoice.due_date", description="Defaults to the contact's payment terms."),
        f("Currency", "object"),
        f("Currency.Code", max_length=3, concept="money.currency"),
        f("Currency.ExchangeRate", "decimal", concept="money.exchange_rate"),
        f("NetAmount", "decimal", concept="invoice.net", description="Computed from the lines."),
        f("VATAmount", "decimal", concept="invoice.tax", description="Computed from the lines."),
        f("GrossAmount", "decimal", concept="invoice.gross", description="Computed from the lines."),
        f("AmountPaid", "decimal", description="Sum of the payments."),
        f("Status", allowed=STATUSES, concept="invoice.status", description="Computed; send Draft to keep a draft."),
        f("Paid", "boolean"),
        f("LineItems", "list", required=True),
        f("LineItems[].Id", "integer", description="Read-only."),
        f("LineItems[].Description", max_length=1000, concept="line.description"),
        f("LineItems[].Quantity", "decimal", required=True, concept="line.quantity"),
        f("LineItems[].Rate", "decimal", required=True, concept="line.unit_price", description="Net unit price."),
        f("LineItems[].VATRate", "decimal", concept="line.tax_rate", description="VAT percent, e.g. 20."),
        f("LineItems[].VATAmount", "decimal", description="Computed: net x rate, rounded per line."),
        f("LineItems[].NominalCode", "integer", required=True, concept="line.nominal_code"),
        f("LineItems[].ProductCode", max_length=20, concept="line.product_code"),
        f("LineItems[].ProjectNumber", "integer", concept="line.project"),
        f("LineItems[].Sort", "integer"),
        f("PaymentLines", "list", description="Payments made (read-only; post to .../payments)."),
        f("PaymentLines[].Id", "integer", concept="payment.id"),
        f("PaymentLines[].Date", "date", concept="payment.date"),
        f("PaymentLines[].Amount", "decimal", concept="payment.amount"),
        f("Permalink"),
        f("LastUpdatedDate", "datetime"),
    )


def _catalog(entity: str, remote: str, key: str, fields: tuple[FieldSpec, ...]) -> EntityCatalog:
    return EntityCatalog(system=SYSTEM, entity=entity, remote_name=remote, key_field=key, fields=fields)


CATALOGS: dict[str, EntityCatalog] = {
    "customer": _catalog(
        "customer",
        "customers",
        "Code",
        (*_party("customer"), f("OutstandingBalance", "decimal", description="Read-only, from unpaid invoices.")),
    ),
    "supplier": _catalog(
        "supplier",
        "suppliers",
        "Code",
        (*_party("supplier"), f("DefaultNominalCode", "integer", concept="line.nominal_code")),
    ),
    "product": _catalog(
        "product",
        "products",
        "Code",
        (
            f("Id", "integer"),
            f("Code", max_length=20, required=True, concept="product.code"),
            f("Name", max_length=100, required=True, concept="product.name"),
            f("Description", max_length=2000, concept="product.description"),
            f("Price", "decimal", concept="product.price", description="Net sales price."),
            f("NominalCode", "integer", concept="line.nominal_code", description="Sales nominal of the product."),
            f("VATRate", "decimal", concept="line.tax_rate"),
            f("VATExempt", "boolean"),
            f("Category", max_length=50, concept="product.group"),
            f("IsArchived", "boolean"),
            f("LastUpdatedDate", "datetime"),
        ),
    ),
    "sales_invoice": _catalog("sales_invoice", "invoices", "Number", _document("customer", "Invoice")),
    "purchase_invoice": _catalog("purchase_invoice", "purchases", "Number", _document("supplier", "Purchase")),
    "payment": _catalog(
        "payment",
        "invoices/{number}/payments",
        "Id",
        (
            f("Id", "integer", concept="payment.id", description="Read-only."),
            f("InvoiceNumber", "integer", required=True, concept="payment.invoice_number"),
            f("Date", "date", required=True, concept="payment.date"),
            f("Amount", "decimal", required=True, concept="payment.amount", description="At most the amount due."),
            f("Method", max_length=50, concept="payment.method"),
            f("Reference", max_length=50, concept="payment.reference", description="KashFlow's payment note."),
            f("AccountId", "integer", concept="account.code", description="Code of the bank account paid into."),
            f("LastUpdatedDate", "datetime"),
        ),
    ),
    "journal": _catalog(
        "journal",
        "journals",
        "Number",
        (
            f("Number", "integer", concept="journal.number"),
            f("Date", "date", required=True, concept="journal.date"),
            f("Narrative", max_length=200, concept="journal.narrative"),
            f("Lines", "list", required=True, description="At least two; debits must equal credits."),
            f("Lines[].NominalCode", "integer", required=True, concept="journal_line.account"),
            f("Lines[].Debit", "decimal", concept="journal_line.debit"),
            f("Lines[].Credit", "decimal", concept="journal_line.credit"),
            f("Lines[].Narrative", max_length=200, concept="journal_line.narrative"),
            f("Lines[].VATRate", "decimal", concept="line.tax_rate"),
            f("Lines[].ProjectNumber", "integer", concept="line.project"),
            f("LastUpdatedDate", "datetime"),
        ),
    ),
    "nominal": _catalog(
        "nominal",
        "nominals",
        "Code",
        (
            f("Id", "integer"),
            f("Code", "integer", required=True, concept="account.code"),
            f("Name", max_length=100, concept="account.name"),
            f("Type", allowed=("Sales", "Expense", "Asset", "Liability", "Equity", "Bank", "VAT")),
        ),
    ),
    "bank_account": _catalog(
        "bank_account",
        "bankaccounts",
        "Code",
        (
            f("Id", "integer"),
            f("Code", "integer", required=True, concept="account.code"),
            f("Name", max_length=100, concept="account.name"),
            f("AccountNumber", max_length=20),
            f("SortCode", max_length=10),
            f("Currency", max_length=3, concept="money.currency"),
            f("Balance", "decimal"),
        ),
    ),
    "bank_transaction": _catalog(
        "bank_transaction",
        "bankaccounts/{code}/transactions",
        "Id",
        (
            f("Id", "integer"),
            f("Date", "date", required=True, concept="payment.date"),
            f("Amount", "decimal", required=True, concept="payment.amount", description="+ money in, - money out."),
            f("Reference", max_length=50, concept="payment.reference"),
            f("Description", max_length=200, concept="journal_line.narrative"),
            f("TransactionType", max_length=30),
            f("BankAccountCode", "integer", required=True, concept="account.code"),
            f("Reconciled", "boolean"),
            f("LastUpdatedDate", "datetime"),
        ),
    ),
}
