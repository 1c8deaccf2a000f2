"""Bank lines as AX bank statements (BankStmtService): one per bank account and month, every line once, with
KashFlow's Id as the entry reference, in the account's currency, exactly once across runs."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.utils import timezone

from integrations.models import RecordOutcome
from integrations.sandbox.models import AxMessage, AxRecord, KashFlowRecord
from integrations.sync.flows.bank_statements import statement_id
from integrations.sync.runs import run_flow
from mappings.banking.models import BankFlowSetting
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import demo, flow  # noqa: F401  (the fixture)

ACCOUNTS = {55166: ("110110", "GBP"), 55167: ("110120", "EUR")}


def _statements() -> dict[str, dict]:
    return {r.key: r.data for r in AxRecord.objects.filter(entity="BankStmtISOAccountStatement")}


def _statement_mode() -> None:
    BankFlowSetting.objects.create(flow_slug=flow("bank_transaction").slug, mode="statement")


def test_closed_months_reach_ax_as_one_statement_per_account_each_line_once(demo):  # noqa: F811
    _statement_mode()
    run = run_flow(flow("bank_transaction"))
    assert run.status in ("succeeded", "partial"), run.error
    statements = _statements()
    lines = [r.data for r in KashFlowRecord.objects.filter(entity="banktransactions")]
    this_month = timezone.localdate().strftime("%Y-%m")
    by_statement: dict[str, list[dict]] = {}
    for line in lines:
        by_statement.setdefault(statement_id(line), []).append(line)
    expected = {
        sid
        for sid, group in by_statement.items()
        if group[0]["Date"][:7] < this_month and all(line["Reconciled"] for line in group)
    }
    assert expected and set(statements) == expected
    for sid, statement in statements.items():
        group = by_statement[sid]
        account, currency = ACCOUNTS[group[0]["AccountId"]]
        assert (statement["BankAccountTable"], statement["Currency"]) == (account, currency)
        entries = statement["BankStmtISOReportEntry"]
        assert Counter(e["EntryReference"] for e in entries) == Counter(str(line["Id"]) for line in group)
        net = sum(Decimal(e["Amount"]) * (1 if e["AmountCreditDebitIndicator"] == "Credit" else -1) for e in entries)
        assert net == sum(Decimal(str(x["PaidIn"])) - Decimal(str(x["PaidOut"])) for x in group)
        assert all(statement["FromDateTime"] <= e["BookingDateTime"] <= statement["ToDateTime"] for e in entries)
    notes = " ".join(e["AdditionalEntryInformation"] for s in statements.values() for e in s["BankStmtISOReportEntry"])
    assert "matched to the payment of invoice" in notes and "counter-account Ledger 680100" in notes
    # No general journal line was written on this path.
    assert not any(
        str(line.get("DocumentNum", "")).startswith("BANK-")
        for r in AxRecord.objects.filter(entity="LedgerJournalTable")
        for line in r.data.get("LedgerJournalTrans") or []
    )

    creates = AxMessage.objects.filter(service="BankStmtService", operation="create", succeeded=True).count()
    again = run_flow(flow("bank_transaction"), full=True)
    assert again.created_count == 0 and _statements() == statements
    assert AxMessage.objects.filter(service="BankStmtService", operation="create", succeeded=True).count() == creates
    outcomes = RecordOutcome.objects.filter(run=again, action="skipped")
    assert outcomes.filter(error__startswith="on bank statement").count() == sum(len(by_statement[s]) for s in expected)


def test_a_bank_account_without_advanced_bank_reconciliation_is_refused_by_ax_and_queued(demo):  # noqa: F811
    _statement_mode()
    account = AxRecord.objects.get(entity="BankAccountTable", key="110120")
    account.data["AdvancedBankReconciliation"] = "No"
    account.save()
    run_flow(flow("bank_transaction"))
    assert all(s["BankAccountTable"] == "110110" for s in _statements().values())
    items = ExceptionItem.objects.filter(flow=flow("bank_transaction"))
    assert any("Advanced bank reconciliation" in item.message for item in items)
