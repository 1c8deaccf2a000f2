import json
import logging

from knox.models import AuthToken
from rest_framework.test import APIClient

from integrations.credentials import decrypt_credentials
from integrations.models import Connection, IntegrationPair
from tests.access import assert_api_roles

from .conftest import KF_PASSWORD, KF_WORD, SECRETS

ADMIN = "Integration admin"
LIST = "/api/v1/connections/"


def admin_api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_connection_endpoints_need_the_integration_admin(client_for, kashflow_connection, ax_connection):
    assert_api_roles(client_for, LIST, ADMIN)
    assert_api_roles(client_for, f"{LIST}{kashflow_connection.pk}/", ADMIN)
    assert_api_roles(client_for, f"{LIST}{kashflow_connection.pk}/test/", ADMIN, method="post")
    assert_api_roles(client_for, "/api/v1/pairs/", ADMIN)
    assert_api_roles(client_for, LIST, ADMIN, method="post", data={}, ok_status=400)
    assert_api_roles(client_for, f"{LIST}{ax_connection.pk}/", ADMIN, method="patch", data={"timeout_seconds": 12})


def test_the_api_never_returns_a_secret(integration_admin, kashflow_connection, ax_connection, caplog):
    caplog.set_level(logging.DEBUG)
    api = admin_api(integration_admin)
    bodies = [
        api.get(LIST).content.decode(),
        api.get(f"{LIST}{kashflow_connection.pk}/").content.decode(),
        api.patch(f"{LIST}{kashflow_connection.pk}/", {"name": "Renamed"}, format="json").content.decode(),
        api.post(f"{LIST}{kashflow_connection.pk}/test/").content.decode(),
    ]
    for body in bodies:
        for secret in SECRETS:
            assert secret not in body
        assert kashflow_connection.credentials_encrypted not in body
        assert "credentials_encrypted" not in body
    for secret in SECRETS:
        assert secret not in caplog.text
    detail = json.loads(bodies[1])
    assert detail["secrets_set"] == ["memorable_word", "password"]
    assert detail["settings"] == {"username": "acme"}
    assert "credentials" not in detail


def test_creating_a_connection_through_the_api_encrypts_its_secrets(integration_admin):
    response = admin_api(integration_admin).post(
        LIST,
        {
            "name": "Shop",
            "system": "kashflow",
            "base_url": "https://api.kashflow.com/v2/",
            "settings": {"username": "shop"},
            "credentials": {"password": KF_PASSWORD, "memorable_word": KF_WORD},
            "rate_limit_per_minute": 60,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "credentials" not in response.json()
    connection = Connection.objects.get(name="Shop")
    assert connection.rate_limit_per_minute == 60
    assert decrypt_credentials(connection.credentials_encrypted) == {"password": KF_PASSWORD, "memorable_word": KF_WORD}


def test_a_blank_secret_through_the_api_keeps_the_stored_one(integration_admin, kashflow_connection):
    response = admin_api(integration_admin).patch(
        f"{LIST}{kashflow_connection.pk}/",
        {"credentials": {"password": "", "memorable_word": "newWord"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    kashflow_connection.refresh_from_db()
    assert decrypt_credentials(kashflow_connection.credentials_encrypted) == {
        "password": KF_PASSWORD,
        "memorable_word": "newWord",
    }


def test_bad_input_through_the_api_is_a_400_with_the_reason(integration_admin, kashflow_connection):
    api = admin_api(integration_admin)
    missing = api.post(
        LIST,
        {"name": "X", "system": "kashflow", "base_url": "https://x.example/", "settings": {"username": "u"}},
        format="json",
    )
    assert missing.status_code == 400
    assert "Password" in missing.content.decode()
    bad_url = api.patch(f"{LIST}{kashflow_connection.pk}/", {"base_url": "ftp://x"}, format="json")
    assert bad_url.status_code == 400
    assert "base_url" in bad_url.json()
    system = api.patch(f"{LIST}{kashflow_connection.pk}/", {"system": "dynamics_ax"}, format="json")
    assert system.status_code == 400


def test_pairs_through_the_api(integration_admin, kashflow_connection, ax_connection):
    api = admin_api(integration_admin)
    wrong = api.post(
        "/api/v1/pairs/", {"name": "Acme", "kashflow": ax_connection.pk, "dynamics_ax": ax_connection.pk}, format="json"
    )
    assert wrong.status_code == 400
    created = api.post(
        "/api/v1/pairs/",
        {"name": "Acme", "kashflow": kashflow_connection.pk, "dynamics_ax": ax_connection.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert IntegrationPair.objects.get().name == "Acme"
    refused = api.delete(f"{LIST}{kashflow_connection.pk}/")
    assert refused.status_code == 400
    assert "Acme" in refused.content.decode()


def test_the_api_test_action_reports_a_failure(integration_admin, kashflow_connection):
    response = admin_api(integration_admin).post(f"{LIST}{kashflow_connection.pk}/test/")
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert response.json()["message"]
