"""AX refuses bad documents with SOAP faults shaped like AX's, and the client turns them into typed errors."""

from __future__ import annotations

import base64

import pytest
import requests
from lxml import etree

from integrations.connectors.dynamics_ax.client import AxClient
from integrations.connectors.dynamics_ax.connector import DEFAULT_PORT
from integrations.connectors.dynamics_ax.documents import NS_FAULT
from integrations.connectors.errors import AuthError, DuplicateMessageError, ValidationError
from integrations.sandbox.ax import ports
from integrations.sandbox.models import AxMessage, AxRecord
from tests.integrations.ax.conftest import COMPANY, PASSWORD, USER, invoice, journal

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    # Only the sandbox tables are flushed between tests: much faster on PostgreSQL.
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def _refused(ax_client, service: str, document: dict) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        ax_client.create(service, [document])
    return caught.value


def test_unknown_customer_account_is_refused_with_axs_message(ax_client):
    error = _refused(ax_client, "FreeTextInvoiceService", invoice(customer="NOPE"))

    assert error.permanent
    assert error.messages[0].message == (
        "The value 'NOPE' in field 'Customer account' is not found in the relating table 'Customers'."
    )
    assert error.messages[0].xpath == "/FreeTextInvoice/CustInvoiceTable[1]/OrderAccount"
    assert not AxRecord.objects.filter(entity="CustInvoiceTable").exists()


def test_unknown_vendor_account_on_a_vendor_invoice_journal_is_refused(ax_client):
    lines = [
        {
            "TransDate": "2024-03-01",
            "AccountType": "Vend",
            "LedgerDimension": {"Account": "V9999"},
            "AmountCurCredit": "50.00",
            "CurrencyCode": "GBP",
            "OffsetLedgerDimension": {"Account": "600100"},
        },
    ]
    error = _refused(ax_client, "LedgerGeneralJournalService", journal(*lines, name="VendInv"))

    assert "The value 'V9999' in field 'Vendor account' is not found in the relating table 'Vendors'." in str(error)


def test_unknown_main_account_is_refused(ax_client):
    line = {"Description": "x", "AmountCur": "1.00", "LedgerDimension": {"Account": "999999"}}
    error = _refused(ax_client, "FreeTextInvoiceService", invoice("C0001", "1", line))

    assert error.messages[0].message == (
        "The value '999999' in field 'Main account' is not found in the relating table 'Main accounts'."
    )
    assert error.messages[0].field == "LedgerDimension"


def test_unknown_dimension_value_is_refused(ax_client):
    document = invoice()
    document["DefaultDimension"] = {"Values": [{"Name": "Department", "Value": "MARKETING"}]}

    error = _refused(ax_client, "FreeTextInvoiceService", document)

    assert error.messages[0].message == "Dimension value MARKETING does not exist for financial dimension Department."
    assert error.messages[0].code == "InvalidDimensionValue"


def test_missing_mandatory_fields_are_all_reported(ax_client):
    error = _refused(ax_client, "CustomerService", {"AccountNum": "C0200", "DirParty": [{"NameAlias": "x"}]})

    assert [m.message for m in error.messages] == [
        "Field 'Customer group' must be filled in.",
        "Field 'Currency' must be filled in.",
        "Field 'Name' must be filled in.",
    ]
    assert error.messages[2].xpath == "/Customer/CustTable[1]/DirParty[1]/Name"


def test_unbalanced_journal_is_refused_per_voucher(ax_client):
    lines = [
        {
            "TransDate": "2024-03-05",
            "LedgerDimension": {"Account": "600100"},
            "AmountCurDebit": "120.00",
            "CurrencyCode": "GBP",
        },
        {
            "TransDate": "2024-03-05",
            "LedgerDimension": {"Account": "110180"},
            "AmountCurCredit": "100.00",
            "CurrencyCode": "GBP",
        },
    ]
    error = _refused(ax_client, "LedgerGeneralJournalService", journal(*lines))

    assert error.messages[0].message == (
        "The transactions on voucher VCH-000001 do not balance as per 2024-03-05. "
        "(accounting currency: 20.00 - reporting currency: 20.00)"
    )
    assert not AxRecord.objects.filter(entity="LedgerJournalTable").exists()


def test_payment_marking_an_unknown_invoice_is_refused(ax_client):
    payment = {
        "JournalName": "CustPay",
        "LedgerJournalTrans": [
            {
                "TransDate": "2024-03-15",
                "AccountType": "Cust",
                "LedgerDimension": {"Account": "C0001"},
                "AmountCurCredit": "10.00",
                "CurrencyCode": "GBP",
                "MarkedInvoice": "FTI-999999",
                "OffsetLedgerDimension": {"Account": "110180"},
            }
        ],
    }
    error = _refused(ax_client, "CustPaymJournalService", payment)

    assert error.messages[0].code == "InvalidMarkedInvoice"
    assert "FTI-999999" in error.messages[0].message


