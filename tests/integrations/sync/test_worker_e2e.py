"""A real django-q2 worker (``manage.py qcluster``) runs the flows: run now, pushes, and a worker killed mid-run."""

from __future__ import annotations

import json
import time
from datetime import date

import httpx

from integrations.models import SyncRun, WebhookEvent
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany, AxRecord, FaultRule
from integrations.services.connections import build_connector
from integrations.services.webhooks import SIGNATURE_HEADER, sign
from integrations.sync.runs import resume_stalled_runs, start_run
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import Worker, flow, invoice_refs, journal_refs, wait_for_run


def wait_until(check, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def push(url: str, payload: dict, *, secret: str | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(
        f"{url}/webhooks/kashflow/",
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, key=secret)},
        timeout=10,
    )


def test_run_now_is_executed_by_a_worker_and_a_second_run_creates_nothing(demo, worker):
    run = wait_for_run(start_run(flow("sales_invoice")).pk)
    assert run.status == "partial" and run.created_count > 0 and run.worker
    refs = invoice_refs()
    assert set(refs.values()) == {1} and len(refs) == run.created_count
    again = wait_for_run(start_run(flow("sales_invoice"), full=True).pk)
    assert again.created_count == 0 and invoice_refs() == refs


def test_order_to_cash_an_order_becomes_an_invoice_a_payment_settles_it_in_ax(demo, worker):
    url = demo["url"]
    with build_connector(demo["pair"].kashflow) as kashflow:
        kashflow.create(
            "customer",
            {
                "Code": "SHOP01",
                "Name": "Web Shop Customer",
                "Email": "buyer@shop.example",
                "TelephoneNumber": "0113 496 0000",
                "Currency": {"Code": "GBP", "ExchangeRate": 1.0},
                "PaymentTerms": {"Days": 30, "Type": "AfterIssuedDate"},
                "Addresses": [{"Line1": "1 Market Street", "Line2": "Leeds", "PostCode": "LS1 6AA",
                               "CountryName": "United Kingdom", "CountryCode": "GB"}],
                "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "RETAIL"}],
            },
        )  # fmt: skip
        number = kashflow.create(
            "sales_invoice",
            {
                "CustomerCode": "SHOP01",
                "CustomerReference": "WEB-ORDER-77",
                "IssuedDate": date.today().isoformat(),
                "DueDate": date.today().isoformat(),
                "Currency": {"Code": "GBP", "ExchangeRate": 1.0},
                "LineItems": [{"Description": "Desk lamp", "Quantity": 2, "Rate": 25.0, "VATLevel": 20.0,
                               "NominalCode": 4000}],
            },
        )  # fmt: skip
        assert push(url, {"event": "invoices.created", "resource": "invoices", "key": number}).status_code == 202
        wait_until(lambda: invoice_refs().get(str(number)), what="the invoice in AX")

        gross = kashflow.read("sales_invoice", str(number))["GrossAmount"]
        payment = kashflow.mark_invoice_paid(number, gross, date.today(), method="Card", reference="WEB-ORDER-77")
        assert kashflow.read("sales_invoice", str(number))["Status"] == "Paid"
        assert push(url, {"event": "payments.created", "resource": "payments", "key": payment["Id"]}).status_code == 202

    def settled():
        # AX settles only what is posted: the accountant (or an AX batch job) posts the drafts AIF created
        for company in AxCompany.objects.all():
            posting.post(company)
        invoice = AxRecord.objects.filter(entity="CustInvoiceTable", data__CustomerRef=str(number)).first()
        return invoice if invoice and invoice.data.get("PaymentStatus") == "Paid" else None

    invoice = wait_until(settled, what="the AX invoice settled")
    assert invoice.data["OrderAccount"] == "SHOP01"
    assert AxRecord.objects.filter(entity="CustTable", key="SHOP01").count() == 1
    payments = journal_refs("CustPay")
    assert payments[str(payment["Id"])] == 1 and set(payments.values()) == {1}
    assert invoice_refs()[str(number)] == 1
    assert WebhookEvent.objects.filter(status="processed").count() == 2


def test_pushes_with_a_bad_signature_are_refused_and_malformed_ones_become_exceptions(demo, worker):
    url = demo["url"]
    refused = push(url, {"resource": "invoices", "key": "1001"}, secret="not-the-secret")
    assert refused.status_code == 401
    assert not WebhookEvent.objects.exists()

    malformed = push(url, {"resource": "spaceships", "key": "X1"})
    assert malformed.status_code == 400 and "spaceships" in malformed.json()["problems"][0]  # told, and kept
    event = WebhookEvent.objects.get()
    wait_until(lambda: WebhookEvent.objects.get(pk=event.pk).status == "failed", what="the push processed")
    item = ExceptionItem.objects.get(source_key=f"webhook/{event.pk}")
    assert item.error_code == "bad_webhook" and "spaceships" in item.message


def test_a_worker_killed_mid_run_loses_nothing_and_the_stalled_run_resumes(demo, worker):
    FaultRule.objects.create(
        system="dynamics_ax", operation="FreeTextInvoiceService.create", kind="latency", latency_ms=400
    )
    run = start_run(flow("sales_invoice"))
    wait_until(lambda: SyncRun.objects.get(pk=run.pk).created_count >= 2, what="two invoices written")
    worker.kill()
    stalled = SyncRun.objects.get(pk=run.pk)
    assert stalled.status == "running"
    assert stalled.created_count < 7

    replacement = Worker(demo["url"]).start()
    try:
        assert resume_stalled_runs(stale_after=0) == [run.pk]
        finished = wait_for_run(run.pk, timeout=90)
    finally:
        replacement.stop()
    assert finished.status == "partial"
    refs = invoice_refs()
    assert set(refs.values()) == {1}
    assert len(refs) == 7  # every invoice but the demo's unmapped sundry one, each exactly once


def test_the_sandbox_pushes_signed_webhooks_the_inbox_accepts(demo):
    url = demo["url"]
    answer = httpx.post(
        f"{url}/sandbox/control/webhook",
        json={"url": f"{url}/webhooks/kashflow/", "entity": "invoices", "key": "1001", "event": "updated"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["status"] == 202
    event = WebhookEvent.objects.get()
    assert (event.entity, event.object_key, event.event_type) == ("sales_invoice", "1001", "invoices.updated")
