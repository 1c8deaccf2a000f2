"""In a real browser, a new user maps fields with the visual mapper (issue 15, raise 2): a source field of a real
sandbox invoice dragged onto a target row, another assigned with the keyboard alone, a transform chosen from the
list with its option as a field, dimension rules as rows with pickers; the published version maps a record as
the accountant meant."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sandbox.models import KashFlowRecord
from mappings import services
from mappings.models import MappingSet
from mappings.services.starters import install_templates
from tests.conftest import ARTIFACTS, USER_PASSWORD, screenshot

KEY = "sales-invoice-kf-to-ax"


def _row(page, target: str):
    return page.locator(f"form.rule-row[data-target='{target}']")


def _field(page, path: str):
    return page.locator(f"#source-fields .source-field[data-path='{path}']")


def _login(page, url: str, user) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_user_maps_by_drag_and_drop_and_by_keyboard_and_the_published_version_maps_a_record(
    live_server, browser_page, accountant
):
    seed_sandbox(invoices=4)
    ensure_demo_connections(live_server.url)
    (v1,) = install_templates(keys=[KEY])
    page = browser_page
    _login(page, live_server.url, accountant)
    page.goto(f"{live_server.url}/mappings/{v1.pk}/")
    page.click("#edit")
    page.wait_for_selector("#version-badge:has-text('v2 draft')")

    # The source panel reads a real invoice: field names with their sample values.
    page.wait_for_selector("#source-fields .source-field[data-path='Number'] .sample-value")
    number_shown = _field(page, "Number").locator(".sample-value").inner_text()
    assert number_shown.isdigit()
    page.locator("#rules").screenshot(path="test-artifacts/mapper-rules-section.png")
    screenshot(page, "mapper-source-panel")

    # Drag and drop: the invoice's customer reference onto CustomerRef.
    # (Both in view first, as a person sees them: the mouse does not move the page between press and release.)
    _row(page, "CustomerRef").scroll_into_view_if_needed()
    _field(page, "CustomerReference").scroll_into_view_if_needed()
    _field(page, "CustomerReference").drag_to(_row(page, "CustomerRef").locator(".target"))
    page.wait_for_selector("form.rule-row[data-target='CustomerRef'] input[name=source][value='CustomerReference']")

    # Keyboard only: focus the field, Enter picks it; Tab to the row's assign button, Enter assigns.
    _field(page, "Number").focus()
    page.keyboard.press("Enter")
    assert _field(page, "Number").get_attribute("aria-pressed") == "true"
    assert "picked" in page.locator("#assign-status").inner_text()
    _row(page, "PurchOrderFormNum").locator(".assign-here").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("form.rule-row[data-target='PurchOrderFormNum'] input[name=source][value='Number']")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('assign-here')")
    assert "PurchOrderFormNum" in page.locator("#assign-status").inner_text()

    # A transform chosen from the list, its option a field (not the text syntax).
    _row(page, "PurchOrderFormNum").locator(".edit-transforms").click()
    editor = page.locator(".transform-editor[data-target='PurchOrderFormNum']")
    editor.locator("select.add-transform").select_option("template")
    block = editor.locator(".transform-block[data-name='template']")
    block.locator("input[name$='__text']").fill("KF-{value}")
    editor.locator("button:has-text('Apply transforms')").click()
    page.wait_for_selector("form.rule-row[data-target='PurchOrderFormNum'] input[name=transforms][value*='template']")
    assert page.locator(".transform-editor").count() == 0

    # A dimension rule from rows: a source field, an operator, a value; an AX dimension and a value picked.
    form = page.locator("#new-dimension-rule")
    form.locator("input[name=name]").fill("Sundry income")
    form.locator("select[name=level]").select_option("line")
    form.locator("select[name=cond_field]").first.select_option("LineItems[].NominalCode")
    form.locator("select[name=cond_op]").first.select_option("eq")
    form.locator("input[name=cond_value]").first.fill("4900")
    form.locator("select[name=dim_name]").first.select_option("CostCenter")
    picker = form.locator("input[name=dim_value]").first
    picker.fill("manch")
    matches = page.locator("#new-dimension-rule .picker-list:not([hidden]) [role=option]")
    expect(matches).to_have_count(1)
    expect(matches.first).to_have_attribute("data-value", "OU_2")
    picker.press("ArrowDown")
    picker.press("Enter")
    assert picker.input_value() == "OU_2"
    form.locator("button:has-text('Add rule')").click()
    page.wait_for_selector(".dimension-rule[data-name='Sundry income']")
    screenshot(page, "mapper-draft")

    draft = MappingSet.objects.get(key=KEY, status="draft")
    assert draft.dimension_rules.get(name="Sundry income").dimensions == {"CostCenter": "OU_2"}

    # Before publishing: the record beside its document, the changed values marked against v1, named accounts.
    page.wait_for_selector("#compare-mapped tr.changed-row code:has-text('PurchOrderFormNum')")
    assert "KF-" in page.locator("#compare-mapped tr.changed-row:has(code:has-text('PurchOrderFormNum'))").inner_text()
    assert page.locator("#compare-mapped .lines-table td .code-name").count() > 0
    # The diff beside the Publish button, and a dry run over the last records.
    panel = page.locator("#publish-panel")
    panel.locator("#diff:has-text('PurchOrderFormNum')").wait_for()
    panel.locator("input[name=count]").fill("4")
    panel.locator("#dry-run").click()
    summary = panel.locator("#dry-run-summary")
    summary.wait_for()
    assert "0 sales invoices would change account" in summary.inner_text()
    assert "the last 4 sales invoices" in summary.inner_text()
    assert "4 would change in any value" in summary.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    panel.screenshot(path=str(ARTIFACTS / "mapper-publish-panel.png"))
    page.locator("#dimension-rules-section").screenshot(path=str(ARTIFACTS / "mapper-dimension-rules.png"))
    page.locator("#value-maps-section").screenshot(path=str(ARTIFACTS / "mapper-value-maps.png"))
    page.locator("#record-compare-section").screenshot(path=str(ARTIFACTS / "mapper-record-compare.png"))
    page.click("#publish")
    page.wait_for_selector("#version-badge:has-text('v2 published')")

    # The published version maps a real invoice as the accountant meant.
    published = MappingSet.objects.get(key=KEY, status="published")
    invoice = next(r.data for r in KashFlowRecord.objects.filter(entity="invoices") if r.data.get("CustomerReference"))
    document = services.compiled_mapping(published).apply(invoice).document
    assert document["CustomerRef"] == invoice["CustomerReference"]
    assert document["PurchOrderFormNum"] == f"KF-{invoice['Number']}"
