"""The simulated AX inbound ports as a client meets them: the port's WSDL set in a fresh zeep client, Windows (NTLM)
authentication with the real handshake, Basic only where a port was set up for it, a port exposing only the
operations an administrator selected, and the client's refusal to load WSDL parts from anywhere else."""

from __future__ import annotations

import pytest
import requests
import zeep
from requests_ntlm import HttpNtlmAuth
from zeep.transports import Transport

from integrations.connectors.dynamics_ax.client import AxClient, UnsafeWsdlError, _Transport
from integrations.connectors.dynamics_ax.documents import NS_SERVICES, NS_TEMPURI, SERVICES
from integrations.connectors.errors import AuthError, ProtocolError
from integrations.sandbox.ax import ports
from tests.integrations.ax.conftest import COMPANY, PASSWORD, USER

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    # Only the sandbox tables are flushed between tests: much faster on PostgreSQL.
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]


def _port_url(ax_url: str, port: str = ports.DEFAULT_PORT) -> str:
    return f"{ax_url}/{port}/xppservice.svc"


def test_the_default_port_serves_every_service_in_one_routing_wsdl_behind_ntlm(ax_company, ax_url):
    session = requests.Session()
    session.auth = HttpNtlmAuth(USER, PASSWORD)
    url = _port_url(ax_url)
    client = zeep.Client(f"{url}?wsdl", transport=Transport(session=session, timeout=5))

    for name, svc in SERVICES.items():
        binding = client.wsdl.bindings[f"{{{NS_TEMPURI}}}BasicHttpBinding_{name}"]
        assert sorted(binding._operations) == sorted(svc.operations), name
        first = svc.operations[0]
        assert binding._operations[first].soapaction == f"{NS_SERVICES}/{name}/{first}"
        port = client.wsdl.services["RoutingService"].ports[f"BasicHttpBinding_{name}"]
        assert port.binding_options["address"] == url
    request = client.get_element(f"{{{NS_SERVICES}}}CustomerServiceGetChangedKeysRequest")
    assert [name for name, _ in request.type.elements] == ["DocumentPaging", "_changedDateTime"]


def test_wsdl_imports_follow_the_real_url_layout(ax_company, ax_url):
    auth = HttpNtlmAuth(USER, PASSWORD)
    url = _port_url(ax_url)
    root = requests.get(f"{url}?wsdl", auth=auth, timeout=5)
    services = requests.get(f"{url}?wsdl=wsdl1", auth=auth, timeout=5)
    paging = requests.get(f"{url}?xsd=xsd1", auth=auth, timeout=5)

    assert 'name="RoutingService"' in root.text and f'targetNamespace="{NS_TEMPURI}"' in root.text
    assert f'location="{url}?wsdl=wsdl0"' in root.text and "NegotiateAuthentication" in root.text
    assert f'schemaLocation="{url}?xsd=xsd11"' in services.text
    assert "http://schemas.microsoft.com/dynamics/2011/02/documents/DocumentPaging" in paging.text


def test_the_port_asks_for_windows_authentication_and_checks_the_handshake(ax_company, ax_url):
    url = f"{_port_url(ax_url)}?wsdl"
    anonymous = requests.get(url, timeout=5)
    wrong = requests.get(url, auth=HttpNtlmAuth(USER, "wrong"), timeout=5)
    basic = requests.get(url, auth=(USER, PASSWORD), timeout=5)
    right = requests.get(url, auth=HttpNtlmAuth(USER, PASSWORD), timeout=5)

    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Negotiate, NTLM"
    assert wrong.status_code == 401
    assert basic.status_code == 401
    assert right.status_code == 200


def test_a_domain_account_authenticates_by_ntlm(ax_company, ax_url):
    ax_company.service_user = "CONTOSO\\svc-aif"
    ax_company.save()

    client = AxClient(ax_url, user="CONTOSO\\svc-aif", password=PASSWORD, company=COMPANY, port=ports.DEFAULT_PORT)

    assert client.get_keys("CustomerService").keys == ["C0001"]


def test_basic_is_refused_over_plain_http_unless_the_port_and_the_connection_allow_it(ax_company, ax_url):
    ports.register(ports.InboundPort("BasicPort", auth=ports.AUTH_BASIC))
    strict = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, port="BasicPort", auth="basic")
    with pytest.raises(AuthError, match="clear text over http"):
        strict.get_keys("CustomerService")

    allowed = dict(port="BasicPort", auth="basic", allow_basic_over_http=True)
    client = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, **allowed)
    with pytest.raises(AuthError, match="HTTP 403"):  # the port itself refuses Basic without SSL
        client.get_keys("CustomerService")

    ports.register(ports.InboundPort("BasicPort", auth=ports.AUTH_BASIC, allow_basic_over_http=True))
    client = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, **allowed)
    assert client.get_keys("CustomerService").keys == ["C0001"]


def test_basic_against_a_windows_port_says_to_choose_ntlm(ax_company, ax_url):
    client = AxClient(
        ax_url,
        user=USER,
        password=PASSWORD,
        company=COMPANY,
        port=ports.DEFAULT_PORT,
        auth="basic",
        allow_basic_over_http=True,
    )

    with pytest.raises(AuthError, match="choose NTLM"):
        client.get_keys("CustomerService")


