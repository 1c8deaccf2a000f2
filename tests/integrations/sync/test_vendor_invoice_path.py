"""The purchase-invoice flow's two AX documents: the general journal (default) and, from AX 2012 R2, the pending
vendor invoice (VendInvoiceService). Over real sockets against both simulators; money, not counts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from django.urls import reverse

from integrations.models import Flow, RecordLink, RecordOutcome
from integrations.sandbox.ax import rules, vendinvoice
from integrations.sandbox.demo_data import NOMINAL_TO_MAIN_ACCOUNT
from integrations.sandbox.models import AxMessage, AxRecord, FaultRule, KashFlowRecord
from integrations.sync.flows.purchase_invoice import INVOICE_LINES
from integrations.sync.runs import run_flow
from mappings.models import MappingSet
from tests.integrations.sync.conftest import flow

CENT = Decimal("0.01")


def _d(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _purchases() -> dict[str, dict]:
    return {r.key: r.data for r in KashFlowRecord.objects.filter(entity="purchases")}


def _save_settings(client, document: str, mapping_set_id: int | None = None):
    current = flow("purchase_invoice")
    return client.post(
        f"/flows/{current.slug}/settings/",
        {
            "ax_document": document,
            "trigger": current.trigger,
            "schedule_minutes": current.schedule_minutes or "",
            "mapping_set": mapping_set_id or current.mapping_set_id,
            "batch_size": current.batch_size,
            "enabled": "on",
        },
    )


def _choose(client, document: str) -> Flow:
    """The flow page's settings form, as an integration admin saves it: only the AX document changes."""
    response = _save_settings(client, document)
    assert response.status_code in (200, 302), response.content[:2000]
    return flow("purchase_invoice")


@pytest.fixture
def admin_client(client_for, demo):
    return client_for("Integration admin")


def _post_vendor_invoices(demo, settings) -> None:
    """The accountant posts the pending invoices: the sandbox's control API, over the live server."""
    settings.SANDBOX_CONTROL_TOKEN = "post-token"
    response = httpx.post(
        f"{demo['url']}/sandbox/control/ax/post",
        json={"kinds": ["vendor_invoice"]},
        headers={"Authorization": "Bearer post-token"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    for company in response.json()["companies"].values():
        assert not company["refused"], company["refused"]


def test_switching_the_flow_setting_switches_the_ax_document(demo, admin_client):
    assert flow("purchase_invoice").spec.target_entity == "purchase_invoice"  # the general journal by default
    switched = _choose(admin_client, "vendor_invoice")
    assert switched.mapping_set.key == "purchase-invoice-vendor-invoice-kf-to-ax"
    assert switched.spec.target_entity == "vendor_invoice"
    page = admin_client.get(f"/flows/{switched.slug}/").content.decode()
    assert 'value="vendor_invoice" selected' in page
    back = _choose(admin_client, "purchase_invoice")  # nothing posted yet: it switches back and forth freely
    assert back.mapping_set.key == "purchase-invoice-kf-to-ax" and back.spec.target_entity == "purchase_invoice"
    # A mapping of the other document, chosen together with this one, is refused: the flow stays as it was.
    vendor_mapping = MappingSet.objects.get(key="purchase-invoice-vendor-invoice-kf-to-ax", status="published")
    refused = _save_settings(admin_client, "purchase_invoice", vendor_mapping.pk)
    assert refused.status_code == 400 and "does not post the chosen AX document" in refused.content.decode()
    assert flow("purchase_invoice").spec.target_entity == "purchase_invoice"
    switched = _choose(admin_client, "vendor_invoice")
    run = run_flow(switched)
    assert run.status in ("succeeded", "partial"), run.error
    created = RecordOutcome.objects.filter(run=run, flow__isnull=True, action="created").count()
    assert AxRecord.objects.filter(entity=vendinvoice.INVOICE).count() == created == len(_purchases())
    assert not [r for r in AxRecord.objects.filter(entity="LedgerJournalTable") if r.data["JournalName"] == "VendInv"]


def _money_in_ax() -> tuple[Decimal, Decimal, int]:
    """Gross purchase money AX holds as vendor invoice journals and as pending vendor invoices, and their count."""
    journals = sum(
        (
            _d(line.get("AmountCurCredit") or 0) - _d(line.get("AmountCurDebit") or 0)
            for record in AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="VendInv")
            for line in record.data.get("LedgerJournalTrans") or []
            if line.get("AccountType") == "Vend"
        ),
        Decimal(0),
    )
    invoices = AxRecord.objects.filter(entity=vendinvoice.INVOICE)
    pending = sum(
        (_d(line["LineAmount"]) for record in invoices for line in record.data.get(INVOICE_LINES) or []), Decimal(0)
    )
    count = invoices.count() + AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="VendInv").count()
    return journals, pending, count


