"""Monitoring fixtures: a flow to fail records in and a run (the cast of users is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from integrations.models import Connection, Flow, IntegrationPair, SyncRun

# The sandbox demo company over a live server and a real django-q2 worker process, for the end-to-end tests.
from tests.integrations.sync.conftest import demo, worker  # noqa: F401


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
