"""Sales invoices: KashFlow invoices become AX free text invoices, found again by CustomerRef."""

from __future__ import annotations

from integrations.connectors.errors import NotFoundError
from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import MissingReference, ValidationFailed
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.load import call
from integrations.sync.references import ensure_in_target
from integrations.sync.verify import by_posted_invoices


def is_issued(invoice: dict) -> bool:
    """An invoice is issued once it has an IssuedDate and is not marked Draft. KashFlow's REST statuses are
    Unpaid, Paid, Overpaid, Overdue and NA (kashflow.com/developers/rest-api/api-purchases/); none says draft,
    so the issue date is what tells (inferred: no KashFlow example shows an unissued invoice; see the KashFlow
    README). ``Draft`` is also honoured, as the reconciliation's readers and older sandbox data mark one."""
    if str(invoice.get("Status") or "").strip().lower() == "draft":
        return False
    return bool(str(invoice.get("IssuedDate") or "").strip())


def skip_unissued(ctx, record: dict, key: str, link) -> Decision | None:
    """A draft never reaches AX; it is not linked, so the run after it is issued posts it."""
    if not is_issued(record):
        return Decision(Action.SKIPPED, "", note="not issued yet in KashFlow", link=False)
    return None


def has_lines(document: dict) -> None:
    if not document.get("CustInvoiceLine"):
        raise ValidationFailed("The invoice has no lines.", code="no_lines")


def customer_country(customer: dict) -> str:
    """The customer's country (ISO alpha-2): its invoice address, else its delivery address."""
    for name in ("Addresses", "DeliveryAddresses"):
        for address in customer.get(name) or []:
            code = str((address or {}).get("CountryCode") or "").strip().upper()
            if code:
                return code
    return ""


def add_customer_country(ctx, record: dict) -> dict:
    """The tax group of a sale depends on where the customer is (UK, EU, export), never on the invoice's
    currency: a US customer invoiced in sterling is still an export. KashFlow gives the country on the
    customer only (``Addresses[].CountryCode``, CustomersRESTExample.json), read once a run per customer.
    A customer with no country is refused: choosing a VAT treatment on a guess would misstate the return."""
    if record.get("CustomerCountryCode"):
        return record
    code = str(record.get("CustomerCode") or "").strip()
    cache = ctx.cache.setdefault("kf_customer_country", {})
    if code and code not in cache:
        try:
            customer = call(ctx, lambda: ctx.source.read("customer", code), what="read customer")
        except NotFoundError:
            raise MissingReference(
                f"KashFlow has no customer {code} for this invoice.", entity="customer", key=code
            ) from None
        cache[code] = customer_country(customer)
    if not cache.get(code):
        raise ValidationFailed(
            f"Customer {code} has no country on its address, so the invoice's tax group (UK, EU or export) "
            "cannot be chosen. Add the country to the customer in KashFlow.",
            code="no_country",
        )
    return {**record, "CustomerCountryCode": cache[code]}


def customer_first(ctx, record: dict, document: dict) -> dict:
    """The invoice's customer must be in AX: synced first through the customer flow when it is not."""
    account = str(document.get("OrderAccount") or document.get("InvoiceAccount") or record.get("CustomerCode") or "")
    ensure_in_target(ctx, "customer", account, str(record.get("CustomerCode") or account))
    return document


SPECS = (
    FlowSpec(
        "sales_invoice",
        KF_TO_AX,
        "sales_invoice",
        "sales_invoice",
        "Number",
        reference_field="CustomerRef",
        schedule_minutes=5,
        description="KashFlow invoices become AX free text invoices",
        decide=skip_unissued,
        enrich=add_customer_country,
        check=has_lines,
        resolve=customer_first,
        # FreeTextInvoiceService only creates: an invoice shows in AX once posted, as a customer transaction
        verify_links=by_posted_invoices,
    ),
)
