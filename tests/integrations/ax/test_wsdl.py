"""Every WSDL the simulator serves loads in a fresh zeep client, behind the service account's basic auth."""

from __future__ import annotations

import pytest
import requests
import zeep
from zeep.transports import Transport

from integrations.connectors.dynamics_ax.documents import NS_SERVICES, SERVICES
from tests.integrations.ax.conftest import PASSWORD, USER

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    # Only the sandbox tables are flushed between tests: much faster on PostgreSQL.
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]


def test_every_served_wsdl_loads_in_a_fresh_zeep_client(ax_company, ax_url):
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    for name, svc in SERVICES.items():
        client = zeep.Client(f"{ax_url}/{name}/xppservice.svc?wsdl", transport=Transport(session=session, timeout=5))

        binding = client.wsdl.bindings[f"{{{NS_SERVICES}}}BasicHttpBinding_{name}"]
        assert sorted(binding._operations) == sorted(svc.operations), name
        assert binding._operations["read"].soapaction == f"{NS_SERVICES}/{name}/read"
        port = client.wsdl.services["RoutingService"].ports[f"BasicHttpBinding_{name}"]
        assert port.binding_options["address"] == f"{ax_url}/{name}/xppservice.svc"


def test_document_schema_names_the_axd_document_and_its_tables(ax_company, ax_url):
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    client = zeep.Client(f"{ax_url}/FreeTextInvoiceService/xppservice.svc?wsdl", transport=Transport(session=session))
    ns = "http://schemas.microsoft.com/dynamics/2008/01/documents/FreeTextInvoice"
    assert client.get_type(f"{{{ns}}}AxdFreeTextInvoice")
    line = client.get_type(f"{{{ns}}}AxdEntity_CustInvoiceLine")
    assert "LedgerDimension" in [name for name, _ in line.elements]
    request = client.get_element(f"{{{NS_SERVICES}}}FreeTextInvoiceServiceCreateRequest")
    assert [name for name, _ in request.type.elements] == ["FreeTextInvoice"]


def test_wsdl_needs_the_service_account(ax_company, ax_url):
    anonymous = requests.get(f"{ax_url}/CustomerService/xppservice.svc?wsdl", timeout=5)
    wrong = requests.get(f"{ax_url}/CustomerService/xppservice.svc?wsdl", auth=(USER, "wrong"), timeout=5)

    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert wrong.status_code == 401


def test_unknown_service_is_not_found(ax_company, ax_url):
    response = requests.get(f"{ax_url}/SalesOrderService/xppservice.svc?wsdl", auth=(USER, PASSWORD), timeout=5)

    assert response.status_code == 404
    assert "SalesOrderService" in response.text


def test_simulator_is_not_found_while_the_sandbox_is_off(ax_company, ax_url, settings):
    settings.SANDBOX_ENABLED = False

    response = requests.get(f"{ax_url}/CustomerService/xppservice.svc?wsdl", auth=(USER, PASSWORD), timeout=5)

    assert response.status_code == 404
