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

# What KashFlow says a line is (the bank flow's own rule, integrations/sync/flows/bank_transaction.py): a receipt
# KashFlow links to an invoice (EntityName) is posted by the payments flow; the receiving side of a transfer
# (TransactionType 4, numbering inferred there) is posted from the paying side.
RECEIPT_ENTITIES = frozenset({"invoice", "invoicebatchpayment"})
TRANSFER = 4

ENTITY = "bank_transaction"
KASHFLOW_ENTITY = "bank_transaction"
AX_ENTITY = "journal"
PREFIX = "BANK-"
# A supplier payment KashFlow links to its purchase or bulk payment (hcs-schemas lib/bankTransaction.js) is posted
# by the supplier payments flow when the pair has one (integrations/sync/flows/bank_transaction.py).
SUPPLIER_PAYMENT_ENTITIES = frozenset({"purchase", "purchasebatchpayment"})


def kashflow_document(record: dict, ref: Reference) -> Document:
    # The bank flow's key, ``AccountId/Id`` (a transfer's two sides share one Id): the KashFlow connector's Key.
    account_id = code(record.get("BankAccountCode") or record.get("AccountId"))
    key = str(record.get("Key") or f"{account_id}/{code(record.get('Id'))}")
    bank_code = ref.bank_account_code(account_id)
    account = ref.bank_accounts.get(bank_code) or {}
    # The bank flow's published mapping says each KashFlow bank account's currency and AX bank account (value maps
    # bank_account_currencies and bank_accounts); without an entry, the account's own currency and the chart.
    currency = ref.bank_account_currencies.get(account_id) or str(account.get("Currency") or "GBP")
    bank_account = ref.bank_account_main.get(account_id) or ref.account(bank_code)
    if "PaidIn" in record or "PaidOut" in record:  # KashFlow's wire: PaidIn / PaidOut, never negative
        amount = money(record.get("PaidIn")) - money(record.get("PaidOut"))
    else:
        amount = money(record.get("Amount"))
    if str(record.get("TransactionType") or "") in ("Payment", "PaidOut") and amount > 0:
        amount = -amount  # bodies that carry the direction in the type and a positive amount
    reference = str(record.get("Reference") or "").strip()
    date = str(record.get("Date") or "")[:10]
    matched = amount > 0 and reference and (reference, date) in ref.payment_references
    line_id = code(record.get("Id"))
    receipt = amount > 0 and str(record.get("EntityName") or "").strip().lower() in RECEIPT_ENTITIES
    transfer_in = amount > 0 and str(record.get("TransactionType")) == str(TRANSFER)
    why = ""
    if not record.get("Reconciled"):
        why = "not reconciled in KashFlow"
    elif ref.bank_statement_mode:
        # every reconciled line goes on its month's statement (receipts too, marked matched), once that is due
        why = (
            ""
            if line_id in ref.bank_statement_of.get(account_id, ())
            else "on a bank statement not due yet (month not over, or a line of it unreconciled)"
        )
    elif receipt:
        why = f"receipt of invoice {code(record.get('ResourceNumber'))}, posted by the payments flow"
    elif matched:
        why = f"receipt posted by the payments flow (payment {ref.payment_references[(reference, date)]})"
    elif transfer_in:
        why = "the receiving side of a transfer, posted from the paying side"
    entity_name = str(record.get("EntityName") or "").strip().lower()
    supplier_payment = amount < 0 and (
        reference in ref.purchase_payment_references or entity_name in SUPPLIER_PAYMENT_ENTITIES
    )
    if supplier_payment and ref.supplier_payments_flow and not why and not ref.bank_statement_mode:
        why = "supplier payment posted by the supplier payments flow"
    controls = {ref.account(ref.debtors_nominal), ref.account(ref.creditors_nominal)}
    return Document(
        entity=ENTITY,
        key=key,
        currency=currency.strip().upper(),
        date=date,
        net=amount,
        gross=amount,
        bank_account=bank_account,
        counter_account=ref.account(ref.creditors_nominal)
        if supplier_payment and not ref.bank_statement_mode
        else None,
        forbidden_counter_accounts=frozenset() if supplier_payment or ref.bank_statement_mode else frozenset(controls),
        expected_in_ax=not why,
        why_not_expected=why,
        compare_lines=False,
        compare_tax=False,
    )


def ax_documents(record: dict, ref: Reference) -> list[Document]:
    if "BankStmtISOReportEntry" in record or "Identification" in record:
        return _statement_lines(record, ref)
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
                counter_account=ax_account(head.get("OffsetLedgerDimension")),
            )
        )
    return documents


def _statement_account(statement: dict, ref: Reference) -> str:
    """The KashFlow bank account a statement was sent for: the one the bank flow's mapping gives its AX bank
    account, else the one its Identification names (``KF-<AccountId>-<YYYY-MM>``, the statement path's own)."""
    bank = str(statement.get("BankAccountTable") or "").strip()
    by_main = [kf for kf, main in ref.bank_account_main.items() if main == bank]
    if len(by_main) == 1:
        return by_main[0]
    parts = str(statement.get("Identification") or "").split("-")
    return parts[1] if len(parts) >= 2 and parts[0] == "KF" else bank


def _statement_lines(statement: dict, ref: Reference) -> list[Document]:
    """The lines of an AX bank statement (the bank flow's statement path; BankStmtService read / getKeys): each
    line's EntryReference is the KashFlow bank transaction's Id, a Credit line is money in, the statement's
    BankAccountTable the bank account it was sent for. A statement posts nothing to the ledger: no counter-account."""
    account_id = _statement_account(statement, ref)
    documents = []
    for entry in statement.get("BankStmtISOReportEntry") or []:
        if not isinstance(entry, dict):
            continue
        amount = money(entry.get("Amount"))
        if str(entry.get("AmountCreditDebitIndicator") or "") == "Debit":
            amount = -amount
        documents.append(
            Document(
                entity=ENTITY,
                key=f"{account_id}/{str(entry.get('EntryReference') or '').strip()}",
                ax_key=str(statement.get("Identification") or ""),
                currency=str(statement.get("Currency") or "").strip().upper(),
                date=str(entry.get("BookingDateTime") or "")[:10],
                bank_account=str(statement.get("BankAccountTable") or "").strip(),
                net=amount,
                gross=amount,
            )
        )
    return documents