def test_a_flow_with_posted_history_keeps_its_ax_document_and_a_full_run_posts_nothing_twice(demo, admin_client):
    """Its links name general journals: read through the vendor invoice service they would all be "gone" and be
    posted again. The switch is refused with the reason, and the flow's history stays posted once."""
    first = run_flow(flow("purchase_invoice"))
    assert first.status in ("succeeded", "partial"), first.error
    linked = RecordLink.objects.filter(flow=flow("purchase_invoice")).exclude(target_key="").count()
    assert linked == len(_purchases()) > 0
    before = _money_in_ax()
    assert before[0] == sum(_d(p["GrossAmount"]) for p in _purchases().values()) and before[2] == linked

    refused = _save_settings(admin_client, "vendor_invoice")
    text = refused.content.decode()
    assert refused.status_code == 400 and f"already posted {linked} records to AX as: General journal" in text
    assert "would post them all again" in text
    assert flow("purchase_invoice").spec.target_entity == "purchase_invoice"
    assert flow("purchase_invoice").mapping_set.key == "purchase-invoice-kf-to-ax"

    full = run_flow(flow("purchase_invoice"), full=True)
    assert full.created_count == 0 and _money_in_ax() == before
    assert f"{linked} checked, {linked} present, 0 gone" in full.notes, full.notes


def test_purchases_become_vendor_invoices_with_kashflows_net_and_vat_per_line_to_the_penny(
    demo, admin_client, settings, client_for
):
    _choose(admin_client, "vendor_invoice")
    run = run_flow(flow("purchase_invoice"))
    assert run.status in ("succeeded", "partial"), run.error
    failed = RecordOutcome.objects.filter(run=run, flow__isnull=True, action="failed")
    assert not failed.exists(), list(failed.values_list("source_key", "error"))
    page = client_for("Accountant").get(reverse("sandbox:ax-drafts")).content.decode()
    assert "Pending vendor invoices (VendInvoiceService)" in page  # the accountant sees them waiting in AX
    _post_vendor_invoices(demo, settings)
    purchases = _purchases()
    by_reference = {(p["SupplierCode"], p["SupplierReference"]): p for p in purchases.values()}
    posted = list(AxRecord.objects.filter(entity=vendinvoice.JOURNAL))
    assert len(posted) == len(purchases)
    currencies = set()
    vat_total = Decimal(0)
    for journal in posted:
        data = journal.data
        purchase = by_reference[(data["OrderAccount"], data["InvoiceId"])]
        currencies.add(data["CurrencyCode"])
        assert data["CurrencyCode"] == purchase["Currency"]["Code"]
        assert _d(data["InvoiceAmount"]) == _d(purchase["GrossAmount"]), purchase["Number"]
        assert _d(data["SumTax"]) == _d(purchase["VATAmount"]), purchase["Number"]
        lines, items = data["VendInvoiceTrans"], purchase["LineItems"]
        assert len(lines) == len(items)
        for line, item in zip(lines, items, strict=True):
            net = (Decimal(str(item["Quantity"])) * Decimal(str(item["Rate"]))).quantize(CENT, ROUND_HALF_UP)
            assert _d(line["LineAmount"]) == net, (purchase["Number"], line)
            assert _d(line["TaxAmount"]) == _d(item["VATAmount"]), (purchase["Number"], line)  # defect 6
            # the category's expense account is the one the general journal path posts the nominal to
            assert line["LedgerAccount"] == NOMINAL_TO_MAIN_ACCOUNT[int(item["NominalCode"])]
            vat_total += _d(line["TaxAmount"])
        trans = AxRecord.objects.get(entity=rules.VEND_TRANS, key=journal.key).data
        assert trans["AccountNum"] == purchase["SupplierCode"]
        assert _d(trans["AmountCur"]) == -_d(purchase["GrossAmount"])
        assert trans["CurrencyCode"] == purchase["Currency"]["Code"]
    assert vat_total == sum(_d(p["VATAmount"]) for p in purchases.values()) > 0
    assert {"GBP", "EUR"} <= currencies, currencies
    # The next run reads the invoices back and sees them posted: none waits as a draft on the flow page.
    links = RecordLink.objects.filter(flow=flow("purchase_invoice"))
    assert links.filter(ax_posted_at__isnull=True).count() == len(purchases)
    run_flow(flow("purchase_invoice"))
    assert links.filter(ax_posted_at__isnull=True).count() == 0 and links.count() == len(purchases)


