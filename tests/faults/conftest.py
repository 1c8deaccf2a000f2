"""The demo company over real sockets for the fault campaign, with short client time-outs."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache


@pytest.fixture
def company(live_server, transactional_db, settings):
    """``company(invoices)``: the demo company at that size and the demo pair on the live server."""
    from integrations.models import Connection
    from integrations.sandbox.demo import seed_sandbox
    from integrations.sandbox.loading import ensure_demo_connections
    from integrations.sync.setup import ensure_default_flows

    settings.SANDBOX_KASHFLOW_RATE_LIMIT = 1_000_000
    settings.SANDBOX_CONTROL_TOKEN = ""
    settings.SYNC_STALL_SECONDS = 3600  # only the campaign decides that a run has stalled
    # A flow switches to batched writes after this many AX time-outs in a run; later than by default, so that
    # most records meet the faults one by one before the batches (one AIF message per 100 records) take over.
    settings.SYNC_TIMEOUTS_BEFORE_BATCHING = 30
    logging.getLogger("django.request").setLevel(logging.CRITICAL)

    def build(invoices: int):
        cache.clear()
        counts = seed_sandbox(invoices=invoices)
        pair = ensure_demo_connections(live_server.url)
        # Time-out faults hold the answer 1.3 s: the clients give up after 1 s, as they would in production
        # after their own (longer) time-out.
        Connection.objects.filter(pk__in=[pair.kashflow_id, pair.dynamics_ax_id]).update(timeout_seconds=1.0)
        pair.refresh_from_db()
        ensure_default_flows(pair, schedules=False)  # runs start when the benchmark or campaign says
        return {"pair": pair, "counts": counts, "url": live_server.url}

    return build
