"""Payments created with an unconfirmed AX key (Duplicate message after a lost answer) are confirmed from the
customer transactions AX makes when their journals are posted: matching by document number, amount and currency
(the target is a stand-in answering what AX has posted; the connector's lookups are tested against the sandbox)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from integrations.models import Flow, RecordLink, RecordOutcome, SyncRun
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sync import confirm
from integrations.sync.confirm import PaymentMatch, Sent, match_payment, sent_money
from integrations.sync.setup import ensure_default_flows
from monitoring.models import ExceptionItem


def trans(voucher: str, amount: str, currency: str = "GBP", reference: str = "501", account: str = "C0001") -> dict:
    return {
        "Voucher": voucher,
        "DocumentNum": reference,
        "AmountCur": amount,
        "CurrencyCode": currency,
        "AccountNum": account,
    }


def payment_document(amount: str = "120.00", currency: str = "GBP", *, debit: str = "") -> dict:
    line = {
        "AccountType": "Cust",
        "LedgerDimension": {"Account": "C0001"},
        "AmountCurCredit": amount,
        "CurrencyCode": currency,
        "DocumentNum": "501",
    }
    if debit:
        line["AmountCurDebit"] = debit
    bank = {"AccountType": "Ledger", "AmountCurDebit": "999.00", "CurrencyCode": "USD"}  # not the customer's money
    return {"JournalName": "CustPay", "LedgerJournalTrans": [line, bank]}


def test_the_money_sent_is_the_customer_lines_credit_less_debit():
    assert sent_money(payment_document("120.00")) == Sent(Decimal("120.00"), "GBP", "C0001")
    assert sent_money(payment_document("120.00", debit="20.00")) == Sent(Decimal("100.00"), "GBP", "C0001")
    nobody = payment_document()
    del nobody["LedgerJournalTrans"][0]["LedgerDimension"]
    assert sent_money(nobody) is None  # no customer to compare with
    mixed = payment_document()
    mixed["LedgerJournalTrans"].append({"AccountType": "Cust", "AmountCurCredit": "1", "CurrencyCode": "EUR"})
    assert sent_money(mixed) is None  # two currencies: no single amount to compare
    assert sent_money(None) is None and sent_money({"LedgerJournalTrans": []}) is None


def test_one_posted_payment_with_the_money_sent_is_confirmed_under_its_voucher():
    sent = Sent(Decimal("120.00"), "GBP", "C0001")
    assert match_payment("501", [], sent) == PaymentMatch()  # not posted yet: wait
    assert match_payment("501", [trans("VCH-7", "-120.00")], sent) == PaymentMatch(voucher="VCH-7")
    # two customer lines on one voucher are one payment
    split = [trans("VCH-7", "-100.00"), trans("VCH-7", "-20.00")]
    assert match_payment("501", split, sent) == PaymentMatch(voucher="VCH-7")
    # the money cannot be compared (no document kept): not even a single posted payment is taken on its number
    unknown = match_payment("501", [trans("VCH-7", "-5.00")], None)
    assert not unknown.voucher and "cannot be compared" in unknown.problem and "VCH-7 5.00 GBP" in unknown.problem


def test_other_money_or_the_same_payment_twice_is_a_problem_not_a_confirmation():
    sent = Sent(Decimal("120.00"), "GBP", "C0001")
    short = match_payment("501", [trans("VCH-7", "-100.00")], sent)
    assert not short.voucher and "VCH-7 100.00 GBP" in short.problem and "sent 120.00 GBP" in short.problem
    euros = match_payment("501", [trans("VCH-7", "-120.00", "EUR")], sent)
    assert not euros.voucher and "120.00 EUR" in euros.problem
    twice = match_payment("501", [trans("VCH-7", "-120.00"), trans("VCH-9", "-120.00")], sent)
    assert not twice.voucher and "more than once" in twice.problem and "VCH-9" in twice.problem
    # another payment AX holds with the same document number does not hide the one sent
    other = match_payment("501", [trans("VCH-7", "-120.00"), trans("VCH-9", "-3.00")], sent)
    assert other == PaymentMatch(voucher="VCH-7")
    # the same money from another customer under a typed document number 501 is not the payment sent
    stranger = match_payment("501", [trans("VCH-5", "-120.00", account="C0002")], sent)
    assert not stranger.voucher and "customer C0002" in stranger.problem and "from customer C0001" in stranger.problem
    both = match_payment("501", [trans("VCH-5", "-120.00", account="C0002"), trans("VCH-7", "-120.00")], sent)
    assert both == PaymentMatch(voucher="VCH-7")


class Target:
    def __init__(self, posted: dict[str, list[dict]]) -> None:
        self.posted = posted
        self.asked: list[list[str]] = []

    def posted_payments(self, references: list[str]) -> dict[str, list[dict]]:
        self.asked.append(list(references))
        return {r: rows for r, rows in self.posted.items() if r in references}

    def posted_payment_references(self, references: list[str]) -> set[str]:
        return {r for r in references if self.posted.get(r)}


@pytest.fixture
def payments(db) -> Flow:
    ensure_default_flows(ensure_demo_connections("http://127.0.0.1:9"), schedules=False)
    return Flow.objects.get(entity="payment", direction="kf_to_ax")


def unconfirmed(flow: Flow, run: SyncRun, key: str, document: dict, *, hours: float = 1) -> RecordLink:
    mid = f"mid-{key}"
    RecordOutcome.objects.create(
        run=run, source_key=key, action="created", message_id=mid, mapped_document=document, error="to be confirmed"
    )
    return RecordLink.objects.create(
        flow=flow,
        source_key=key,
        content_hash="c",
        pending_message_id=mid,
        key_unconfirmed_since=timezone.now() - timedelta(hours=hours),
    )


def test_confirm_keys_stores_the_voucher_marks_it_posted_and_queues_what_cannot_be_confirmed(payments, settings):
    settings.SYNC_UNCONFIRMED_KEY_HOURS = 24
    run = SyncRun.objects.create(flow=payments)
    unconfirmed(payments, run, "501", payment_document("120.00"))
    unconfirmed(payments, run, "502", payment_document("80.00"))  # AX posted other money under its number
    unconfirmed(payments, run, "503", payment_document("10.00"))  # not posted yet, recent
    unconfirmed(payments, run, "504", payment_document("10.00"), hours=30)  # not posted, past the deadline
    target = Target(
        {
            "501": [trans("VCH-7", "-120.00", reference="501")],
            "502": [trans("VCH-8", "-60.00", reference="502")],
        }
    )
    ctx = SimpleNamespace(flow=payments, spec=payments.spec, target=target, run=run, dry_run=False)
    counts = confirm.confirm_keys(ctx)
    assert counts == {"confirmed": 1, "queued": 2}
    assert target.asked == [["501", "502", "503", "504"]]  # one lookup for every waiting payment
    links = {link.source_key: link for link in RecordLink.objects.filter(flow=payments)}
    assert links["501"].target_key == "VCH-7" and links["501"].key_unconfirmed_since is None
    assert links["501"].ax_posted_at is not None and links["501"].pending_message_id == ""
    assert all(links[k].target_key == "" and links[k].key_unconfirmed_since for k in ("502", "503", "504"))
    items = {i.source_key: i for i in ExceptionItem.objects.filter(flow=payments)}
    assert set(items) == {"502", "504"}
    assert items["502"].error_code == confirm.MISMATCH_CODE and "60.00 GBP" in items["502"].message
    assert "sent 80.00 GBP" in items["502"].message
    assert items["504"].error_code == confirm.ERROR_CODE
    # Posted later as sent: the next run confirms it and its queued item is resolved.
    target.posted["504"] = [trans("VCH-12", "-10.00", reference="504")]
    assert confirm.confirm_keys(ctx)["confirmed"] == 1
    assert RecordLink.objects.get(flow=payments, source_key="504").target_key == "VCH-12"
    assert ExceptionItem.objects.get(flow=payments, source_key="504").status == "resolved"


def test_a_payment_whose_sent_document_is_unknown_is_queued_as_cannot_compare_not_confirmed(payments):
    run = SyncRun.objects.create(flow=payments)
    link = unconfirmed(payments, run, "601", payment_document("50.00"))
    RecordOutcome.objects.filter(run=run, source_key="601").update(mapped_document=None)  # nothing kept to compare
    target = Target({"601": [trans("VCH-3", "-50.00", reference="601")]})
    ctx = SimpleNamespace(flow=payments, spec=payments.spec, target=target, run=run, dry_run=False)
    assert confirm.confirm_keys(ctx) == {"confirmed": 0, "queued": 1}
    link.refresh_from_db()
    assert link.target_key == "" and link.ax_posted_at is None and link.key_unconfirmed_since
    item = ExceptionItem.objects.get(flow=payments, source_key="601")
    assert item.error_code == confirm.MISMATCH_CODE and "cannot be compared" in item.message


def test_a_payment_is_marked_posted_only_by_a_posting_with_the_money_and_customer_sent(payments):
    """A KashFlow payment Id is a small integer: a payment typed in AX with that document number is not ours."""
    run = SyncRun.objects.create(flow=payments)
    for key, amount in (("701", "120.00"), ("702", "80.00"), ("703", "30.00")):
        RecordOutcome.objects.create(
            run=run, source_key=key, action="created", target_key=f"JNL-{key}", mapped_document=payment_document(amount)
        )
        RecordLink.objects.create(flow=payments, source_key=key, target_key=f"JNL-{key}", content_hash="c")
    target = Target(
        {
            "701": [trans("VCH-1", "-120.00", reference="701")],  # ours: posted as sent
            "702": [trans("VCH-2", "-80.00", reference="702", account="C0009")],  # same money, another customer
            "703": [trans("VCH-3", "-31.00", reference="703")],  # other money under the same number
        }
    )
    ctx = SimpleNamespace(flow=payments, spec=payments.spec, target=target, run=run, dry_run=False)
    assert confirm.refresh_posted(ctx) == 1
    posted = dict(RecordLink.objects.filter(flow=payments).values_list("source_key", "ax_posted_at"))
    assert posted["701"] is not None and posted["702"] is None and posted["703"] is None