def test_an_ambiguous_failure_is_resolved_by_the_invoice_number_not_written_twice(demo, admin_client):
    _choose(admin_client, "vendor_invoice")
    rule = FaultRule.objects.create(
        system="dynamics_ax",
        operation="VendVendInvoiceService.create",
        kind="timeout_after_commit",
        remaining=1,
        latency_ms=2600,
    )
    run = run_flow(flow("purchase_invoice"))
    rule.refresh_from_db()
    assert rule.hits == 1
    assert run.status in ("succeeded", "partial"), run.error
    recovered = RecordOutcome.objects.filter(
        run=run, flow__isnull=True, error__contains="found in AX after an ambiguous failure"
    )
    assert recovered.count() == 1
    # Looked up with VendInvoiceService find (by vendor and invoice number), never created again.
    assert AxMessage.objects.filter(service="VendVendInvoiceService", operation="find").exists()
    assert not AxMessage.objects.filter(service="VendVendInvoiceService", fault__icontains="duplicate").exists()
    invoices = [r.data for r in AxRecord.objects.filter(entity=vendinvoice.INVOICE)]
    keys = [(i["OrderAccount"], i["Num"]) for i in invoices]
    assert len(keys) == len(set(keys)) == len(_purchases())
    # The recovered record links to the invoice AX holds, whose money is KashFlow's.
    outcome = recovered.get()
    purchase = _purchases()[outcome.source_key]
    invoice = AxRecord.objects.get(entity=vendinvoice.INVOICE, key=outcome.target_key).data
    assert (invoice["OrderAccount"], invoice["Num"]) == (purchase["SupplierCode"], purchase["SupplierReference"])
    net = sum(_d(line["LineAmount"]) for line in invoice["VendInvoiceInfoLine"])
    assert net == _d(purchase["NetAmount"])


def _mapped_number(purchase: dict) -> str:
    """The starter mapping's Num: the supplier's reference, else KF-<number>, cut to 20 characters."""
    reference = str(purchase.get("SupplierReference") or "").strip()
    return (reference or f"KF-{purchase['Number']}")[:20]


def test_an_invoice_a_person_keyed_under_our_number_is_not_adopted_after_an_ambiguous_failure(demo, admin_client):
    """AX checks a vendor's invoice number for reuse only at posting: a pending invoice someone keyed with our vendor
    and number but other money must not be taken for the purchase whose create timed out."""
    from integrations.services.connections import build_connector
    from monitoring.models import ExceptionItem

    _choose(admin_client, "vendor_invoice")
    purchases = _purchases()
    category = vendinvoice.DEMO_CATEGORIES[0][0]
    with build_connector(demo["pair"].dynamics_ax) as ax:
        for purchase in purchases.values():  # whichever purchase the time-out hits finds a stranger's invoice
            ax.create(
                "vendor_invoice",
                {
                    "Num": _mapped_number(purchase),
                    "OrderAccount": purchase["SupplierCode"],
                    "CurrencyCode": purchase["Currency"]["Code"],
                    "DocumentDate": "2024-03-01",
                    "Description": "Keyed by hand",
                    "VendInvoiceInfoLine": [
                        {"Description": "Hand", "ProcurementCategory": category, "LineAmount": "1.00"},
                    ],
                },
            )
    keyed = {r.key for r in AxRecord.objects.filter(entity=vendinvoice.INVOICE)}
    rule = FaultRule.objects.create(
        system="dynamics_ax", operation="VendVendInvoiceService.create", kind="timeout_before_commit", remaining=1
    )
    purchase_flow = flow("purchase_invoice")
    run = run_flow(purchase_flow)
    rule.refresh_from_db()
    assert rule.hits == 1
    refused = RecordOutcome.objects.get(run=run, flow__isnull=True, action="failed")
    assert "not this purchase" in refused.error, refused.error
    purchase = purchases[refused.source_key]
    currency = purchase["Currency"]["Code"]
    # Both sides in the message: AX's stranger (1.00) and this purchase's net, with the currency.
    assert f"AX has 1.00 {currency} net" in refused.error
    assert f"this purchase sends {_d(purchase['NetAmount'])} {currency}" in refused.error
    item = ExceptionItem.objects.get(flow=purchase_flow, source_key=refused.source_key)
    assert item.error_code == "invoice_number_taken" and "not this purchase" in item.message
    # Not linked to the stranger's invoice, and the others posted once each besides the hand-keyed ones.
    link = RecordLink.objects.filter(flow=purchase_flow, source_key=refused.source_key).first()
    assert link is None or link.target_key not in keyed
    created = RecordOutcome.objects.filter(run=run, flow__isnull=True, action="created")
    assert created.count() == len(purchases) - 1
    assert not created.filter(target_key__in=keyed).exists()


