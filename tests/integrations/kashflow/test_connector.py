"""KashFlowConnector against the simulator over a real socket: reads, writes, paging, errors, test_connection."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.errors import NotFoundError, ProtocolError, RateLimitedError, ValidationError
from integrations.connectors.kashflow.connector import KashFlowConnector, TokenBucket
from integrations.connectors.registry import connector_class
from integrations.sandbox.models import KashFlowRecord
from tests.integrations.kashflow.conftest import BANK_ID, SANDBOX_DB, invoice_body

pytestmark = SANDBOX_DB


def test_registry_finds_the_connector_and_it_declares_secret_fields():
    assert connector_class("kashflow") is KashFlowConnector
    secrets = {f.name for f in KashFlowConnector.config_fields if f.secret}
    assert secrets == {"password", "memorable_word"}


def test_list_changed_pages_through_everything_because_kashflow_has_no_modified_since(connector, account):
    for i in range(5):
        connector.create("customer", {"Code": f"BULK{i}", "Name": f"Bulk {i}"})
    codes = [c["Code"] for c in connector.client.iterate("customers", perpage=2)]  # four pages
    assert len(codes) == 7 and len(set(codes)) == 7
    assert len(list(connector.list_changed("customer"))) == 7

    KashFlowRecord.objects.filter(account=account).update(modified_at=timezone.now() - timedelta(days=3))
    connector.update("customer", "BULK3", {"Email": "b3@example.com"})
    # The sandbox ignores modifiedsince as KashFlow does, and the connector never relies on it.
    changed = list(connector.list_changed("customer", since=timezone.now() - timedelta(days=1)))
    assert len(changed) == 7
    assert connector.read("customer", "BULK3")["Email"] == "b3@example.com"
    raw = connector.client.get("customers", {"modifiedsince": "2099-01-01T00:00:00Z", "perpage": 100})
    assert raw["MetaData"]["TotalRecords"] == 7


def test_create_read_update_invoice_and_payments_through_bulk_payments(connector, account):
    number = connector.create("sales_invoice", invoice_body(CustomerReference="AX-REF-9"))
    assert number == "1001"
    assert connector.read("sales_invoice", number)["GrossAmount"] == 41.55
    connector.update("sales_invoice", number, {"DueDate": "2030-03-01"})
    assert connector.read("sales_invoice", number)["DueDate"] == "2030-03-01 12:00:00"
    assert connector.find_by_reference("sales_invoice", "AX-REF-9")["Number"] == 1001
    assert connector.find_by_reference("sales_invoice", "missing") is None

    key = connector.create(
        "payment", {"InvoiceNumber": 1001, "Date": "2030-02-01", "Amount": 1.55, "Method": "Cheque", "AccountId": 1200}
    )
    number_part, _, payment_id = key.partition("/")
    assert number_part == "1001"
    payment = connector.read("payment", key)
    assert payment["Amount"] == 1.55 and payment["InvoiceNumber"] == 1001
    assert payment["Method"] == 409845 and payment["AccountId"] == BANK_ID  # the method's Id, the bank's Id
    assert [p["Id"] for p in connector.list_changed("payment")] == [int(payment_id)]

    paid = connector.mark_invoice_paid(1001, "40.50", "2030-02-02", method="BACS", reference="AX-SETTLE-1")
    again = connector.mark_invoice_paid(1001, "40.50", "2030-02-02", method="BACS", reference="AX-SETTLE-1")
    assert again["Id"] == paid["Id"] and paid["InvoiceNumber"] == 1001
    invoice = connector.read("sales_invoice", "1001")
    assert invoice["Status"] == "Overpaid" and invoice["TotalPaidAmount"] == 42.05
    assert [p["Note"] for p in invoice["PaymentLines"]] == ["", "AX-SETTLE-1"]
    assert connector.find_by_reference("payment", "AX-SETTLE-1")["Id"] == paid["Id"]
    with pytest.raises(ValidationError):
        connector.update("payment", key, {"Amount": 2})
    with pytest.raises(ValidationError, match="no payment method 'Bitcoin'"):
        connector.mark_invoice_paid(1001, "1.00", "2030-02-02", method="Bitcoin", reference="X")


def test_every_entity_reads_through_the_connector(connector):
    assert connector.read("customer", "ACME01")["Name"] == "Acme Ltd"
    assert connector.find_by_reference("customer", "BETA01")["Name"] == "Beta plc"
    assert connector.find_by_reference("customer", "NOPE") is None
    assert connector.read("supplier", "PAPER01")["DefaultNominalCode"] == 5000
    assert connector.read("product", "WIDGET")["Price"] == 10.0
    assert connector.read("product", "4000/WIDGET")["Price"] == 10.0
    connector.update("product", "WIDGET", {"Price": 12.5})
    assert connector.client.get("products/4000/WIDGET")["Price"] == 12.5
    assert [n["Code"] for n in connector.list_changed("nominal")] == [1200, 4000, 5000]
    assert connector.read("bank_account", str(BANK_ID))["Code"] == 1200
    assert [p["Number"] for p in connector.list_changed("project")] == []
    assert {r["VATRate"] for r in connector.list_changed("vat_rate")} >= {20.0, 0.0}
    assert connector.read("country", "IE") == {"Id": 2, "Code": "IE", "Name": "Ireland", "IsEU": True}

    purchase = connector.create(
        "purchase_invoice",
        {
            "SupplierCode": "PAPER01",
            "IssuedDate": "2030-01-01",
            "SupplierReference": "S-1",
            "LineItems": [{"Quantity": 2, "Rate": 5, "NominalCode": 5000}],
        },
    )
    assert connector.find_by_reference("purchase_invoice", "S-1")["Number"] == int(purchase)
    journal = connector.create(
        "journal",
        {
            "Date": "2030-01-01",
            "Description": "KF-J-1",
            "Lines": [{"NominalCode": 1200, "Debit": 5}, {"NominalCode": 4000, "Credit": 5}],
        },
    )
    assert connector.read("journal", journal)["Description"] == "KF-J-1"
    txn = connector.create(
        "bank_transaction", {"AccountId": BANK_ID, "Date": "2030-01-05", "PaidIn": 99, "Comment": "DEP"}
    )
    assert txn.startswith(f"{BANK_ID}/")
    line = connector.read("bank_transaction", txn)
    assert (line["PaidIn"], line["PaidOut"], line["AccountId"]) == (99.0, 0.0, BANK_ID)
    assert [t["Comment"] for t in connector.list_changed("bank_transaction")] == ["DEP"]
    with pytest.raises(ValidationError):
        connector.create("nominal", {"Code": 1})


def test_validation_and_not_found_errors_are_typed(connector):
    with pytest.raises(ValidationError) as caught:
        connector.create("sales_invoice", invoice_body(CustomerCode="NOPE"))
    assert caught.value.permanent
    assert [(m.field, m.message) for m in caught.value.messages] == [("CustomerCode", "Customer NOPE does not exist")]
    assert "CustomerCode" in str(caught.value)
    with pytest.raises(NotFoundError):
        connector.read("sales_invoice", "99999")
    with pytest.raises(ValidationError):
        connector.read("widget", "1")


def test_a_rate_limit_storm_raises_rate_limited_with_retry_after(connector, account):
    account.rate_limit_per_minute = 3
    account.save()
    with pytest.raises(RateLimitedError) as caught:
        for _ in range(10):
            connector.read("customer", "ACME01")
    assert 1 <= caught.value.retry_after <= 60
    assert not caught.value.permanent


def test_connection_succeeds_with_the_right_credentials(connector):
    result = connector.test_connection()
    assert result.ok, result.message
    assert "3 nominal codes" in result.message


def test_connection_reports_a_wrong_password(account, make_connector):
    result = make_connector(password="wrong").test_connection()
    assert not result.ok
    assert "refused the login" in result.message and "password" in result.message


def test_connection_reports_a_wrong_url_that_answers_html(account, make_connector, live_server):
    result = make_connector(f"{live_server.url}/no/such/api/").test_connection()
    assert not result.ok
    assert "did not answer like the KashFlow API (an HTML page, status 404)" in result.message


def test_connection_reports_a_server_that_is_not_kashflow(account, make_connector, live_server):
    result = make_connector(f"{live_server.url}/elsewhere/").test_connection()
    assert not result.ok
    assert "did not answer like the KashFlow API" in result.message and "status 200" in result.message


def test_connection_reports_an_unreachable_host(make_connector, closed_port):
    result = make_connector(f"http://127.0.0.1:{closed_port}/v2/", timeout=1).test_connection()
    assert not result.ok
    assert result.message.startswith(f"Could not reach KashFlow at http://127.0.0.1:{closed_port}/v2/")
    assert "refused" in result.message


def test_connection_reports_an_address_that_is_not_a_url(make_connector):
    result = make_connector("kashflow.example.com/v2").test_connection()
    assert not result.ok and "is not a valid http(s) address" in result.message


def test_connection_reports_missing_credentials(make_connector):
    result = make_connector(word="").test_connection()
    assert not result.ok and "memorable word" in result.message


def test_protocol_error_for_a_list_that_is_not_json(account, make_connector, live_server):
    connector = make_connector(f"{live_server.url}/elsewhere/")
    with pytest.raises(ProtocolError):
        connector.read("customer", "ACME01")


def test_token_bucket_paces_requests_to_its_rate():
    bucket = TokenBucket(600, burst=2)  # 10 per second
    start = time.monotonic()
    for _ in range(4):
        bucket.acquire()
    assert 0.15 <= time.monotonic() - start < 1.0


def test_connector_uses_a_token_bucket_when_the_connection_has_a_rate(make_connector):
    assert isinstance(make_connector(rate_limit_per_minute=60).rate_limiter, TokenBucket)

    class Shared:
        calls = 0

        def acquire(self):
            Shared.calls += 1

    shared = Shared()
    injected = KashFlowConnector(ConnectionConfig(base_url="http://x/", rate_limit_per_minute=60), rate_limiter=shared)
    assert injected.rate_limiter is shared


def test_catalog_covers_every_entity_with_concepts(connector):
    for entity in connector.entities():
        catalog = connector.catalog(entity)
        assert catalog.system == "kashflow" and catalog.entity == entity
        assert catalog.field(catalog.key_field) is not None
    invoice = connector.catalog("sales_invoice")
    assert invoice.field("LineItems[].Quantity").concept == "line.quantity"
    assert invoice.field("Status").allowed_values == ("Unpaid", "Paid", "Overpaid", "Overdue", "NA")
    assert invoice.field("LineItems[].VATLevel").concept == "line.tax_rate"
    assert invoice.field("AmountPaid") is None and invoice.field("LineItems[].VATRate") is None
    assert connector.catalog("customer").field("Addresses[].PostCode").concept == "address.postcode"


def test_bank_feeds_are_read_whole_despite_kashflow_s_unstable_paging(connector, account):
    """250 lines on one date over pages of 100: KashFlow's order changes between requests, so one pass repeats
    some lines and misses others. The connector must return each line exactly once, and a transfer's two sides
    (one Id, two accounts) as two lines."""
    from integrations.sandbox.kashflow import shapes, store

    other = BANK_ID + 1
    store.save(account, "bankaccounts", str(other), shapes.bank_account(other, 1210, "Euro"))
    for i in range(1, 251):
        txn = shapes.bank_transaction(
            i, BANK_ID, on="2030-01-01", amount=i, comment=f"L{i}", transaction_type=0, reconciled=True
        )
        store.save(account, "banktransactions", f"{BANK_ID}-{i}", txn, parent_key=str(BANK_ID))
    for account_id, amount in ((BANK_ID, -500), (other, 500)):  # one transfer, Id 251 in both feeds
        txn = shapes.bank_transaction(
            251, account_id, on="2030-01-01", amount=amount, comment="Transfer", transaction_type=4, reconciled=True
        )
        store.save(account, "banktransactions", f"{account_id}-251", txn, parent_key=str(account_id))

    single_pass = [
        t["Id"] for page in connector.client.pages(f"bankaccounts/{BANK_ID}/transactions") for t in page.items
    ]
    connector.bank_page_size = 100  # page boundaries inside one date: a single pass rarely gets every line
    before = connector.client.requests_sent
    lines = list(connector.list_changed("bank_transaction"))
    assert connector.client.requests_sent - before > 1 + 3 + 1  # accounts, one pass of each feed: it read again
    keys = [line["Key"] for line in lines]
    assert len(keys) == len(set(keys)) == 252
    assert set(keys) == {f"{BANK_ID}/{i}" for i in range(1, 252)} | {f"{other}/251"}
    assert len(single_pass) == 251  # what one pass returns: the right count, not necessarily the right lines
    assert connector.read("bank_transaction", f"{other}/251")["PaidIn"] == 500.0
