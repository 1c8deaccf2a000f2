"""The sync engine against the raw connector loop (the limit) and a naive sync, side by side in one run."""

from __future__ import annotations

import os
import time

from integrations.models import Flow, SyncRun
from integrations.sandbox.models import AxRecord
from integrations.sync.runs import run_flow
from mappings.services import compiled_mapping
from tests.bench.loops import clear_ax_invoices, clear_sync_state, naive_sync, raw_loop

INVOICES = int(os.environ.get("BENCH_INVOICES", "5000"))
NAIVE_INVOICES = int(os.environ.get("BENCH_NAIVE_INVOICES", "500"))


def _engine(flow: Flow) -> dict:
    started = time.perf_counter()
    run = run_flow(flow, full=True)
    seconds = time.perf_counter() - started
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.error
    return {"seconds": seconds, "created": run.created_count, "failed": run.failed_count, "run": run}


def test_sync_engine_against_the_raw_loop_and_a_naive_sync(sandbox, bench_results):
    demo = sandbox(INVOICES)
    pair = demo["pair"]
    flow = Flow.objects.get(pair=pair, entity="sales_invoice", direction="kf_to_ax")
    mapping = compiled_mapping(flow.mapping_set)
    # Customers first created in KashFlow go to AX before the timed part: every contender finds its customers.
    run_flow(Flow.objects.get(pair=pair, entity="customer", direction="kf_to_ax"), full=True)

    raw = raw_loop(pair, mapping)
    raw_in_ax = AxRecord.objects.filter(entity="CustInvoiceTable").count()
    clear_ax_invoices()

    engine = _engine(flow)
    engine_in_ax = AxRecord.objects.filter(entity="CustInvoiceTable").count()
    clear_ax_invoices()
    clear_sync_state()

    naive = naive_sync(pair, mapping, NAIVE_INVOICES)
    clear_ax_invoices()

    assert raw_in_ax == raw["created"] and engine_in_ax == engine["created"]
    assert engine["created"] == raw["created"], (engine, raw)

    records = raw["created"] + raw["skipped"]
    raw_rate = records / raw["seconds"]
    engine_rate = records / engine["seconds"]
    naive_rate = naive["records"] / naive["seconds"]
    overhead = engine["seconds"] / raw["seconds"] - 1
    speedup = engine_rate / naive_rate
    section = f"Sync engine: {records:,} sales invoices KashFlow -> AX sandbox"
    bench_results.add(section, "raw connector loop", raw_rate, "records/s", note=f"{raw['seconds']:.1f} s")
    bench_results.add(
        section, "LedgerBridge engine", engine_rate, "records/s",
        note=f"{engine['seconds']:.1f} s, {engine['created']:,} created, {engine['failed']:,} to the exception queue",
    )  # fmt: skip
    bench_results.add(
        section, "naive sync", naive_rate, "records/s",
        note=f"{naive['records']:,} invoices in {naive['seconds']:.1f} s (a fresh connection and login per call)",
    )  # fmt: skip
    bench_results.add(
        section, "engine overhead vs raw loop", round(overhead * 100, 1), "%", goal="<= 10 %", met=overhead <= 0.10
    )
    bench_results.add(section, "engine vs naive sync", round(speedup, 2), "x", goal=">= 5x", met=speedup >= 5)
