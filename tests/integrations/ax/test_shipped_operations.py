"""The simulated AX offers per service exactly the operations Microsoft ships ("Standard Document Services",
MicrosoftDocs/DynamicsAX2012-technet: dynamicsax2012-technet/standard-document-services.md), and the connector
never calls one AX lacks."""

from __future__ import annotations

import pytest

from integrations.connectors.dynamics_ax.connector import NEEDED_OPERATIONS
from integrations.connectors.dynamics_ax.documents import SERVICES
from integrations.connectors.errors import ProtocolError, ValidationError
from integrations.sandbox.models import AxMessage
from tests.integrations.ax.conftest import invoice
from tests.integrations.ax.test_validation_faults import _post

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]

SHIPPED = {
    "FreeTextInvoiceService": {"create"},  # C
    "CustPaymJournalService": {"create"},  # C
    "LedgerGeneralJournalService": {"create", "read"},  # CR
    "CustomerTransactionService": {"find", "findKeys", "read"},  # F, FK, R (R2)
}


def test_the_services_offer_microsofts_operations_and_the_wsdl_shows_only_those(ax_client):
    for name, expected in SHIPPED.items():
        assert set(SERVICES[name].operations) == expected
        assert set(ax_client.operations(name)) == expected  # from the port's WSDL


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("FreeTextInvoiceService", "find"),
        ("CustPaymJournalService", "getKeys"),
        ("LedgerGeneralJournalService", "find"),
    ],
)
def test_a_call_to_an_operation_ax_does_not_ship_fails_as_wcf_answers_it(ax_company, ax_url, service, operation):
    ns = "http://schemas.microsoft.com/dynamics/2008/01/services"
    body = (
        f"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
        f"<{service}{operation[0].upper()}{operation[1:]}Request xmlns='{ns}'/></s:Body></s:Envelope>"
    ).encode()

    response = _post(ax_url, body, action=f"{ns}/{service}/{operation}")

    assert response.status_code == 500
    assert "ContractFilter mismatch" in response.text


def test_the_client_refuses_a_missing_operation_before_sending(ax_client):
    with pytest.raises(ProtocolError, match="without the find operation"):
        ax_client.find("FreeTextInvoiceService", [])
    assert not AxMessage.objects.filter(service="FreeTextInvoiceService").exists()


def test_the_connector_uses_no_lookup_on_create_only_services(connector):
    key = connector.create("sales_invoice", invoice(reference="77001"))

    assert connector.find_by_reference("sales_invoice", "77001") is None  # no find on the service: not asked
    assert connector.find_by_reference("payment", "P-1") is None
    with pytest.raises(ValidationError, match="offers only create"):
        list(connector.list_changed("payment"))
    operations = set(AxMessage.objects.values_list("service", "operation"))
    assert operations == {("FreeTextInvoiceService", "create")}
    assert key.startswith("FTI-")
    assert NEEDED_OPERATIONS["sales_invoice"] == ("create",) and NEEDED_OPERATIONS["payment"] == ("create",)
