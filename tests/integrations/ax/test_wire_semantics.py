"""What AX does with the documents and answers of a real port, end to end through the connector: partial vs full
update, faults with and without exception details, Infolog warnings, and key pages that report a setup problem."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
import requests

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.dynamics_ax.connector import DynamicsAXConnector
from integrations.connectors.dynamics_ax.documents import SERVICES
from integrations.connectors.errors import AmbiguousError, DuplicateMessageError, ValidationError
from integrations.sandbox.ax import ports
from integrations.sandbox.models import AxMessage, AxRecord
from tests.integrations.ax.conftest import COMPANY, CUSTOMER, PASSWORD, USER

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]


def _connector(ax_url: str, port: str) -> DynamicsAXConnector:
    credentials = {"service_user": USER, "service_password": PASSWORD, "inbound_port": port}
    return DynamicsAXConnector(ConnectionConfig(base_url=ax_url, credentials=credentials, company=COMPANY, timeout=10))


def test_an_update_never_clears_what_the_mapping_did_not_send(connector):
    before = AxRecord.objects.get(entity="CustTable", key="C0001").data

    connector.update("customer", "C0001", {"CustGroup": "WHOLESALE", "DirParty": [{"Name": "Acme Trading plc"}]})

    after = AxRecord.objects.get(entity="CustTable", key="C0001").data
    assert after["CustGroup"] == "WHOLESALE"
    assert after["DirParty"][0]["Name"] == "Acme Trading plc"
    # fields and child rows the update did not carry are exactly as they were
    assert (after["Currency"], after["PaymTermId"]) == (before["Currency"], before["PaymTermId"])
    assert after["DirParty"][0]["DirPartyPostalAddressView"] == CUSTOMER["DirParty"][0]["DirPartyPostalAddressView"]
    assert after["DirParty"][0]["DirPartyContactInfoView"] == CUSTOMER["DirParty"][0]["DirPartyContactInfoView"]


def test_a_new_child_row_in_an_update_is_added_not_swapped_for_the_old_ones(connector):
    second_email = {"Type": "Email", "Locator": "ap@acme.example", "IsPrimary": "No"}
    current = connector.read("customer", "C0001")
    contacts = current["DirParty"][0]["DirPartyContactInfoView"]

    connector.update("customer", "C0001", {"DirParty": [{"DirPartyContactInfoView": [*contacts, second_email]}]})

    stored = AxRecord.objects.get(entity="CustTable", key="C0001").data["DirParty"][0]
    assert [c["Locator"] for c in stored["DirPartyContactInfoView"]] == ["accounts@acme.example", "ap@acme.example"]
    assert stored["Name"] == "Acme Trading Ltd"


def test_the_sandbox_applies_an_update_without_actions_as_a_full_update_like_ax(connector, ax_url):
    """D6 full-update-with-aif.md: without action attributes fields not sent are cleared and child records not
    sent are deleted. This is what the connector must never trigger (the test above)."""
    ports.register(ports.InboundPort("RawBasic", auth=ports.AUTH_BASIC, allow_basic_over_http=True))
    [current] = connector.client.read("CustomerService", ["C0001"])
    ns = "http://schemas.microsoft.com/dynamics/2008/01/documents/Customer"
    body = (
        "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Header>"
        f"<CallContext xmlns='http://schemas.microsoft.com/dynamics/2010/01/datacontracts'><Company>{COMPANY}</Company>"
        "</CallContext></s:Header><s:Body>"
        "<CustomerServiceUpdateRequest xmlns='http://schemas.microsoft.com/dynamics/2008/01/services'>"
        "<EntityKeyList xmlns='http://schemas.microsoft.com/dynamics/2006/02/documents/EntityKeyList'>"
        "<EntityKey xmlns='http://schemas.microsoft.com/dynamics/2006/02/documents/EntityKey'><KeyData><KeyField>"
        "<Field>AccountNum</Field><Value>C0001</Value></KeyField></KeyData></EntityKey></EntityKeyList>"
        f"<Customer xmlns='{ns}'><CustTable class='entity'><_DocumentHash>{current['_DocumentHash']}</_DocumentHash>"
        "<AccountNum>C0001</AccountNum><CustGroup>RETAIL</CustGroup><Currency>GBP</Currency></CustTable></Customer>"
        "</CustomerServiceUpdateRequest></s:Body></s:Envelope>"
    ).encode()
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    response = requests.post(
        f"{ax_url}/RawBasic/xppservice.svc",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": f"Basic {token}"},
        timeout=10,
    )

    assert response.status_code == 200, response.text
    after = AxRecord.objects.get(entity="CustTable", key="C0001").data
    assert "PaymTermId" not in after and "DirParty" not in after


def test_a_port_without_exception_details_makes_a_refused_write_ambiguous(ax_company, ax_url):
    ports.register(ports.InboundPort("Quiet", include_exceptions=False))
    connector = _connector(ax_url, "Quiet")

    with pytest.raises(AmbiguousError, match="Include exceptions in fault") as refused:
        connector.create("customer", {"AccountNum": "C0500", "Currency": "GBP", "DirParty": [{"Name": "No group"}]})
    result = connector.test_connection()

    assert not refused.value.permanent
    assert result.ok and result.details["include_exceptions_in_fault"] is False
    assert "Include exceptions in fault" in result.message
    assert AxMessage.objects.filter(operation="create", succeeded=False).count() == 1


def test_a_duplicate_carried_only_in_the_infolog_is_still_recognised(connector):
    """The sandbox sends message-level refusals (no document field) only in InfologMessageList, in the data
    contract namespace: the duplicate must still be read as a duplicate, not as an unknown protocol error."""
    document = {"AccountNum": "C0700", "CustGroup": "RETAIL", "Currency": "GBP", "DirParty": [{"Name": "Once Ltd"}]}
    connector.create("customer", document, message_id="flow:customer:C0700")

    with pytest.raises(DuplicateMessageError) as duplicate:
        connector.create("customer", document, message_id="flow:customer:C0700")

    assert "Duplicate message. Message has already been processed." in str(duplicate.value)
    assert [m.code for m in duplicate.value.messages] == ["Infolog"]


def test_infolog_warnings_of_a_successful_write_reach_the_connector(ax_company, ax_url):
    ports.register(ports.InboundPort("Chatty", infolog_warnings=("Credit limit exceeded for customer C0600.",)))
    connector = _connector(ax_url, "Chatty")

    connector.create(
        "customer",
        {"AccountNum": "C0600", "CustGroup": "RETAIL", "Currency": "GBP", "DirParty": [{"Name": "Chatty Ltd"}]},
    )
    warnings = connector.last_warnings
    connector.read("customer", "C0600")

    assert [(w.type, w.message) for w in warnings] == [("Warning", "Credit limit exceeded for customer C0600.")]
    assert connector.last_warnings == []


def test_change_tracking_switched_off_is_a_setup_problem_not_an_empty_page(ax_company, ax_url):
    ports.register(ports.InboundPort("NoTracking", change_tracking=False))
    connector = _connector(ax_url, "NoTracking")

    with pytest.raises(ValidationError, match="Change tracking is not enabled for CustomerService") as problem:
        list(connector.list_changed("customer", datetime(2024, 1, 1, tzinfo=UTC)))

    assert problem.value.code == "ChangeTrackingDisabled" and problem.value.permanent
    assert [r["AccountNum"] for r in connector.list_changed("customer")] == ["C0001"]  # getKeys still works


def test_discover_lists_what_the_port_exposes_and_what_each_flow_lacks(ax_company, ax_url):
    ports.register(ports.InboundPort("Partial", services={"CustomerService": ("create", "read", "find", "getKeys")}))

    found = _connector(ax_url, "Partial").discover()
    full = _connector(ax_url, ports.DEFAULT_PORT).discover()

    assert [s.name for s in found.services] == ["CustomerService"]
    assert found.missing["customer"] == ["CustomerService lacks update, getChangedKeys"]
    assert found.missing["sales_invoice"] == [
        "FreeTextInvoiceService is not exposed",
        "CustomerTransactionService (find) is not exposed: invoice settlement cannot be read",
    ]
    assert "bank_statement" not in found.missing  # only a bank flow on the statement path needs BankStmtService
    assert "vendor_invoice" not in found.missing  # only a purchase flow on the vendor invoice path needs it
    assert full.ok and {s.name for s in full.services} == set(SERVICES)
    statements = next(s for s in full.services if s.name == "BankStmtService")
    assert set(statements.operations) == {"create", "read", "delete", "find", "getKeys", "getChangedKeys"}


def test_connection_settings_choose_auth_ports_and_port_urls():
    def client(base: str, **settings: str):
        config = ConnectionConfig(base_url=base, credentials={"service_user": "u", **settings}, company="DAT")
        return DynamicsAXConnector(config).client

    default = client("http://ax/MicrosoftDynamicsAXAif60/")
    named = client(
        "https://ax/MicrosoftDynamicsAXAif60",
        inbound_port="Finance",
        auth_mode="basic",
        service_ports="FreeTextInvoiceService=Invoices; VendVendTableService=https://ax/MicrosoftDynamicsAXAif60/V/xppservice.svc",
    )
    whole = client("http://ax/MicrosoftDynamicsAXAif60/Sales/xppservice.svc?wsdl")

    assert default.auth_mode == "ntlm" and not default.config_problem
    assert default.service_url("CustomerService") == "http://ax/MicrosoftDynamicsAXAif60/LedgerBridge/xppservice.svc"
    assert named.auth_mode == "basic" and not named.config_problem  # https: Basic is fine
    assert named.service_url("CustomerService") == "https://ax/MicrosoftDynamicsAXAif60/Finance/xppservice.svc"
    assert named.service_url("FreeTextInvoiceService") == "https://ax/MicrosoftDynamicsAXAif60/Invoices/xppservice.svc"
    assert named.service_url("VendVendTableService") == "https://ax/MicrosoftDynamicsAXAif60/V/xppservice.svc"
    assert whole.service_url("CustomerService") == "http://ax/MicrosoftDynamicsAXAif60/Sales/xppservice.svc"
    assert "clear text" in client("http://ax/MicrosoftDynamicsAXAif60", auth_mode="basic").config_problem
    allowed = client("http://ax/MicrosoftDynamicsAXAif60", auth_mode="basic", allow_basic_over_http="yes")
    assert not allowed.config_problem


def test_a_port_without_get_changed_keys_is_read_with_get_keys(ax_company, ax_url):
    ports.register(ports.InboundPort("KeysOnly", services={"CustomerService": ("read", "getKeys")}))

    rows = list(_connector(ax_url, "KeysOnly").list_changed("customer", datetime(2024, 1, 1, tzinfo=UTC)))

    assert [r["AccountNum"] for r in rows] == ["C0001"]
    assert not AxMessage.objects.filter(operation="getChangedKeys").exists()
