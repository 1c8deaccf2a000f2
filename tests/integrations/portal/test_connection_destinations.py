"""Finding 1 (stored credentials follow a changed URL) and 7 (SSRF) on the connection services, pages and API."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from integrations import destinations
from integrations.credentials import decrypt_credentials
from integrations.destinations import UnsafeDestination
from integrations.services import connections as services
from monitoring.models import AuditEvent

from .conftest import KF_PASSWORD, KF_WORD

pytestmark = pytest.mark.django_db


class Listener:
    """A host the attacker controls: records every request it is sent."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length).decode()))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = _record

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_port}/v2/"  # another origin than the fixture's
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker():
    listener = Listener()
    yield listener
    listener.close()


def test_a_new_base_url_with_the_stored_secrets_is_refused_and_nothing_reaches_the_new_host(
    integration_admin, kashflow_connection, attacker
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=integration_admin)[1]}")
    response = api.patch(f"/api/v1/connections/{kashflow_connection.pk}/", {"base_url": attacker.url}, format="json")
    assert response.status_code == 400
    assert "enter Password, Memorable word again" in response.json()["credentials"][0]
    api.post(f"/api/v1/connections/{kashflow_connection.pk}/test/")
    assert attacker.seen == []  # the KashFlow password and memorable word never left for the new host
    kashflow_connection.refresh_from_db()
    assert kashflow_connection.base_url != attacker.url


def test_the_edit_page_asks_for_the_secrets_again_when_the_host_changes(client_for, kashflow_connection):
    response = client_for("Integration admin").post(
        reverse("integrations:connection-edit", args=[kashflow_connection.pk]),
        {
            "name": kashflow_connection.name,
            "base_url": "https://api.kashflow.com/v2/",
            "timeout_seconds": "15",
            "config_username": "acme",
            "config_password": "",
            "config_memorable_word": "",
        },
    )
    assert response.status_code == 200 and b"enter Password, Memorable word again" in response.content
    kashflow_connection.refresh_from_db()
    assert "api.kashflow.com" not in kashflow_connection.base_url


def test_a_new_host_with_every_secret_given_again_replaces_them_and_is_audited(kashflow_connection, settings):
    services.update_connection(
        connection=kashflow_connection,
        base_url="https://api.kashflow.com/v2/",
        credentials={"password": "new-Pass-1", "memorable_word": "newword"},
    )
    assert decrypt_credentials(kashflow_connection.credentials_encrypted) == {
        "password": "new-Pass-1",
        "memorable_word": "newword",
    }
    event = AuditEvent.objects.filter(action="connection.updated").latest("pk")
    assert event.changes["secrets_required_again_for_new_destination"] is True
    assert "new-Pass-1" not in str(event.changes) and KF_PASSWORD not in str(event.changes)


def test_some_secrets_given_again_is_not_enough(kashflow_connection):
    with pytest.raises(ValidationError, match="enter Memorable word again"):
        services.update_connection(
            connection=kashflow_connection, base_url="https://api.kashflow.com/v2/", credentials={"password": "p"}
        )
    kashflow_connection.refresh_from_db()
    assert decrypt_credentials(kashflow_connection.credentials_encrypted)["memorable_word"] == KF_WORD


def test_plain_http_to_another_host_needs_the_audited_insecure_option(integration_admin):
    args = {
        "name": "On-prem AX",
        "system": "dynamics_ax",
        "base_url": "http://axserver.corp.example:8101/",
        "company": "DAT",
        "settings": {"service_user": "svc"},
        "credentials": {"service_password": "pw-123456"},
    }
    with pytest.raises(ValidationError, match="Allow insecure http"):
        services.create_connection(actor=integration_admin, **args)
    connection = services.create_connection(actor=integration_admin, allow_insecure_http=True, **args)
    created = AuditEvent.objects.get(action="connection.created")
    assert created.changes["allow_insecure_http"] is True
    with pytest.raises(ValidationError, match="Allow insecure http"):
        services.update_connection(connection=connection, allow_insecure_http=False)
    services.update_connection(  # to https: a new origin (scheme and port), so the secret is given again
        connection=connection,
        base_url="https://axserver.corp.example/",
        allow_insecure_http=False,
        credentials={"service_password": "pw-123456"},
    )
    assert AuditEvent.objects.filter(action="connection.updated").latest("pk").changes["allow_insecure_http"] == [
        True,
        False,
    ]


@pytest.mark.parametrize("url", ["https://169.254.169.254/latest/", "https://10.1.2.3/", "https://[::ffff:10.0.0.1]/"])
def test_addresses_inside_the_network_are_refused_when_saving(url):
    with pytest.raises(ValidationError, match="ALLOWED_PRIVATE_HOSTS"):
        services.create_connection(
            name="Metadata",
            system="kashflow",
            base_url=url,
            settings={"username": "x"},
            credentials={"password": "p", "memorable_word": "word"},
        )


def test_an_allowed_private_host_is_accepted_and_checked_again_at_connect_time(settings, monkeypatch):
    settings.ALLOWED_PRIVATE_HOSTS = ["ax.corp.example"]
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["10.20.0.5"])
    connection = services.create_connection(
        name="AX",
        system="dynamics_ax",
        base_url="https://ax.corp.example/",
        company="DAT",
        settings={"service_user": "svc"},
        credentials={"service_password": "pw-123456"},
    )
    settings.ALLOWED_PRIVATE_HOSTS = []  # the site withdrew it, or the name now points inside
    with pytest.raises(UnsafeDestination, match="private"):
        services.build_connector(connection)
    result = services.test_connection(connection)
    assert not result.ok and "ALLOWED_PRIVATE_HOSTS" in result.message


def test_a_public_name_that_later_resolves_inside_is_refused_at_connect_time(settings, monkeypatch):
    settings.ALLOWED_PRIVATE_HOSTS = []
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["93.184.216.34"])
    connection = services.create_connection(
        name="KF",
        system="kashflow",
        base_url="https://kf.rebind.example/",
        settings={"username": "x"},
        credentials={"password": "p", "memorable_word": "word"},
    )
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["127.0.0.1"])  # DNS rebinding
    with pytest.raises(UnsafeDestination, match="loopback"):
        services.build_connector(connection)
