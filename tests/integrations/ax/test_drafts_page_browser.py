"""In Chromium: an accountant opens the sandbox's AX drafts page from the menu, sees the drafts LedgerBridge left in
AX per kind with their age, posts the invoices with their own button, then everything with the company's button,
and AX then shows the paid invoice settled."""

from __future__ import annotations

import pytest

from tests.conftest import USER_PASSWORD, cast_member, screenshot
from tests.integrations.ax.test_drafts_page import drafts_in_ax, settled

pytestmark = pytest.mark.browser


def kind_count(page, kind: str) -> int:
    return int(page.get_attribute(f"tr.drafts-kind[data-kind={kind}]", "data-count"))


def test_an_accountant_posts_ax_drafts_with_the_sandbox_buttons(ax_client, ax_company, live_server, browser_page):
    keys = drafts_in_ax(ax_client)
    cast_member("accountant")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "accountant")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.click("a.sandbox-link")
    page.wait_for_selector("#drafts-total")

    assert "4 drafts waiting to be posted" in page.inner_text("#drafts-total")
    assert [kind_count(page, k) for k in ("sales_invoice", "payment", "journal", "purchase_invoice")] == [2, 1, 1, 0]
    assert "ago" in page.inner_text("tr.drafts-kind[data-kind=sales_invoice] .drafts-oldest")
    page.click("details.drafts-list[data-kind=sales_invoice] summary")
    assert keys["first"] in page.inner_text("details.drafts-list[data-kind=sales_invoice]")
    screenshot(page, "sandbox-ax-drafts")

    page.click("button.drafts-post-kind[data-kind=sales_invoice]")
    page.wait_for_selector("text=Posted 2 documents in AX company TST.")
    assert kind_count(page, "sales_invoice") == 0 and kind_count(page, "payment") == 1
    assert settled(ax_client, keys["first"]) == "0.00"

    page.click("#post-all-TST")
    page.wait_for_selector("text=Posted 2 documents in AX company TST.")
    assert "0 drafts waiting to be posted" in page.inner_text("#drafts-total")
    assert settled(ax_client, keys["first"]) == "120.00"
