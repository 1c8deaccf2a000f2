"""In Chromium: an Accountant reconciles the synced demo company in the worker, sees it clean, injects a fault
in AX by hand, reconciles again and sees the exact difference, then follows it to the record's lineage."""

from __future__ import annotations

import pytest

from integrations.reconciliation.models import ReconciliationRun
from integrations.sandbox.models import AxRecord
from tests.conftest import USER_PASSWORD, cast_member, screenshot
from tests.integrations.reconciliation.test_reconcile_e2e import CLEAN_FLOWS, ax_edit, post_in_ax, sync

pytestmark = pytest.mark.browser


def reconcile_in_the_browser(page, url: str) -> None:
    page.goto(f"{url}/reconciliation/")
    for entity in CLEAN_FLOWS:
        page.check(f"input[name=entities][value={entity}]")
    page.click("#run-reconciliation")
    page.wait_for_selector("#recon-summary", timeout=60_000)


def test_an_accountant_sees_a_clean_company_then_the_exact_difference_injected_in_ax(
    demo, worker, browser_page, settings
):
    settings.RECONCILE_INLINE_MAX_LINKS = 0  # every run goes to the worker, as for a large company
    sync(*CLEAN_FLOWS)
    post_in_ax()  # the accountant posts in AX what LedgerBridge created there
    cast_member("accountant")
    page = browser_page
    page.goto(f"{demo['url']}/login/")
    page.fill("input[name=username]", "accountant")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")

    reconcile_in_the_browser(page, demo["url"])
    first = ReconciliationRun.objects.get()
    assert first.status == "clean" and first.started_at is not None
    summary = page.inner_text("#recon-summary")
    assert f"Clean: {first.documents} documents agree in both systems" in summary
    assert page.locator("#recon-differences").count() == 0
    assert page.locator("#recon-totals-agree tr.recon-agrees").count() == len(first.summary["totals"]) > 0
    assert page.locator("#recon-explained tr.recon-row").count() == first.explained_count > 0
    screenshot(page, "reconciliation-clean")

    invoice = AxRecord.objects.filter(entity="CustInvoiceTable").order_by("key").first()
    ax_edit("CustTrans", invoice.key, lambda d: d.update(CurrencyCode="EUR"))  # posted in the wrong currency
    reconcile_in_the_browser(page, demo["url"])
    assert "1 unexplained difference" in page.inner_text("#recon-summary")
    row = page.locator("#recon-differences tr.recon-row")
    assert row.count() == 1
    assert row.get_attribute("data-kind") == "currency"
    assert row.get_attribute("data-key") == invoice.data["CustomerRef"]
    sides = row.locator("td.recon-side").all_inner_texts()
    assert sides == ["GBP", "EUR"]
    assert invoice.key in row.inner_text()
    screenshot(page, "reconciliation-difference")

    row.locator(f"a:text('{invoice.data['CustomerRef']}')").click()
    page.wait_for_url("**/runs/find/**")
    assert invoice.key in page.content()  # the lineage: KashFlow invoice -> the AX invoice it became
