"""Monitoring fixtures: a flow to fail records in and a run (the cast of users is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from integrations.models import Connection, Flow, IntegrationPair, SyncRun


def make_flow(name: str = "Sales invoices", entity: str = "sales_invoice") -> Flow:
    kashflow, _ = Connection.objects.get_or_create(
        name="KashFlow demo", defaults={"system": "kashflow", "base_url": "http://kf.invalid/"}
    )
    ax, _ = Connection.objects.get_or_create(
        name="AX demo", defaults={"system": "dynamics_ax", "base_url": "http://ax.invalid/", "company": "DEMO"}
    )
    pair, _ = IntegrationPair.objects.get_or_create(name="Demo", defaults={"kashflow": kashflow, "dynamics_ax": ax})
    slug = name.lower().replace(" ", "-")
    flow, _ = Flow.objects.get_or_create(
        slug=slug, defaults={"name": name, "pair": pair, "entity": entity, "direction": "kf_to_ax"}
    )
    return flow


@pytest.fixture
def flow(db) -> Flow:
    return make_flow()


@pytest.fixture
def run(flow) -> SyncRun:
    return SyncRun.objects.create(flow=flow, status=SyncRun.Status.RUNNING)


# --- The sandbox demo company over a live server, and a real django-q2 worker process --------------------


@pytest.fixture
def demo(live_server, transactional_db, settings):
    """A small demo company in both simulators, the demo pair pointing at the live server, every default flow.

    The portal's own URLs (config.urls) are served, so the same live server has the queue pages too."""
    from django.core.cache import cache

    from integrations.sandbox.demo import seed_sandbox
    from integrations.sandbox.loading import ensure_demo_connections
    from integrations.sync.setup import ensure_default_flows

    settings.SANDBOX_KASHFLOW_RATE_LIMIT = 100_000
    cache.clear()
    seed_sandbox(invoices=8)
    pair = ensure_demo_connections(live_server.url)
    Connection.objects.filter(pk__in=[pair.kashflow_id, pair.dynamics_ax_id]).update(timeout_seconds=2.0)
    ax = Connection.objects.get(pk=pair.dynamics_ax_id)
    if "MicrosoftDynamicsAXAif60" not in ax.base_url:
        Connection.objects.filter(pk=ax.pk).update(base_url=ax.base_url.rstrip("/") + "/MicrosoftDynamicsAXAif60/")
    pair.refresh_from_db()
    ensure_default_flows(pair)
    return {"pair": pair, "url": live_server.url}


@pytest.fixture
def worker(demo):
    """``manage.py qcluster`` on the test database, as the sync tests start it."""
    from tests.integrations.sync.conftest import Worker

    w = Worker(demo["url"]).start()
    yield w
    w.stop()


@pytest.fixture
def reference_data(flow):
    """The demo company's charts of accounts (AX main accounts with their types, KashFlow nominals with theirs) in
    the reference-data cache of the flow's pair, as ``mappings.reference`` would read them from the systems."""
    from django.core.cache import cache

    from integrations.sandbox.demo_data import NOMINALS
    from integrations.sandbox.loading import demo_reference_csv
    from mappings.refdata import services as refdata

    # AX main accounts: uploaded as an accountant exports them from AX (AX ships no service for them)
    refdata.upload("main_accounts", demo_reference_csv()["main_accounts"], filename="chart.csv", actor=None)
    pair = flow.pair
    values = {
        f"mappings:ref:{pair.kashflow_id}:nominals": {str(c): n for c, n, _t in NOMINALS},
        f"mappings:ref:{pair.kashflow_id}:nominal_types": {str(c): t for c, _n, t in NOMINALS},
        # Not needed here: known to be empty, so nothing waits on an unreachable host.
        f"mappings:ref:{pair.dynamics_ax_id}:dimension_values": [],
        f"mappings:ref:{pair.dynamics_ax_id}:exchange_rates": [],
    }
    cache.set_many(values, 600)
    yield values
    cache.delete_many(list(values))
