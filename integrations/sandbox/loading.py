"""``load_demo``: the sandbox's demo company, the demo login and, when those parts exist, the demo connections,
the mapping templates and the default flows. Safe to run again: what exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from integrations.roles import INTEGRATION_ADMIN
from integrations.sandbox import demo

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


@dataclass
class LoadReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def ensure_demo_user() -> tuple[object, bool]:
    """The demo login in the Integration admin group; an existing user keeps its password."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=DEMO_USERNAME).first()
    created = user is None
    if created:
        user = user_model.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD, email="demo@example.com")
    group = Group.objects.filter(name=INTEGRATION_ADMIN).first()
    if group is not None and not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
    return user, created


def _optional_step(module: str, function: str) -> Callable | None:
    """The function if its module is there yet; None when the part is not built (or not importable)."""
    try:
        return getattr(import_module(module), function)
    except (ImportError, AttributeError):
        return None


def load_demo(*, portal_url: str, seed: int = 42, invoices: int = 200, reseed: bool = False) -> LoadReport:
    report = LoadReport()
    with transaction.atomic():
        demo.ensure_demo_account()
        demo.ensure_demo_company()
        if reseed or not demo.is_seeded():
            counts = demo.seed_sandbox(seed=seed, invoices=invoices, reset=True)
            report.done.append(
                f"sandbox seeded (seed {seed}): {counts.get('kashflow.invoices', 0)} invoices, "
                f"{counts.get('kashflow.customers', 0)} KashFlow customers, "
                f"{counts.get('dynamics_ax.CustTable', 0)} AX customers"
            )
        else:
            report.skipped.append("sandbox already holds the demo company (use --reseed to start again)")
        _, created = ensure_demo_user()
        report.done.append(f"demo login {DEMO_USERNAME!r} {'created' if created else 'already there'}")

    steps = (
        ("demo connections", "integrations.connections", "ensure_demo_connections", (portal_url,)),
        ("mapping templates", "mappings.services.starters", "install_templates", ()),
        ("default flows", "integrations.sync.setup", "ensure_default_flows", ()),
    )
    for label, module, function, args in steps:
        step = _optional_step(module, function)
        if step is None:
            report.skipped.append(f"{label}: {module}.{function} is not available yet")
            continue
        step(*args)
        report.done.append(label)
    return report
