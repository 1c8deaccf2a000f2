import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from integrations.sandbox import demo_credentials as creds
from integrations.sandbox.demo import ensure_demo_account, ensure_demo_company, seed_sandbox
from integrations.sandbox.models import AxMessage, FaultRule, KashFlowRecord, KashFlowSession

pytestmark = pytest.mark.django_db

CONTROL = "/sandbox/control/"


@pytest.fixture
def api() -> Client:
    return Client(enforce_csrf_checks=True)  # scripts send no CSRF token


def post(api: Client, url: str, body: object = None, **headers):
    data = "" if body is None else (body if isinstance(body, str) else json.dumps(body))
    return api.post(CONTROL + url, data=data, content_type="application/json", headers=headers)


def test_index_lists_the_simulators_and_the_endpoints(api):
    body = api.get(CONTROL).json()
    assert body["kashflow"]["base_url"] == "http://testserver/sandbox/kashflow/v2/"
    assert (body["kashflow"]["username"], body["kashflow"]["password"]) == (
        creds.KASHFLOW_USERNAME,
        creds.KASHFLOW_PASSWORD,
    )
    assert body["kashflow"]["memorable_word"] == creds.KASHFLOW_MEMORABLE_WORD
    ax = body["dynamics_ax"]
    assert (ax["company"], ax["service_user"], ax["service_password"]) == (
        creds.AX_COMPANY,
        creds.AX_SERVICE_USER,
        creds.AX_SERVICE_PASSWORD,
    )
    assert ax["base_url"] == "http://testserver/sandbox/ax/MicrosoftDynamicsAXAif60/"
    services = {s["name"]: s for s in ax["services"]}
    assert services["CustomerService"]["wsdl"] == (
        "http://testserver/sandbox/ax/MicrosoftDynamicsAXAif60/LedgerBridge/xppservice.svc?wsdl"
    )
    assert (ax["inbound_port"], ax["auth_mode"]) == ("LedgerBridge", "ntlm")
    [port] = ax["ports"]
    assert port["url"] == "http://testserver/sandbox/ax/MicrosoftDynamicsAXAif60/LedgerBridge/xppservice.svc"
    assert "getChangedKeys" in port["services"]["CustomerService"]
    assert {"FreeTextInvoiceService", "LedgerGeneralJournalService"} <= set(services)
    assert body["links"]["faults"] == "http://testserver/sandbox/control/faults"
    assert body["links"]["reseed"] == "http://testserver/sandbox/control/reseed"
    assert body["seeded"] is False


def test_reseed_then_reset(api):
    response = post(api, "reseed", {"seed": 3, "invoices": 20})
    assert response.status_code == 200
    assert response.json()["counts"]["kashflow.invoices"] == 20
    assert KashFlowRecord.objects.filter(entity="invoices").count() == 20
    assert api.get(CONTROL).json()["seeded"] is True

    response = post(api, "reset")
    assert response.status_code == 200
    counts = response.json()["counts"]
    assert counts["kashflow"]["invoices"] == 0
    assert counts["dynamics_ax"]["CustTable"] == 0
    assert not KashFlowRecord.objects.exists()


