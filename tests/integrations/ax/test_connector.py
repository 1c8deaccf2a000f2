"""DynamicsAXConnector over the simulator: our entities, references, reference data and readable errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.dynamics_ax.catalog import CATALOGS
from integrations.connectors.dynamics_ax.connector import DynamicsAXConnector
from integrations.connectors.errors import NotFoundError, ProtocolError, TransientError, ValidationError
from integrations.connectors.registry import connector_class
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxMessage, AxRecord
from tests.integrations.ax.conftest import COMPANY, PASSWORD, USER, invoice, journal

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    # Only the sandbox tables are flushed between tests: much faster on PostgreSQL.
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]


def _connector(base_url: str, password: str = PASSWORD, timeout: float = 2) -> DynamicsAXConnector:
    credentials = {"service_user": USER, "service_password": password}
    return DynamicsAXConnector(
        ConnectionConfig(base_url=base_url, credentials=credentials, company=COMPANY, timeout=timeout)
    )


def test_registry_finds_the_connector_and_its_secret_field():
    cls = connector_class("dynamics_ax")

    assert cls is DynamicsAXConnector
    assert [f.name for f in cls.config_fields if f.secret] == ["service_password"]


def test_connection_test_reports_company_and_user(connector):
    result = connector.test_connection()

    assert result.ok
    assert result.message == (
        f"Connected to Dynamics AX company {COMPANY} as {USER} through "
        f"{connector.client.base_url}/LedgerBridge/xppservice.svc."
    )
    assert "include_exceptions_in_fault" not in result.details


def test_connection_test_with_a_wrong_password_explains_without_raising(ax_company, ax_url):
    result = _connector(ax_url, password="nope").test_connection()

    assert not result.ok
    assert "refused the service account" in result.message
    assert result.details["kind"] == "auth"


def test_wrong_url_is_a_protocol_error_naming_the_fix(ax_company, live_server):
    result = _connector(f"{live_server.url}/sandbox/ax/WrongPort").test_connection()

    assert not result.ok
    assert "HTTP 404" in result.message
    assert "/MicrosoftDynamicsAXAif60" in result.message


def test_unreachable_host_is_a_transient_error_saying_so(ax_company):
    connector = _connector("http://127.0.0.1:9/MicrosoftDynamicsAXAif60")

    with pytest.raises(TransientError, match=r"Cannot reach Dynamics AX at 127\.0\.0\.1:9: connection refused"):
        connector.read("customer", "C0001")


def test_a_web_page_where_ax_should_be_is_a_protocol_error(ax_company, live_server):
    connector = _connector(f"{live_server.url}/intranet/MicrosoftDynamicsAXAif60")

    with pytest.raises(ProtocolError, match="is not a SOAP/WSDL document"):
        connector.read("customer", "C0001")


def test_a_non_soap_answer_to_a_call_is_a_protocol_error(ax_company, live_server):
    connector = _connector(f"{live_server.url}/impostor/MicrosoftDynamicsAXAif60")

    with pytest.raises(ProtocolError, match=r"answered CustomerService\.read with text/html"):
        connector.read("customer", "C0001")


def test_create_read_and_update_a_customer(connector):
    document = {"AccountNum": "C0500", "CustGroup": "RETAIL", "Currency": "EUR", "DirParty": [{"Name": "Euro Ltd"}]}

    key = connector.create("customer", document, message_id="kf-customer-C0500")
    connector.update("customer", key, {"CustGroup": "WHOLESALE", "DirParty": [{"Name": "Euro Trading Ltd"}]})
    stored = connector.read("customer", key)

    assert key == "C0500"
    assert stored["CustGroup"] == "WHOLESALE"
    assert stored["DirParty"][0]["Name"] == "Euro Trading Ltd"
    assert "_DocumentHash" not in stored


def test_read_of_a_missing_record_is_not_found(connector):
    with pytest.raises(NotFoundError):
        connector.read("supplier", "V4040")


def test_list_changed_reads_changed_records_in_batches(connector, ax_company):
    AxRecord.objects.filter(entity="CustTable").update(modified_at=datetime.now(UTC) - timedelta(days=3))
    since = datetime.now(UTC) - timedelta(days=1)
    connector.create(
        "customer", {"AccountNum": "C0600", "CustGroup": "RETAIL", "Currency": "GBP", "DirParty": [{"Name": "N"}]}
    )

    changed = list(connector.list_changed("customer", since))
    everything = list(connector.list_changed("customer"))

    assert [c["AccountNum"] for c in changed] == ["C0600"]
    assert {c["AccountNum"] for c in everything} == {"C0001", "C0600"}
    assert everything[0]["DirParty"][0]["Name"]


def test_journals_payments_and_purchase_invoices_stay_apart(connector):
    journal_key = connector.create("journal", journal(reference="J-9"))
    purchase = journal(
        {
            "TransDate": "2024-03-01",
            "AccountType": "Vend",
            "LedgerDimension": {"Account": "V0001"},
            "AmountCurCredit": "50.00",
            "CurrencyCode": "GBP",
            "Invoice": "SUP-1",
            "DocumentNum": "PI-1",
            "OffsetLedgerDimension": {"Account": "600100"},
        },
    )
    del purchase["JournalName"]
    purchase_key = connector.create("purchase_invoice", purchase)

    assert connector.read("journal", journal_key)["JournalName"] == "GenJrn"
    assert connector.read("purchase_invoice", purchase_key)["JournalName"] == "VendInv"
    # A read by key is not limited to the entity's journal name: the JournalNum is unique across journal names,
    # and the name is the mapping's (a
    # customer's own), so a link's journal is found whatever it is called.
    assert connector.read_held("journal", [purchase_key, journal_key]).keys() == {purchase_key, journal_key}
    assert connector.read("purchase_invoice", journal_key)["JournalName"] == "GenJrn"


def test_find_by_reference_only_where_the_service_has_find(connector, ax_company):
    invoice_key = connector.create("sales_invoice", invoice(reference="KF-123"))
    journal_key = connector.create("journal", journal(reference="KFJ-5"))
    payment = {
        "LedgerJournalTrans": [
            {
                "TransDate": "2024-03-15",
                "AccountType": "Cust",
                "LedgerDimension": {"Account": "C0001"},
                "AmountCurCredit": "120.00",
                "CurrencyCode": "GBP",
                "MarkedInvoice": invoice_key,
                "DocumentNum": "PAY-77",
                "OffsetLedgerDimension": {"Account": "110180"},
            }
        ]
    }
    payment_key = connector.create("payment", payment)

    # free text invoices (C), payment journals (C) and general journals (CR) have no find: never asked
    assert connector.find_by_reference("sales_invoice", "KF-123") is None
    assert connector.find_by_reference("journal", "KFJ-5") is None
    assert connector.find_by_reference("payment", "PAY-77") is None
    assert connector.find_by_reference("customer", "C0001")["AccountNum"] == "C0001"
    assert connector.find_by_reference("customer", "C9999") is None
    assert payment_key and journal_key
    assert not AxMessage.objects.filter(operation="find").exclude(service="CustomerService").exists()
    with pytest.raises(NotFoundError, match="not posted"):
        connector.read("sales_invoice", invoice_key)  # a draft: no customer transaction yet
    posting.post(ax_company)
    posted = connector.read("sales_invoice", invoice_key)
    assert (posted["CustomerRef"], posted["PaymentStatus"], posted["SettledAmount"]) == ("KF-123", "Paid", "120.00")


def test_create_many_writes_a_batch_in_one_message_all_or_nothing(connector):
    keys = connector.create_many("sales_invoice", [invoice(reference="B1"), invoice(reference="B2")], message_id="b-1")
    with pytest.raises(ValidationError):
        connector.create_many("sales_invoice", [invoice(reference="B3"), invoice(customer="GHOST", reference="B4")])

    assert keys == ["FTI-000001", "FTI-000002"]
    assert AxRecord.objects.filter(entity="CustInvoiceTable").count() == 2
    assert connector.find_by_reference("sales_invoice", "B3") is None


def test_validation_errors_keep_axs_messages(connector):
    with pytest.raises(ValidationError) as caught:
        connector.create("sales_invoice", invoice(customer="GHOST"))

    assert caught.value.messages[0].message.startswith("The value 'GHOST' in field 'Customer account'")
    assert caught.value.system == "dynamics_ax"


def test_main_accounts_and_dimension_values_need_a_custom_service_the_admin_switches_on(connector):
    # AX 2012 ships no MainAccountService/DimensionValueService (standard-document-services.md): a standard
    # connection asks for a CSV upload instead of calling a service that is not there.
    from integrations.sandbox.models import AxMessage

    sent = AxMessage.objects.count()
    for read in (connector.main_accounts, connector.dimension_values):
        with pytest.raises(ValidationError) as caught:
            read()
        assert caught.value.code == "no_reference_service" and "Reference data page" in str(caught.value)
    assert AxMessage.objects.count() == sent
    assert connector.reference_service == ""


def test_reference_data_helpers(ax_company, ax_url):
    config = ConnectionConfig(
        base_url=ax_url,
        credentials={"service_user": USER, "service_password": PASSWORD, "reference_service": "custom"},
        company=COMPANY,
        timeout=10,
    )
    with DynamicsAXConnector(config) as connector:
        accounts = {a["MainAccountId"]: a["Type"] for a in connector.main_accounts()}
        dimensions = {(d["DimensionName"], d["Value"]) for d in connector.dimension_values()}
        assert connector.reference_service == "MainAccountService, DimensionValueService"

        assert accounts["401100"] == "Revenue"
        assert ("CostCenter", "CC10") in dimensions
        assert connector.exchange_rate("EUR", "GBP", date(2024, 3, 1)) == Decimal("0.8600")
        assert connector.exchange_rate("EUR", "GBP", date(2024, 7, 1)) == Decimal("0.8500")
        assert connector.exchange_rate("GBP", "USD", date(2024, 2, 1)) == Decimal(1) / Decimal("0.7900")
        assert connector.exchange_rate("GBP", "GBP", date(2024, 2, 1)) == 1
        assert connector.exchange_rate("EUR", "GBP", date(2023, 1, 1)) is None
        assert [r["ValidFrom"] for r in connector.exchange_rates("EUR", "GBP")] == ["2024-01-01", "2024-06-01"]


def test_exchange_rates_are_read_pair_by_pair_with_read_never_find(connector):
    """AX's rate service is CR: the connector reads each CurrencyPair by its key (FromCurrencyCode,
    ToCurrencyCode, the connection's exchange rate type), turns AX's per-100 rate into units per 1, and a pair AX
    does not hold is simply no rates."""
    from integrations.sandbox.models import AxMessage

    rates = connector.all_exchange_rates()

    assert {(r["FromCurrency"], r["ToCurrency"], r["ValidFrom"], Decimal(r["Rate"])) for r in rates} == {
        ("EUR", "GBP", "2024-01-01", Decimal("0.86")),
        ("EUR", "GBP", "2024-06-01", Decimal("0.85")),
        ("USD", "GBP", "2024-01-01", Decimal("0.79")),
    }
    sent = AxMessage.objects.filter(service="ExchangeRateService")
    assert set(sent.values_list("operation", flat=True)) == {"read"}
    assert sent.count() == 6  # GBP, EUR, USD: every ordered pair once
    assert connector.exchange_rates("GBP", "EUR") == []
    assert connector.exchange_rate("EUR", "USD", date(2024, 3, 1)) is None


def test_unknown_entity_is_a_clear_error(connector):
    with pytest.raises(ValidationError, match="no entity 'bank_account'"):
        connector.read("bank_account", "1")


def test_catalog_comes_from_the_document_definitions(connector):
    catalog = connector.catalog("sales_invoice")

    assert catalog is CATALOGS["sales_invoice"]
    assert set(connector.entities()) == set(CATALOGS)


def test_a_free_text_invoice_carries_sales_tax_and_is_paid_only_by_its_gross_amount(connector, ax_company):
    invoice_key = connector.create("sales_invoice", invoice(reference="KF-TAX"))
    posting.post(ax_company)
    stored = connector.read("sales_invoice", invoice_key)
    tax = AxRecord.objects.get(entity="CustInvoiceTable", key=invoice_key).data["SumTax"]
    assert (Decimal(tax), Decimal(stored["InvoiceAmount"])) == (Decimal("20.00"), Decimal("120.00"))

    def pay(amount: str, reference: str) -> None:
        line = {
            "TransDate": "2024-03-15",
            "AccountType": "Cust",
            "LedgerDimension": {"Account": "C0001"},
            "AmountCurCredit": amount,
            "CurrencyCode": "GBP",
            "MarkedInvoice": invoice_key,
            "DocumentNum": reference,
            "OffsetLedgerDimension": {"Account": "110180"},
        }
        connector.create("payment", {"LedgerJournalTrans": [line]})

    pay("100.00", "PAY-NET")
    assert connector.read("sales_invoice", invoice_key)["PaymentStatus"] == "None"  # settles only when posted
    posting.post(ax_company)
    assert connector.read("sales_invoice", invoice_key)["PaymentStatus"] == "PartlyPaid"
    pay("20.00", "PAY-REST")
    posting.post(ax_company)
    assert connector.read("sales_invoice", invoice_key)["PaymentStatus"] == "Paid"


def test_read_held_reads_in_batches_and_halves_a_refused_one_to_find_what_ax_lacks(connector):
    keys = [connector.create("journal", journal(reference=f"J-{n}")) for n in range(6)]
    purchase = connector.create("purchase_invoice", journal(name="VendInv", reference="PI-1"))
    AxRecord.objects.filter(entity="LedgerJournalTable", key=keys[3]).delete()
    before = AxMessage.objects.filter(operation="read").count()
    held = connector.read_held("journal", [*keys, purchase, "JNL-NOPE"])
    # JNL-NOPE and the deleted one AX does not hold; a journal of another journal name is read by its JournalNum
    # (the name is the mapping's, a customer's own)
    assert set(held) == set(keys) - {keys[3]} | {purchase} and held[keys[0]]["JournalName"] == "GenJrn"
    assert held[purchase]["JournalName"] == "VendInv"
    reads = AxMessage.objects.filter(operation="read").count() - before
    # one refused read of all 8, then two reads per halving towards each of the 2 missing keys (at most 1 + 2*2*3)
    assert reads <= 13, reads
    assert connector.existing_keys("journal", keys[:3]) == set(keys[:3])
    with pytest.raises(ValidationError, match="create"):
        connector.read_held("payment", ["JNL-000001"])  # CustPaymJournalService only creates


def test_posted_lookups_find_a_page_of_invoices_and_payments_in_one_find_each(connector, ax_company):
    first = connector.create("sales_invoice", invoice(reference="20001"))
    second = connector.create("sales_invoice", invoice(reference="20002"))
    pay = journal(
        {
            "TransDate": "2024-03-09",
            "AccountType": "Cust",
            "LedgerDimension": {"Account": "C0001"},
            "AmountCurCredit": "10.00",
            "CurrencyCode": "GBP",
            "DocumentNum": "PAY-77",
            "MarkedInvoice": first,
            "OffsetAccountType": "Ledger",
            "OffsetLedgerDimension": {"Account": "110180"},
        },
        name="CustPay",
    )
    connector.create("payment", pay)
    assert connector.posted_invoice_keys([first, second]) == set()  # drafts show nothing
    assert connector.posted_payment_references(["PAY-77"]) == set()
    posting.post(ax_company, kinds=["sales_invoice"], keys=[first])
    posting.post(ax_company, kinds=["payment"])
    before = AxMessage.objects.filter(service="CustomerTransactionService").count()
    assert connector.posted_invoice_keys([first, second, "FTI-NOPE"]) == {first}
    assert connector.posted_payment_references(["PAY-77", "PAY-78"]) == {"PAY-77"}
    assert AxMessage.objects.filter(service="CustomerTransactionService").count() - before == 2
    # the payment's own customer transaction does not read as a posted invoice
    assert [r["InvoiceId"] for r in connector.posted_invoices()] == [first]


def test_posted_payments_return_the_payment_rows_with_their_money_a_bounded_page_per_find(
    connector, ax_company, monkeypatch
):
    from integrations.connectors.dynamics_ax import connector as module

    monkeypatch.setattr(module, "POSTED_PAGE", 2)
    invoice_id = connector.create("sales_invoice", invoice(reference="30001"))
    invoice_total = Decimal(connector_invoice_amount(invoice_id))

    def payment(reference: str, amount: str, **extra) -> dict:
        line = {
            "TransDate": "2024-03-09",
            "AccountType": "Cust",
            "LedgerDimension": {"Account": "C0001"},
            "AmountCurCredit": amount,
            "CurrencyCode": "GBP",
            "DocumentNum": reference,
            "OffsetAccountType": "Ledger",
            "OffsetLedgerDimension": {"Account": "110180"},
            **extra,
        }
        return journal(line, name="CustPay")

    connector.create("payment", payment("PAY-1", "25.00", MarkedInvoice=invoice_id, PaymReference="BACS 881"))
    connector.create("payment", payment("PAY-2", "7.50", PaymMode="CHQ"))
    connector.create("payment", payment("PAY-3", "1.00"))  # stays a draft
    posting.post(ax_company, kinds=["sales_invoice"])
    drafts = posting.drafts(ax_company, "payment").order_by("key")
    posting.post(ax_company, kinds=["payment"], keys=[d.key for d in drafts[:2]])
    before = AxMessage.objects.filter(service="CustomerTransactionService", operation="find").count()
    found = connector.posted_payments(["PAY-1", "PAY-2", "PAY-3", "PAY-NONE", invoice_id])
    finds = AxMessage.objects.filter(service="CustomerTransactionService", operation="find").count() - before
    assert finds == 3  # 5 references, 2 per find
    assert set(found) == {"PAY-1", "PAY-2"}  # the draft shows nothing; the invoice is no payment
    [first], [second] = found["PAY-1"], found["PAY-2"]
    # money received is negative on the customer's account; the marked invoice's part is settled
    assert Decimal(first["AmountCur"]) == Decimal("-25.00") and first["CurrencyCode"] == "GBP"
    assert Decimal(first["SettleAmountCur"]) == Decimal("-25.00")
    assert first["TransType"] == "Payment" and not first.get("Invoice") and first["Voucher"].startswith("VCH-")
    assert first["PaymReference"] == "BACS 881" and second["PaymMode"] == "CHQ"
    assert Decimal(second["AmountCur"]) == Decimal("-7.50") and Decimal(second["SettleAmountCur"]) == 0
    # the invoice's own transaction shows what the payment settled; posted_invoices still lists invoices only
    [posted] = list(connector.posted_invoices())
    assert posted["InvoiceId"] == invoice_id and Decimal(posted["SettledAmount"]) == Decimal("25.00")
    assert Decimal(posted["InvoiceAmount"]) == invoice_total


def connector_invoice_amount(invoice_id: str) -> str:
    return AxRecord.objects.get(entity="CustInvoiceTable", key=invoice_id).data["InvoiceAmount"]


def test_all_posted_payments_from_a_date_are_read_in_date_windows_each_find_bounded_to_one(
    connector, ax_company, monkeypatch
):
    from integrations.connectors.dynamics_ax import connector as module

    invoice_id = connector.create("sales_invoice", invoice(reference="40001"))  # dated 2024-03-01
    for reference, day in (("PAY-JAN", "2024-01-10"), ("PAY-MAR", "2024-03-09"), ("PAY-JUN", "2024-06-01")):
        line = {
            "TransDate": day,
            "AccountType": "Cust",
            "LedgerDimension": {"Account": "C0001"},
            "AmountCurCredit": "5.00",
            "CurrencyCode": "GBP",
            "DocumentNum": reference,
            "OffsetAccountType": "Ledger",
            "OffsetLedgerDimension": {"Account": "110180"},
        }
        connector.create("payment", journal(line, name="CustPay"))
    posting.post(ax_company)
    finds = AxMessage.objects.filter(service="CustomerTransactionService", operation="find")

    before = finds.count()
    assert [r["DocumentNum"] for r in connector.all_posted_payments()] == ["PAY-JAN", "PAY-MAR", "PAY-JUN"]
    assert finds.count() - before == 1  # no date: every payment, one find

    monkeypatch.setattr(module, "PAYMENT_WINDOW_DAYS", 31)
    since = date(2024, 2, 20)
    before = finds.order_by("pk").last().pk
    found = connector.all_posted_payments(since)
    assert sorted(r["DocumentNum"] for r in found) == ["PAY-JUN", "PAY-MAR"]  # the invoice's transaction is no payment
    assert all(r["TransDate"] >= "2024-02-20" for r in found)
    sent = list(finds.filter(pk__gt=before).order_by("pk"))
    days = (datetime.now(UTC).date() - since).days
    assert len(sent) == days // 31 + 1  # one window of 31 days per find, and the open end after the last
    # each answer holds one window's customer transactions: the March payment and the invoice, or the June payment
    assert sorted(len(m.keys) for m in sent if m.keys) == [1, 2]
    assert sum(len(m.keys) for m in sent) == 3 and invoice_id in {k for m in sent for k in m.keys}