def test_schema_validation_reports_too_long_and_unknown_enum_values(ax_client):
    document = {
        "AccountNum": "C" * 21,
        "CustGroup": "RETAIL",
        "Currency": "GBP",
        "DirParty": [{"Name": "X", "DirPartyContactInfoView": [{"Type": "Pigeon", "Locator": "coo"}]}],
    }

    error = _refused(ax_client, "CustomerService", document)

    assert error.messages[0].message.endswith("The actual length is greater than the MaxLength value.")
    assert "'Pigeon' is invalid according to its datatype 'AxdEnum_LogisticsElectronicAddressMethodType'" in (
        error.messages[1].message
    )


NEW_CUSTOMER = {"AccountNum": "C0100", "CustGroup": "RETAIL", "Currency": "GBP", "DirParty": [{"Name": "New"}]}


def test_duplicate_message_id_is_refused_on_create_update_and_delete(ax_client):
    # CustomerService: create, update and delete are all shipped (free text invoices are create-only)
    [key] = ax_client.create("CustomerService", [NEW_CUSTOMER], message_id="msg-create")
    with pytest.raises(DuplicateMessageError, match=r"Duplicate message\. Message has already been processed\."):
        ax_client.create("CustomerService", [NEW_CUSTOMER], message_id="msg-create")

    [current] = ax_client.read("CustomerService", [key])
    change = {"CustGroup": "WHOLESALE", "_DocumentHash": current["_DocumentHash"]}
    ax_client.update("CustomerService", [key], [change], message_id="msg-update")
    with pytest.raises(DuplicateMessageError):
        ax_client.update("CustomerService", [key], [{"CustGroup": "RETAIL"}], message_id="msg-update")
    ax_client.delete("CustomerService", [key], message_id="msg-delete")
    with pytest.raises(DuplicateMessageError):
        ax_client.delete("CustomerService", [key], message_id="msg-delete")

    assert not AxRecord.objects.filter(entity="CustTable", key="C0100").exists()
    assert AxMessage.objects.filter(succeeded=False).count() == 3


def test_a_create_only_service_answers_a_resent_create_with_duplicate_message(ax_client):
    [key] = ax_client.create("FreeTextInvoiceService", [invoice()], message_id="msg-invoice")
    with pytest.raises(DuplicateMessageError):
        ax_client.create("FreeTextInvoiceService", [invoice()], message_id="msg-invoice")

    assert list(AxRecord.objects.filter(entity="CustInvoiceTable").values_list("key", flat=True)) == [key]


def test_a_resent_batch_is_refused_whole_and_its_message_id_is_known_to_every_service(ax_client):
    """One AIF message with two journals: sent again (whole, or any part of it), AX answers Duplicate message and
    posts nothing; the MessageId is AX's, not the service's ("the system has seen this same MessageId")."""
    batch = [journal(reference="J-1"), journal(reference="J-2")]
    assert len(ax_client.create("LedgerGeneralJournalService", batch, message_id="msg-batch")) == 2

    with pytest.raises(DuplicateMessageError, match=r"Duplicate message\. Message has already been processed\."):
        ax_client.create("LedgerGeneralJournalService", batch, message_id="msg-batch")
    with pytest.raises(DuplicateMessageError):
        ax_client.create("LedgerGeneralJournalService", batch[1:], message_id="msg-batch")
    with pytest.raises(DuplicateMessageError):
        ax_client.create("FreeTextInvoiceService", [invoice()], message_id="msg-batch")

    assert AxRecord.objects.filter(entity="LedgerJournalTable").count() == 2
    assert not AxRecord.objects.filter(entity="CustInvoiceTable").exists()


def test_a_refused_message_id_can_be_sent_again_once_the_document_is_fixed(ax_client):
    with pytest.raises(ValidationError):
        ax_client.create("FreeTextInvoiceService", [invoice(customer="NOPE")], message_id="fixed-later")

    assert ax_client.create("FreeTextInvoiceService", [invoice()], message_id="fixed-later") == ["FTI-000001"]


def test_update_with_a_stale_document_hash_is_refused(ax_client):
    [key] = ax_client.create("CustomerService", [NEW_CUSTOMER])
    [read] = ax_client.read("CustomerService", [key])
    ax_client.update("CustomerService", [key], [{"CustGroup": "WHOLESALE", "_DocumentHash": read["_DocumentHash"]}])

    with pytest.raises(ValidationError, match="document hash does not match"):
        ax_client.update("CustomerService", [key], [{"CustGroup": "RETAIL", "_DocumentHash": read["_DocumentHash"]}])


