"""A simulated KashFlow account with a few objects of each kind, served over a real socket."""

from __future__ import annotations

import socket

import httpx
import pytest
from django.core.cache import cache

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.kashflow.connector import KashFlowConnector
from integrations.sandbox.kashflow import shapes, store
from integrations.sandbox.models import KashFlowAccount

USERNAME, PASSWORD, WORD = "tester", "secret-pw", "pineapple"

# Live-server tests need committed data; flushing only the sandbox's tables keeps each test fast.
SANDBOX_DB = pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"])


@pytest.fixture(autouse=True)
def kashflow_urls(settings):
    """The simulator mounted at /sandbox/kashflow/v2/ whatever the sandbox's own URL module holds."""
    settings.ROOT_URLCONF = "tests.integrations.kashflow.urls"


BANK_ID = 55166  # the bank account's Id; its Code (nominal) is 1200


def customer(code: str, name: str, **extra) -> dict:
    """A customer in KashFlow's shape (CustomersRESTExample)."""
    return {
        "Id": extra.pop("Id", 1),
        "Code": code,
        "Name": name,
        "DisplayName": name,
        "Email": f"accounts@{code.lower()}.example",
        "TelephoneNumber": "0113 496 0000",
        "MobileNumber": "",
        "FaxNumber": "",
        "Website": "",
        "VATNumber": "",
        "Currency": shapes.currency("GBP", customer=True),
        "PaymentTerms": {"Days": 30, "Type": "AfterIssuedDate"},
        "DiscountRate": 0.0,
        "Source": 0,
        "Note": "",
        "IsArchived": False,
        "OutstandingBalance": 0.0,
        "TotalPaidAmount": 0.0,
        "Contacts": [],
        "Addresses": [{"Line1": "1 High Street", "Line2": "Leeds", "PostCode": "LS1 1AA", "CountryCode": "GB"}],
        "DeliveryAddresses": [],
        "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "RETAIL"}],
        "CustomCheckBoxes": [],
        "DefaultNominalCode": 0,
        "CreatedDate": "2024-01-01 09:00:00",
        "LastUpdatedDate": "2024-01-01 09:00:00",
        **extra,
    }


def supplier(code: str, name: str, **extra) -> dict:
    """A supplier in KashFlow's shape (SuppliersRESTExample): one Address, VatNumber."""
    return {
        "Id": extra.pop("Id", 1),
        "Code": code,
        "Name": name,
        "VatNumber": "GB123456789",
        "Currency": shapes.currency("GBP"),
        "PaymentTerms": {"Days": 30, "Type": "AfterIssuedDate"},
        "Note": "",
        "IsArchived": False,
        "OutstandingBalance": 0.0,
        "TotalPaidAmount": 0.0,
        "Contacts": [{"Firstname": "Pat", "LastName": "Paper", "Email": f"accounts@{code.lower()}.example"}],
        "Address": {"Line1": "2 Mill Lane", "Line2": "Bradford", "Line3": "", "Line4": "", "PostCode": "BD1 1AA"},
        "DefaultNominalCode": 5000,
        "BankAccount": {"Name": "", "Number": "", "SortCode": ""},
        "CreatedDate": "2024-01-01 09:00:00",
        "LastUpdatedDate": "2024-01-01 09:00:00",
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
    store.save(acct, "bankaccounts", str(BANK_ID), shapes.bank_account(BANK_ID, 1200, "Current", default=True))
    store.save(acct, "customers", "ACME01", customer("ACME01", "Acme Ltd", Id=1))
    store.save(acct, "customers", "BETA01", customer("BETA01", "Beta plc", Id=2))
    store.save(acct, "suppliers", "PAPER01", supplier("PAPER01", "Paper Co", Id=1))
    store.save(
        acct,
        "products",
        "4000/WIDGET",
        {
            "Id": 1,
            "Code": "WIDGET",
            "Name": "Widget",
            "Description": "A widget",
            "Price": 10.0,
            "WholesalePrice": 0.0,
            "NominalCode": 4000,
            "NominalId": 4000,
            "VATRate": 20.0,
            "ManagesStock": False,
            "QuantityInStock": 0.0,
            "IsArchived": False,
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
            {"Description": "Widgets", "Quantity": 3, "Rate": 10.0, "VATLevel": 20, "NominalCode": 4000},
            {"Description": "Delivery", "Quantity": 1, "Rate": 5.55, "VATLevel": 0, "NominalCode": 4000},
        ],
        **extra,
    }
