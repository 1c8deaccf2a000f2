"""Customer payments: KashFlow invoice payments and the payments AX has posted, as its customer transactions.

AX's customer payment journal service only creates (Microsoft's list of standard document services: C), so a
payment shows back only once its journal is posted, as a customer transaction of type Payment
(CustomerTransactionService, R2): customer, date, currency, exchange rate, amount, and the journal line's
DocumentNum (our reference). Compared: presence (once), customer, currency -- the invoice's (issue 13, defect 3)
--, rate, date, amount. Not visible through any standard service, so not compared here: the bank account the
payment was offset to (a ledger posting), and which invoice it marks (AX's settlement records; what a payment
settles shows instead as the invoice's settled amount, ``sales_invoices``). A customer transaction names its
voucher, never its journal, so only that our link exists is checked. A payment whose journal we created but AX
does not show is an unposted draft (``Kind.UNPOSTED``, explained).
"""

from __future__ import annotations

from integrations.reconciliation.core import Document, money, rate
from integrations.reconciliation.readers.common import (
    Reference,
    ax_units_per_pound,
    code,
    currency_of,
    currency_rate,
)

# The reference the AX -> KashFlow status flow gives the payments it writes (integrations/sync/flows/status.py).
# Settlement that originated in KashFlow must never come back as a new KashFlow payment (issue 13, defect 2).
WRITTEN_BACK_PREFIX = "AX settlement "

ENTITY = "payment"
KASHFLOW_ENTITY = "payment"
AX_ENTITY = "payment"


def kashflow_document(record: dict, ref: Reference) -> Document:
    invoice_number = code(record.get("InvoiceNumber"))
    invoice = ref.invoices.get(invoice_number) or {}
    amount = money(record.get("Amount"))
    bank = ref.bank_account_code(record.get("AccountId") or record.get("BankAccountId"))
    written_back = str(record.get("Reference") or "").startswith(WRITTEN_BACK_PREFIX)
    return Document(
        entity=ENTITY,
        key=code(record.get("Id")),
        party=str(invoice.get("CustomerCode") or "").strip().upper(),
        currency=currency_of(invoice) if invoice else "",
        rate=rate(currency_rate(invoice)) if invoice else None,
        date=str(record.get("Date") or "")[:10],
        net=amount,
        gross=amount,
        bank_account=ref.account(bank) if bank else "",
        settles=invoice_number,
        expected_in_ax=not written_back,
        why_not_expected="written into KashFlow by the AX settlement status flow" if written_back else "",
        written_back=f"written by the status flow for an AX settlement of {amount:.2f}" if written_back else "",
        compare_lines=False,
        compare_tax=False,
    )


def prepare_ax(records: list[dict]) -> list[dict]:
    """One payment per posting: the customer transactions of one voucher carrying one reference (a payment split
    over several customer lines of its journal) are added up, so a split is not taken for a duplicate."""
    merged: dict[tuple[str, str], dict] = {}
    for record in records:
        group = (str(record.get("Voucher") or ""), str(record.get("DocumentNum") or "").strip())
        if group in merged:
            first_row = merged[group]
            first_row["AmountCur"] = str(money(first_row.get("AmountCur")) + money(record.get("AmountCur")))
        else:
            merged[group] = dict(record)
    return list(merged.values())


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    """A posted payment as the connector's ``all_posted_payments`` gives it (a customer transaction)."""
    amount = -money(record.get("AmountCur"))  # AX: a payment credits the customer (negative)
    return [
        Document(
            entity=ENTITY,
            key=str(record.get("DocumentNum") or "").strip(),
            ax_key=str(record.get("Voucher") or ""),
            party=str(record.get("AccountNum") or "").strip().upper(),
            currency=str(record.get("CurrencyCode") or "").strip().upper(),
            rate=rate(ax_units_per_pound(record.get("ExchRate"))),
            date=str(record.get("TransDate") or "")[:10],
            net=amount,
            gross=amount,
            link_key_known=False,
        )
    ]
