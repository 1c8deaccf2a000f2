"""Each injected fault, played by the KashFlow simulator, reaches the connector as the right typed error."""

from __future__ import annotations

import time

import pytest

from integrations.connectors.errors import AmbiguousError, RateLimitedError, TransientError
from integrations.sandbox.models import FaultRule
from tests.integrations.kashflow.conftest import SANDBOX_DB

pytestmark = SANDBOX_DB


def fault(operation: str, kind: str, **extra) -> FaultRule:
    return FaultRule.objects.create(system="kashflow", operation=operation, kind=kind, remaining=1, **extra)


@pytest.fixture
def quick(account, make_connector):
    """A connector with a 1 s time-out, already logged in (so faults hit the call under test)."""
    connector = make_connector(timeout=1)
    connector.client.login()
    return connector


def test_latency_slows_the_answer_down(quick):
    fault("GET customers", "latency", latency_ms=300)
    start = time.monotonic()
    assert quick.read("customer", "ACME01")["Code"] == "ACME01"
    assert time.monotonic() - start >= 0.3


def test_rate_limit_fault_answers_429_with_its_retry_after(quick):
    rule = fault("GET customers", "rate_limit", retry_after=7)
    with pytest.raises(RateLimitedError) as caught:
        quick.read("customer", "ACME01")
    assert caught.value.retry_after == 7
    rule.refresh_from_db()
    assert rule.hits == 1 and rule.remaining == 0
    assert quick.read("customer", "ACME01")["Code"] == "ACME01"  # used up


def test_server_error_is_transient_and_not_ambiguous(quick):
    fault("POST customers", "server_error")
    with pytest.raises(TransientError) as caught:
        quick.create("customer", {"Code": "NEW1", "Name": "New"})
    assert caught.value.status == 500 and not caught.value.ambiguous
    assert quick.find_by_reference("customer", "NEW1") is None


def test_time_out_before_commit_is_ambiguous_to_the_client_and_nothing_was_written(quick):
    fault("POST customers", "timeout_before_commit", latency_ms=1300)
    with pytest.raises(AmbiguousError):
        quick.create("customer", {"Code": "NEW2", "Name": "New"})
    assert quick.find_by_reference("customer", "NEW2") is None


def test_time_out_after_commit_is_ambiguous_and_the_record_exists(quick):
    fault("POST invoices", "timeout_after_commit", latency_ms=1300)
    with pytest.raises(AmbiguousError):
        quick.create(
            "sales_invoice",
            {
                "CustomerCode": "ACME01",
                "IssuedDate": "2030-01-01",
                "CustomerReference": "AX-1",
                "LineItems": [{"Quantity": 1, "Rate": 1, "NominalCode": 4000}],
            },
        )
    assert quick.find_by_reference("sales_invoice", "AX-1")["Number"] == 1001


def test_dropped_connection_after_a_write_is_ambiguous_and_the_write_committed(quick):
    fault("POST invoices/bulk/payments", "drop_connection")
    quick.create(
        "sales_invoice",
        {
            "CustomerCode": "ACME01",
            "IssuedDate": "2030-01-01",
            "LineItems": [{"Quantity": 1, "Rate": 10, "NominalCode": 4000}],
        },
    )
    with pytest.raises(AmbiguousError):
        quick.mark_invoice_paid(1001, 10, "2030-01-02", reference="AX-PAY-1")
    # The retry finds the committed payment by its reference instead of paying twice.
    assert quick.mark_invoice_paid(1001, 10, "2030-01-02", reference="AX-PAY-1")["Note"] == "AX-PAY-1"
    assert len(quick.invoice_payments(1001)) == 1


def test_dropped_connection_on_a_read_is_transient(quick):
    fault("GET customers", "drop_connection")
    with pytest.raises(TransientError) as caught:
        quick.read("customer", "ACME01")
    assert not caught.value.ambiguous


def test_faults_on_login_reach_test_connection_as_a_message(account, make_connector):
    fault("POST sessiontoken", "server_error")
    result = make_connector(timeout=1).test_connection()
    assert not result.ok and "Could not reach KashFlow" in result.message and "500" in result.message


def test_kashflow_sql_timeout_is_a_400_with_a_numeric_error_and_is_transient(quick, api):
    fault("GET invoices", "sql_timeout")
    answer = api.get("invoices")
    assert answer.status_code == 400
    assert answer.json()["Error"] == "-2146232060" and "Execution Timeout Expired" in answer.json()["Message"]
    fault("GET invoices", "sql_timeout")
    with pytest.raises(TransientError) as caught:
        list(quick.list_changed("sales_invoice"))
    assert not caught.value.permanent and caught.value.code == "-2146232060"
    assert list(quick.list_changed("sales_invoice")) == []  # the next attempt goes through
