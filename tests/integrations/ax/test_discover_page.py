"""The connection page's "Discover" step for an AX connection: the port's WSDL is read again (refreshing the
connection's cached copy) and the page lists the services and operations the port really exposes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.connectors.dynamics_ax.client import forget_wsdl_cache
from integrations.sandbox.ax import ports
from integrations.sandbox.demo import ensure_demo_company
from integrations.sandbox.loading import ensure_demo_connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ax_connection(live_server, transactional_db):
    ensure_demo_company()
    connection = ensure_demo_connections(live_server.url).dynamics_ax
    ports.reset()
    forget_wsdl_cache()
    yield connection
    ports.reset()
    forget_wsdl_cache()


def test_discover_lists_what_the_port_exposes_and_what_the_flows_miss(ax_connection, client_for):
    client = client_for("Integration admin")
    url = reverse("integrations:connection-discover", args=[ax_connection.pk])

    full = client.post(url, HTTP_HX_REQUEST="true")
    ports.register(ports.InboundPort(ports.DEFAULT_PORT, services={"CustomerService": ("read", "find", "getKeys")}))
    narrowed = client.post(url, HTTP_HX_REQUEST="true")

    assert full.status_code == 200
    assert "FreeTextInvoiceService" in full.text and "Every flow finds" in full.text
    assert "FreeTextInvoiceService is not exposed" in narrowed.text  # read again, not from the cached WSDL
    assert "CustomerService lacks create, update, getChangedKeys" in narrowed.text


def test_the_edit_page_offers_discover_and_the_authentication_choice(ax_connection, client_for):
    page = client_for("Integration admin").get(reverse("integrations:connection-edit", args=[ax_connection.pk]))

    assert reverse("integrations:connection-discover", args=[ax_connection.pk]) in page.text
    assert '<option value="ntlm"' in page.text and "Windows (NTLM)" in page.text


def test_discover_is_for_integration_admins_and_reports_an_unreachable_port(ax_connection, client_for):
    from integrations.services import connections as services

    services.update_connection(connection=ax_connection, settings={"inbound_port": "NoSuchPort"})

    url = reverse("integrations:connection-discover", args=[ax_connection.pk])
    denied = client_for("Viewer").post(url, HTTP_HX_REQUEST="true")
    failed = client_for("Integration admin").post(url, HTTP_HX_REQUEST="true")

    assert denied.status_code in (302, 403)
    assert "NoSuchPort" in failed.text and "HTTP 404" in failed.text


def test_test_and_discover_say_when_the_rate_type_finds_no_rate(ax_connection, client_for):
    """AX answers a currency pair it does not hold like one without rates: a mistyped rate type would look like
    "no rate" on every foreign currency record. Test and Discover read the pairs and say so."""
    from django.utils import timezone

    from integrations.sandbox.models import AxCompany, AxRecord
    from integrations.services import connections as services

    pair = {
        "FromCurrencyCode": "EUR",
        "ToCurrencyCode": "GBP",
        "ExchangeRateType": "Default",
        "ExchangeRateDisplayFactor": "One",
        "ExchangeRate": [{"ValidFrom": "2024-01-01", "ExchangeRate": "86.0000"}],
    }
    company = AxCompany.objects.get(data_area_id=ax_connection.company)
    AxRecord.objects.create(
        company=company, entity="CurrencyPair", key="EUR/GBP/Default", data=pair, modified_at=timezone.now()
    )
    client = client_for("Integration admin")
    url = reverse("integrations:connection-discover", args=[ax_connection.pk])
    right = client.post(url, HTTP_HX_REQUEST="true")
    assert "no exchange rates" not in right.text and "Every flow finds" in right.text
    assert "no exchange rates" not in services.test_connection(ax_connection).message

    services.update_connection(connection=ax_connection, settings={"exchange_rate_type": "Spot"})
    wrong = client.post(url, HTTP_HX_REQUEST="true")
    tested = services.test_connection(ax_connection)

    expected = "AX has no exchange rates of type Spot for GBP/EUR, GBP/USD, EUR/GBP"
    assert expected in wrong.text and "check the exchange rate type setting" in wrong.text
    assert tested.ok and expected in tested.message and "Connected to Dynamics AX" in tested.message
