"""Every list page costs a fixed number of queries, pinned: a new N+1 (or an extra query) fails here.

Each page is rendered with several rows of everything it lists, so a query per row would show as a different
count; a deliberate change to a page's queries updates its number here.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import RecordOutcome, SyncRun
from integrations.services import connections as services
from monitoring import audit
from monitoring.models import Alert, AlertRule
from monitoring.services import record_exception
from tests.monitoring.conftest import make_flow

ROWS = 3

# (URL name, role, pinned queries, text from the last row that proves the rows were listed)
LIST_PAGES = [
    ("integrations:connection-list", "Integration admin", 6, "KashFlow 2"),
    ("integrations:pair-list", "Integration admin", 6, "Pair 2"),
    ("integrations:flow-list", "Viewer", 6, "Sales invoices 2"),
    ("monitoring:exception-list", "Viewer", 9, "INV-2"),
    ("monitoring:run-list", "Viewer", 8, "Sales invoices 2"),
    ("monitoring:alert-list", "Viewer", 8, "2 new exceptions"),
    ("monitoring:audit-list", "Viewer", 8, "mappings.valuemap"),
]


@pytest.fixture
def rows(db):
    """ROWS of everything the list pages show: connections, pairs, flows, runs, exceptions, alerts, audit events."""
    for i in range(ROWS):
        kashflow = services.create_connection(
            name=f"KashFlow {i}",
            system="kashflow",
            base_url="https://kf.invalid/",
            settings={"username": f"user{i}"},
            credentials={"password": "p", "memorable_word": "w"},
        )
        ax = services.create_connection(
            name=f"AX {i}",
            system="dynamics_ax",
            base_url="https://ax.invalid/",
            company="DAT",
            settings={"service_user": "CONTOSO\\aifuser"},
            credentials={"service_password": "p"},
        )
        services.create_pair(name=f"Pair {i}", kashflow=kashflow, dynamics_ax=ax)
        flow = make_flow(name=f"Sales invoices {i}")
        run = SyncRun.objects.create(flow=flow, status=SyncRun.Status.PARTIAL, total=2, processed=2)
        RecordOutcome.objects.create(run=run, source_key=f"INV-{i}", action="failed", stage="map", error="not mapped")
        record_exception(
            flow=flow,
            run=run,
            source_key=f"INV-{i}",
            stage="map",
            error_class="value_not_mapped",
            error_code="value_not_mapped",
            message=f"value '49{i}0' not in value map nominal_to_main_account",
            source_payload={"Number": i},
            mapped_document=None,
        )
        rule = AlertRule.objects.create(name=f"Too many {i}", kind="exceptions_over", threshold=1, emails="o@x.test")
        Alert.objects.create(rule=rule, subject_key="all", message=f"{i} new exceptions")
        audit.record(action="updated", object_type="mappings.valuemap", object_id=str(i), changes={"target": [1, 2]})


@pytest.mark.parametrize(("name", "role", "queries", "shows"), LIST_PAGES)
def test_list_pages_cost_a_pinned_number_of_queries(
    rows, client_for, django_assert_num_queries, name, role, queries, shows
):
    client = client_for(role)
    with django_assert_num_queries(queries):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert shows in response.content.decode()
