"""Issue 13 defects 3 (bank half), 4 and 5: every bank line on its own AX bank account, in its account's currency,
offset to the counter-account a matching rule names; an unmapped account or an unmatched line is an exception."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from integrations.models import RecordOutcome
from integrations.sandbox.kashflow import shapes
from integrations.sandbox.models import AxRecord, KashFlowRecord
from integrations.sync.runs import run_flow
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import demo, flow  # noqa: F401  (the fixture)

CONTROL_ACCOUNTS = {"130100", "130200", "200100", "200200"}
EXPECTED_BANK = {55166: ("110110", "GBP"), 55167: ("110120", "EUR")}


def _bank_lines_in_ax() -> dict[str, dict]:
    lines = {}
    for record in AxRecord.objects.filter(entity="LedgerJournalTable"):
        for line in record.data.get("LedgerJournalTrans") or []:
            if str(line.get("DocumentNum", "")).startswith("BANK-"):
                lines[str(line["DocumentNum"])[5:]] = line
    return lines


def _kashflow_lines() -> dict[str, dict]:
    return {
        f"{r.data['AccountId']}/{r.data['Id']}": r.data
        for r in KashFlowRecord.objects.filter(entity="banktransactions")
    }


def _add_kashflow_line(account_id: int, txn_id: int, amount: str, comment: str, transaction_type: int) -> str:
    data = shapes.bank_transaction(
        txn_id,
        account_id,
        on="2026-01-05",
        amount=Decimal(amount),
        comment=comment,
        transaction_type=transaction_type,
        reconciled=True,
    )
    account = KashFlowRecord.objects.filter(entity="banktransactions").first().account
    KashFlowRecord.objects.create(
        account=account,
        entity="banktransactions",
        key=f"{account_id}-{txn_id}",
        parent_key=str(account_id),
        data=data,
        modified_at=timezone.now(),
    )
    return f"{account_id}/{txn_id}"


def test_each_bank_line_posts_to_its_own_ax_bank_account_in_that_accounts_currency(demo):  # noqa: F811
    run = run_flow(flow("bank_transaction"))
    assert run.status in ("succeeded", "partial"), run.error
    lines, posted = _kashflow_lines(), _bank_lines_in_ax()
    assert {lines[k]["AccountId"] for k in posted} == {55166, 55167}  # both accounts have posted lines
    for key, line in posted.items():
        account, currency = EXPECTED_BANK[lines[key]["AccountId"]]
        assert line["AccountType"] == "Bank" and line["LedgerDimension"]["Account"] == account, key
        assert line["CurrencyCode"] == currency, key
        amount = Decimal(str(line.get("AmountCurDebit") or 0)) - Decimal(str(line.get("AmountCurCredit") or 0))
        assert amount == Decimal(str(lines[key]["PaidIn"])) - Decimal(str(lines[key]["PaidOut"])), key


def test_a_bank_line_of_an_unmapped_bank_account_is_refused_with_a_clear_exception(demo):  # noqa: F811
    account = KashFlowRecord.objects.filter(entity="banktransactions").first().account
    KashFlowRecord.objects.create(
        account=account,
        entity="bankaccounts",
        key="55999",
        data=shapes.bank_account(55999, 1250, "Deposit account", balance=Decimal("0")),
        modified_at=timezone.now(),
    )
    key = _add_kashflow_line(55999, 99001, "-12.50", "Monthly account fee", 6)
    run = run_flow(flow("bank_transaction"))
    outcome = RecordOutcome.objects.get(run=run, source_key=key)
    assert outcome.action == "failed"
    item = ExceptionItem.objects.get(flow=flow("bank_transaction"), source_key=key)
    # The accountant keeps the KashFlow bank account -> AX bank account map (value map ``bank_accounts``, no
    # default): a missing account is refused with the value to map, never posted to another bank account.
    assert item.error_class == "value_not_mapped" and "55999" in item.message and "bank_accounts" in item.message
    assert item.suggested_fix["value_map"] == "bank_accounts" and item.suggested_fix["value"] == "55999"
    assert key not in _bank_lines_in_ax()


def test_bank_lines_that_are_not_receipts_take_their_counter_account_from_matching_rules(demo):  # noqa: F811
    fee = _add_kashflow_line(55166, 99002, "-9.75", "Monthly account fee", 6)
    salaries = _add_kashflow_line(55166, 99003, "-4200.00", "REF123456 Salaries", 1)
    interest = _add_kashflow_line(55167, 99004, "3.20", "Interest received", 0)
    vat = _add_kashflow_line(55166, 99005, "-1800.00", "HMRC VAT", 5)
    run_flow(flow("bank_transaction"))
    posted = _bank_lines_in_ax()
    expected = {fee: "680100", salaries: "600100", interest: "450100", vat: "222100"}
    for key, account in expected.items():
        assert posted[key]["OffsetAccountType"] == "Ledger", key
        assert posted[key]["OffsetLedgerDimension"]["Account"] == account, key
    assert posted[interest]["CurrencyCode"] == "EUR"
    for key, line in posted.items():  # no line is guessed onto a debtors/creditors control account
        offset = (line.get("OffsetLedgerDimension") or {}).get("Account")
        assert not (line.get("OffsetAccountType") == "Ledger" and offset in CONTROL_ACCOUNTS), key


def test_an_unmatched_bank_line_is_an_exception_for_a_person_not_a_guess(demo):  # noqa: F811
    key = _add_kashflow_line(55166, 99006, "250.00", "Unidentified receipt", 0)
    run = run_flow(flow("bank_transaction"))
    assert RecordOutcome.objects.get(run=run, source_key=key).action == "failed"
    item = ExceptionItem.objects.get(flow=flow("bank_transaction"), source_key=key)
    assert item.error_code == "bank_line_unmatched" and "matching rule" in item.message
    assert key not in _bank_lines_in_ax()