def test_update_without_the_document_hash_is_refused(ax_client):
    [key] = ax_client.create("CustomerService", [NEW_CUSTOMER])

    with pytest.raises(ValidationError, match="must carry the _DocumentHash returned by read"):
        ax_client.update("CustomerService", [key], [{"CustGroup": "RETAIL"}])


def test_wrong_company_is_refused(ax_company, ax_url):
    client = AxClient(ax_url, user=USER, password=PASSWORD, company="XYZ", timeout=5, port=DEFAULT_PORT)

    with pytest.raises(ValidationError, match=r"Company XYZ does not exist\."):
        client.get_keys("CustomerService")


def test_bad_credentials_are_an_auth_error(ax_company, ax_url):
    client = AxClient(ax_url, user=USER, password="wrong", company=COMPANY, timeout=5, port=DEFAULT_PORT)

    with pytest.raises(AuthError, match=f"refused the service account '{USER}' \\(HTTP 401\\)"):
        client.get_keys("CustomerService")


def _post(ax_url: str, body: bytes, action: str = "") -> requests.Response:
    """A hand-written SOAP message to a port set up for Basic authentication over http (raw messages need no
    NTLM handshake; the port has to allow it explicitly)."""
    ports.register(ports.InboundPort("RawBasic", auth=ports.AUTH_BASIC, allow_basic_over_http=True))
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return requests.post(
        f"{ax_url}/RawBasic/xppservice.svc",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action, "Authorization": f"Basic {token}"},
        timeout=5,
    )


def test_malformed_xml_gets_a_soap_fault_not_an_error_page(ax_company, ax_url):
    response = _post(ax_url, b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>")

    fault = etree.fromstring(response.content).find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/xml")
    assert fault.findtext("faultcode") == "s:Client"
    assert "deserialize" in fault.findtext("faultstring")


def test_unknown_operation_gets_a_contract_filter_fault(ax_company, ax_url):
    body = (
        f"<s:Envelope xmlns:s='{SOAP}'><s:Body>"
        "<CustomerServiceExplodeRequest xmlns='http://schemas.microsoft.com/dynamics/2008/01/services'/>"
        "</s:Body></s:Envelope>"
    ).encode()

    response = _post(
        ax_url, body, action="http://schemas.microsoft.com/dynamics/2008/01/services/CustomerService/explode"
    )

    assert response.status_code == 500
    assert "ContractFilter mismatch" in response.text


def test_aif_fault_detail_has_axs_nesting(ax_client, ax_company, ax_url):
    body = (
        f"<s:Envelope xmlns:s='{SOAP}'><s:Header>"
        f"<CallContext xmlns='http://schemas.microsoft.com/dynamics/2010/01/datacontracts'><Company>{COMPANY}</Company>"
        "</CallContext></s:Header><s:Body>"
        "<CustomerServiceCreateRequest xmlns='http://schemas.microsoft.com/dynamics/2008/01/services'>"
        "<Customer xmlns='http://schemas.microsoft.com/dynamics/2008/01/documents/Customer'>"
        "<CustTable class='entity'><AccountNum>C0300</AccountNum></CustTable></Customer>"
        "</CustomerServiceCreateRequest></s:Body></s:Envelope>"
    ).encode()

    response = _post(ax_url, body)
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    path = "/".join(f"{{{NS_FAULT}}}{p}" for p in ("AifFault", "FaultMessageListArray", "FaultMessageList"))
    message_list = fault.find(f"detail/{path}")

    assert fault.findtext("faultstring") == "Request Failed. See the Exception Log for details."
    assert message_list.findtext(f"{{{NS_FAULT}}}Service") == "CustomerService"
    assert message_list.findtext(f"{{{NS_FAULT}}}DocumentOperation") == "create"
    messages = message_list.find(f"{{{NS_FAULT}}}FaultMessageArray").findall(f"{{{NS_FAULT}}}FaultMessage")
    assert messages[0].findtext(f"{{{NS_FAULT}}}Message") == "Field 'Customer group' must be filled in."
    assert messages[0].findtext(f"{{{NS_FAULT}}}Code") == "MandatoryField"


def test_a_document_with_fields_ax_does_not_know_is_refused_before_sending(ax_client):
    with pytest.raises(ValidationError, match=r"fields AX does not know: CustTable\.Colour"):
        ax_client.create("CustomerService", [{"AccountNum": "C1", "Colour": "red"}])

    assert not AxMessage.objects.exists()


def test_empty_body_gets_a_soap_fault(ax_company, ax_url):
    response = _post(ax_url, b"")

    assert response.status_code == 500
    assert "The message body is empty" in response.text