def test_unknown_port_is_not_found(ax_company, ax_url):
    response = requests.get(f"{_port_url(ax_url, 'SalesOrders')}?wsdl", auth=HttpNtlmAuth(USER, PASSWORD), timeout=5)
    client = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, port="SalesOrders")

    assert response.status_code == 404
    assert "SalesOrders" in response.text
    with pytest.raises(ProtocolError, match="HTTP 404"):
        client.get_keys("CustomerService")


def test_a_port_exposes_only_the_services_and_operations_the_administrator_selected(ax_company, ax_url):
    ports.register(ports.InboundPort("Customers", services={"CustomerService": ("read", "create", "find")}))
    client = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, port="Customers")

    [found] = client.discover()

    assert (found.name, sorted(found.operations)) == ("CustomerService", ["create", "find", "read"])
    assert client.read("CustomerService", ["C0001"])[0]["AccountNum"] == "C0001"
    with pytest.raises(ProtocolError, match="without the getKeys operation"):
        client.get_keys("CustomerService")
    with pytest.raises(ProtocolError, match="does not expose FreeTextInvoiceService"):
        client.read("FreeTextInvoiceService", ["FTI-1"])


def test_services_on_different_ports_are_reached_through_their_own_port(ax_company, ax_url):
    ports.register(ports.InboundPort("Customers", services={"CustomerService": ("read", "getKeys")}))
    ports.register(ports.InboundPort("Vendors", services={"VendVendTableService": ("read", "getKeys")}))
    client = AxClient(
        ax_url,
        user=USER,
        password=PASSWORD,
        company=COMPANY,
        port="Customers",
        service_ports={"VendVendTableService": f"{ax_url}/Vendors/xppservice.svc"},
    )

    assert client.get_keys("CustomerService").keys == ["C0001"]
    assert client.get_keys("VendVendTableService").keys == ["V0001"]
    assert {(s.name, s.port_url.rsplit("/", 2)[1]) for s in client.discover()} == {
        ("CustomerService", "Customers"),
        ("VendVendTableService", "Vendors"),
    }


def test_the_wsdl_is_cached_per_connection_and_discover_reads_it_again(ax_company, ax_url):
    ports.register(ports.InboundPort("Changing", services={"CustomerService": ("read", "getKeys")}))
    key = "connection-17"
    first = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, port="Changing", cache_key=key)
    assert first.operations("CustomerService") == ("read", "getKeys")

    ports.register(ports.InboundPort("Changing", services={"CustomerService": ("read", "getKeys", "find")}))
    second = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, port="Changing", cache_key=key)
    other = AxClient(ax_url, user=USER, password=PASSWORD, company=COMPANY, port="Changing", cache_key="other")

    assert second.operations("CustomerService") == ("read", "getKeys")  # cached for this connection
    assert "find" in other.operations("CustomerService")
    [found] = second.discover()
    assert "find" in found.operations and "find" in second.operations("CustomerService")


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data", "ftp://ax.example/x.xsd", "/etc/passwd"],
)
def test_wsdl_parts_load_only_over_http_from_the_connections_host(location):
    transport = _Transport(session=requests.Session(), allowed_hosts={"axserver"})

    with pytest.raises(UnsafeWsdlError):
        transport.load(location)
    transport.check_url("http://axserver/MicrosoftDynamicsAXAif60/P/xppservice.svc?xsd=xsd1")
    transport.check_url("https://axserver.corp.example/MicrosoftDynamicsAXAif60/P/xppservice.svc?xsd=xsd1")


def test_a_wsdl_importing_from_elsewhere_is_refused(ax_company, live_server):
    client = AxClient(
        f"{live_server.url}/evil/MicrosoftDynamicsAXAif60", user=USER, password=PASSWORD, company=COMPANY, port="P"
    )

    with pytest.raises(ProtocolError, match="file:///etc/passwd"):
        client.load("CustomerService")


def test_simulator_is_not_found_while_the_sandbox_is_off(ax_company, ax_url, settings):
    settings.SANDBOX_ENABLED = False

    response = requests.get(f"{_port_url(ax_url)}?wsdl", auth=HttpNtlmAuth(USER, PASSWORD), timeout=5)

    assert response.status_code == 404


def test_an_ntlm_connection_stays_authenticated_where_the_server_tells_the_client_port(ax_company, client):
    """Under gunicorn (REMOTE_PORT set) a connection that completed the handshake is not challenged again, as IIS
    keeps NTLM connections; another connection is."""
    import base64

    import spnego

    url = f"/sandbox/ax/MicrosoftDynamicsAXAif60/{ports.DEFAULT_PORT}/xppservice.svc?wsdl"
    ntlm = spnego.client(USER, PASSWORD, protocol="ntlm")
    negotiate = base64.b64encode(ntlm.step()).decode()
    challenged = client.get(url, HTTP_AUTHORIZATION=f"NTLM {negotiate}", REMOTE_PORT="50001")
    challenge = base64.b64decode(challenged["WWW-Authenticate"].split(" ", 1)[1])
    answer = base64.b64encode(ntlm.step(challenge)).decode()

    authenticated = client.get(url, HTTP_AUTHORIZATION=f"NTLM {answer}", REMOTE_PORT="50001")
    same_connection = client.get(url, REMOTE_PORT="50001")
    other_connection = client.get(url, REMOTE_PORT="50002")
    replayed = client.get(url, HTTP_AUTHORIZATION=f"NTLM {answer}", REMOTE_PORT="50003")

    assert challenged.status_code == 401
    assert (authenticated.status_code, same_connection.status_code) == (200, 200)
    assert other_connection.status_code == 401
    assert replayed.status_code == 401  # a challenge is answered once
