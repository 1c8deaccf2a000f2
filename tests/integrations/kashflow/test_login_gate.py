"""A refused KashFlow login stops every later login of that connection, across connectors, until a person enters
the credentials again: retries must never lock the customer's own KashFlow user."""

from __future__ import annotations

import pytest

from integrations.connectors.errors import AuthError
from integrations.models import Connection
from integrations.services import connections
from integrations.services.connections import build_connector, create_connection, update_connection
from tests.integrations.kashflow.conftest import PASSWORD, USERNAME, WORD


@pytest.fixture
def kashflow_connection(account, base_url):
    return create_connection(
        name="KashFlow (test)",
        system="kashflow",
        base_url=base_url,
        settings={"username": USERNAME},
        credentials={"password": PASSWORD, "memorable_word": "zzzzzzzzz"},
        timeout_seconds=5,
    )


@pytest.mark.django_db(transaction=True)
def test_one_refusal_stops_logins_for_every_later_run_until_the_credentials_are_entered_again(
    kashflow_connection, account
):
    with pytest.raises(AuthError) as refused, build_connector(kashflow_connection) as connector:
        connector.read("customer", "ACME01")
    assert refused.value.code == "InvalidMemorableWord"
    stored = Connection.objects.get(pk=kashflow_connection.pk)
    assert stored.login_stopped_reason.startswith("InvalidMemorableWord") and stored.login_stopped_at

    for _ in range(4):  # later runs, each with a fresh connector, and the connection test
        with pytest.raises(AuthError) as stopped, build_connector(kashflow_connection) as connector:
            connector.read("customer", "ACME01")
        assert stopped.value.code == "LoginStopped"
    result = connections.test_connection(Connection.objects.get(pk=kashflow_connection.pk))
    assert not result.ok and "enter the credentials again" in result.message
    account.refresh_from_db()
    assert account.failed_logins == 1 and not account.locked  # KashFlow saw one failure only

    update_connection(connection=kashflow_connection, credentials={"memorable_word": WORD})
    assert Connection.objects.get(pk=kashflow_connection.pk).login_stopped_reason == ""
    with build_connector(kashflow_connection) as connector:
        assert connector.read("customer", "ACME01")["Code"] == "ACME01"


@pytest.mark.django_db(transaction=True)
def test_the_connection_pages_say_logins_are_stopped_and_why(client_for, kashflow_connection, settings):
    from django.urls import reverse

    settings.ROOT_URLCONF = "config.urls"

    from integrations.login_gate import ConnectionLoginGate

    ConnectionLoginGate(kashflow_connection.pk).refuse("InvalidMemorableWord: The memorable word is not correct.")
    client = client_for("Integration admin")
    for url in (
        reverse("integrations:connection-list"),
        reverse("integrations:connection-edit", args=[kashflow_connection.pk]),
    ):
        page = client.get(url).content.decode()
        assert "logins stopped" in page and "InvalidMemorableWord" in page and "entered again" in page
