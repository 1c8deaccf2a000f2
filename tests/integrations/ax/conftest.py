"""A small AX company of our own (no demo seeder): main accounts, dimension values, rates, one customer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.dynamics_ax.client import AxClient, forget_wsdl_cache
from integrations.connectors.dynamics_ax.connector import DEFAULT_PORT, DynamicsAXConnector
from integrations.sandbox.ax import ports
from integrations.sandbox.models import AxCompany, AxRecord

USER, PASSWORD, COMPANY = "svc-ledgerbridge", "s3cret", "TST"

MAIN_ACCOUNTS = [
    ("401100", "Sales - services", "Revenue"),
    ("110180", "Bank - operating", "Asset"),
    ("130100", "Accounts receivable", "Asset"),
    ("200100", "Accounts payable", "Liability"),
    ("600100", "Office expenses", "Expense"),
]
DIMENSIONS = [("Department", "SALES", "Sales"), ("Department", "ADMIN", "Administration"), ("CostCenter", "CC10", "HQ")]
RATES = [
    ("EUR", "GBP", "2024-01-01", "0.8600"),
    ("EUR", "GBP", "2024-06-01", "0.8500"),
    ("USD", "GBP", "2024-01-01", "0.7900"),
]


def rate_pairs() -> dict[tuple[str, str], dict]:
    """RATES as AX's CurrencyPair documents: the pair, its rows per 100 units of the from currency."""
    pairs: dict[tuple[str, str], dict] = {}
    for src, dst, valid_from, rate in RATES:
        pair = pairs.setdefault(
            (src, dst),
            {"FromCurrencyCode": src, "ToCurrencyCode": dst, "ExchangeRateType": "Default", "ExchangeRate": []},
        )
        pair["ExchangeRate"].append({"ValidFrom": valid_from, "ExchangeRate": str(Decimal(rate) * 100)})
    return pairs


CUSTOMER = {
    "AccountNum": "C0001",
    "CustGroup": "RETAIL",
    "Currency": "GBP",
    "PaymTermId": "N30",
    "DirParty": [
        {
            "Name": "Acme Trading Ltd",
            "DirPartyPostalAddressView": [
                {
                    "Street": "1 High Street",
                    "City": "Leeds",
                    "ZipCode": "LS1 1AA",
                    "CountryRegionId": "GBR",
                    "Roles": "Invoice",
                    "IsPrimary": "Yes",
                }
            ],
            "DirPartyContactInfoView": [{"Type": "Email", "Locator": "accounts@acme.example", "IsPrimary": "Yes"}],
        }
    ],
}
VENDOR = {"AccountNum": "V0001", "VendGroup": "SUPPLIERS", "Currency": "GBP", "DirParty": [{"Name": "Paper Co"}]}


def _put(company: AxCompany, entity: str, key: str, data: dict) -> None:
    AxRecord.objects.create(company=company, entity=entity, key=key, data=data, modified_at=timezone.now())


@pytest.fixture
def ax_company(transactional_db) -> AxCompany:
    company = AxCompany.objects.create(
        data_area_id=COMPANY, name="Test company", service_user=USER, service_password=PASSWORD
    )
    for account, name, kind in MAIN_ACCOUNTS:
        _put(company, "MainAccount", account, {"MainAccountId": account, "Name": name, "Type": kind})
    for dim, value, description in DIMENSIONS:
        _put(
            company,
            "DimensionValue",
            f"{dim}/{value}",
            {"DimensionName": dim, "Value": value, "Description": description},
        )
    for (src, dst), pair in rate_pairs().items():
        _put(company, "CurrencyPair", f"{src}/{dst}/Default", pair)
    _put(company, "CustTable", "C0001", CUSTOMER)
    _put(company, "VendTable", "V0001", VENDOR)
    return company


@pytest.fixture
def ax_url(live_server) -> str:
    return f"{live_server.url}/sandbox/ax/MicrosoftDynamicsAXAif60"


@pytest.fixture(autouse=True)
def _sandbox_ports():
    """Every test starts with the sandbox's default port only (tests register their own ports) and no cached
    WSDL (a port a test reshaped must not leak into the next test through the per-connection cache)."""
    ports.reset()
    yield
    if [p.name for p in ports.all_ports()] != [ports.DEFAULT_PORT]:
        forget_wsdl_cache()
    ports.reset()


@pytest.fixture
def ax_client(ax_company, ax_url):
    client = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, timeout=10, port=DEFAULT_PORT)
    yield client
    client.close()


@pytest.fixture
def connector(ax_company, ax_url):
    config = ConnectionConfig(
        base_url=ax_url,
        credentials={"service_user": USER, "service_password": PASSWORD},
        company=COMPANY,
        timeout=10,
    )
    with DynamicsAXConnector(config) as conn:
        yield conn


def invoice(customer: str = "C0001", reference: str = "10001", *lines: dict) -> dict:
    return {
        "OrderAccount": customer,
        "InvoiceDate": "2024-03-01",
        "DueDate": "2024-03-31",
        "CurrencyCode": "GBP",
        "CustomerRef": reference,
        "PurchOrderFormNum": "PO-77",
        "DefaultDimension": {"Values": [{"Name": "Department", "Value": "SALES"}]},
        "CustInvoiceLine": list(lines)
        or [
            {
                "Description": "Consulting",
                "Quantity": "2",
                "UnitPrice": "50.00",
                "LedgerDimension": {"Account": "401100", "Values": [{"Name": "CostCenter", "Value": "CC10"}]},
                "TaxGroup": "DOM",
                "TaxItemGroup": "STD",
            }
        ],
    }


def journal(*lines: dict, name: str = "GenJrn", reference: str = "J-1") -> dict:
    default = [
        {
            "TransDate": "2024-03-05",
            "AccountType": "Ledger",
            "LedgerDimension": {"Account": "600100"},
            "AmountCurDebit": "120.00",
            "CurrencyCode": "GBP",
            "Txt": "Paper",
            "DocumentNum": reference,
        },
        {
            "TransDate": "2024-03-05",
            "AccountType": "Ledger",
            "LedgerDimension": {"Account": "110180"},
            "AmountCurCredit": "120.00",
            "CurrencyCode": "GBP",
            "Txt": "Paper",
            "DocumentNum": reference,
        },
    ]
    return {"JournalName": name, "Name": "From KashFlow", "LedgerJournalTrans": list(lines) or default}


def payment(invoice_id: str, amount: str, reference: str) -> dict:
    """A customer payment journal of one line paying ``amount`` against ``invoice_id`` (MarkedInvoice)."""
    return {
        "JournalName": "CustPay",
        "LedgerJournalTrans": [
            {
                "TransDate": "2024-03-15",
                "AccountType": "Cust",
                "LedgerDimension": {"Account": "C0001"},
                "AmountCurCredit": amount,
                "CurrencyCode": "GBP",
                "MarkedInvoice": invoice_id,
                "DocumentNum": reference,
                "OffsetAccountType": "Ledger",
                "OffsetLedgerDimension": {"Account": "110180"},
            }
        ],
    }
