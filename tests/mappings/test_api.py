"""The REST API of mapping sets: Viewers read, Accountants write through the same services."""

from __future__ import annotations

import copy

from mappings.models import MappingSet
from tests.access import assert_api_roles
from tests.mappings.conftest import CUSTOMER_DOC

BASE = "/api/v1/mapping-sets/"


def test_viewers_read_and_accountants_write(client_for, published):
    assert_api_roles(client_for, BASE, "Viewer")
    assert_api_roles(client_for, f"{BASE}{published.pk}/", "Viewer")
    assert_api_roles(client_for, f"{BASE}{published.pk}/export/", "Viewer")
    assert_api_roles(client_for, f"{BASE}{published.pk}/draft/", "Accountant", "post")


def test_the_detail_carries_rules_value_maps_and_dimension_rules(client_for, published):
    body = client_for("Viewer").get(f"{BASE}{published.pk}/").json()
    assert body["status"] == "published"
    assert [r["target_path"] for r in body["rules"]] == ["AccountNum", "CustGroup", "Currency"]
    assert body["value_maps"][0]["entries"][0]["target_value"] == "RET"
    assert body["dimension_rules"][0]["dimensions"] == {"BusinessUnit": "BU_RETAIL"}


def test_edit_a_draft_publish_and_roll_back_over_the_api(client_for, published):
    client = client_for("Accountant")
    draft = client.post(f"{BASE}{published.pk}/draft/").json()
    assert (draft["version"], draft["status"]) == (2, "draft")
    response = client.post(
        f"{BASE}{draft['id']}/rules/",
        {"target_path": "AccountNum", "source": "Name", "transforms": [{"name": "trim"}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert client.post(f"{BASE}{draft['id']}/publish/").json()["status"] == "published"
    rolled = client.post(f"{BASE}{published.pk}/restore/", {"publish": True}, content_type="application/json")
    assert rolled.status_code == 201
    assert (rolled.json()["version"], rolled.json()["status"]) == (3, "published")


def test_a_published_version_refuses_edits_with_the_reason(client_for, published):
    response = client_for("Accountant").post(
        f"{BASE}{published.pk}/rules/", {"target_path": "AccountNum", "source": "Name"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "cannot change" in response.json()["detail"]


def test_import_lists_every_problem_and_writes_nothing(client_for, db):
    bad = copy.deepcopy(CUSTOMER_DOC)
    bad["target_system"] = "sap"
    bad["rules"][0]["transforms"] = "trim"
    response = client_for("Accountant").post(f"{BASE}import/", bad, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any("target_system" in e for e in errors) and any("transforms must be a list" in e for e in errors)
    assert not MappingSet.objects.exists()


def test_export_then_import_through_the_api(client_for, published):
    client = client_for("Accountant")
    exported = client.get(f"{BASE}{published.pk}/export/").json()
    response = client.post(f"{BASE}import/?publish=true", exported, content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["status"]) == (2, "published")
