"""Hostile JSON (deep nesting, huge numbers, NaN, wrong types) in API bodies, webhook pushes and mapping
imports: a 400 listing the problems, as JSON on the API and webhook paths; a signed push is stored anyway."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from config import json_guard
from integrations.models import WebhookEvent
from integrations.services.webhooks import SIGNATURE_HEADER, sign
from mappings.services import transfer as io

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
NESTED_40 = '{"a":' * 40 + "1" + "}" * 40
HUGE_INT = "9" * 5000
HOSTILE = {
    "deep": DEEP,
    "nested": NESTED_40,
    "huge int": '{"timeout_seconds": ' + HUGE_INT + "}",
    "huge float": '{"timeout_seconds": 1e400}',
    "nan": '{"timeout_seconds": NaN}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_guard_lists_each_problem_and_never_raises(name):
    value, problems = json_guard.loads(HOSTILE[name])
    assert value is None and problems


def test_ordinary_json_passes_unchanged():
    assert json_guard.loads('{"a": [1, 2.5, "x", null, {"b": true}]}') == ({"a": [1, 2.5, "x", None, {"b": True}]}, [])


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_api_bodies_get_a_json_400_listing_the_problems(client_for, name):
    client = client_for("Integration admin")
    response = client.post("/api/v1/connections/", HOSTILE[name], content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["problems"]


def test_wrong_types_in_an_api_body_are_listed(client_for):
    body = {"name": ["x"], "system": 7, "base_url": {"a": 1}, "timeout_seconds": "soon"}
    response = client_for("Integration admin").post("/api/v1/connections/", body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert {"name", "system"} <= set(response.json())


def test_unknown_api_and_webhook_paths_answer_json(client_for):
    for path in ("/api/v1/no-such-thing/", "/webhooks/no-such-thing/"):
        response = client_for("viewer").get(path)
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    response = Client().get("/webhooks/kashflow/")
    assert response.status_code == 405 and response.json()["error"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_signed_hostile_push_is_stored_and_answered_400_with_the_problems(name):
    body = HOSTILE[name].encode()
    header = "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")
    response = Client().post("/webhooks/kashflow/", body, content_type="application/json", **{header: sign(body)})
    assert response.status_code == 400 and response.json()["status"] == "stored"
    assert response.json()["problems"]
    event = WebhookEvent.objects.get(pk=response.json()["id"])
    assert event.body == body.decode() and event.payload is None


def test_a_signed_push_with_wrong_types_is_stored_and_answered_400():
    body = json.dumps({"resource": ["invoices"], "key": {"n": 1}}).encode()
    header = "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")
    response = Client().post("/webhooks/kashflow/", body, content_type="application/json", **{header: sign(body)})
    assert response.status_code == 400 and response.json()["problems"]
    assert WebhookEvent.objects.filter(pk=response.json()["id"]).exists()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_mapping_import_is_refused_with_the_problems(name):
    with pytest.raises(io.ImportRefused) as refused:
        io.import_mapping(HOSTILE[name])
    assert refused.value.errors
