"""A newcomer's first hour, in headless Chromium against the sandbox over real sockets and a real worker: log in,
test the demo connections, adjust the sales-invoice mapping (a GL account and a dimension rule), preview and
publish it, run the invoice flow and watch it, fix the exception an unmapped nominal code caused, see the invoice
posted, and check the dashboard. Every step leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import json

import pytest

from integrations.models import Connection, SyncRun
from integrations.sandbox.models import KashFlowRecord
from mappings.models import MappingSet
from monitoring.models import ExceptionItem
from tests.conftest import USER_PASSWORD, cast_member, screenshot
from tests.integrations.sync.conftest import demo, invoice_refs, worker  # noqa: F401 -- fixtures

pytestmark = pytest.mark.browser

KEY = "sales-invoice-kf-to-ax"
UNMAPPED = 4900  # the demo's sundry-income nominal code, deliberately absent from the template


def _sample_invoice() -> dict:
    """A demo invoice with a product-sales line (4000) and a services line (4010), for the preview."""
    record = KashFlowRecord.objects.filter(entity="invoices").order_by("pk").first().data
    line = record["LineItems"][0]
    record["LineItems"] = [{**line, "NominalCode": 4000, "Number": 1}, {**line, "NominalCode": 4010, "Number": 2}]
    return record


def _log_in(page, url: str, user) -> None:
    """Log out whoever is in, then log in as ``user``."""
    page.goto(f"{url}/")
    if page.locator("form.logout button").count():
        page.click("form.logout button")
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _htmx_settled(page) -> None:
    """Wait until no htmx request is in flight: a change to the mapping re-renders the preview form
    (``mappingChanged``), and on a loaded machine that answer can land after the sample was typed, replacing it."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_a_newcomer_maps_runs_fixes_and_checks_the_dashboard(demo, worker, browser_page):  # noqa: F811
    url = demo["url"]
    sundry = [
        r.key for r in KashFlowRecord.objects.filter(entity="invoices")
        if any(line["NominalCode"] == UNMAPPED for line in r.data["LineItems"])
    ]  # fmt: skip
    assert sundry, "the demo company has an invoice on the unmapped nominal code"
    user = cast_member("integration_admin")
    page = browser_page

    # 1. Log in.
    page.goto(f"{url}/login/")
    screenshot(page, "journey-01-login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")

    # 2. Test both sandbox connections.
    page.click("nav >> text=Connections")
    for connection in Connection.objects.filter(pk__in=[demo["pair"].kashflow_id, demo["pair"].dynamics_ax_id]):
        page.click(f"#connection-{connection.pk} button.test-connection")
        result = page.wait_for_selector(f"#connection-{connection.pk}-status .test-result")
        assert result.get_attribute("data-ok") == "true", result.inner_text()
    screenshot(page, "journey-02-connections-tested")

    # 3. Open the sales-invoice mapping and start a draft.
    page.click("nav >> text=Mappings")
    page.click("text=Sales invoices: KashFlow → AX free text invoices")
    page.click("#edit")
    page.wait_for_selector("#version-badge:has-text('v2 draft')")

    # A GL account: services income (4010) posts to 401500 from now on.
    value_map = page.locator(".value-map[data-name='nominal_accounts']")
    value_map.locator("input[name=source_value]").fill("4010")
    value_map.locator("input[name=target_value]").fill("401500")
    value_map.locator("input[name=target_value]").press("Tab")  # typed in full: leave the account picker
    value_map.locator("button:has-text('Add / change')").click()
    # A dimension rule: product sales move to cost centre OU_4 (the rule's CostCenter row).
    rule = page.locator(".dimension-rule[data-name='Product sales'] form.dimension-form")
    cost_centre = rule.locator(".dimension-row:has(option[selected][value='CostCenter']) input[name=dim_value]")
    cost_centre.fill("OU_4")
    cost_centre.press("Tab")
    rule.locator("button[type=submit]").click()
    page.wait_for_selector(".dimension-rule[data-name='Product sales'] input[name=dim_value][value='OU_4']")

    # Preview on an invoice with both kinds of line: the new account and cost centre show.
    _htmx_settled(page)
    page.locator("details:has(#sample-json)").evaluate("details => { details.open = true; }")
    page.fill("#sample-json", json.dumps(_sample_invoice()))
    page.click("button:has-text('Preview this record')")
    page.wait_for_function("() => document.querySelector('#preview-document')?.innerText.includes('401100-022-OU_4')")
    preview = page.locator("#preview-document").inner_text()
    assert '"Account": "401500"' in preview
    screenshot(page, "journey-03-mapping-preview")

    page.click("#publish")
    page.wait_for_selector("#version-badge:has-text('v2 published')")
    published = MappingSet.objects.get(key=KEY, status="published")
    assert published.version == 2
    assert published.value_maps.get(name="nominal_accounts").entries.get(source_value="4010").target_value == "401500"
    screenshot(page, "journey-04-mapping-published")

    # 4. Run the invoice flow and watch the progress bar to the end.
    page.click("nav >> text=Flows")
    page.goto(f"{url}/flows/sales-invoice-kf-to-ax/")
    page.click("#run-now")
    page.wait_for_selector("#run-progress .run-status", timeout=15_000)
    screenshot(page, "journey-05-run-progress")
    page.wait_for_function(
        "() => ['succeeded', 'partial', 'failed'].includes(document.querySelector('#run-progress .run-status')"
        "?.textContent.trim())",
        timeout=60_000,
    )
    run = SyncRun.objects.filter(flow__slug="sales-invoice-kf-to-ax").latest("pk")
    assert run.status == "partial" and run.mapping_version == 2
    assert run.failed_count == len(sundry)
    assert f"{run.created_count} created" in page.inner_text("#run-progress")
    posted = invoice_refs()
    assert set(posted.values()) == {1} and not set(sundry) & set(posted)
    screenshot(page, "journey-06-run-finished")

    # 5. An accountant takes the exception queue: the sundry invoice, its cause, the suggested fix; applied
    #    through the confirmation, the invoice posts.
    _log_in(page, url, cast_member("accountant"))
    page.click("nav >> text=Exceptions")
    item = ExceptionItem.objects.get(flow__slug="sales-invoice-kf-to-ax", source_key=sundry[0])
    page.wait_for_selector(f"#exception-{item.pk}")
    screenshot(page, "journey-07-exception-queue")
    page.click(f"#exception-{item.pk} a:has-text('{sundry[0]}')")
    page.wait_for_selector("#plain-error")
    assert not page.locator("#error-message").is_visible()  # the technical message is one click away
    page.click("#technical-error summary")
    assert str(UNMAPPED) in page.locator("#error-message").inner_text()
    assert f"nominal {UNMAPPED} has no AX main account yet" in page.inner_text("#plain-error")
    assert page.locator("#record-lines tr.failing-line").count() >= 1
    # The fix, the one thing to act on, is not the narrowest column.
    widths = [
        page.locator(f"{sel}").bounding_box()["width"]
        for sel in (
            ".exception-panels > .card:nth-child(1)",
            ".exception-panels > .card:nth-child(2)",
            "#suggested-fix",
        )
    ]
    assert widths[2] >= max(widths[:2]), widths
    # Sundry income is a sales nominal: only revenue accounts are offered, and none is chosen on a guess.
    assert page.locator("#fix-target").input_value() == "", "no GL decision on a guess"
    offered = " ".join(page.locator("#fix-target option").all_inner_texts())
    assert "401500 Sales - consultancy" in offered and "Share capital" not in offered and "PAYE" not in offered
    screenshot(page, "journey-08-exception-detail")
    page.select_option("#fix-target", "401500")
    page.click("#fix-review")
    summary = page.wait_for_selector("#fix-summary").inner_text()
    assert f"{len(sundry)} invoice" in summary and "to 401500 Sales - consultancy" in summary, summary
    assert "£" in summary or "€" in summary or "$" in summary, summary
    screenshot(page, "journey-09-fix-confirmation")
    page.click("#confirm-fix")
    page.wait_for_selector("#exception-status[data-status='resolved']", timeout=60_000)
    assert page.locator("#ax-document").inner_text().strip(), "the AX document number of the resolved invoice"
    screenshot(page, "journey-09b-exception-resolved")
    posted = invoice_refs()
    assert all(posted.get(number) == 1 for number in sundry), posted
    assert set(posted.values()) == {1}
    # Every run of this record, one click from the exception: the failure, then the invoice posted.
    page.click("#record-lineage")
    outcomes = page.locator("#record-outcomes").inner_text()
    assert "failed" in outcomes and "created" in outcomes, outcomes
    screenshot(page, "journey-10-invoice-posted")

    # An integration admin runs the payments flow; its run lists every record it took, each with its outcome.
    _log_in(page, url, user)
    page.goto(f"{url}/flows/payment-kf-to-ax/")
    page.click("#run-now")
    page.wait_for_function(
        "() => ['succeeded', 'partial', 'failed'].includes(document.querySelector('#run-progress .run-status')"
        "?.textContent.trim())",
        timeout=60_000,
    )
    payments = SyncRun.objects.filter(flow__slug="payment-kf-to-ax").latest("pk")
    assert payments.status in ("succeeded", "partial"), payments.error
    page.goto(f"{url}/runs/{payments.pk}/")
    listed = page.locator("#outcome-table tbody tr").count()
    assert listed == payments.outcomes.count() > 0
    screenshot(page, "journey-10b-payments-run-lineage")

    # 6. The dashboard shows the flow's health.
    page.click("nav >> text=Dashboard")
    page.wait_for_selector("section.flowcard[data-flow='sales-invoice-kf-to-ax'] svg")
    screenshot(page, "journey-11-dashboard")
