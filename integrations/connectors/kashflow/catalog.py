"""Field catalogs of KashFlow's REST objects, as the real API serves them (names, nesting and types from
KashFlow's published example bodies; sources per field in ``README.md``).

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
        f(f"{prefix}[].Line1", max_length=60, concept="address.line1", description="First address line (street)."),
        f(f"{prefix}[].Line2", max_length=60, concept="address.line2", description="Free-form: street, town, ..."),
        f(f"{prefix}[].Line3", max_length=60, concept="address.line3", description="Free-form: town or county."),
        f(f"{prefix}[].Line4", max_length=60, concept="address.line4", description="Free-form: town or county."),
        f(f"{prefix}[].PostCode", max_length=20, concept="address.postcode"),
        f(f"{prefix}[].CountryName", max_length=60, description="Country name as typed in KashFlow."),
        f(f"{prefix}[].CountryCode", max_length=2, concept="address.country", description="ISO 3166 alpha-2."),
    )


def _contacts() -> tuple[FieldSpec, ...]:
    return (
        f("Contacts", "list"),
        f("Contacts[].Title", max_length=20),
        f("Contacts[].Firstname", max_length=50, description="Lower-case n, as KashFlow spells it."),
        f("Contacts[].LastName", max_length=50),
        f("Contacts[].Name", max_length=100),
        f("Contacts[].Email", max_length=100, concept="party.email"),
        f("Contacts[].Telephone", max_length=30, concept="party.phone"),
        f("Contacts[].Mobile", max_length=30),
        f("Contacts[].Fax", max_length=30),
        f("Contacts[].Website", max_length=100),
    )


PAYMENT_TERMS_TYPES = ("AfterIssuedDate", "AfterMonthEnd")


def _party(kind: str) -> tuple[FieldSpec, ...]:
    return (
        f("Id", "integer", description=f"KashFlow's internal {kind} id (read-only)."),
        f("Code", max_length=20, required=True, concept=f"{kind}.code", description=f"The {kind}'s account code."),
        f("Name", max_length=100, required=True, concept=f"{kind}.name"),
        f("Email", max_length=100, concept="party.email"),
        f("Website", max_length=100),
        f("Currency", "object"),
        f("Currency.Code", max_length=3, concept="money.currency", description="ISO 4217 code, e.g. GBP."),
        f(
            "Currency.ExchangeRate",
            "decimal",
            concept="money.exchange_rate",
            description="Foreign units per pound (1 for GBP).",
        ),
        f("PaymentTerms", "object"),
        f("PaymentTerms.Days", "integer", concept="party.payment_terms", description="Days until payment is due."),
        f("PaymentTerms.Type", allowed=PAYMENT_TERMS_TYPES),
        f("Note", max_length=2000),
        f("IsArchived", "boolean"),
        *_contacts(),
        f("DefaultNominalCode", "integer", concept="line.nominal_code"),
        f("OutstandingBalance", "decimal", description="Read-only, from unpaid documents."),
        f("CreatedDate", "datetime", description="Read-only."),
        f("LastUpdatedDate", "datetime", description="Read-only."),
    )


def _customer() -> tuple[FieldSpec, ...]:
    return (
        *_party("customer"),
        f("DisplayName", max_length=200),
        f("TelephoneNumber", max_length=30, concept="party.phone"),
        f("MobileNumber", max_length=30),
        f("FaxNumber", max_length=30),
        f("VATNumber", max_length=20, concept="party.vat_number"),
        f("DiscountRate", "decimal", description="Default discount in percent."),
        f("Source", "integer", description="Business source id."),
        *_address("Addresses", "Postal addresses"),
        *_address("DeliveryAddresses", "Delivery addresses"),
        f("CustomTextBoxes", "list", description="Custom text fields; CustomerGroup lives here."),
        f("CustomTextBoxes[].Name", max_length=50, required=True),
        f("CustomTextBoxes[].Value", max_length=250, concept="party.group"),
        f("CustomCheckBoxes", "list"),
        f("CustomCheckBoxes[].Name", max_length=50, required=True),
        f("CustomCheckBoxes[].Value", allowed=("1", "0"), description='Text "1" when ticked.'),
    )


def _supplier() -> tuple[FieldSpec, ...]:
    return (
        *_party("supplier"),
        f("VatNumber", max_length=20, concept="party.vat_number", description="Suppliers spell it VatNumber."),
        f("Address", "object", description="One address (not a list, unlike customers)."),
        f("Address.Line1", max_length=60, concept="address.line1"),
        f("Address.Line2", max_length=60, concept="address.line2"),
        f("Address.Line3", max_length=60, concept="address.line3"),
        f("Address.Line4", max_length=60, concept="address.line4"),
        f("Address.PostCode", max_length=20, concept="address.postcode"),
        f("BankAccount", "object"),
        f("BankAccount.Name", max_length=60),
        f("BankAccount.Number", max_length=30),
        f("BankAccount.SortCode", max_length=20),
    )


# kashflow.com/developers/rest-api/api-purchases/: "Unpaid, Paid, Overpaid, Overdue or NA".
STATUSES = ("Unpaid", "Paid", "Overpaid", "Overdue", "NA")


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
        f(
            "Currency.ExchangeRate",
            "decimal",
            concept="money.exchange_rate",
            description="Foreign units per pound: HomeCurrencyGrossAmount = GrossAmount / ExchangeRate.",
        ),
        f("NetAmount", "decimal", concept="invoice.net", description="Computed from the lines."),
        f("VATAmount", "decimal", concept="invoice.tax", description="Computed from the lines."),
        f("GrossAmount", "decimal", concept="invoice.gross", description="Computed from the lines."),
        f("HomeCurrencyGrossAmount", "decimal", description="The gross amount in sterling, as KashFlow posts it."),
        f("TotalPaidAmount", "decimal", description="Sum of the payment lines (read-only)."),
        f("Status", allowed=STATUSES, concept="invoice.status", description="Computed from the payments."),
        f("PaidDate", "datetime"),
        f("LastPaymentDate", "datetime"),
        f("LineItems", "list", required=True),
        f("LineItems[].Number", "integer", description="Line number (read-only)."),
        f("LineItems[].Description", max_length=1000, concept="line.description"),
        f("LineItems[].Quantity", "decimal", required=True, concept="line.quantity"),
        f("LineItems[].Rate", "decimal", required=True, concept="line.unit_price", description="Net unit price."),
        f("LineItems[].VATLevel", "decimal", concept="line.tax_rate", description="VAT percent, e.g. 20."),
        f("LineItems[].VATAmount", "decimal", description="Computed: net x rate, rounded per line."),
        f("LineItems[].VATExempt", description="0/1 on sales lines, false/true on purchase lines."),
        f("LineItems[].NominalCode", "integer", required=True, concept="line.nominal_code"),
        f("LineItems[].ProductCode", max_length=20, concept="line.product_code"),
        f("LineItems[].ProductName", max_length=100),
        f("LineItems[].ProjectNumber", "integer", concept="line.project"),
        f("PaymentLines", "list", description="Payments made (read-only; written with bulk payments)."),
        f("PaymentLines[].Id", "integer", concept="payment.id"),
        f("PaymentLines[].Date", "datetime", concept="payment.date"),
        f("PaymentLines[].Amount", "decimal", concept="payment.amount"),
        f("PaymentLines[].Method", "integer", concept="payment.method"),
        f("PaymentLines[].Note", concept="payment.reference"),
        f("PaymentLines[].AccountId", "integer", description="The bank account's Id."),
        f("Permalink"),
    )


def _catalog(entity: str, remote: str, key: str, fields: tuple[FieldSpec, ...]) -> EntityCatalog:
    return EntityCatalog(system=SYSTEM, entity=entity, remote_name=remote, key_field=key, fields=fields)


def _payment(document: str) -> tuple[FieldSpec, ...]:
    return (
        f("Id", "integer", concept="payment.id", description="Read-only."),
        f(
            f"{document}Number",
            "integer",
            required=True,
            concept="payment.invoice_number",
            description="The document the line was read from (KashFlow's own InvoiceNumber on a line is 0).",
        ),
        f("Date", "datetime", required=True, concept="payment.date"),
        f("Amount", "decimal", required=True, concept="payment.amount", description="May exceed the amount due."),
        f("Method", "integer", concept="payment.method", description="Id from GET /paymentmethods."),
        f("Note", max_length=200, concept="payment.reference", description="The bulk payment's Comment."),
        f("AccountId", "integer", description="Id of the bank account paid into (not its Code)."),
        f("BulkPaymentNumber", "integer"),
        f("CustomerCode" if document == "Invoice" else "SupplierCode", description="Of the document."),
        f("Currency", "object", description="Of the document."),
        f("Currency.Code", max_length=3, concept="money.currency"),
        f("Currency.ExchangeRate", "decimal", concept="money.exchange_rate"),
        f("Permalink"),
    )


CATALOGS: dict[str, EntityCatalog] = {
    "customer": _catalog("customer", "customers", "Code", _customer()),
    "supplier": _catalog("supplier", "suppliers", "Code", _supplier()),
    "product": _catalog(
        "product",
        "products/{nominalCode}/{code}",
        "Code",
        (
            f("Id", "integer"),
            f("Code", max_length=20, required=True, concept="product.code"),
            f("Name", max_length=100, required=True, concept="product.name"),
            f("Description", max_length=2000, concept="product.description"),
            f("Price", "decimal", concept="product.price", description="Net sales price."),
            f("WholesalePrice", "decimal"),
            f("NominalCode", "integer", required=True, concept="line.nominal_code", description="Part of the key."),
            f("NominalId", "integer"),
            f("VATRate", "decimal", concept="line.tax_rate"),
            f("ManagesStock", "boolean"),
            f("QuantityInStock", "decimal"),
            f("IsArchived", "boolean"),
        ),
    ),
    "sales_invoice": _catalog("sales_invoice", "invoices", "Number", _document("customer", "Invoice")),
    "purchase_invoice": _catalog("purchase_invoice", "purchases", "Number", _document("supplier", "Purchase")),
    "payment": _catalog("payment", "invoices/{number} PaymentLines", "Id", _payment("Invoice")),
    "purchase_payment": _catalog("purchase_payment", "purchases/{number} PaymentLines", "Id", _payment("Purchase")),
    "journal": _catalog(
        "journal",
        "journals",
        "Number",
        (
            f("Id", "integer"),
            f("Number", "integer", concept="journal.number"),
            f("Date", "datetime", required=True, concept="journal.date"),
            f("Description", max_length=200, concept="journal.narrative"),
            f("Lines", "list", required=True, description="At least two; debits must equal credits."),
            f("Lines[].NominalCode", "integer", required=True, concept="journal_line.account"),
            f("Lines[].Debit", "decimal", concept="journal_line.debit"),
            f("Lines[].Credit", "decimal", concept="journal_line.credit"),
            f("Lines[].Narrative", max_length=200, concept="journal_line.narrative", description="Inferred name."),
            f("Lines[].VATRate", "decimal", concept="line.tax_rate"),
            f("Lines[].ProjectNumber", "integer", concept="line.project"),
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
        "Id",
        (
            f("Id", "integer", required=True, description="What payments and bank lines name as AccountId."),
            f("Code", "integer", concept="account.code", description="The bank account's nominal code."),
            f("AccountName", max_length=100, concept="account.name"),
            f("BankBalance", "decimal"),
            f("IsDefaultAccount", "boolean"),
            f("IsArchived", "boolean"),
        ),
    ),
    "bank_transaction": _catalog(
        "bank_transaction",
        "bankaccounts/{Id}/transactions",
        "Id",
        (
            f("Id", "integer", description="Shared by both sides of a transfer: unique only with AccountId."),
            f("AccountId", "integer", required=True, description="The bank account's Id."),
            f("Date", "datetime", required=True, concept="payment.date"),
            f("PaidIn", "decimal", concept="payment.amount", description="Money in (0 for money out)."),
            f("PaidOut", "decimal", description="Money out, positive (0 for money in)."),
            f("Comment", max_length=200, concept="journal_line.narrative"),
            f("TransactionType", "integer", description="Numeric type (0-6)."),
            f("Type", description="The type's name."),
            f("Reconciled", "boolean"),
            f("VATRate", "decimal"),
            f("VATAmount", "decimal"),
            f("EntityName", description="invoice, purchase, ...batchpayment or banktransaction."),
            f("ResourceNumber", "integer", description="Number of the document the line settles."),
            f("CustomerCode"),
            f("SupplierCode"),
        ),
    ),
    "project": _catalog(
        "project",
        "projects",
        "Number",
        (
            f("Number", "integer", concept="line.project"),
            f("Name", max_length=100),
            f("Reference", max_length=50),
            f("Description"),
            f("CustomerCode"),
            f("Status", "integer"),
            f("StatusName"),
        ),
    ),
    "vat_rate": _catalog(
        "vat_rate",
        "vat/settings/vatrates",
        "VATId",
        (f("VATId", "integer"), f("VATRate", "decimal", concept="line.tax_rate"), f("VATText")),
    ),
    "country": _catalog(
        "country",
        "countries",
        "Code",
        (f("Id", "integer"), f("Code", max_length=2, concept="address.country"), f("Name"), f("IsEU", "boolean")),
    ),
    "payment_method": _catalog(
        "payment_method", "paymentmethods", "Id", (f("Id", "integer"), f("Name", concept="payment.method"))
    ),
}
