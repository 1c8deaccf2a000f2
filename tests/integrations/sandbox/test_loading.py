"""The demo's wiring: the demo connections and pair that point the portal at the sandbox."""

from integrations.credentials import decrypt_credentials
from integrations.models import Connection, IntegrationPair
from integrations.sandbox import demo_credentials as creds
from integrations.sandbox.loading import ensure_demo_connections


def test_ensure_demo_connections_is_idempotent_and_follows_the_portal_url(db):
    pair = ensure_demo_connections("http://127.0.0.1:8000")
    again = ensure_demo_connections("http://127.0.0.1:8000/")
    assert pair.pk == again.pk
    assert Connection.objects.count() == 2
    assert IntegrationPair.objects.count() == 1
    assert pair.kashflow.base_url == "http://127.0.0.1:8000/sandbox/kashflow/v2/"
    assert pair.dynamics_ax.base_url == "http://127.0.0.1:8000/sandbox/ax/MicrosoftDynamicsAXAif60/"
    assert pair.dynamics_ax.company == creds.AX_COMPANY
    assert {**pair.kashflow.settings, **decrypt_credentials(pair.kashflow.credentials_encrypted)} == {
        "username": creds.KASHFLOW_USERNAME,
        "password": creds.KASHFLOW_PASSWORD,
        "memorable_word": creds.KASHFLOW_MEMORABLE_WORD,
    }
    assert {**pair.dynamics_ax.settings, **decrypt_credentials(pair.dynamics_ax.credentials_encrypted)} == {
        "service_user": creds.AX_SERVICE_USER,
        "service_password": creds.AX_SERVICE_PASSWORD,
        "auth_mode": "ntlm",  # the demo runs on Windows authentication, as a default AX HTTP port
        "inbound_port": "LedgerBridge",
        "tax_calculation_method": "line",  # the sandbox's vendor invoices round tax per line
    }
    moved = ensure_demo_connections("http://127.0.0.1:9100")
    moved.kashflow.refresh_from_db()
    assert moved.pk == pair.pk
    assert moved.kashflow.base_url == "http://127.0.0.1:9100/sandbox/kashflow/v2/"
