"""The bank matching rules page: Viewer reads, Accountant edits; rules need a condition; edits are audited."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from mappings.banking.matching import counter_for
from mappings.banking.models import BankFlowSetting, BankMatchRule
from monitoring.models import AuditEvent
from tests.access import assert_page_roles

RULE = {
    "position": "10",
    "name": "Bank charges",
    "active": "on",
    "bank_account_id": "",
    "direction": "out",
    "transaction_type": "6",
    "comment_contains": "",
    "counter_account_type": "Ledger",
    "counter_account": "680100",
}


def test_viewer_reads_and_accountant_edits(client_for):
    assert_page_roles(client_for, reverse("banking:list"), "Viewer")
    assert_page_roles(client_for, reverse("banking:save"), "Accountant", "post", data=RULE, ok_status=302)
    rule = BankMatchRule.objects.first()
    assert_page_roles(client_for, reverse("banking:delete", args=[rule.pk]), "Accountant", "post", ok_status=302)


def test_an_accountant_adds_changes_and_deletes_a_rule_and_each_edit_is_audited(client_for):
    client = client_for("Accountant")
    assert client.post(reverse("banking:save"), RULE).status_code == 302
    rule = BankMatchRule.objects.get()
    assert (rule.transaction_type, rule.direction, rule.counter_account) == (6, "out", "680100")
    response = client.post(reverse("banking:save"), {**RULE, "rule_id": rule.pk, "counter_account": "690000"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.counter_account == "690000"
    page = client.get(reverse("banking:list")).content.decode()
    assert "Bank charges" in page and "690000" in page
    client.post(reverse("banking:delete", args=[rule.pk]))
    assert not BankMatchRule.objects.exists()
    actions = list(AuditEvent.objects.filter(object_type="banking.bankmatchrule").values_list("action", flat=True))
    assert actions.count("bank_rule_saved") == 2 and "bank_rule_deleted" in actions


def test_a_rule_without_any_condition_is_refused_as_a_guess(client_for):
    client = client_for("Accountant")
    catch_all = {**RULE, "direction": "any", "transaction_type": ""}
    response = client.post(reverse("banking:save"), catch_all)
    assert response.status_code == 400 and "at least one condition" in response.content.decode()
    assert not BankMatchRule.objects.exists()
    response = client.post(reverse("banking:save"), {**RULE, "counter_account": ""})
    assert response.status_code == 400 and not BankMatchRule.objects.exists()


def test_the_first_matching_rule_by_position_names_the_counter_account(db):
    BankMatchRule.objects.create(position=20, name="Any payment out", direction="out", counter_account="690000")
    BankMatchRule.objects.create(position=10, name="Salaries", comment_contains="salaries", counter_account="600100")
    BankMatchRule.objects.create(
        position=5, name="Suppliers", transaction_type=3, counter_account_type="Vend", counter_account=""
    )
    BankMatchRule.objects.create(position=1, name="Off", active=False, direction="out", counter_account="999999")
    rules = list(BankMatchRule.objects.order_by("position"))
    assert counter_for(rules, {"PaidOut": 4200, "Comment": "REF1 SALARIES"}).account == "600100"
    assert counter_for(rules, {"PaidOut": 12, "Comment": "Card"}).account == "690000"
    supplier = counter_for(rules, {"PaidOut": 50, "TransactionType": 3, "SupplierCode": "SUP007"})
    assert (supplier.account_type, supplier.account) == ("Vend", "SUP007")
    assert counter_for(rules, {"PaidIn": 250, "Comment": "Unidentified receipt"}) is None


def test_the_page_keeps_the_conventions():
    text = (Path(settings.BASE_DIR) / "templates" / "banking" / "bankrule_list.html").read_text(encoding="utf-8")
    assert "<style" not in text and not re.search(r"\sstyle=", text)
    assert not re.search(r"<script(?![^>]*\ssrc=)", text) and not re.search(r"\son[a-z]+=", text)


def test_an_accountant_chooses_each_bank_flows_path(client_for):
    url = reverse("banking:flow_mode")
    data = {"flow_slug": "bank-transaction-kf-to-ax", "mode": "statement"}
    assert_page_roles(client_for, url, "Accountant", "post", data=data, ok_status=302)
    assert BankFlowSetting.objects.get().mode == "statement"
    client = client_for("Accountant")
    client.post(url, data)
    client.post(url, {**data, "mode": "journal"})
    assert BankFlowSetting.objects.get().mode == "journal"
    assert client.post(url, {**data, "mode": "guess"}).status_code == 400
    page = client_for("Viewer").get(reverse("banking:list")).content.decode()
    assert "bank-transaction-kf-to-ax" in page and "General journal lines" in page
    last = AuditEvent.objects.filter(action="bank_flow_mode_set").order_by("-id").first()
    assert last.changes == {"mode": ["statement", "journal"]}
