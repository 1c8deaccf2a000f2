"""Injected faults reach the connector as the right error kinds; writes stay exactly-once across retries."""

from __future__ import annotations

import time

import pytest

from integrations.connectors.dynamics_ax.client import AxClient, Criterion
from integrations.connectors.dynamics_ax.connector import DEFAULT_PORT
from integrations.connectors.errors import (
    AmbiguousError,
    DuplicateMessageError,
    RateLimitedError,
    TransientError,
)
from integrations.sandbox.models import AxRecord, FaultRule
from tests.integrations.ax.conftest import COMPANY, PASSWORD, USER, invoice

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    # Only the sandbox tables are flushed between tests: much faster on PostgreSQL.
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]


@pytest.fixture
def quick_client(ax_company, ax_url):
    # A short time-out for the time-out tests, with room for the NTLM handshake on a loaded machine.
    client = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, timeout=3, port=DEFAULT_PORT)
    client.load("FreeTextInvoiceService")  # the WSDL is fetched before any rule exists
    yield client
    client.close()


# a read on a service that has one: posted customer transactions (find keys)
CRITERIA = [Criterion("CustTrans", "Invoice", "NotEqual", "")]


def _rule(operation: str, kind: str, **kw) -> FaultRule:
    return FaultRule.objects.create(system="dynamics_ax", operation=operation, kind=kind, remaining=1, **kw)


def _invoices() -> int:
    return AxRecord.objects.filter(entity="CustInvoiceTable").count()


def test_latency_slows_the_call_down_and_it_still_answers(quick_client):
    _rule("CustomerTransactionService.findKeys", "latency", latency_ms=300)

    started = time.monotonic()
    page = quick_client.find_keys("CustomerTransactionService", CRITERIA)

    assert time.monotonic() - started >= 0.3
    assert page == []


def test_rate_limit_is_a_503_with_retry_after(quick_client):
    _rule("FreeTextInvoiceService.*", "rate_limit", retry_after=7)

    with pytest.raises(RateLimitedError) as caught:
        quick_client.create("FreeTextInvoiceService", [invoice()], message_id="rl-1")

    assert (caught.value.status, caught.value.retry_after) == (503, 7)
    assert _invoices() == 0
    assert quick_client.create("FreeTextInvoiceService", [invoice()], message_id="rl-1") == ["FTI-000001"]


def test_server_error_is_transient_and_not_ambiguous(quick_client):
    _rule("*.create", "server_error")

    with pytest.raises(TransientError) as caught:
        quick_client.create("FreeTextInvoiceService", [invoice()], message_id="se-1")

    assert not caught.value.permanent and not caught.value.ambiguous
    assert _invoices() == 0


def test_timeout_before_commit_is_ambiguous_and_the_retry_creates_it_once(quick_client):
    _rule("FreeTextInvoiceService.create", "timeout_before_commit", latency_ms=5000)

    with pytest.raises(AmbiguousError):
        quick_client.create("FreeTextInvoiceService", [invoice()], message_id="tb-1")

    assert _invoices() == 0
    assert quick_client.create("FreeTextInvoiceService", [invoice()], message_id="tb-1") == ["FTI-000001"]
    assert _invoices() == 1


def test_timeout_after_commit_is_ambiguous_and_the_retry_is_a_duplicate(quick_client):
    _rule("FreeTextInvoiceService.create", "timeout_after_commit", latency_ms=5000)

    with pytest.raises(AmbiguousError):
        quick_client.create("FreeTextInvoiceService", [invoice(reference="KF-1")], message_id="ta-1")
    with pytest.raises(DuplicateMessageError):
        quick_client.create("FreeTextInvoiceService", [invoice(reference="KF-1")], message_id="ta-1")

    assert _invoices() == 1


def test_dropped_connection_after_a_write_is_ambiguous_and_the_write_committed(quick_client):
    _rule("FreeTextInvoiceService.create", "drop_connection")

    with pytest.raises(AmbiguousError, match="dropped"):
        quick_client.create("FreeTextInvoiceService", [invoice()], message_id="dc-1")

    assert _invoices() == 1


def test_dropped_connection_on_a_read_is_transient(quick_client):
    _rule("CustomerTransactionService.findKeys", "drop_connection")

    with pytest.raises(TransientError) as caught:
        quick_client.find_keys("CustomerTransactionService", CRITERIA)

    assert not caught.value.ambiguous
    assert quick_client.find_keys("CustomerTransactionService", CRITERIA) == []
