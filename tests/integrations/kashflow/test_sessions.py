"""KashFlow's two-step login, session tokens and their expiry, over a real socket."""

from __future__ import annotations

import json

import httpx
import pytest

from integrations.connectors.errors import AuthError
from integrations.connectors.kashflow.client import KashFlowClient, MemoryLoginGate
from integrations.sandbox.kashflow.sessions import expire_sessions, unlock
from integrations.sandbox.models import KashFlowAccount, KashFlowSession
from tests.integrations.kashflow.conftest import PASSWORD, SANDBOX_DB, USERNAME, WORD, login

pytestmark = SANDBOX_DB


def test_login_asks_three_memorable_word_positions_and_returns_a_session_token(account, base_url):
    first = httpx.post(f"{base_url}sessiontoken", json={"UserName": USERNAME, "Password": PASSWORD})
    assert first.status_code == 200
    body = first.json()
    positions = [item["Position"] for item in body["MemorableWordList"]]
    assert len(positions) == 3 and all(1 <= p <= len(WORD) for p in positions)
    assert all(item["Value"] == "" for item in body["MemorableWordList"])

    chars = [{"Position": p, "Value": WORD[p - 1].upper()} for p in positions]  # case-insensitive
    second = httpx.put(
        f"{base_url}sessiontoken", json={"TemporaryToken": body["TemporaryToken"], "MemorableWordList": chars}
    )
    assert second.status_code == 200
    token = second.json()["SessionToken"]
    answer = httpx.get(f"{base_url}customers", headers={"Authorization": f"KfToken {token}"})
    assert answer.status_code == 200
    assert answer.json()["MetaData"]["TotalRecords"] == 2


def test_wrong_password_is_refused_with_kashflow_error_body(account, base_url):
    answer = httpx.post(f"{base_url}sessiontoken", json={"UserName": USERNAME, "Password": "nope"})
    assert answer.status_code == 400
    assert answer.json()["Error"] == "InvalidCredentials"


def test_wrong_memorable_word_characters_are_refused_and_burn_the_temporary_token(account, base_url):
    body = httpx.post(f"{base_url}sessiontoken", json={"username": USERNAME, "password": PASSWORD}).json()
    wrong = [{"Position": i["Position"], "Value": "#"} for i in body["MemorableWordList"]]
    answer = httpx.put(
        f"{base_url}sessiontoken", json={"TemporaryToken": body["TemporaryToken"], "MemorableWordList": wrong}
    )
    assert answer.status_code == 400
    assert answer.json()["Error"] == "InvalidMemorableWord"
    assert not KashFlowSession.objects.filter(token=body["TemporaryToken"]).exists()


def test_requests_without_a_valid_token_answer_401(account, base_url):
    for header in ("", "KfToken", "KfToken not-a-token", "Bearer abc"):
        answer = httpx.get(f"{base_url}customers", headers={"Authorization": header} if header else {})
        assert answer.status_code == 401, header
        assert answer.json() == {"Error": "InvalidSessionToken", "Message": "Session token provided is invalid."}


def test_expired_token_answers_401_and_delete_ends_a_session(account, base_url):
    token = login(base_url)
    headers = {"Authorization": f"KfToken {token}"}
    assert httpx.delete(f"{base_url}sessiontoken", headers=headers).status_code == 204
    assert httpx.get(f"{base_url}customers", headers=headers).status_code == 401
    token = login(base_url)  # the form KashFlow's Swagger lists: DELETE /sessiontoken/{sessionToken}
    assert httpx.delete(f"{base_url}sessiontoken/{token}").status_code == 204
    assert httpx.get(f"{base_url}customers", headers={"Authorization": f"KfToken {token}"}).status_code == 401

    token = login(base_url)
    expire_sessions(account)
    assert httpx.get(f"{base_url}customers", headers={"Authorization": f"KfToken {token}"}).status_code == 401


def test_connector_logs_in_again_once_after_its_token_expired(connector, account):
    assert connector.read("customer", "ACME01")["Name"] == "Acme Ltd"
    first_token = connector.client.session_token
    expire_sessions(account)

    assert connector.read("customer", "BETA01")["Name"] == "Beta plc"
    assert connector.client.session_token != first_token


