"""Benchmark fixtures: one results collector for the whole run, and the demo company over real sockets."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache

from tests.bench.results import Results


@pytest.fixture(scope="session")
def bench_results(django_db_setup, django_db_blocker):  # the test database outlives the results: its version
    results = Results()
    yield results
    with django_db_blocker.unblock():
        text = results.write()
    print("\n" + text)


@pytest.fixture
def sandbox(live_server, transactional_db, settings):
    """``sandbox(invoices)``: the demo company seeded at that size, the demo pair on the live server, its flows."""
    from integrations.models import Connection
    from integrations.sandbox.demo import seed_sandbox
    from integrations.sandbox.loading import ensure_demo_connections
    from integrations.sync.setup import ensure_default_flows

    settings.SANDBOX_KASHFLOW_RATE_LIMIT = 1_000_000
    settings.DEBUG = False
    # A SOAP fault is an HTTP 500 by the standard; AX's "not found" would fill the output otherwise.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)

    def build(invoices: int):
        from tests.bench.loops import clear_sync_state

        cache.clear()
        clear_sync_state()  # links of an earlier company would make its records look synced already
        counts = seed_sandbox(invoices=invoices)
        pair = ensure_demo_connections(live_server.url)
        Connection.objects.filter(pk__in=[pair.kashflow_id, pair.dynamics_ax_id]).update(timeout_seconds=30.0)
        pair.refresh_from_db()
        ensure_default_flows(pair, schedules=False)  # runs start when the benchmark or campaign says
        return {"pair": pair, "counts": counts, "url": live_server.url}

    return build
