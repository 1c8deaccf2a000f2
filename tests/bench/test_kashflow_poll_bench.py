"""A KashFlow poll of 10,000 unchanged invoices: how long it takes and how many requests it sends.

KashFlow has no modified-since filter, so every poll lists everything and finds what changed by content hash
(what the record links hold) and new documents by their increasing Number. The poll must stay within KashFlow's
paging: list pages only, no GET per unchanged record.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.kashflow.client import PAGE_SIZE
from integrations.connectors.kashflow.connector import KashFlowConnector
from integrations.sandbox.kashflow import shapes
from integrations.sandbox.models import KashFlowAccount, KashFlowRecord

INVOICES = int(os.environ.get("BENCH_KASHFLOW_POLL_INVOICES", "10000"))
USERNAME, PASSWORD, WORD = "bench", "bench-password", "benchmark"


def _digest(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _seed(count: int) -> None:
    account = KashFlowAccount.objects.create(
        username=USERNAME, password=PASSWORD, memorable_word=WORD, rate_limit_per_minute=0
    )
    customer = {"Id": 1, "Code": "BENCH01", "Name": "Bench Ltd", "Currency": shapes.currency("GBP", customer=True)}
    today, now = date(2026, 11, 1), timezone.now()
    rows = [KashFlowRecord(account=account, entity="customers", key="BENCH01", data=customer, modified_at=now)]
    for i in range(count):
        issued = today - timedelta(days=i % 300)
        doc = {
            "Id": i + 1,
            "Number": 1001 + i,
            "CustomerId": 1,
            "CustomerCode": "BENCH01",
            "CustomerName": "Bench Ltd",
            "CustomerReference": f"PO-{i}",
            "IssuedDate": shapes.kf_date(issued),
            "DueDate": shapes.kf_date(issued + timedelta(days=30)),
            "Currency": shapes.currency("GBP"),
            "LineItems": [
                shapes.line_item(
                    "invoices", n, description=f"Item {n}", quantity=n, rate=12.5, vat_level=20, nominal_code=4000
                )
                for n in (1, 2, 3)
            ],
            "PaymentLines": [],
            "Permalink": shapes.permalink("invoice", "bench", 1001 + i),
        }
        rows.append(
            KashFlowRecord(
                account=account,
                entity="invoices",
                key=str(doc["Number"]),
                data=shapes.compute_totals("invoices", doc, today=today),
                modified_at=now,
            )
        )
    KashFlowRecord.objects.bulk_create(rows, batch_size=1000)


@pytest.mark.django_db(transaction=True)
def test_a_poll_of_unchanged_invoices_sends_list_pages_only(live_server, settings, bench_results):
    settings.ROOT_URLCONF = "config.urls"
    cache.clear()
    _seed(INVOICES)
    config = ConnectionConfig(
        base_url=f"{live_server.url}/sandbox/kashflow/v2/",
        credentials={"username": USERNAME, "password": PASSWORD, "memorable_word": WORD},
        timeout=60,
    )
    # What the record links hold after the first poll: each invoice's content hash, and the highest Number.
    with KashFlowConnector(config) as connector:
        links = {str(r["Number"]): _digest(r) for r in connector.list_changed("sales_invoice")}
    assert len(links) == INVOICES
    high_water = max(int(n) for n in links)

    with KashFlowConnector(config) as connector:
        started = time.perf_counter()
        changed, new = [], []
        for record in connector.list_changed("sales_invoice"):
            key = str(record["Number"])
            if key not in links and int(key) > high_water:
                new.append(key)
            elif links.get(key) != _digest(record):
                changed.append(key)
        seconds = time.perf_counter() - started
        requests = connector.client.requests_sent

    pages = math.ceil(INVOICES / PAGE_SIZE)
    assert (changed, new) == ([], [])
    assert requests == 2 + pages, requests  # the two login steps and the list pages: no per-record GET
    section = f"KashFlow poll: {INVOICES:,} unchanged sales invoices (full listing + content hash)"
    bench_results.add(section, "time", round(seconds, 2), "s", note=f"{INVOICES / seconds:,.0f} invoices/s")
    bench_results.add(
        section,
        "requests",
        requests,
        "requests",
        goal=f"<= 2 + {pages} (login + pages of {PAGE_SIZE})",
        met=requests <= 2 + pages,
        note="no GET per unchanged record; KashFlow offers no modified-since filter",
    )


def test_an_engine_poll_of_unchanged_kashflow_invoices(sandbox, bench_results):
    """The sales invoice flow over a demo company whose invoices were all synced already: every record is listed
    (KashFlow cannot say what changed) and skipped by its link's hash, without mapping it again."""
    from integrations.models import Flow, RecordLink, SyncRun
    from integrations.sandbox.models import FaultRule
    from integrations.sync.messageid import record_hash
    from integrations.sync.runs import run_flow

    demo = sandbox(INVOICES)
    pair = demo["pair"]
    flow = Flow.objects.get(pair=pair, entity="sales_invoice", direction="kf_to_ax")
    version = flow.published_mapping_set().version
    from integrations.services.connections import build_connector

    with build_connector(pair.kashflow) as kashflow:  # what a completed first sync left in the links
        records = list(kashflow.list_changed("sales_invoice"))
    RecordLink.objects.bulk_create(
        [
            RecordLink(
                flow=flow,
                source_key=str(r["Number"]),
                target_key=f"FTI-{r['Number']}",
                content_hash="synced",
                mapping_version=version,
                source_hash=record_hash(r),
            )
            for r in records
        ],
        batch_size=1000,
    )
    counter = FaultRule.objects.create(system="kashflow", operation="*", kind="latency", latency_ms=0)
    started = time.perf_counter()
    run = run_flow(flow, full=True)
    seconds = time.perf_counter() - started
    counter.refresh_from_db()
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.error
    assert (run.skipped_count, run.created_count, run.updated_count) == (len(records), 0, 0)
    pages = math.ceil(len(records) / PAGE_SIZE)
    assert counter.hits == 2 + pages, counter.hits
    section = f"Sync engine poll: {len(records):,} unchanged KashFlow sales invoices"
    bench_results.add(section, "time", round(seconds, 2), "s", note=f"{len(records) / seconds:,.0f} records/s")
    bench_results.add(
        section, "KashFlow requests", counter.hits, "requests", goal=f"<= 2 + {pages}", met=counter.hits <= 2 + pages
    )
