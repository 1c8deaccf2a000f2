"""In Chromium: an Integration admin runs a flow from its page and the progress bar follows the run to its end."""

from __future__ import annotations

import pytest

from integrations.models import SyncRun
from tests.conftest import USER_PASSWORD, cast_member, screenshot
from tests.integrations.sync.conftest import invoice_refs

pytestmark = pytest.mark.browser


def test_run_now_shows_a_live_progress_bar_until_the_run_ends(demo, worker, browser_page):
    cast_member("integration_admin")
    page = browser_page
    page.goto(f"{demo['url']}/login/")
    page.fill("input[name=username]", "integration_admin")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{demo['url']}/flows/sales-invoice-kf-to-ax/")
    page.click("#run-now")
    page.wait_for_selector("#run-progress .run-status", timeout=15_000)
    page.wait_for_function(
        "() => ['succeeded', 'partial', 'failed'].includes(document.querySelector('#run-progress .run-status')"
        "?.textContent.trim())",
        timeout=30_000,
    )
    run = SyncRun.objects.get()
    assert page.inner_text("#run-progress .run-status") == run.status == "partial"
    bar = page.locator("#run-progress [role=progressbar]")
    assert bar.get_attribute("aria-valuenow") == str(run.processed) == str(run.total)
    assert f"{run.created_count} created" in page.inner_text("#run-progress")
    assert len(invoice_refs()) == run.created_count
    page.wait_for_selector(f"#recent-runs a:text('{run.pk}')")  # the runs table refreshed itself
    screenshot(page, "flow-run-progress")
