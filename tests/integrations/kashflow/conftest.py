"""A simulated KashFlow account with a few objects of each kind, served over a real socket."""

from __future__ import annotations

import socket

import httpx
import pytest
from django.core.cache import cache

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.kashflow.connector import KashFlowConnector
from integrations.sandbox.kashflow import store
from integrations.sandbox.models import KashFlowAccount

USERNAME, PASSWORD, WORD = "tester", "secret-pw", "pineapple"

# Live-server tests need committed data; flushing only the sandbox's tables keeps each test fast.
SANDBOX_DB = pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"])


@pytest.fixture(autouse=True)
def kashflow_urls(settings):
    """The simulator mounted at /sandbox/kashflow/v2/ whatever the sandbox's own URL module holds."""
    settings.ROOT_URLCONF = "tests.integrations.kashflow.urls"


def customer(code: str, name: str, **extra) -> dict:
    return {
        "Id": extra.pop("Id", 1),
        "Code": code,
        "Name": name,
        "Email": f"accounts@{code.lower()}.example",
        "Telephone": "",
        "Mobile": "",
        "Website": "",
        "VATNumber": "",
        "Currency": {"Code": "GBP", "ExchangeRate": 1.0},
        "PaymentTerms": {"Days": 30, "Type": "Days"},
        "DiscountRate": 0.0,
        "Source": "",
        "Note": "",
        "IsArchived": False,
        "OutstandingBalance": 0.0,
        "Contacts": [],
        "Addresses": [{"Name": "Main", "Line1": "1 High Street", "Line2": "Leeds", "PostCode": "LS1 1AA"}],
        "DeliveryAddresses": [],
        "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "RETAIL"}],
        "CustomCheckBoxes": [],
        "CreatedDate": "2024-01-01T00:00:00Z",
        "LastUpdatedDate": "2024-01-01T00:00:00Z",
        **extra,
    }


@pytest.fixture
def account(transactional_db) -> KashFlowAccount:
    cache.clear()  # the request-rate window lives in the cache
    acct = KashFlowAccount.objects.create(
        username=USERNAME, password=PASSWORD, memorable_word=WORD, rate_limit_per_minute=10_000
    )
    for code, name, kind in ((4000, "Sales", "Sales"), (5000, "Purchases", "Expense"), (1200, "Bank", "Asset")):
        store.save(acct, "nominals", str(code), {"Id": code, "Code": code, "Name": name, "Type": kind})
    store.save(
        acct,
        "bankaccounts",
        "1200",
        {
            "Id": 1,
            "Code": 1200,
            "Name": "Current",
            "AccountNumber": "12345678",
            "SortCode": "40-11-22",
            "Currency": "GBP",
            "Balance": 0.0,
        },
    )
    store.save(acct, "customers", "ACME01", customer("ACME01", "Acme Ltd", Id=1))
    store.save(acct, "customers", "BETA01", customer("BETA01", "Beta plc", Id=2))
    supplier = customer("PAPER01", "Paper Co", Id=1)
    supplier.pop("OutstandingBalance")
    store.save(acct, "suppliers", "PAPER01", {**supplier, "DefaultNominalCode": 5000})
    store.save(
        acct,
        "products",
        "WIDGET",
        {
            "Id": 1,
            "Code": "WIDGET",
            "Name": "Widget",
            "Description": "A widget",
            "Price": 10.0,
            "NominalCode": 4000,
            "VATRate": 20.0,
            "VATExempt": False,
            "Category": "Parts",
            "IsArchived": False,
            "LastUpdatedDate": "2024-01-01T00:00:00Z",
        },
    )
    return acct


@pytest.fixture
def base_url(live_server) -> str:
    return f"{live_server.url}/sandbox/kashflow/v2/"


@pytest.fixture
def make_connector(base_url):
    made: list[KashFlowConnector] = []

    def make(url: str | None = None, *, password: str = PASSWORD, word: str = WORD, timeout: float = 5.0, **kw):
        config = ConnectionConfig(
            base_url=url or base_url,
            credentials={"username": USERNAME, "password": password, "memorable_word": word},
            timeout=timeout,
            **kw,
        )
        connector = KashFlowConnector(config)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(account, make_connector) -> KashFlowConnector:
    return make_connector()


def login(base_url: str) -> str:
    first = httpx.post(f"{base_url}sessiontoken", json={"UserName": USERNAME, "Password": PASSWORD}).json()
    chars = [{"Position": p["Position"], "Value": WORD[p["Position"] - 1]} for p in first["MemorableWordList"]]
    second = httpx.put(
        f"{base_url}sessiontoken", json={"TemporaryToken": first["TemporaryToken"], "MemorableWordList": chars}
    )
    return second.json()["SessionToken"]


@pytest.fixture
def api(account, base_url):
    """A raw HTTP client already logged in: for checking KashFlow's wire shapes themselves."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"KfToken {login(base_url)}"}, timeout=5) as client:
        yield client


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def invoice_body(**extra) -> dict:
    return {
        "CustomerCode": "ACME01",
        "IssuedDate": "2030-01-10",
        "CustomerReference": "PO-1",
        "LineItems": [
            {"Description": "Widgets", "Quantity": 3, "Rate": 10.0, "VATRate": 20, "NominalCode": 4000},
            {"Description": "Delivery", "Quantity": 1, "Rate": 5.55, "VATRate": 0, "NominalCode": 4000},
        ],
        **extra,
    }
