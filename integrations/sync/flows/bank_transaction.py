"""Bank reconciliation: KashFlow bank lines that settle a sales invoice are left to the payments flow, the rest
go to AX.

A customer receipt is posted to AX by the payments flow (its journal line offsets the bank account), so the
bank line that shows the same receipt must not be posted again; likewise a supplier payment (``purchase`` /
``purchasebatchpayment``, money out) when the pair has a supplier payments flow, which posts it as a vendor
disbursement journal settling the vendor invoice. KashFlow links a bank line to the document it
settles by ``EntityName`` + ``ResourceNumber`` (``invoice`` / ``invoicebatchpayment``; hcs-schemas
``lib/bankTransaction.js``). Lines not yet reconciled in KashFlow wait until they are. A transfer shows in both
accounts' feeds under one ``Id``: it is posted once, from the side the money leaves. Every other reconciled line
(supplier payments, bank charges, interest) becomes one AX bank journal line, offset by its transaction type.
Lines are keyed ``"<AccountId>/<Id>"`` (the connector's ``Key``): a transaction Id alone is not unique.
"""

from __future__ import annotations

from integrations.sync.decisions import Action, Decision
from integrations.sync.errors import ValidationFailed
from integrations.sync.flows import bank_statements
from integrations.sync.flows.specs import KF_TO_AX, FlowSpec
from integrations.sync.verify import by_read
from mappings.banking.matching import counter_for
from mappings.banking.selectors import active_rules, flow_mode

STATEMENT = "statement"

REFERENCE_PREFIX = "BANK-"


RECEIPT_ENTITIES = {"invoice", "invoicebatchpayment"}
SUPPLIER_PAYMENT_ENTITIES = bank_statements.SUPPLIER_PAYMENT_ENTITIES
TRANSFER = 4  # TransactionType of a transfer between the account's bank accounts (numbering inferred)


def _amount(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def bank_line_decision(ctx, record: dict, key: str, link=None) -> Decision | None:
    """A Decision when the line is not for AX (not reconciled, a receipt the payments flow posts, or the receiving
    side of a transfer); else None."""
    if not record.get("Reconciled"):
        return Decision(Action.SKIPPED, "", note="not reconciled in KashFlow yet", link=False)
    if _mode(ctx) == STATEMENT:
        return bank_statements.statement_decision(ctx, record, key, link, _rules(ctx))
    entity = str(record.get("EntityName") or "").strip().lower()
    if entity in RECEIPT_ENTITIES and _amount(record.get("PaidIn")) > 0:
        number = record.get("ResourceNumber")
        return Decision(
            Action.SKIPPED, "", note=f"matched to payment of invoice {number}, posted by the payments flow", link=False
        )
    paid_out = _amount(record.get("PaidOut")) > 0
    if entity in SUPPLIER_PAYMENT_ENTITIES and paid_out and bank_statements.supplier_payments_flow(ctx):
        number = record.get("ResourceNumber")
        note = f"matched to payment of purchase {number}, posted by the supplier payments flow"
        if entity == "purchasebatchpayment":
            note = f"matched to bulk supplier payment {number}, posted by the supplier payments flow"
        return Decision(Action.SKIPPED, "", note=note, link=False)
    if record.get("TransactionType") == TRANSFER and _amount(record.get("PaidIn")) > 0:
        note = "the receiving side of a transfer: posted from the other side"
        return Decision(Action.SKIPPED, "", note=note, link=False)
    return None


class BankLineUnmatched(ValidationFailed):
    """No bank matching rule names this line's counter-account: a person decides (adds a rule, then retries)."""

    stage = "map"
    error_class = "bank_line_unmatched"
    error_code = "bank_line_unmatched"


def _mode(ctx) -> str:
    if "bank_mode" not in ctx.cache:
        ctx.cache["bank_mode"] = flow_mode(ctx.flow.slug)
    return ctx.cache["bank_mode"]


def _rules(ctx) -> list:
    if "bank_match_rules" not in ctx.cache:
        ctx.cache["bank_match_rules"] = active_rules()
    return ctx.cache["bank_match_rules"]


def with_counter_account(ctx, record: dict) -> dict:
    """The line plus ``CounterAccountType``/``CounterAccount`` from the first matching rule; no rule: an exception."""
    counter = counter_for(_rules(ctx), record)
    if counter is None:
        paid_in, paid_out = _amount(record.get("PaidIn")), _amount(record.get("PaidOut"))
        amount = f"in {paid_in:.2f}" if paid_in else f"out {paid_out:.2f}"
        raise BankLineUnmatched(
            f"No bank matching rule matches this line (bank account {record.get('AccountId')}, {amount}, "
            f"type {record.get('TransactionType')}, comment {str(record.get('Comment') or '')!r}): add a rule on "
            "the Bank rules page naming its counter-account, then retry."
        )
    return {
        **record,
        "CounterAccountType": counter.account_type,
        "CounterAccount": counter.account,
        "MatchedRule": counter.rule,
    }


def tag_bank_document(key: str, document: dict) -> dict:
    """Bank lines carry their own external reference, apart from KashFlow journal numbers in the same service."""
    for line in document.get("LedgerJournalTrans") or []:
        line["DocumentNum"] = f"{REFERENCE_PREFIX}{key}"
    return document


def tag(ctx, record: dict, document: dict) -> dict:
    return tag_bank_document(ctx.spec.source_key(record), document)


SPECS = (
    FlowSpec(
        "bank_transaction",
        KF_TO_AX,
        "bank_transaction",
        "journal",
        "Key",
        reference_field="DocumentNum",
        reference_table="LedgerJournalTrans",
        schedule_minutes=60,
        description="Reconciled bank lines not matched to a synced payment become AX bank journal lines, offset by "
        "the bank matching rules",
        decide=bank_line_decision,
        enrich=with_counter_account,
        resolve=tag,
        # On the statement path a line's link names its bank statement, not a journal.
        linked_entity=lambda ctx: bank_statements.ENTITY if _mode(ctx) == STATEMENT else "journal",
        verify_links=by_read,  # general journals and bank statements both read by key
    ),
)
