"""The Reconciliation page: who may read it, who may run one, and what a stored run shows."""

from __future__ import annotations

import pytest

from integrations.models import IntegrationPair
from integrations.reconciliation.models import ReconciliationRun
from tests.integrations.sync.conftest import flow

URL = "/reconciliation/"


def stored_run(pair: IntegrationPair, **fields) -> ReconciliationRun:
    defaults = {
        "status": ReconciliationRun.Status.DIFFERENCES,
        "documents": 3,
        "unexplained_count": 1,
        "explained_count": 1,
        "differences": [
            {
                "entity": "payment",
                "kind": "currency",
                "key": "12",
                "kashflow": "EUR",
                "ax": "GBP",
                "ax_keys": ["JNL-000012"],
                "currency": "EUR",
                "amount": "1500.00",
                "explained_by": "",
            },
            {
                "entity": "sales_invoice",
                "kind": "missing_in_ax",
                "key": "1008",
                "kashflow": "238.80 GBP",
                "ax": "absent",
                "ax_keys": [],
                "currency": "GBP",
                "amount": "238.80",
                "explained_by": "in the exception queue (value_not_mapped): 4900",
            },
        ],
        "summary": {
            "entities": [{"entity": "payment", "documents": 3, "ax_documents": 3, "unexplained": 1, "explained": 0}],
            "totals": [
                {
                    "entity": "payment",
                    "by": "currency",
                    "name": "gross",
                    "currency": "EUR",
                    "kashflow": "1500.00",
                    "ax": "0.00",
                    "agrees": False,
                },
                {
                    "entity": "payment",
                    "by": "currency",
                    "name": "gross",
                    "currency": "GBP",
                    "kashflow": "900.00",
                    "ax": "900.00",
                    "agrees": True,
                },
            ],
        },
    }
    return ReconciliationRun.objects.create(pair=pair, **{**defaults, **fields})


@pytest.fixture
def pair(db):
    from integrations.sandbox.loading import ensure_demo_connections
    from integrations.sync.setup import ensure_default_flows

    made = ensure_demo_connections("http://127.0.0.1:9")
    ensure_default_flows(made, install_templates=True, schedules=False)
    return made


@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("viewer", 200), ("accountant", 200)])
def test_viewers_and_up_read_the_page(client_for, pair, who, status):
    assert client_for(who).get(URL).status_code == status


def test_anonymous_goes_to_the_login_page(client_for, pair):
    response = client_for(None).get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_viewer_cannot_start_a_reconciliation(client_for, pair):
    response = client_for("viewer").post(URL, {"pair": pair.pk})
    assert response.status_code == 403
    assert not ReconciliationRun.objects.exists()
    assert "Reconcile now" not in client_for("viewer").get(URL).content.decode()


def test_a_run_that_cannot_reach_the_systems_is_stored_as_failed_with_the_reason(client_for, pair):
    response = client_for("accountant").post(URL, {"pair": pair.pk, "entities": ["sales_invoice"]})
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?run={run.pk}")
    assert run.status == "failed" and run.error and run.entities == ["sales_invoice"]
    page = client_for("accountant").get(response["Location"]).content.decode()
    assert "could not finish" in page


def test_the_page_lists_differences_with_both_sides_a_lineage_link_and_the_totals(client_for, pair):
    run = stored_run(pair)
    html = client_for("viewer").get(URL).content.decode()
    assert "1 unexplained difference in 3 documents" in html
    assert 'data-kind="currency" data-key="12"' in html
    assert '<td class="recon-side">EUR</td>' in html and '<td class="recon-side">GBP</td>' in html
    assert f"/runs/find/?q=12&amp;flow={flow('payment').slug}" in html
    assert "Explained by the exception queue" in html and "value_not_mapped" in html
    assert "Totals that differ" in html and "Totals that agree" in html
    assert f"?run={run.pk}" in html  # the history links to it


def test_a_clean_run_says_so_and_an_unfinished_one_polls_for_its_result(client_for, pair):
    stored_run(pair, status="clean", unexplained_count=0, differences=[])
    assert "Clean: 3 documents agree in both systems" in client_for("viewer").get(URL).content.decode()
    queued = stored_run(pair, status="queued")
    html = client_for("viewer").get(URL).content.decode()
    assert f'hx-get="/reconciliation/?run={queued.pk}"' in html
    fragment = client_for("viewer").get(f"{URL}?run={queued.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "recon-pending" in fragment and "<html" not in fragment
