"""In a real browser: an accountant edits the sales invoice mapping, previews it on a live sandbox invoice,
adds a GL account mapping and a dimension rule, publishes, and rolls back."""

from __future__ import annotations

import json
import re

import pytest

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sandbox.models import KashFlowRecord
from mappings.models import MappingSet
from mappings.services.starters import install_templates
from monitoring.models import AuditEvent
from tests.conftest import USER_PASSWORD, screenshot

KEY = "sales-invoice-kf-to-ax"


def _row(page, target: str):
    return page.locator(f"form.rule-row[data-target='{target}']")


def _preview_text(page) -> str:
    return page.locator("#preview-document").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_accountant_maps_previews_publishes_and_rolls_back(live_server, browser_page, accountant):
    seed_sandbox(invoices=45)
    ensure_demo_connections(live_server.url)
    (v1,) = install_templates(keys=[KEY])
    sundry = next(
        r.data
        for r in KashFlowRecord.objects.filter(entity="invoices")
        if any(line["NominalCode"] == 4900 for line in r.data["LineItems"])
    )
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", accountant.username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The list, the published template, and a new draft of it.
    page.click("nav >> text=Mappings")
    page.click("text=Sales invoices: KashFlow → AX free text invoices")
    page.click("#edit")
    page.wait_for_selector("#version-badge:has-text('v2 draft')")

    # Preview on a live invoice fetched from the KashFlow sandbox.
    page.click("#fetch-sample")
    page.wait_for_selector("#preview-document")
    assert '"OrderAccount"' in _preview_text(page)
    assert '"CustomerRef": "' in _preview_text(page)
    screenshot(page, "mapping-designer-preview")

    # Edit a rule inline: the preview follows.
    row = _row(page, "CustomerRef")
    row.locator("input[name=transforms]").fill('string | template(text="KF-{value}")')
    row.locator("input[name=transforms]").press("Tab")
    page.wait_for_function("() => document.querySelector('#preview-document').innerText.includes('\"KF-')")
    # Map a KashFlow field to an AX field.
    row = _row(page, "DocumentDate")
    row.locator("input[name=source]").fill("DueDate")
    row.locator("input[name=source]").press("Tab")
    page.wait_for_selector("form.rule-row[data-target='DocumentDate'] input[name=source][value='DueDate']")
    page.wait_for_function(
        "() => { const d = JSON.parse(document.querySelector('#preview-document').innerText);"
        " return d.DocumentDate === d.DueDate; }"
    )

    # A real invoice with the deliberately unmapped nominal 4900: the preview reports it.
    page.click("summary:has-text('paste')")
    page.fill("#sample-json", json.dumps(sundry))
    page.click("button:has-text('Preview this record')")
    page.wait_for_selector("#preview-issues:has-text('4900')")
    screenshot(page, "mapping-designer-unmapped-nominal")

    # Add the GL account mapping: the issue goes, the line posts to 401500.
    value_map = page.locator(".value-map[data-name='nominal_accounts']")
    value_map.locator("input[name=source_value]").fill("4900")
    value_map.locator("input[name=target_value]").fill("401500")
    value_map.locator("input[name=target_value]").press("Tab")
    value_map.locator("button:has-text('Add / change')").click()
    page.wait_for_function("() => !document.querySelector('#preview-issues').innerText.includes('4900')")
    assert '"Account": "401500"' in _preview_text(page)

    # Add a dimension rule for those lines, first in order.
    form = page.locator("#new-dimension-rule")
    form.locator("input[name=name]").fill("Sundry income")
    form.locator("select[name=level]").select_option("line")
    form.locator("select[name=cond_field]").first.select_option("LineItems[].NominalCode")
    form.locator("input[name=cond_value]").first.fill("4900")
    form.locator("select[name=dim_name]").first.select_option("Department")
    form.locator("input[name=dim_value]").first.fill("040")
    form.locator("input[name=dim_value]").first.press("Tab")  # typed in full: leave the picker's list
    form.locator("button:has-text('+ dimension')").click()
    form.locator("select[name=dim_name]").nth(1).select_option("CostCenter")
    form.locator("input[name=dim_value]").nth(1).fill("OU_2")
    form.locator("input[name=dim_value]").nth(1).press("Tab")
    form.locator("button:has-text('Add rule')").click()
    page.wait_for_selector(".dimension-rule[data-name='Sundry income']")
    # First match wins: move it above the range rule for 4000-4999.
    page.click(".dimension-rule[data-name='Sundry income'] button.move-top")
    page.wait_for_selector(".dimension-rule:first-child[data-name='Sundry income']")
    page.wait_for_function("() => document.querySelector('#preview-document').innerText.includes('401500-040-OU_2')")
    screenshot(page, "mapping-designer-draft")
    draft = MappingSet.objects.get(key=KEY, status="draft")

    # Publish: v2 is live, v1 archived, who and when in the audit trail.
    page.click("#publish")
    page.wait_for_selector("#version-badge:has-text('v2 published')")
    screenshot(page, "mapping-designer-published")
    v1.refresh_from_db()
    assert v1.status == "archived"
    event = AuditEvent.objects.get(action="published", object_id=str(draft.pk))
    assert event.actor == accountant
    assert "value map nominal_accounts[4900]" in event.changes

    # Roll back to v1 from the version list.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("tr[data-version='1'] button.roll-back")
    page.wait_for_selector("#version-badge:has-text('v3 published')")
    current = MappingSet.objects.get(key=KEY, status="published")
    assert current.version == 3
    assert not current.value_maps.get(name="nominal_accounts").entries.filter(source_value="4900").exists()
    assert re.search(r"\bv2\b", page.locator("tr[data-version='2']").inner_text())
    screenshot(page, "mapping-designer-rolled-back")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_designer_styles_and_behaviour_come_from_its_own_static_files(live_server, browser_page, accountant):
    (published,) = install_templates(keys=["customer-kf-to-ax"])
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", accountant.username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/mappings/{published.pk}/")
    page.click("#edit")
    page.wait_for_selector("#version-badge:has-text('v2 draft')")

    # mappings.css lays the designer out (no style block or attribute in the page does).
    assert page.eval_on_selector(".designer", "el => getComputedStyle(el).display") == "grid"
    assert page.locator("main [style]").count() == 0 and page.locator("main style").count() == 0

    # mappings.js: a new rule that saved empties its form.
    form = page.locator("#new-rule")
    form.locator("input[name=target_path]").fill("NameAlias")
    form.locator("input[name=source]").fill("Name")
    form.locator("button:has-text('Add rule')").click()
    page.wait_for_selector("form.rule-row[data-target='NameAlias'] input[name=source][value='Name']")
    page.wait_for_function("document.querySelector('#new-rule input[name=target_path]').value === ''")

    # mappings.js: discarding asks first; dismissed, the draft stays; accepted, it goes.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Discard draft')")
    page.wait_for_timeout(300)
    assert MappingSet.objects.filter(key="customer-kf-to-ax", status="draft").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Discard draft')")
    page.wait_for_selector("#version-badge:has-text('v1 published')")
    assert not MappingSet.objects.filter(key="customer-kf-to-ax", status="draft").exists()
