"""Monitoring fixtures: a flow to fail records in, a run, and a cast of users per role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from integrations.models import Connection, Flow, IntegrationPair, SyncRun
from integrations.roles import ACCOUNTANT, INTEGRATION_ADMIN, VIEWER


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


def _user(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


@pytest.fixture
def viewer(db) -> User:
    return _user("vera", VIEWER)


@pytest.fixture
def accountant(db) -> User:
    return _user("alice", ACCOUNTANT)


@pytest.fixture
def admin_user(db) -> User:
    return _user("ian", INTEGRATION_ADMIN)


@pytest.fixture
def nobody(db) -> User:
    return _user("nora", None)
