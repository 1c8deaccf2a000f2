"""Secrets in alerts: webhook URLs encrypted, masked, write-only, audited as changed but never by value;
e-mail addresses shown only to Integration admins; no alert posts inside the network (SSRF)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from monitoring import alerts
from monitoring.models import Alert, AlertRule, AuditEvent

from .test_alerts import Receiver, _pause

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
EMAILS = "ops@example.com, finance@example.com"
pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(flow):
    return AlertRule.objects.create(name="Down", kind="flow_failing", flow=flow, emails=EMAILS, webhook_url=SLACK)


def test_the_url_is_stored_encrypted_and_read_back_only_in_code(rule):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM monitoring_alertrule")
        rows = cursor.fetchall()
    assert "XXXXsecretXXXX" not in str(rows)
    assert AlertRule.objects.get(pk=rule.pk).webhook_url == SLACK
    assert rule.masked_webhook_url == "https://hooks.slack.com/••••"


def test_pages_never_show_the_url_and_emails_only_to_integration_admins(client_for, rule):
    admin = client_for("Integration admin")
    for url in (reverse("monitoring:alert-list"), reverse("monitoring:alert-rule-edit", args=[rule.pk])):
        body = admin.get(url).content.decode()
        assert "XXXXsecretXXXX" not in body and "/services/T000" not in body
    assert "hooks.slack.com/••••" in admin.get(reverse("monitoring:alert-list")).content.decode()
    assert "ops@example.com" in admin.get(reverse("monitoring:alert-list")).content.decode()
    for role in ("viewer", "accountant"):
        body = client_for(role).get(reverse("monitoring:alert-list")).content.decode()
        assert "ops@example.com" not in body and "hooks.slack.com" not in body


def test_edits_keep_a_blank_url_record_changes_without_values(client_for, rule, flow):
    admin = client_for("Integration admin")
    data = {
        "name": "Down",
        "kind": "flow_failing",
        "flow": flow.pk,
        "threshold": 10,
        "window_minutes": 15,
        "emails": EMAILS,
        "webhook_url": "",
        "throttle_minutes": 60,
        "enabled": "on",
    }
    assert (
        admin.post(reverse("monitoring:alert-rule-edit", args=[rule.pk]), {**data, "threshold": 4}).status_code == 302
    )
    rule.refresh_from_db()
    assert rule.webhook_url == SLACK  # blank kept it
    new = "https://example.webhook.office.com/webhookb2/NEWsecret"
    changed = admin.post(
        reverse("monitoring:alert-rule-edit", args=[rule.pk]), {**data, "webhook_url": new, "emails": "a@b.co"}
    )
    assert changed.status_code == 302
    rule.refresh_from_db()
    assert rule.webhook_url == new
    event = AuditEvent.objects.filter(object_type="monitoring.alertrule").latest("pk")
    assert event.changes["webhook_url"] == "***" and event.changes["emails"] == "***"
    trail = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "secret" not in trail.lower() and "ops@example.com" not in trail and "a@b.co" not in trail
    viewer_audit = client_for("viewer").get(reverse("monitoring:audit-list")).content.decode()
    assert "a@b.co" not in viewer_audit and "NEWsecret" not in viewer_audit


def test_the_api_takes_the_url_but_answers_it_masked(integration_admin, rule):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=integration_admin)[1]}")
    body = api.get(f"/api/v1/alert-rules/{rule.pk}/").json()
    assert "webhook_url" not in body and body["webhook"] == "https://hooks.slack.com/••••"
    new = "https://hooks.slack.com/services/T1/B1/OTHERsecret"
    answer = api.patch(f"/api/v1/alert-rules/{rule.pk}/", {"webhook_url": new}, format="json")
    assert answer.status_code == 200 and "OTHERsecret" not in answer.content.decode()
    assert AlertRule.objects.get(pk=rule.pk).webhook_url == new
    assert "OTHERsecret" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/hook"])
def test_an_alert_url_inside_the_network_is_refused(client_for, flow, url):
    admin = client_for("Integration admin")
    data = {"name": "X", "kind": "flow_failing", "threshold": 1, "window_minutes": 1, "emails": "", "webhook_url": url,
            "throttle_minutes": 1, "enabled": "on"}  # fmt: skip
    response = admin.post(reverse("monitoring:alert-rule-create"), data)
    assert response.status_code == 200 and b"ALLOWED_PRIVATE_HOSTS" in response.content
    assert not AlertRule.objects.filter(name="X").exists()


def test_the_destination_is_checked_again_when_the_alert_is_sent(flow, settings):
    receiver = Receiver()
    try:
        rule = AlertRule.objects.create(name="Hook", kind="flow_failing", flow=flow, webhook_url=receiver.url)
        settings.ALLOWED_PRIVATE_HOSTS = []  # no longer allowed (or the name now points inside)
        _pause(flow)
        alerts.check_alerts()
        alert = Alert.objects.get(rule=rule)
        delivery = alert.deliveries[-1]
        assert delivery["channel"] == "webhook" and not delivery["ok"]
        assert "ALLOWED_PRIVATE_HOSTS" in delivery["error"] and receiver.url not in delivery["error"]
        assert receiver.received == []
    finally:
        receiver.close()
