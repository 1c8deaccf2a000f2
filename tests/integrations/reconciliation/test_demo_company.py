"""The demo company as it is synced today, reconciled: issue 13's defects, each found by the instrument.

Each entity's test is a strict expected failure naming the defects the reconciliation finds in it, and the exact
kinds of difference it must see while they stand. A fix of one defect removes its kinds from DEFECTS; a fix of
the last one makes the test pass, strict xfail turns that into a failure, and the fix removes the entity from
DEFECTS -- from then on the test guards the fix.
"""

from __future__ import annotations

import pytest

from integrations.sandbox.demo import seed_sandbox
from integrations.sync.runs import run_flow
from monitoring.services.reconciliation import reconcile
from tests.integrations.reconciliation.test_reconcile_e2e import post_in_ax
from tests.integrations.sync.conftest import flow


class UnreconciledBooks(AssertionError):
    """The books differ: what a defect's expected failure may raise (any other error fails the test)."""


ORDER = (
    "customer",
    "supplier",
    "sales_invoice",
    "payment",
    "purchase_invoice",
    "supplier_payment",
    "journal",
    "bank_transaction",
)
# Every entity reconciles clean now. The bank lines' last defect was the reader's which-lines-belong rule: it now
# follows the flow's (KashFlow's EntityName for receipts, the paying side of a transfer), and the lines no matching
# rule covers are explained by the exception queue. A defect found later goes here with its kinds.
DEFECTS: dict[str, tuple[str, set[str]]] = {}


@pytest.fixture
def synced_demo(demo):
    seed_sandbox(invoices=40)
    for entity in ORDER:
        run = run_flow(flow(entity))
        assert run.status in ("succeeded", "partial"), run.error
    post_in_ax()  # the accountant posts in AX what LedgerBridge created there
    return demo


@pytest.mark.parametrize(
    "entity",
    [
        pytest.param(
            e, marks=pytest.mark.xfail(strict=True, raises=UnreconciledBooks, reason=f"issue 13 {DEFECTS[e][0]}")
        )
        for e in DEFECTS
    ]
    + ["journal", "sales_invoice", "payment", "purchase_invoice", "supplier_payment", "bank_transaction"],
)
def test_the_synced_demo_company_reconciles_clean(synced_demo, entity):
    result = reconcile(synced_demo["pair"], entities=[entity])
    kinds = {d.kind for d in result.unexplained}
    if entity in DEFECTS:
        # While the defect stands the instrument must see exactly its kinds; a plain AssertionError here is not
        # the expected failure (raises=UnreconciledBooks), so a blind instrument fails the test.
        assert kinds == DEFECTS[entity][1], sorted(kinds)
    if result.unexplained or not all(t.agrees for t in result.totals):
        raise UnreconciledBooks(sorted((d.kind, d.key, d.kashflow, d.ax) for d in result.unexplained)[:20])
