"""The exception queue in real headless Chromium: filter, group, retry a row and watch it update in place
when the worker is done, apply the mapping-level fix from the detail page."""

from __future__ import annotations

import pytest

from integrations.sandbox.models import KashFlowRecord
from integrations.sync.runs import run_flow
from monitoring.models import ExceptionItem
from tests.conftest import USER_PASSWORD, cast_member, screenshot
from tests.integrations.sync.conftest import flow

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _set_nominal(number: str, nominal: int) -> None:
    record = KashFlowRecord.objects.get(entity="invoices", key=number)
    data = record.data
    for line in data["LineItems"]:
        line["NominalCode"] = nominal
    KashFlowRecord.objects.filter(pk=record.pk).update(data=data)


@pytest.mark.django_db(transaction=True)
def test_an_accountant_works_the_queue_in_a_real_browser(demo, worker, browser_page, live_server):
    numbers = sorted((r.key for r in KashFlowRecord.objects.filter(entity="invoices")), key=int)[:3]
    for number in numbers:
        _set_nominal(number, 4999)
    run_flow(flow("sales_invoice"))
    items = {i.source_key: i for i in ExceptionItem.objects.filter(source_key__in=numbers)}
    assert len(items) == 3
    cast_member("accountant")
    page = browser_page

    page.goto(f"{live_server.url}/login/?next=/exceptions/")
    page.fill("input[name=username]", "accountant")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#exception-table")
    for number in numbers:
        assert page.locator(f"#exception-{items[number].pk}").is_visible()
    assert "Open" in page.locator("#queue-tabs").inner_text()

    # Filter by class (htmx swaps the table and pushes the URL).
    page.select_option("select[name=error_class]", "ax_validation")
    page.wait_for_function("() => document.querySelector('#exception-table tbody').innerText.includes('Nothing here')")
    assert "error_class=ax_validation" in page.url
    page.select_option("select[name=error_class]", "value_not_mapped")
    page.wait_for_selector(f"#exception-{items[numbers[0]].pk}")

    # Group by cause: the three invoices with the same missing value are one group of 3.
    page.check("input[name=view]")
    page.wait_for_selector("#cause-groups")
    group = page.locator(f"tr[data-cause='{items[numbers[0]].fingerprint}']")
    assert group.locator("strong").inner_text() == "3"
    screenshot(page, "exception-queue-groups")
    page.uncheck("input[name=view]")
    page.wait_for_selector("#exception-table")

    # Retry one row after fixing its source: it shows Retrying at once, then Resolved in place.
    first = items[numbers[0]]
    _set_nominal(first.source_key, 4000)
    row = page.locator(f"#exception-{first.pk}")
    row.get_by_role("button", name="Retry").click()
    page.wait_for_selector(f"#exception-{first.pk}[data-status='retrying']", timeout=5_000)
    page.wait_for_selector(f"#exception-{first.pk}[data-status='resolved']", timeout=60_000)
    assert "Resolved" in page.locator(f"#exception-{first.pk}").inner_text()
    screenshot(page, "exception-queue-row-resolved")

    # The detail page: payload, document, error and the suggested fix side by side; apply the fix for the group.
    second = items[numbers[1]]
    page.goto(f"{live_server.url}/exceptions/{second.pk}/")
    assert "LineItems" in page.locator("#source-payload").inner_text()
    assert not page.locator("#error-message").is_visible()  # the technical message is one click away
    page.click("#technical-error summary")
    assert "4999" in page.locator("#error-message").inner_text()
    assert page.locator("#fix-form").is_visible()
    screenshot(page, "exception-detail")
    page.select_option("#fix-target", "401100")
    page.click("#fix-review")
    page.wait_for_selector("#fix-summary")
    assert "401100" in page.inner_text("#fix-summary")
    screenshot(page, "exception-fix-confirmation")
    page.click("#confirm-fix")
    page.wait_for_selector("#exception-status[data-status='resolved']", timeout=60_000)
    assert ExceptionItem.objects.get(pk=items[numbers[2]].pk).status in ("retrying", "resolved")
    screenshot(page, "exception-detail-fixed")

    # The dashboard and "where is invoice N?" render for the same user.
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("section.flowcard[data-flow='sales-invoice-kf-to-ax'] svg")
    screenshot(page, "dashboard")
    page.goto(f"{live_server.url}/runs/find/?q={first.source_key}")
    assert "created" in page.locator("#record-outcomes").inner_text()
    screenshot(page, "find-record")
