"""The sandbox's AX drafts page: the drafts per kind with their age, and the accountant's posting button (a CSRF-
protected POST) that posts all or one kind, after which AX shows the invoices posted and settled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from integrations.connectors.dynamics_ax.client import Criterion
from tests.conftest import cast_member
from tests.integrations.ax.conftest import invoice, journal, payment

TEMPLATE = Path(settings.BASE_DIR) / "templates" / "sandbox" / "ax_drafts.html"


def drafts_in_ax(ax_client) -> dict[str, str]:
    """Two invoices, a payment of the first in full, a general journal: all drafts, created through AIF."""
    [first] = ax_client.create("FreeTextInvoiceService", [invoice(reference="1001")])
    [second] = ax_client.create("FreeTextInvoiceService", [invoice(reference="1002")])
    [paid_by] = ax_client.create("CustPaymJournalService", [payment(first, "120.00", "P-1")])
    [general] = ax_client.create("LedgerGeneralJournalService", [journal()])
    return {"first": first, "second": second, "payment": paid_by, "journal": general}


def settled(ax_client, invoice_id: str) -> str | None:
    found = ax_client.find("CustomerTransactionService", [Criterion("CustTrans", "Invoice", "Equal", invoice_id)])
    return found[0]["SettleAmountCur"] if found else None


def counts(html: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'data-kind="(\w+)" data-count="(\d+)"', html)}


def test_the_page_lists_drafts_per_kind_and_posts_one_kind_then_all(ax_client, ax_company, client_for):
    keys = drafts_in_ax(ax_client)
    client = client_for("Accountant")
    url = reverse("sandbox:ax-drafts")

    page = client.get(url).content.decode()
    assert counts(page) == {
        "sales_invoice": 2,
        "vendor_invoice": 0,
        "payment": 1,
        "journal": 1,
        "purchase_invoice": 0,
        "supplier_payment": 0,
    }
    assert "4 drafts waiting to be posted" in page
    assert "journal and pending vendor invoice LedgerBridge creates" in page  # every kind the page lists
    assert keys["first"] in page and "1001" in page  # AX's number and KashFlow's reference
    assert settled(ax_client, keys["first"]) is None  # a draft: AX shows no customer transaction

    answer = client.post(reverse("sandbox:ax-drafts-post"), {"company": "TST", "kind": "sales_invoice"}, follow=True)
    page = answer.content.decode()
    assert "Posted 2 documents in AX company TST." in page
    assert counts(page) == {
        "sales_invoice": 0,
        "vendor_invoice": 0,
        "payment": 1,
        "journal": 1,
        "purchase_invoice": 0,
        "supplier_payment": 0,
    }
    assert settled(ax_client, keys["first"]) == "0.00"  # posted, not yet settled

    page = client.post(reverse("sandbox:ax-drafts-post"), {"company": "TST", "kind": ""}, follow=True)
    page = page.content.decode()
    assert "Posted 2 documents in AX company TST." in page and "0 drafts waiting" in page
    assert settled(ax_client, keys["first"]) == "120.00"
    assert settled(ax_client, keys["second"]) == "0.00"


def test_a_payment_of_an_unposted_invoice_stays_a_draft_and_says_why(ax_client, ax_company, client_for):
    keys = drafts_in_ax(ax_client)
    client = client_for("Accountant")

    page = client.post(reverse("sandbox:ax-drafts-post"), {"company": "TST", "kind": "payment"}, follow=True)

    text = page.content.decode()
    assert "Posted 0 documents" in text
    assert f"{keys['payment']} stays a draft: Invoice {keys['first']} is not posted" in text


def test_only_an_accountant_posts_and_only_with_the_csrf_token(ax_client, ax_company, client_for):
    drafts_in_ax(ax_client)
    post_url = reverse("sandbox:ax-drafts-post")

    assert client_for("Viewer").get(reverse("sandbox:ax-drafts")).status_code == 403
    assert client_for("Viewer").post(post_url, {"company": "TST"}).status_code == 403
    assert client_for(None).get(reverse("sandbox:ax-drafts")).status_code == 302  # to the login
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast_member("accountant"))
    assert strict.post(post_url, {"company": "TST"}).status_code == 403
    assert strict.get(post_url).status_code == 405
    assert counts(strict.get(reverse("sandbox:ax-drafts")).content.decode())["sales_invoice"] == 2


def test_the_page_is_gone_with_the_sandbox(client_for, settings):
    settings.SANDBOX_ENABLED = False

    assert client_for("Accountant").get("/sandbox/ax-drafts/").status_code == 404


def test_the_template_keeps_styles_and_scripts_out_of_the_page():
    text = TEMPLATE.read_text(encoding="utf-8")

    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"<script", text)
    assert not re.search(r"\son[a-z]+=", text)
    assert "hx-on" not in text
    assert text.count("{% csrf_token %}") == 2  # the post-all and the per-kind forms


@pytest.fixture(autouse=True)
def _roles(db):
    cast_member("accountant")
