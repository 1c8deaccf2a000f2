"""Every operation of every simulated AIF service, called through the zeep client over a real socket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.connectors.dynamics_ax.client import Criterion
from integrations.connectors.dynamics_ax.documents import DOCUMENT_OPERATIONS, SERVICES
from integrations.connectors.errors import NotFoundError, ProtocolError
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxMessage, AxRecord
from tests.integrations.ax.conftest import invoice, journal, payment

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    # Only the sandbox tables are flushed between tests: much faster on PostgreSQL.
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]

# A new document per write service, the field an update changes, and the criterion find uses.
SAMPLES = {
    "CustomerService": (
        {"AccountNum": "C0100", "CustGroup": "RETAIL", "Currency": "GBP", "DirParty": [{"Name": "New Customer"}]},
        ("CustGroup", "WHOLESALE"),
        ("CustTable", "AccountNum"),
    ),
    "VendVendTableService": (
        {"AccountNum": "V0100", "VendGroup": "DOMESTIC", "Currency": "GBP", "DirParty": [{"Name": "New Vendor"}]},
        ("VendGroup", "EU"),
        ("VendTable", "AccountNum"),
    ),
    "ItemService": (
        {"ItemId": "SVC-1", "Name": "Consulting hour", "ItemType": "Service", "SalesPrice": "95.00", "UnitId": "h"},
        ("SalesPrice", "99.50"),
        ("InventTable", "ItemId"),
    ),
    "FreeTextInvoiceService": (
        invoice(reference="20001"),
        ("PurchOrderFormNum", "PO-99"),
        ("CustInvoiceTable", "CustomerRef"),
    ),
    "LedgerGeneralJournalService": (
        journal(reference="J-77"),
        ("Name", "Renamed"),
        ("LedgerJournalTrans", "DocumentNum"),
    ),
    "CustPaymJournalService": (
        {
            "JournalName": "CustPay",
            "Name": "Receipts",
            "LedgerJournalTrans": [
                {
                    "TransDate": "2024-03-10",
                    "AccountType": "Cust",
                    "LedgerDimension": {"Account": "C0001"},
                    "AmountCurCredit": "10.00",
                    "CurrencyCode": "GBP",
                    "DocumentNum": "P-1",
                    "OffsetAccountType": "Ledger",
                    "OffsetLedgerDimension": {"Account": "110180"},
                    "PaymMode": "BACS",
                }
            ],
        },
        ("Name", "Receipts (corrected)"),
        ("LedgerJournalTrans", "DocumentNum"),
    ),
}


FULL_SERVICES = sorted(name for name in SAMPLES if set(SERVICES[name].operations) == set(DOCUMENT_OPERATIONS))


def _stored(key: str, entity: str = "CustInvoiceTable") -> dict:
    """The document as AX holds it (what an accountant sees in AX): the create-only services cannot read."""
    return AxRecord.objects.get(entity=entity, key=key).data


@pytest.mark.parametrize("name", FULL_SERVICES)
def test_every_operation_of_every_document_service(ax_client, name):
    svc = SERVICES[name]
    document, (field, value), (data_source, find_field) = SAMPLES[name]

    [key] = ax_client.create(name, [document], message_id=f"create-{name}")
    [created] = ax_client.read(name, [key])
    ax_client.update(
        name, [key], [{field: value, "_DocumentHash": created["_DocumentHash"]}], message_id=f"update-{name}"
    )
    [updated] = ax_client.read(name, [key])
    reference = document[find_field] if data_source == svc.root.name else document[data_source][0][find_field]
    found = ax_client.find(name, [Criterion(data_source, find_field, "Equal", reference)])
    found_keys = ax_client.find_keys(name, [Criterion(data_source, find_field, "Equal", reference)])
    all_keys = ax_client.get_keys(name).keys
    changed = ax_client.get_changed_keys(name, datetime.now(UTC) - timedelta(minutes=5)).keys
    ax_client.delete(name, [key], message_id=f"delete-{name}")

    assert updated[field] == value
    assert updated["_DocumentHash"] != created["_DocumentHash"]
    assert [svc.key_of(r) for r in found] == [key]
    assert found_keys == [key]
    assert key in all_keys and key in changed
    with pytest.raises(NotFoundError, match="No valid document identified from the entity key"):
        ax_client.read(name, [key])
    operations = set(AxMessage.objects.filter(service=name, succeeded=True).values_list("operation", flat=True))
    assert operations == set(svc.operations)


REFERENCE_SAMPLES = [
    ("MainAccountService", "401100", "Name", "Sales - services"),
    ("DimensionValueService", "Department/SALES", "Description", "Sales"),
]


def test_reference_services_read_find_and_list_keys(ax_client):
    for name, key, field, expected in REFERENCE_SAMPLES:
        svc = SERVICES[name]
        first_key_field = svc.key_fields[0]

        [record] = ax_client.read(name, [key])
        found = ax_client.find(name, [Criterion(svc.root.name, first_key_field, "Equal", record[first_key_field])])
        keys = ax_client.get_keys(name).keys
        found_keys = ax_client.find_keys(name, [Criterion(svc.root.name, first_key_field, "NotEqual", "")])

        assert record[field] == expected
        assert key in [svc.key_of(r) for r in found]
        assert key in keys and sorted(found_keys) == sorted(keys)


def test_create_answers_the_key_ax_assigned_from_the_number_sequence(ax_client):
    first = ax_client.create("FreeTextInvoiceService", [invoice(reference="1")])
    second = ax_client.create("FreeTextInvoiceService", [invoice(reference="2")])
    journals = ax_client.create("LedgerGeneralJournalService", [journal()])

    assert (first, second) == (["FTI-000001"], ["FTI-000002"])
    assert journals == ["JNL-000001"]


def test_free_text_invoice_gets_ax_defaults_and_computed_amounts(ax_client):
    document = invoice()
    del document["CurrencyCode"]
    document["CustInvoiceLine"].append(
        {"Description": "Travel", "AmountCur": "35.50", "LedgerDimension": {"Account": "401100"}}
    )

    [key] = ax_client.create("FreeTextInvoiceService", [document])
    stored = _stored(key)

    assert stored["InvoiceAccount"] == "C0001"
    assert stored["CurrencyCode"] == "GBP"  # from the customer
    # 100.00 at the standard item tax group (20%) plus 35.50 with no item tax group
    assert (stored["SumTax"], stored["InvoiceAmount"]) == ("20.00", "155.50")
    assert (stored["SettledAmount"], stored["PaymentStatus"]) == ("0.00", "None")
    assert stored["CustInvoiceLine"][0]["LedgerDimension"]["DisplayValue"] == "401100-CC10"


def test_read_only_fields_sent_by_a_caller_are_ignored(ax_client):
    document = {**invoice(), "InvoiceAmount": "999.00", "PaymentStatus": "Paid"}

    [key] = ax_client.create("FreeTextInvoiceService", [document])
    stored = _stored(key)

    assert (stored["InvoiceAmount"], stored["PaymentStatus"]) == ("120.00", "None")


def _transaction(ax_client, invoice_id: str) -> list[dict]:
    return ax_client.find("CustomerTransactionService", [Criterion("CustTrans", "Invoice", "Equal", invoice_id)])


def test_payment_with_marked_invoice_settles_it_partly_then_fully_when_posted(ax_client, ax_company):
    [invoice_id] = ax_client.create("FreeTextInvoiceService", [invoice()])
    [first] = ax_client.create("CustPaymJournalService", [payment(invoice_id, "40.00", "P-1")])

    draft_transactions = _transaction(ax_client, invoice_id)  # nothing posted: no customer transaction
    held = posting.post(ax_company, kinds=["payment"])  # a payment cannot settle an unposted invoice
    posting.post(ax_company, kinds=["sales_invoice"])
    [open_invoice] = _transaction(ax_client, invoice_id)
    posting.post(ax_company, kinds=["payment"])
    [partly] = _transaction(ax_client, invoice_id)
    ax_client.create("CustPaymJournalService", [payment(invoice_id, "80.00", "P-2")])
    [still_partly] = _transaction(ax_client, invoice_id)  # created, not posted: settles nothing
    posting.post(ax_company)
    [paid] = _transaction(ax_client, invoice_id)

    assert draft_transactions == []
    assert first in held.refused and "not posted" in held.refused[first]
    assert (open_invoice["AmountCur"], open_invoice["SettleAmountCur"]) == ("120.00", "0.00")
    assert open_invoice["Txt"] == invoice()["CustomerRef"] and open_invoice["AccountNum"] == "C0001"
    assert partly["SettleAmountCur"] == still_partly["SettleAmountCur"] == "40.00"
    assert "Closed" not in partly
    assert paid["SettleAmountCur"] == "120.00" and paid["Closed"]
    assert (_stored(invoice_id)["SettledAmount"], _stored(invoice_id)["PaymentStatus"]) == ("120.00", "Paid")
    assert _stored(first, "LedgerJournalTable")["Posted"] == "Yes"


def test_get_changed_keys_returns_only_records_modified_since_the_time(ax_client, ax_company):
    old_key = "C0001"
    AxRecord.objects.filter(entity="CustTable", key=old_key).update(modified_at=datetime.now(UTC) - timedelta(days=2))
    since = datetime.now(UTC) - timedelta(days=1)
    ax_client.create("CustomerService", [{**SAMPLES["CustomerService"][0]}])

    changed = ax_client.get_changed_keys("CustomerService", since).keys
    everything = ax_client.get_keys("CustomerService").keys

    assert changed == ["C0100"]
    assert set(everything) == {"C0001", "C0100"}


def test_key_pages_follow_the_bookmark_without_gaps_or_repeats(ax_client, ax_company):
    for i in range(5):
        ax_client.create("ItemService", [{"ItemId": f"ITEM-{i}", "Name": f"Item {i}"}])
    seen, bookmark, pages = [], "", 0
    while True:
        page = ax_client.get_changed_keys(
            "ItemService", datetime(2000, 1, 1, tzinfo=UTC), page_size=2, bookmark=bookmark
        )
        seen += page.keys
        pages += 1
        if not page.bookmark:
            break
        bookmark = page.bookmark

    assert sorted(seen) == [f"ITEM-{i}" for i in range(5)]
    assert pages == 3


def test_journal_services_only_see_their_own_journal_names(ax_client):
    [general] = ax_client.create("LedgerGeneralJournalService", [journal()])
    [payment] = ax_client.create("CustPaymJournalService", [SAMPLES["CustPaymJournalService"][0]])

    [read] = ax_client.read("LedgerGeneralJournalService", [general])
    assert read["JournalName"] == "GenJrn" and read["Posted"] == "No"  # a draft until posted in AX
    with pytest.raises(NotFoundError):
        ax_client.read("LedgerGeneralJournalService", [payment])


def test_find_matches_wildcards_ranges_and_child_tables(ax_client, ax_company):
    for number in ("30001", "30002", "40001"):
        ax_client.create(
            "CustomerService",
            [
                {
                    "AccountNum": f"C{number}",
                    "CustGroup": "RETAIL",
                    "Currency": "GBP",
                    "DirParty": [{"Name": "consulting"}],
                }
            ],
        )

    wildcard = ax_client.find_keys("CustomerService", [Criterion("CustTable", "AccountNum", "Equal", "C300*")])
    ranged = ax_client.find_keys("CustomerService", [Criterion("CustTable", "AccountNum", "Range", "C30002", "C40001")])
    by_child = ax_client.find_keys("CustomerService", [Criterion("DirParty", "Name", "Equal", "consulting")])

    assert wildcard == ["C30001", "C30002"]
    assert ranged == ["C30002", "C40001"]
    assert by_child == ["C30001", "C30002", "C40001"]


def test_every_message_is_recorded_with_its_message_id_and_keys(ax_client, ax_company):
    [key] = ax_client.create("CustomerService", [SAMPLES["CustomerService"][0]], message_id="first-customer")
    ax_client.read("CustomerService", [key])

    messages = list(AxMessage.objects.order_by("pk").values_list("service", "operation", "succeeded", "keys"))
    stored_id = AxMessage.objects.get(operation="create").message_id

    assert messages == [("CustomerService", "create", True, [key]), ("CustomerService", "read", True, [key])]
    assert len(stored_id) == 36  # our id, turned into the GUID AX expects


def test_exchange_rates_are_read_by_currency_pair_with_their_rates_nested(ax_client):
    """LedgerExchangeRatesService is CR (Microsoft's list): a pair is read by its key and carries its rates; a pair
    is created with its rates; the port has no find to search rates with."""
    [pair] = ax_client.read("ExchangeRateService", ["EUR/GBP/Default"])

    assert (pair["FromCurrencyCode"], pair["ToCurrencyCode"], pair["ExchangeRateType"]) == ("EUR", "GBP", "Default")
    assert [(r["ValidFrom"], Decimal(r["ExchangeRate"])) for r in pair["ExchangeRate"]] == [
        ("2024-01-01", Decimal("86")),
        ("2024-06-01", Decimal("85")),
    ]
    [key] = ax_client.create(
        "ExchangeRateService",
        [
            {
                "FromCurrencyCode": "CHF",
                "ToCurrencyCode": "GBP",
                "ExchangeRateType": "Default",
                "ExchangeRate": [{"ValidFrom": "2024-02-01", "ExchangeRate": "88.5"}],
            }
        ],
        message_id="rates-chf",
    )
    assert key == "CHF/GBP/Default"
    assert ax_client.read("ExchangeRateService", [key])[0]["ExchangeRate"][0]["ExchangeRate"] == "88.5"
    assert sorted(ax_client.operations("ExchangeRateService")) == ["create", "read"]
    with pytest.raises(ProtocolError):
        ax_client.find("ExchangeRateService", [Criterion("CurrencyPair", "FromCurrencyCode", "Equal", "EUR")])
    with pytest.raises(NotFoundError):
        ax_client.read("ExchangeRateService", ["JPY/GBP/Default"])
