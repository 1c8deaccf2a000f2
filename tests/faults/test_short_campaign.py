"""The fault campaign, short enough for every test run: a few faults of every kind (look-ups after an ambiguous
failure, and time-outs after AX's commit on each create-only service, included), KashFlow sessions expiring every
few seconds, batched writes switched on mid-run, the flows running concurrently on a cluster of workers, a worker
killed mid-run and then the whole cluster, and still every record in AX exactly once or in the exception queue for
a stated reason; then the accountant posts AX's drafts and the money reconciliation finds both ledgers agreeing."""

from __future__ import annotations

from tests.faults.campaign import FLOWS, Plan, fault_plan, run_campaign


def test_short_fault_campaign_loses_nothing_and_posts_nothing_twice(company):
    demo = company(24)
    report = run_campaign(
        demo["url"], demo["pair"], Plan(invoices=24, faults=fault_plan(0.01, spread=False), fault_rounds=3)
    )
    print("\n" + report.table())
    assert set(report.faults_by_kind) == {
        "latency",
        "rate_limit",
        "server_error",
        "drop_connection",
        "timeout_after_commit",
        "timeout_before_commit",
        "sql_timeout",
    }, report.table()
    assert all(report.faults_by_kind.values()), report.table()
    assert report.worker_killed and report.resumed_runs == 1
    assert report.concurrent_runs >= 2 and report.workers >= 2, report.table()
    assert report.concurrent_kill and report.resumed_after_concurrent_kill >= 1, report.table()
    assert report.batching_switched_mid_run and report.sessions_expired >= 1, report.table()
    assert report.lookup_faults >= 1, report.table()
    assert report.echo_payments == 0, report.table()
    assert report.duplicates == 0, report.table()
    assert report.missing == 0, report.table()
    assert set(report.flows) == set(FLOWS)
    assert all(f.source_records > 0 and f.in_ax > 0 for f in report.flows.values()), report.table()
    assert report.flows["sales_invoice"].expected_exceptions >= 1  # the demo's unmapped sundry nominal code
    # Bank lines no matching rule covers wait in the queue for that reason; nothing else is there unexpectedly.
    assert report.flows["bank_transaction"].expected_exceptions >= 1, report.table()
    assert report.unexpected_exceptions == 0, report.table()
    # Ambiguous time-outs after AX's commit on the create-only services, and still nothing twice, nothing lost.
    assert report.after_commit("FreeTextInvoiceService") >= 1, report.table()
    assert report.after_commit("CustPaymJournalService") >= 1, report.table()
    assert report.drafts_posted > 0, report.table()
    # Both ledgers agree, money by money, but for records in the exception queue for a stated reason.
    assert not report.reconciliation_error, report.table()
    assert report.reconciled_documents > 0 and report.reconciliation_differences == 0, report.table()
