"""Posting in the simulated AX: what the accountant (or an AX batch job) does after AIF created a document.

A free text invoice or a journal created through AIF is a draft: AX posts it as a separate step (audit rows 19
and 20; a journal is validated and posted in the journal form, P2; a free text invoice is posted from its form,
after an optional pro forma, P3). Only posting makes customer transactions (CustTrans), and only posting a
payment journal settles the invoices its lines mark. Drafts therefore show nothing settled in
CustomerTransactionService, which is where LedgerBridge reads settlement; posted payment journals show there as
customer transactions of their own (carrying each line's DocumentNum), which is how a full run checks them.

The sandbox posts when told: the control API ``POST /sandbox/control/ax/post`` and the buttons of the sandbox's AX
drafts page (``/sandbox/ax-drafts/``, ``integrations.sandbox.pages``) call ``post``. Invoices are posted before
journals, so a payment posted in the same call settles them.

Vendors alike: posting a vendor invoice journal makes one vendor transaction (VendTrans) per vendor and invoice,
and posting a vendor disbursement journal (VendPay) makes the payment's vendor transaction and settles the vendor
invoices its vendor lines mark. AX's sign convention is kept: a vendor invoice is a credit, its AmountCur
negative, a payment a debit, positive (inferred from VendTrans; AX 2012 ships no standard service reading vendor
transactions: LedgerVendorPaymentService is R only, and no vendor counterpart of CustomerTransactionService is
listed in standard-document-services.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.sandbox.ax import rules, vendinvoice
from integrations.sandbox.models import AxCompany, AxRecord

INVOICE = "CustInvoiceTable"
JOURNAL = "LedgerJournalTable"
CUST_TRANS = "CustTrans"
# Our entity kinds -> the AX journal names the demo company uses for them (documents.JOURNAL_NAMES).
# Pending vendor invoices (VendInvoiceService, AX 2012 R2) are posted like the free text invoices, before journals.
KINDS = {
    "sales_invoice": None,
    "vendor_invoice": None,
    "payment": "CustPay",
    "journal": "GenJrn",
    "purchase_invoice": "VendInv",
    "supplier_payment": "VendPay",  # vendor payments after the vendor invoices they settle
}
VEND_TRANS = rules.VEND_TRANS


@dataclass
class PostResult:
    posted: dict[str, list[str]] = field(default_factory=dict)  # kind -> keys posted
    refused: dict[str, str] = field(default_factory=dict)  # key -> why it stays a draft

    def as_dict(self) -> dict:
        return {"posted": self.posted, "refused": self.refused, "count": sum(len(v) for v in self.posted.values())}


def is_posted_invoice(company: AxCompany, invoice_id: str) -> bool:
    return AxRecord.objects.filter(company=company, entity=CUST_TRANS, data__Invoice=invoice_id).exists()


def drafts(company: AxCompany, kind: str):
    """The unposted documents of one kind, oldest first."""
    if kind == "vendor_invoice":
        return vendinvoice.drafts(company).order_by("created_at", "pk")
    if kind == "sales_invoice":
        posted = AxRecord.objects.filter(company=company, entity=CUST_TRANS).values_list("data__Invoice", flat=True)
        return (
            AxRecord.objects.filter(company=company, entity=INVOICE)
            .exclude(key__in=[p for p in posted if p])
            .order_by("created_at", "pk")
        )
    return (
        AxRecord.objects.filter(company=company, entity=JOURNAL, data__JournalName=KINDS[kind])
        .exclude(data__Posted="Yes")
        .order_by("created_at", "pk")
    )


def post(
    company: AxCompany,
    *,
    kinds: list[str] | None = None,
    keys: list[str] | None = None,
    created_before: datetime | None = None,
) -> PostResult:
    """Post the drafts of ``kinds`` (all when None), only ``keys`` when given, only those created before
    ``created_before`` when given. Invoices first, then journals."""
    wanted = [k for k in KINDS if kinds is None or k in kinds]
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    result = PostResult()
    with transaction.atomic():
        for kind in wanted:
            rows = drafts(company, kind)
            if keys:
                rows = rows.filter(key__in=keys)
            if created_before is not None:
                rows = rows.filter(created_at__lt=created_before)
            for row in rows.select_for_update():
                if kind == "vendor_invoice":
                    why = vendinvoice.post_invoice(company, row)
                elif kind == "sales_invoice":
                    why = _post_invoice(company, row)
                else:
                    why = _post_journal(company, row, kind)
                if why:
                    result.refused[row.key] = why
                else:
                    result.posted.setdefault(kind, []).append(row.key)
    return result


def _post_invoice(company: AxCompany, row: AxRecord) -> str:
    data = row.data
    now = timezone.now()
    AxRecord.objects.create(
        company=company,
        entity=CUST_TRANS,
        key=row.key,  # the voucher of a posted free text invoice: its invoice number here (inferred)
        data={
            "Voucher": row.key,
            "AccountNum": data.get("InvoiceAccount") or data.get("OrderAccount", ""),
            "Invoice": row.key,
            "TransType": "Cust",  # documents.CUST_TRANS: the value is inferred
            "TransDate": data.get("InvoiceDate") or timezone.localdate().isoformat(),
            "Txt": data.get("CustomerRef", ""),
            "CurrencyCode": data.get("CurrencyCode", ""),
            "AmountCur": data.get("InvoiceAmount", "0.00"),
            "SettleAmountCur": "0.00",
        },
        modified_at=now,
    )
    return ""


def _post_journal(company: AxCompany, row: AxRecord, kind: str) -> str:
    data = dict(row.data)
    if kind == "supplier_payment":
        unposted = sorted(
            {
                f"{account} {invoice}"
                for account, invoice, _ in _vendor_marks(data)
                if not _vend_invoice(company, account, invoice)
            }
        )
        if unposted:
            return f"Vendor invoice {', '.join(unposted)} is not posted; post it before settling a payment against it."
    if kind == "payment":
        marked = {
            line.get("MarkedInvoice") for line in data.get("LedgerJournalTrans") or [] if line.get("MarkedInvoice")
        }
        unposted = sorted(m for m in marked if not is_posted_invoice(company, m))
        if unposted:
            return f"Invoice {', '.join(unposted)} is not posted; post it before settling a payment against it."
    data["Posted"] = "Yes"
    row.data = data
    row.rec_version += 1
    row.modified_at = timezone.now()
    row.save(update_fields=["data", "rec_version", "modified_at"])
    if kind == "payment":
        settle(company, data)
        _payment_transactions(company, row.key, data)
    if kind == "purchase_invoice":
        _vendor_invoice_transactions(company, row.key, data)
    if kind == "supplier_payment":
        settle_vendor_invoices(company, row.key, data)
    return ""


def _payment_transactions(company: AxCompany, journal_num: str, journal: dict) -> None:
    """Posting a customer payment journal makes a customer transaction per customer line (a payment is a credit on
    the customer's account: AmountCur negative, TransType Payment, no Invoice), carrying the line's DocumentNum,
    PaymReference and PaymMode (inferred, see documents.CUST_TRANS) and, when the line marks an invoice, what it
    settled. Keyed by the line's voucher (the journal's one, ``VCH-<number>``, when the line names none; -<line>
    added when vouchers are shared)."""
    now = timezone.now()
    today = timezone.localdate().isoformat()
    for number, line in enumerate(journal.get("LedgerJournalTrans") or [], start=1):
        if line.get("AccountType", "Cust") != "Cust":
            continue
        voucher = str(line.get("Voucher") or "VCH-" + journal_num.rsplit("-", 1)[-1])
        key = voucher
        if AxRecord.objects.filter(company=company, entity=CUST_TRANS, key=key).exists():
            key = f"{voucher}-{line.get('LineNum') or number}"
        amount = -rules.line_debit(line)
        marked = bool(line.get("MarkedInvoice"))
        AxRecord.objects.create(
            company=company,
            entity=CUST_TRANS,
            key=key,
            data={
                "Voucher": voucher,
                "AccountNum": str((line.get("LedgerDimension") or {}).get("Account") or ""),
                "TransDate": line.get("TransDate") or today,
                "Txt": line.get("Txt", ""),
                "DocumentNum": str(line.get("DocumentNum") or ""),
                "TransType": "Payment",
                "PaymReference": str(line.get("PaymReference") or ""),
                "PaymMode": str(line.get("PaymMode") or ""),
                "CurrencyCode": line.get("CurrencyCode", ""),
                "ExchRate": str(line.get("ExchRate") or ""),
                "AmountCur": rules.money(-amount),
                "SettleAmountCur": rules.money(-amount if marked else Decimal(0)),
                **({"LastSettleDate": today} if marked else {}),
            },
            modified_at=now,
        )


def _vend_lines(journal: dict) -> list[dict]:
    return [line for line in journal.get("LedgerJournalTrans") or [] if line.get("AccountType") == "Vend"]


def _account(line: dict) -> str:
    return str((line.get("LedgerDimension") or {}).get("Account") or "")


def _vendor_marks(journal: dict) -> list[tuple[str, str, Decimal]]:
    """(vendor, marked invoice, amount paid: debit less credit) of each vendor line that marks an invoice."""
    return [
        (
            _account(line),
            str(line["MarkedInvoice"]),
            rules.line_debit(line),
        )
        for line in _vend_lines(journal)
        if line.get("MarkedInvoice")
    ]


def _vend_invoice(company: AxCompany, account: str, invoice: str) -> AxRecord | None:
    return (
        AxRecord.objects.filter(company=company, entity=VEND_TRANS, data__AccountNum=account, data__Invoice=invoice)
        .order_by("pk")
        .first()
    )


def _vendor_invoice_transactions(company: AxCompany, journal_key: str, journal: dict) -> None:
    """One vendor transaction per vendor and invoice of a posted vendor invoice journal: the credit to the vendor."""
    totals: dict[tuple[str, str], tuple[Decimal, dict]] = {}
    for line in _vend_lines(journal):
        key = (_account(line), str(line.get("Invoice") or ""))
        total, first = totals.get(key, (Decimal(0), line))
        totals[key] = (total + rules.line_debit(line), first)
    for (account, invoice), (amount, line) in totals.items():
        rules.create_vend_trans(
            company,
            f"{journal_key}/{account}/{invoice}",
            voucher=line.get("Voucher", ""),
            account=account,
            invoice=invoice,
            date=line.get("TransDate") or timezone.localdate().isoformat(),
            text=line.get("DocumentNum", ""),
            currency=line.get("CurrencyCode", ""),
            amount=amount,
        )


def settle_vendor_invoices(company: AxCompany, journal_key: str, journal: dict) -> None:
    """A posted vendor disbursement: its vendor transaction, and what it settles on each invoice it marks
    (at most what is open on the invoice; an overpayment stays open on the payment)."""
    now = timezone.now()
    today = timezone.localdate().isoformat()
    for number, line in enumerate(_vend_lines(journal), start=1):
        paid = rules.line_debit(line)
        settled = Decimal(0)
        marked = str(line.get("MarkedInvoice") or "")
        invoice = _vend_invoice(company, _account(line), marked) if marked else None
        if invoice is not None:
            data = dict(invoice.data)
            open_amount = -(rules.dec(data.get("AmountCur")) - rules.dec(data.get("SettleAmountCur")))
            settled = max(Decimal(0), min(paid, open_amount))
            data["SettleAmountCur"] = rules.money(rules.dec(data.get("SettleAmountCur")) - settled)
            data["LastSettleDate"] = today
            if rules.dec(data["SettleAmountCur"]) <= rules.dec(data.get("AmountCur")) < Decimal(0):
                data["Closed"] = today
            invoice.data = data
            invoice.rec_version += 1
            invoice.modified_at = now
            invoice.save(update_fields=["data", "rec_version", "modified_at"])
        rules.create_vend_trans(
            company,
            f"{journal_key}/{number}",
            voucher=line.get("Voucher", ""),
            account=_account(line),
            invoice="",
            date=line.get("TransDate") or today,
            text=line.get("DocumentNum", ""),
            currency=line.get("CurrencyCode", ""),
            amount=paid,
            settled=settled,
            LastSettleDate=today if settled else "",
            MarkedInvoice=marked,
        )


def settle(company: AxCompany, journal: dict) -> None:
    """Settlement on posting: the invoice's settled amount and its customer transaction's."""
    rules.settle_marked_invoices(company, journal)
    today = timezone.localdate().isoformat()
    for trans in AxRecord.objects.select_for_update().filter(company=company, entity=CUST_TRANS):
        invoice = AxRecord.objects.filter(company=company, entity=INVOICE, key=trans.data.get("Invoice")).first()
        if invoice is None:
            continue
        settled = invoice.data.get("SettledAmount") or "0.00"
        if rules.dec(settled) == rules.dec(trans.data.get("SettleAmountCur")):
            continue
        data = dict(trans.data)
        data["SettleAmountCur"] = rules.money(rules.dec(settled))
        data["LastSettleDate"] = today
        if rules.dec(settled) >= rules.dec(data.get("AmountCur")) > Decimal(0):
            data["Closed"] = today
        trans.data = data
        trans.rec_version += 1
        trans.modified_at = timezone.now()
        trans.save(update_fields=["data", "rec_version", "modified_at"])


def summary(company: AxCompany) -> dict[str, dict]:
    """Per kind: how many drafts wait and since when (the oldest's creation time)."""
    out = {}
    for kind in KINDS:
        rows = drafts(company, kind)
        oldest = rows.first()
        out[kind] = {"count": rows.count(), "oldest": oldest.created_at.isoformat() if oldest else None}
    return out
