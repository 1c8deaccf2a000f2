"""One failed KashFlow page is retried on its own; the pages already read are kept (issue 13, defect 12)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from integrations.connectors.kashflow.client import KashFlowClient
from integrations.models import Flow
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sync.backoff import RetryPolicy
from integrations.sync.context import NullHeartbeat
from integrations.sync.extract import extract
from integrations.sync.setup import ensure_default_flows

INVOICES = [{"Number": n, "LastUpdatedDate": f"2026-01-0{n}T00:00:00Z", "LineItems": []} for n in range(1, 7)]


def kashflow(pages_asked: list[int], failures: dict[int, int]) -> KashFlowClient:
    """A KashFlow list of six invoices, two a page; page ``p`` fails ``failures[p]`` times with a 503 first."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sessiontoken"):
            if request.method == "POST":
                return httpx.Response(200, json={"TemporaryToken": "t", "MemorableWordList": [{"Position": 1}]})
            return httpx.Response(200, json={"SessionToken": "s"})
        page = int(request.url.params["page"])
        pages_asked.append(page)
        if failures.get(page):
            failures[page] -= 1
            return httpx.Response(503, json={"Message": "Service unavailable"})
        data = INVOICES[(page - 1) * 2 : page * 2]
        more = f"https://kashflow.test/invoices?page={page + 1}" if page < 3 else ""
        return httpx.Response(200, json={"Data": data, "MetaData": {"NextPageUrl": more, "TotalRecords": 6}})

    return KashFlowClient(
        "https://kashflow.test/", username="u", password="p", memorable_word="w",
        transport=httpx.MockTransport(answer),
    )  # fmt: skip


@pytest.fixture
def invoices_flow(db) -> Flow:
    ensure_default_flows(ensure_demo_connections("http://127.0.0.1:9"), schedules=False)
    return Flow.objects.get(entity="sales_invoice", direction="kf_to_ax")


def _ctx(flow: Flow, client: KashFlowClient):
    source = SimpleNamespace(client=client, list_changed=lambda entity, since: client.iterate("invoices", perpage=2))
    return SimpleNamespace(
        spec=flow.spec, flow=flow, run=SimpleNamespace(full=True), source=source, heartbeat=NullHeartbeat(),
        policy=RetryPolicy(attempts=4, base=0.0, cap=0.0), note_timeout=lambda: None,
    )  # fmt: skip


def test_a_failed_page_is_retried_alone_and_the_pages_read_are_kept(invoices_flow):
    asked: list[int] = []
    records, _ = extract(_ctx(invoices_flow, kashflow(asked, {2: 2})))
    assert [r["Number"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert asked == [1, 2, 2, 2, 3], f"the listing started again from page 1: {asked}"


def test_a_page_that_keeps_failing_fails_the_listing_once_not_in_a_loop(invoices_flow):
    from integrations.sync.load import RetriesExhausted

    asked: list[int] = []
    with pytest.raises(RetriesExhausted):
        extract(_ctx(invoices_flow, kashflow(asked, {3: 99})))
    assert asked == [1, 2, 3, 3, 3, 3], asked