def test_reseed_without_body_seeds_the_default_company(api):
    response = post(api, "reseed")
    assert response.json()["counts"]["kashflow.invoices"] == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"invoices": -5}, "invoices must be an integer"),
        ({"seed": "abc"}, "seed must be an integer"),
        ({"invoice": 5}, "Unknown field(s): invoice"),
    ],
)
def test_reseed_refuses_bad_input_with_a_clear_message(api, body, message):
    response = post(api, "reseed", body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_reset_is_post_only(api):
    response = api.get(CONTROL + "reset")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_state_counts_and_pages_of_records(api):
    seed_sandbox(seed=1, invoices=30)
    counts = api.get(CONTROL + "state/kashflow").json()["counts"]
    assert counts["customers"] == 50
    assert counts["invoices"] == 30
    ax_counts = api.get(CONTROL + "state/dynamics_ax").json()["counts"]
    assert ax_counts["CustTable"] == 40
    assert ax_counts["CustInvoiceTable"] == 0
    assert api.get(CONTROL + "state/ax").json()["system"] == "dynamics_ax"

    page = api.get(CONTROL + "state/kashflow/invoices?page=2&per_page=20").json()
    assert (page["count"], page["pages"], page["page"]) == (30, 2, 2)
    assert len(page["results"]) == 10
    assert page["results"][0]["data"]["Number"] == 1021
    first = api.get(CONTROL + "state/dynamics_ax/CustTable").json()["results"][0]
    assert first["key"] == "ACME01"
    assert first["rec_version"] == 1


def test_state_errors(api):
    assert api.get(CONTROL + "state/sage").status_code == 404
    response = api.get(CONTROL + "state/kashflow/widgets")
    assert response.status_code == 404
    assert "no entity 'widgets'" in response.json()["error"]
    assert api.get(CONTROL + "state/kashflow/invoices?page=x").status_code == 400
    assert api.get(CONTROL + "state/kashflow/invoices?page=0").status_code == 400


def test_ax_messages_are_listed_newest_first_and_filtered(api):
    company = ensure_demo_company()
    AxMessage.objects.create(company=company, message_id="urn:uuid:1", service="CustomerService", operation="create")
    AxMessage.objects.create(
        company=company,
        message_id="urn:uuid:2",
        service="FreeTextInvoiceService",
        operation="create",
        keys=["FTI-000001"],
    )
    AxMessage.objects.create(company=company, message_id="", service="CustomerService", operation="read")
    body = api.get(CONTROL + "ax/messages").json()
    assert body["count"] == 3
    assert body["results"][0]["operation"] == "read"
    created = api.get(CONTROL + "ax/messages?operation=create&service=FreeTextInvoiceService").json()
    assert [m["message_id"] for m in created["results"]] == ["urn:uuid:2"]
    assert created["results"][0]["keys"] == ["FTI-000001"]
    assert api.get(CONTROL + "ax/messages?message_id=urn:uuid:1").json()["count"] == 1


def test_fault_crud(api):
    response = post(api, "faults", {"system": "kashflow", "operation": "POST invoices", "kind": "server_error"})
    assert response.status_code == 201
    created = response.json()
    assert (created["probability"], created["remaining"], created["hits"]) == (None, None, 0)
    next_two = post(
        api, "faults", {"system": "ax", "operation": "*.create", "kind": "timeout_after_commit", "count": 2}
    ).json()
    assert (next_two["system"], next_two["remaining"]) == ("dynamics_ax", 2)
    listed = api.get(CONTROL + "faults").json()["faults"]
    assert [f["id"] for f in listed] == [created["id"], next_two["id"]]

    assert api.delete(CONTROL + f"faults/{created['id']}").json() == {"deleted": created["id"]}
    assert api.delete(CONTROL + f"faults/{created['id']}").status_code == 404
    assert post(api, "faults/clear").json() == {"deleted": 1}
    assert not FaultRule.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"system": "sage", "kind": "server_error"}, "system must be kashflow or dynamics_ax"),
        ({"system": "kashflow", "kind": "explode"}, "kind must be one of"),
        ({"system": "kashflow", "kind": "server_error", "probability": 1.5}, "probability must be a number"),
        ({"system": "kashflow", "kind": "server_error", "count": 0}, "count must be a whole number"),
        ({"system": "kashflow", "kind": "latency"}, "latency fault needs latency_ms"),
        ({"system": "kashflow", "kind": "rate_limit", "retry_after": -1}, "retry_after must be"),
        ({"system": "kashflow", "kind": "server_error", "operation": ""}, "operation must be a pattern"),
        ({"system": "kashflow", "kind": "server_error", "colour": "red"}, "unknown field(s): colour"),
    ],
)
def test_fault_validation_errors_answer_400(api, body, message):
    response = post(api, "faults", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not FaultRule.objects.exists()


def test_every_endpoint_needs_the_token_when_one_is_set_reads_too(api, settings):
    settings.SANDBOX_CONTROL_TOKEN = "s3cret"
    body = {"system": "kashflow", "kind": "server_error"}
    assert post(api, "faults", body).status_code == 401
    assert post(api, "faults", body, authorization="Bearer wrong").status_code == 401
    assert post(api, "faults", body, authorization="Bearer s3cret").status_code == 201
    assert post(api, "faults/clear", x_sandbox_token="s3cret").status_code == 200
    for read in ("", "faults", "state/kashflow", "ax/messages"):
        refused = api.get(CONTROL + read)
        assert refused.status_code == 401 and "demo-password" not in refused.content.decode()
    index = api.get(CONTROL, headers={"authorization": "Bearer s3cret"})
    assert index.status_code == 200 and index.json()["token_required"] is True


def test_with_debug_off_and_no_token_the_control_api_answers_nobody(api, settings):
    settings.SANDBOX_CONTROL_OPEN, settings.DEBUG, settings.SANDBOX_CONTROL_TOKEN = False, False, ""
    for read in ("", "faults", "state/kashflow", "state/dynamics_ax/CustTable"):
        response = api.get(CONTROL + read)
        assert response.status_code == 401, read
        assert "SANDBOX_CONTROL_TOKEN" in response.json()["error"]
        assert "demo-password" not in response.content.decode()
    assert post(api, "reset").status_code == 401
    assert post(api, "faults", {"system": "kashflow", "kind": "server_error"}).status_code == 401
    assert not FaultRule.objects.exists()
    settings.DEBUG = True  # a developer's machine
    assert api.get(CONTROL).status_code == 200


def test_expire_sessions_ends_every_kashflow_session(api):
    account = ensure_demo_account()
    session = KashFlowSession.objects.create(
        account=account, token="t1", kind="session", expires_at=timezone.now() + timedelta(minutes=20)
    )
    assert post(api, "kashflow/expire-sessions").json() == {"expired": 1}
    session.refresh_from_db()
    assert session.expires_at < timezone.now()


class Receiver:
    """A local HTTP endpoint that records what it is sent."""

    def __init__(self, status: int = 202) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append((dict(self.headers), self.rfile.read(length).decode()))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/kashflow"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db(transaction=True)
def test_webhook_push_goes_to_the_portals_own_webhook_signed_and_answers_no_body(live_server, settings):
    from integrations.models import WebhookEvent

    settings.WEBHOOK_SECRET = "hook-secret-" + "x" * 40
    seed_sandbox(seed=1, invoices=5)
    response = httpx.post(f"{live_server.url}{CONTROL}webhook", json={"entity": "invoices", "key": 1003}, timeout=30)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == 202 and answer["event"] == "invoices.updated"
    assert "response" not in answer  # the receiver's body never comes back through the control API
    event = WebhookEvent.objects.get()  # the portal verified the signature and stored the push
    payload = json.loads(event.body)
    assert (payload["entity"], payload["key"], payload["id"]) == ("invoices", "1003", answer["id"])
    assert payload["data"]["Number"] == 1003
    signature = dict(part.split("=", 1) for part in event.signature.split(","))
    expected = hmac.new(settings.WEBHOOK_SECRET.encode(), f"{signature['t']}.{event.body}".encode(), hashlib.sha256)
    assert hmac.compare_digest(signature["v1"], expected.hexdigest())


def test_webhook_push_refuses_any_url_but_the_portals_own(api, settings):
    settings.PORTAL_URL = "https://ledgerbridge.example.com"
    seed_sandbox(seed=1, invoices=5)
    with Receiver(status=202) as receiver:
        response = post(api, "webhook", {"url": receiver.url, "entity": "invoices", "key": "1001"})
    assert response.status_code == 400
    assert "the portal's own webhook URL" in response.json()["error"]
    assert "http://testserver/webhooks/kashflow/" in response.json()["error"]
    assert "https://ledgerbridge.example.com/webhooks/kashflow/" in response.json()["error"]
    assert receiver.received == []


def test_webhook_errors(api):
    seed_sandbox(seed=1, invoices=5)
    missing = post(api, "webhook", {"entity": "invoices", "key": "9999"})
    assert missing.status_code == 404
    bad = post(api, "webhook", {"url": "ftp://x", "entity": "invoices", "key": "1001", "event": "poked"})
    assert bad.status_code == 400
    assert "url must be the portal's own webhook URL" in bad.json()["error"]
    assert "event must be one of" in bad.json()["error"]
    unreachable = post(api, "webhook", {"entity": "invoices", "key": "1001"})  # http://testserver is no socket
    assert unreachable.status_code == 502
    assert "Could not deliver" in unreachable.json()["error"]


def test_control_api_over_a_real_socket(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        index = client.get("/sandbox/control/").json()
        assert index["kashflow"]["base_url"] == f"{live_server.url}/sandbox/kashflow/v2/"
        rule = client.post(
            "/sandbox/control/faults", json={"system": "kashflow", "kind": "rate_limit", "retry_after": 3}
        )
        assert rule.status_code == 201
        assert client.get("/sandbox/control/faults").json()["faults"][0]["retry_after"] == 3


def test_the_whole_sandbox_is_404_when_disabled(api, settings):
    settings.SANDBOX_ENABLED = False
    assert api.get(CONTROL).status_code == 404
    assert post(api, "reseed").status_code == 404
    assert api.get("/sandbox/kashflow/v2/customers").status_code == 404
    assert api.get("/sandbox/ax/MicrosoftDynamicsAXAif60/LedgerBridge/xppservice.svc?wsdl").status_code == 404
    assert not KashFlowRecord.objects.exists()
    settings.SANDBOX_ENABLED = True
    assert api.get(CONTROL).status_code == 200
