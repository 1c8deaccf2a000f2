"""The full fault campaign (``make faults``; skipped without ``--faults``): over a thousand faults across a sync
of several thousand records of every transactional flow (time-outs after AX's commit on the create-only services
among them), a worker killed mid-run, then the whole cluster; and the money reconciliation of both ledgers."""

from __future__ import annotations

import json
import os

from tests.bench.results import ROOT
from tests.faults.campaign import Plan, fault_plan, run_campaign

INVOICES = int(os.environ.get("FAULTS_INVOICES", "2000"))


def test_full_fault_campaign_loses_nothing_and_posts_nothing_twice(company):
    demo = company(INVOICES)
    report = run_campaign(demo["url"], demo["pair"], Plan(invoices=INVOICES, faults=fault_plan(1.0)))
    text = report.table()
    print("\n" + text)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "fault-campaign.txt").write_text(text)
    (ROOT / "test-artifacts" / "fault-campaign.json").write_text(
        json.dumps(
            {
                "faults_by_kind": report.faults_by_kind,
                "faults_by_system": report.faults_by_system,
                "runs": report.runs,
                "seconds": round(report.seconds, 1),
                "flows": {k: {n: v for n, v in f.__dict__.items()} for k, f in report.flows.items()},
                "duplicate_messages": report.duplicate_messages,
                "faults_by_rule": report.faults_by_rule,
                "sessions_expired": report.sessions_expired,
                "lookup_faults": report.lookup_faults,
                "echo_payments": report.echo_payments,
                "drafts_posted": report.drafts_posted,
                "reconciled_documents": report.reconciled_documents,
                "reconciliation_unexplained": {
                    f"{e} {k}": n for (e, k), n in report.reconciliation_unexplained.items()
                },
                "reconciliation_explained": report.reconciliation_explained,
                "reconciliation_error": report.reconciliation_error,
            },
            indent=2,
        )
    )
    assert report.faults >= 1000, text
    assert sum(f.source_records for f in report.flows.values()) >= 3000, text
    assert report.after_commit("FreeTextInvoiceService") >= 1, text
    assert report.after_commit("CustPaymJournalService") >= 1, text
    assert report.duplicates == 0, text
    assert report.missing == 0, text
    assert report.unexpected_exceptions == 0, text
    assert report.echo_payments == 0, text
    assert not report.reconciliation_error, text
    assert report.reconciled_documents > 0 and report.reconciliation_differences == 0, text
