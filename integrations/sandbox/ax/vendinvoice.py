"""AX 2012 R2 vendor invoices (VendInvoiceService / AxdVendInvoice) in the simulator: pending invoices and posting.

What the sources confirm: the service creates a vendor invoice, operations C, R, D, F, FK, GK, GCK
(standard-document-services.md); a line on an invoice without a purchase order names a procurement category,
whose posting setup gives the expense account (VendInvoiceInfoLine has no ledger account of its own: Microsoft's
Common Data Model page TransactionLine/VendInvoiceInfoLine); Accounts payable parameters hold "Should duplicate
invoice numbers per supplier be checked for?" (VendReuseInvoice, enum ReuseVoucher: Reject duplicate, Reject
duplicates within fiscal year, Accept duplicates, Warn in case of duplicates; AX 2012 reference pages gg918864 and
gg850260), and the check runs when an invoice is posted (Microsoft's vendor invoice documentation: "the posting
date will be used to check for duplicate invoices during invoice posting").

Inferred and kept apart from the shared rules: a pending invoice created through AIF waits for an accountant to
post it (like the free text invoices and journals AIF creates, audit rows 19 and 20); the parameter stays at
"Reject duplicate" (the enum's first value); the refusal texts; a posted invoice stays readable with ParmJobStatus
Executed; posting writes a vendor transaction (VendTrans, the invoice amount negative, as AX keeps vendor credits)
and an invoice journal (VendInvoiceJour with its VendInvoiceTrans lines) whose tax is computed per line from the
item sales tax group, half up, as the free text invoice's is.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from integrations.sandbox.ax import rules
from integrations.sandbox.ax.soap import FaultEntry
from integrations.sandbox.models import AxCompany, AxRecord

INVOICE = "VendInvoiceInfoTable"
LINES = "VendInvoiceInfoLine"
CATEGORY = "ProcurementCategory"
JOURNAL = "VendInvoiceJour"
EXECUTED = "Executed"

# The demo company's procurement categories and the expense account each posts to (its "Purchase expenditure for
# expense" posting, inferred). One per expense account KashFlow's purchase nominals map to, so the vendor invoice
# path posts to the same accounts as the general journal path.
DEMO_CATEGORIES = (
    ("Materials", "500100"),
    ("Subcontracting", "500200"),
    ("Freight", "500300"),
    ("Rent", "610100"),
    ("Business rates", "610200"),
    ("Utilities", "620100"),
    ("Telecommunications", "630100"),
    ("Travel", "640100"),
    ("Marketing", "650100"),
    ("Professional services", "660100"),
    ("Software", "670100"),
    ("Bank charges", "680100"),
    ("Office supplies", "690000"),
    ("Stock", "140100"),
)


def demo_records() -> list[tuple[str, str, dict]]:
    """(entity, key, data) of the demo's procurement categories, for the demo seeding."""
    return [(CATEGORY, name, {"Name": name, "ExpenseAccount": account}) for name, account in DEMO_CATEGORIES]


def invoice_references(record: dict, refs, xpath: str) -> None:
    for name, label in (("OrderAccount", "Vendor account"), ("InvoiceAccount", "Invoice account")):
        refs.need("VendTable", str(record.get(name) or ""), label=label, xpath=f"{xpath}/{name}", field=name)
    refs.need_dimensions(record.get("DefaultDimension"), xpath=f"{xpath}/DefaultDimension", field="DefaultDimension")
    for i, line in enumerate(record.get(LINES) or [], start=1):
        line_xpath = f"{xpath}/{LINES}[{i}]"
        refs.need(
            CATEGORY,
            str(line.get("ProcurementCategory") or ""),
            label="Procurement category",
            xpath=f"{line_xpath}/ProcurementCategory",
            field="ProcurementCategory",
        )
        refs.need_dimensions(
            line.get("DefaultDimension"), xpath=f"{line_xpath}/DefaultDimension", field="DefaultDimension"
        )