def test_connector_with_a_wrong_memorable_word_raises_auth_error(account, make_connector):
    connector = make_connector(word="zzzzzzzzz")
    with pytest.raises(AuthError) as caught:
        connector.read("customer", "ACME01")
    assert caught.value.code == "InvalidMemorableWord"


def test_the_portal_serves_the_simulator_under_its_sandbox_url(account, settings, make_connector, live_server):
    settings.ROOT_URLCONF = "config.urls"
    connector = make_connector(f"{live_server.url}/sandbox/kashflow/v2/")
    assert connector.test_connection().ok
    settings.SANDBOX_ENABLED = False
    assert not make_connector(f"{live_server.url}/sandbox/kashflow/v2/").test_connection().ok


def test_repeated_refused_logins_lock_the_kashflow_user_even_for_the_right_word(account, base_url):
    for _ in range(3):
        httpx.post(f"{base_url}sessiontoken", json={"UserName": USERNAME, "Password": "nope"})
    answer = httpx.post(f"{base_url}sessiontoken", json={"UserName": USERNAME, "Password": PASSWORD})
    assert answer.status_code == 401
    assert answer.json()["Error"] == "AccountLocked"


def test_a_refused_login_stops_every_further_login_of_that_connection(account, make_connector, base_url):
    """Three runs (or retries) with a wrong memorable word must not lock the customer's own KashFlow login."""
    gate = MemoryLoginGate()
    wrong = make_connector(word="zzzzzzzzz")
    wrong.login_gate = wrong.client.login_gate = gate
    with pytest.raises(AuthError) as first:
        wrong.read("customer", "ACME01")
    assert first.value.code == "InvalidMemorableWord"
    for _ in range(5):  # later runs, retries and connection tests
        with pytest.raises(AuthError) as again:
            wrong.read("customer", "BETA01")
        assert again.value.code == "LoginStopped" and "enter the credentials again" in again.value.message
    account.refresh_from_db()
    assert account.failed_logins == 1 and not account.locked
    assert make_connector().read("customer", "ACME01")["Code"] == "ACME01"  # the user can still log in


def test_an_account_locked_answer_also_stops_logins(account, make_connector):
    unlock(account)
    KashFlowAccount.objects.filter(pk=account.pk).update(locked=True)
    connector = make_connector()
    with pytest.raises(AuthError) as caught:
        connector.read("customer", "ACME01")
    assert caught.value.code == "AccountLocked"
    assert connector.login_gate.refused().startswith("AccountLocked")
    unlock(account)
    with pytest.raises(AuthError, match="enter the credentials again"):
        connector.read("customer", "ACME01")


def test_only_the_positions_asked_for_are_answered_one_character_each(account, base_url):
    body = httpx.post(f"{base_url}sessiontoken", json={"UserName": USERNAME, "Password": PASSWORD}).json()
    asked = [item["Position"] for item in body["MemorableWordList"]]
    extra = next(p for p in range(1, len(WORD) + 1) if p not in asked)
    chars = [{"Position": p, "Value": WORD[p - 1]} for p in [*asked, extra]]
    answer = httpx.put(
        f"{base_url}sessiontoken", json={"TemporaryToken": body["TemporaryToken"], "MemorableWordList": chars}
    )
    assert answer.status_code == 400  # more characters than asked is not a login


def test_the_connector_sends_exactly_the_characters_asked_for():
    sent: list[list[dict]] = []

    def server(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            asked = [{"Position": 7, "Value": ""}, {"Position": 2, "Value": ""}, {"Position": 5, "Value": ""}]
            return httpx.Response(200, json={"TemporaryToken": "t", "MemorableWordList": asked})
        sent.append(json.loads(request.content)["MemorableWordList"])
        return httpx.Response(200, json={"SessionToken": "S"})

    client = KashFlowClient(
        "https://kf.example/v2/", username="u", password="p", memorable_word="pineapple",
        transport=httpx.MockTransport(server),
    )  # fmt: skip
    client.login()
    assert sent == [[{"Position": 7, "Value": "p"}, {"Position": 2, "Value": "i"}, {"Position": 5, "Value": "a"}]]
