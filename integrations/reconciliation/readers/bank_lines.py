"""Bank lines: KashFlow bank transactions and the AX bank journal lines posted for them (``BANK-<Id>``).

A reconciled line that is not a customer receipt already posted by the payments flow belongs in AX (the bank flow's
own rule), in its bank account's currency (issue 13, defect 3), on the AX bank account the chart gives its KashFlow
bank account (defect 4). A supplier payment (KashFlow's ``purchase`` / ``purchasebatchpayment`` line, money out) is
posted by the supplier payments flow when the pair has one (defect 10), so its bank line is not expected; without
that flow it offsets the creditors control account. Any other line (fees, salaries, interest, HMRC, transfers) must
never be offset to the debtors or creditors control account (defect 5) -- which account it does take is the
accountant's matching rules, so only the control accounts are checked.
"""

from __future__ import annotations

from integrations.reconciliation.core import Document, money
from integrations.reconciliation.readers.common import (
    Reference,
    ax_account,
    code,
    journal_header,
    journal_lines_by_document,
    signed,
)

ENTITY = "bank_transaction"
KASHFLOW_ENTITY = "bank_transaction"
AX_ENTITY = "journal"
PREFIX = "BANK-"
SUPPLIER_PAYMENT_ENTITIES = {"purchase", "purchasebatchpayment"}  # hcs-schemas lib/bankTransaction.js


def kashflow_document(record: dict, ref: Reference) -> Document:
    key = code(record.get("Id"))
    bank_code = ref.bank_account_code(record.get("BankAccountCode") or record.get("AccountId"))
    account = ref.bank_accounts.get(bank_code) or {}
    if "PaidIn" in record or "PaidOut" in record:  # KashFlow's wire: PaidIn / PaidOut, never negative
        amount = money(record.get("PaidIn")) - money(record.get("PaidOut"))
    else:
        amount = money(record.get("Amount"))
    if str(record.get("TransactionType") or "") in ("Payment", "PaidOut") and amount > 0:
        amount = -amount  # bodies that carry the direction in the type and a positive amount
    reference = str(record.get("Reference") or "").strip()
    date = str(record.get("Date") or "")[:10]
    matched = amount > 0 and reference and (reference, date) in ref.payment_references
    why = ""
    if not record.get("Reconciled"):
        why = "not reconciled in KashFlow"
    elif matched:
        why = f"receipt posted by the payments flow (payment {ref.payment_references[(reference, date)]})"
    entity_name = str(record.get("EntityName") or "").strip().lower()
    supplier_payment = amount < 0 and (
        reference in ref.purchase_payment_references or entity_name in SUPPLIER_PAYMENT_ENTITIES
    )
    if supplier_payment and ref.supplier_payments_flow and not why:
        why = "supplier payment posted by the supplier payments flow"
    controls = {ref.account(ref.debtors_nominal), ref.account(ref.creditors_nominal)}
    return Document(
        entity=ENTITY,
        key=key,
        currency=str(account.get("Currency") or "GBP").upper(),
        date=date,
        net=amount,
        gross=amount,
        bank_account=ref.account(bank_code),
        counter_account=ref.account(ref.creditors_nominal) if supplier_payment else None,
        forbidden_counter_accounts=frozenset() if supplier_payment else frozenset(controls),
        expected_in_ax=not why,
        why_not_expected=why,
        compare_lines=False,
        compare_tax=False,
    )


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    documents = []
    for reference, lines in journal_lines_by_document(record).items():
        if not reference.startswith(PREFIX):
            continue
        bank = [line for line in lines if (line.get("AccountType") or "") == "Bank"] or lines
        head = bank[0]
        amount = sum((signed(line) for line in bank), money(0))
        documents.append(
            Document(
                entity=ENTITY,
                key=reference[len(PREFIX) :],
                **journal_header(record, head),
                net=amount,
                gross=amount,
                bank_account=ax_account(head.get("LedgerDimension")),
                counter_account=ax_account(head.get("OffsetLedgerDimension")) or None,
            )
        )
    return documents