def invoice_defaults(record: dict, refs) -> None:
    vendor = refs.data("VendTable", str(record.get("OrderAccount") or ""))
    record.setdefault("InvoiceAccount", record.get("OrderAccount"))
    if not record.get("CurrencyCode"):
        record["CurrencyCode"] = vendor.get("Currency") or "GBP"
    today = timezone.localdate().isoformat()
    record.setdefault("DocumentDate", today)
    record.setdefault("TransDate", record["DocumentDate"])
    record["ParmJobStatus"] = "Waiting"
    for i, line in enumerate(record.get(LINES) or [], start=1):
        line.setdefault("LineNum", f"{i}.0000")
        line.setdefault("CurrencyCode", record["CurrencyCode"])
        line["LineAmount"] = rules.money(rules.dec(line.get("LineAmount")))


def line_tax(line: dict) -> Decimal:
    return rules.line_tax({**line, "AmountCur": line.get("LineAmount")})


def is_posted(row: AxRecord) -> bool:
    return row.data.get("ParmJobStatus") == EXECUTED


def drafts(company: AxCompany):
    return AxRecord.objects.filter(company=company, entity=INVOICE).exclude(data__ParmJobStatus=EXECUTED)


def post_invoice(company: AxCompany, row: AxRecord) -> str:
    """Post one pending vendor invoice; the reason it stays pending, or ""."""
    data = dict(row.data)
    vendor, number = str(data.get("OrderAccount") or ""), str(data.get("Num") or "")
    used = AxRecord.objects.filter(
        company=company, entity=rules.VEND_TRANS, data__AccountNum=vendor, data__Invoice=number
    )
    if used.exists():  # VendReuseInvoice = Reject duplicate
        return f"Invoice number {number} is already used for vendor {vendor}."
    categories = {r.key: r.data for r in AxRecord.objects.filter(company=company, entity=CATEGORY).only("key", "data")}
    lines, net, tax = [], Decimal(0), Decimal(0)
    for line in data.get(LINES) or []:
        amount, line_vat = rules.dec(line.get("LineAmount")), line_tax(line)
        category = categories.get(str(line.get("ProcurementCategory") or "")) or {}
        lines.append(
            {
                "LineNum": line.get("LineNum", ""),
                "Description": line.get("Description", ""),
                "ProcurementCategory": line.get("ProcurementCategory", ""),
                "LedgerAccount": category.get("ExpenseAccount", ""),
                "LineAmount": rules.money(amount),
                "TaxItemGroup": line.get("TaxItemGroup", ""),
                "TaxAmount": rules.money(line_vat),
                "DefaultDimension": line.get("DefaultDimension"),
            }
        )
        net += amount
        tax += line_vat
    now = timezone.now()
    posted_on = data.get("TransDate") or data.get("DocumentDate") or timezone.localdate().isoformat()
    gross = net + tax
    AxRecord.objects.create(
        company=company,
        entity=JOURNAL,
        key=row.key,
        data={
            "InvoiceId": number,
            "OrderAccount": vendor,
            "InvoiceAccount": data.get("InvoiceAccount") or vendor,
            "InvoiceDate": data.get("DocumentDate") or posted_on,
            "CurrencyCode": data.get("CurrencyCode", ""),
            "SumTax": rules.money(tax),
            "InvoiceAmount": rules.money(gross),
            "VendInvoiceTrans": lines,
        },
        modified_at=now,
    )
    rules.create_vend_trans(
        company,
        row.key,  # the voucher of the posted invoice: its internal id here (inferred)
        voucher=row.key,
        account=data.get("InvoiceAccount") or vendor,
        invoice=number,
        date=posted_on,
        text=data.get("Description", ""),
        currency=data.get("CurrencyCode", ""),
        amount=-gross,
    )
    data["ParmJobStatus"] = EXECUTED
    row.data = data
    row.rec_version += 1
    row.modified_at = now
    row.save(update_fields=["data", "rec_version", "modified_at"])
    return ""


def no_lines_error(record: dict, xpath: str) -> list[FaultEntry]:
    if record.get(LINES):
        return []
    number = str(record.get("Num") or "").strip()
    text = f"The vendor invoice {number} has no lines." if number else "The vendor invoice has no lines."
    return [FaultEntry(text, code="NoLines", field=LINES, xpath=f"{xpath}/{LINES}")]  # our wording (inferred)