def test_the_invoice_found_is_adopted_only_with_the_currency_and_net_sent():
    from integrations.sync.errors import ValidationFailed
    from integrations.sync.flows.purchase_invoice import same_vendor_invoice

    sent = {
        "OrderAccount": "V1",
        "Num": "INV-1",
        "CurrencyCode": "EUR",
        "VendInvoiceInfoLine": [{"LineAmount": "100.00"}, {"LineAmount": "45.55"}],
    }
    ours = {"TableRefId": "VIN-1", "CurrencyCode": "EUR", "VendInvoiceInfoLine": [{"LineAmount": "145.55"}]}
    same_vendor_invoice(sent, ours)  # the same money in other lines: AX's document of ours
    with pytest.raises(ValidationFailed, match=r"AX has 145\.55 GBP net, this purchase sends 145\.55 EUR") as refused:
        same_vendor_invoice(sent, {**ours, "CurrencyCode": "GBP"})
    assert refused.value.error_code == "invoice_number_taken"
    with pytest.raises(ValidationFailed, match=r"AX has 145\.56 EUR net"):
        same_vendor_invoice(sent, {**ours, "VendInvoiceInfoLine": [{"LineAmount": "145.56"}]})
    same_vendor_invoice({**sent, "CurrencyCode": ""}, {**ours, "CurrencyCode": "GBP"})  # AX chose the vendor's


def test_a_vat_ax_would_compute_differently_or_drop_is_refused_before_sending():
    """Defect 6: purchase VAT is never lost. AX computes a vendor invoice's tax from the line's tax group, so the
    flow refuses a KashFlow VAT that is not the line's rate applied to its net, and a taxed line without a group."""
    from integrations.sync.errors import ValidationFailed
    from integrations.sync.flows.purchase_invoice import check_vat

    record = {"LineItems": [{"VATLevel": 20.0, "VATAmount": 20.0}, {"VATLevel": 5.0, "VATAmount": 2.28}]}
    document = {
        "VendInvoiceInfoLine": [
            {"LineAmount": "100.00", "TaxItemGroup": "STD"},
            {"LineAmount": "45.55", "TaxItemGroup": "RED"},
        ]
    }
    check_vat(record, document)  # 20.00 and 2.2775 -> 2.28: what AX computes too

    adjusted = {"LineItems": [{"VATLevel": 20.0, "VATAmount": 19.99}, record["LineItems"][1]]}
    with pytest.raises(ValidationFailed, match="general journal path") as refused:
        check_vat(adjusted, document)
    assert refused.value.error_code == "vat_not_computable"

    document["VendInvoiceInfoLine"][0]["TaxItemGroup"] = ""
    with pytest.raises(ValidationFailed) as refused:
        check_vat(record, document)
    assert refused.value.error_code == "no_tax_group"


def test_a_vat_that_only_per_line_rounding_gives_is_refused():
    """AX's Total calculation method rounds once per tax code over the invoice: 20% of 0.03 twice is 0.01 + 0.01 per
    line but 0.01 over the summed 0.06. The site's method is unknown, so both must give KashFlow's VAT."""
    from integrations.sync.errors import ValidationFailed
    from integrations.sync.flows.purchase_invoice import check_vat

    record = {"LineItems": [{"VATLevel": 20.0, "VATAmount": 0.01}, {"VATLevel": 20.0, "VATAmount": 0.01}]}
    document = {"VendInvoiceInfoLine": [{"LineAmount": "0.03", "TaxItemGroup": "STD"}] * 2}
    with pytest.raises(ValidationFailed, match=r"At 20\.00% the lines' VAT adds up to 0\.02.*is 0\.01") as refused:
        check_vat(record, document)
    assert refused.value.error_code == "vat_not_computable"
    check_vat(record, document, "line")  # a site rounding per line computes 0.01 + 0.01
    with pytest.raises(ValidationFailed, match="does not say which"):
        check_vat(record, document)
    with pytest.raises(ValidationFailed, match="the AX connection's setting"):
        check_vat(record, document, "total")
    # Under Total only the per-code sum counts: 0.01 + 0.00 is 20% of 0.06.
    spread = {"LineItems": [{"VATLevel": 20.0, "VATAmount": 0.01}, {"VATLevel": 20.0, "VATAmount": 0.0}]}
    check_vat(spread, document, "total")
    with pytest.raises(ValidationFailed, match="Line 2"):
        check_vat(spread, document, "line")
    # Per line and per rate agree here (0.60 + 0.80 = 20% of 7.00): sent.
    record = {"LineItems": [{"VATLevel": 20.0, "VATAmount": 0.60}, {"VATLevel": 20.0, "VATAmount": 0.80}]}
    check_vat(
        record,
        {
            "VendInvoiceInfoLine": [
                {"LineAmount": "3.00", "TaxItemGroup": "STD"},
                {"LineAmount": "4.00", "TaxItemGroup": "STD"},
            ]
        },
    )
