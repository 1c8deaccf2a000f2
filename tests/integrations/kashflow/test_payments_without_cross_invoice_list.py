"""Against a KashFlow without the sandbox's cross-invoice payment list, payments come from changed invoices."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.kashflow.client import KashFlowClient
from integrations.connectors.kashflow.connector import KashFlowConnector


def kashflow_without_payment_list(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/sessiontoken") and request.method == "POST":
        return httpx.Response(200, json={"TemporaryToken": "t", "MemorableWordList": [{"Position": 1, "Value": ""}]})
    if path.endswith("/sessiontoken") and request.method == "PUT":
        assert json.loads(request.content)["MemorableWordList"] == [{"Position": 1, "Value": "w"}]
        return httpx.Response(200, json={"SessionToken": "S"})
    assert request.headers["Authorization"] == "KfToken S"
    if path.endswith("/invoices/payments"):
        return httpx.Response(404, json={"Error": "NotFound", "Message": "Invoice payments was not found."})
    if path.endswith("/invoices"):
        assert request.url.params["modifiedsince"] == "2030-01-01T00:00:00Z"
        invoice = {"Number": 7, "LineItems": [], "PaymentLines": [{"Id": 3, "Amount": 5.0, "Date": "2030-01-02"}]}
        return httpx.Response(200, json={"Data": [invoice], "MetaData": {"NextPageUrl": None, "TotalRecords": 1}})
    return httpx.Response(404, json={"Error": "NotFound", "Message": "?"})


def test_payments_are_read_from_changed_invoices_when_there_is_no_payment_list():
    config = ConnectionConfig(
        base_url="https://kashflow.example/v2/",
        credentials={"username": "u", "password": "p", "memorable_word": "word"},
    )
    connector = KashFlowConnector(config)
    connector._client = KashFlowClient(
        config.base_url,
        username="u",
        password="p",
        memorable_word="word",
        transport=httpx.MockTransport(kashflow_without_payment_list),
    )
    payments = list(connector.list_changed("payment", since=datetime(2030, 1, 1, tzinfo=UTC)))
    assert payments == [{"InvoiceNumber": 7, "Id": 3, "Amount": 5.0, "Date": "2030-01-02"}]
