"""Against a KashFlow whose lists carry summaries only: payments come from PaymentLines, details are read only
for list entries that changed, and a payment line's own InvoiceNumber (0 in KashFlow's example) never wins."""

from __future__ import annotations

import json

import httpx

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.kashflow.client import KashFlowClient
from integrations.connectors.kashflow.connector import KashFlowConnector, MemoryDetailCache

# The payment lines exactly as KashFlow's InvoicesRESTExample shows them.
EXAMPLE_LINES = [
    {
        "AccountId": 55166,
        "Amount": 110.5,
        "Id": 2,
        "InvoiceNumber": 0,
        "Date": "2012-10-09 12:00:00 +05:30",
        "Method": 409844,
        "Note": "Test Payment",
        "Permalink": "/v2/documents/invoice/payment/3a22b041-8d45-496a-946d-bd2252a0d28c",
    },
    {
        "AccountId": 55166,
        "Amount": 7.0,
        "Id": 53,
        "InvoiceNumber": 0,
        "Date": "2012-10-09 12:00:00 +05:30",
        "Method": 409844,
        "Note": "",
        "Permalink": "/v2/documents/invoice/payment/3a22b041-8d45-496a-946d-bd2252a0d546",
    },
]


class SummaryKashFlow:
    """Invoices listed as summaries; GET /invoices/{n} gives the full invoice. Counts the detail reads."""

    def __init__(self) -> None:
        self.status = "Paid"
        self.detail_reads: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/sessiontoken") and request.method == "POST":
            return httpx.Response(
                200, json={"TemporaryToken": "t", "MemorableWordList": [{"Position": 3, "Value": ""}]}
            )
        if path.endswith("/sessiontoken") and request.method == "PUT":
            assert json.loads(request.content)["MemorableWordList"] == [{"Position": 3, "Value": "r"}]
            return httpx.Response(200, json={"SessionToken": "S"})
        assert request.headers["Authorization"] == "KfToken S"
        assert "modifiedsince" not in request.url.params
        summary = {"Number": 2, "CustomerCode": "PDRI91", "GrossAmount": 117.5, "Status": self.status}
        if path.endswith("/invoices"):
            return httpx.Response(200, json={"Data": [summary], "MetaData": {"NextPageUrl": None, "TotalRecords": 1}})
        if path.endswith("/invoices/2"):
            self.detail_reads.append(path)
            return httpx.Response(200, json={**summary, "LineItems": [], "PaymentLines": EXAMPLE_LINES})
        return httpx.Response(404, json={"Error": "NotFound", "Message": "?"})


def _connector(server: SummaryKashFlow, cache: MemoryDetailCache) -> KashFlowConnector:
    config = ConnectionConfig(
        base_url="https://kashflow.example/v2/",
        credentials={"username": "u", "password": "p", "memorable_word": "word"},
    )
    connector = KashFlowConnector(config, detail_cache=cache)
    connector._client = KashFlowClient(
        config.base_url, username="u", password="p", memorable_word="word", transport=httpx.MockTransport(server)
    )
    return connector


def test_payment_lines_keep_the_invoice_they_were_read_from():
    server = SummaryKashFlow()
    payments = list(_connector(server, MemoryDetailCache()).list_changed("payment"))
    assert [(p["InvoiceNumber"], p["Id"], p["Key"]) for p in payments] == [(2, 2, "2/2"), (2, 53, "2/53")]
    assert [p["Amount"] for p in payments] == [110.5, 7.0]
    assert {p["CustomerCode"] for p in payments} == {"PDRI91"}
    assert {(p["Method"], p["AccountId"]) for p in payments} == {(409844, 55166)}


def test_details_are_read_only_for_list_entries_that_changed():
    server, cache = SummaryKashFlow(), MemoryDetailCache()
    assert len(list(_connector(server, cache).list_changed("sales_invoice"))) == 1
    assert len(list(_connector(server, cache).list_changed("sales_invoice"))) == 1
    assert len(server.detail_reads) == 1  # the second poll found the entry unchanged
    server.status = "Overpaid"
    invoices = list(_connector(server, cache).list_changed("sales_invoice"))
    assert len(server.detail_reads) == 2 and invoices[0]["Status"] == "Overpaid"
