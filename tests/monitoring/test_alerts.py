"""Alert rules: one outage sends one alert and one recovery notice, by email and to a real webhook socket."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from integrations import login_gate
from integrations.login_gate import ConnectionLoginGate
from integrations.models import Flow
from monitoring import alerts
from monitoring.models import Alert, AlertRule, AuditEvent
from monitoring.services import record_exception


class Receiver:
    """A webhook endpoint on a real socket that keeps every JSON body it is sent."""

    def __init__(self, status: int = 200) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def failing_rule(flow, receiver):
    return AlertRule.objects.create(
        name="Flow down",
        kind=AlertRule.Kind.FLOW_FAILING,
        emails="ops@example.com, finance@example.com",
        webhook_url=receiver.url,
        throttle_minutes=30,
    )


def _pause(flow: Flow, minutes: int = 5, now=None) -> None:
    Flow.objects.filter(pk=flow.pk).update(
        paused_until=(now or timezone.now()) + timedelta(minutes=minutes), pause_reason="AX keeps timing out"
    )


def _resume(flow: Flow) -> None:
    Flow.objects.filter(pk=flow.pk).update(paused_until=None, pause_reason="")


@pytest.mark.django_db
def test_one_outage_sends_one_alert_and_one_recovery(flow, failing_rule, receiver):
    _pause(flow)
    for _ in range(20):  # a check every minute for 20 minutes of outage
        alerts.check_alerts()
    assert Alert.objects.count() == 1
    alert = Alert.objects.get()
    assert alert.state == "firing" and alert.occurrences == 20
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com", "finance@example.com"]
    assert "ALERT Flow down" in mail.outbox[0].subject
    assert len(receiver.received) == 1
    assert receiver.received[0]["event"] == "firing"
    assert "paused" in receiver.received[0]["text"]  # Slack/Teams read "text"

    _resume(flow)
    for _ in range(5):
        alerts.check_alerts()
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_at
    assert len(mail.outbox) == 2 and "RECOVERED" in mail.outbox[1].subject
    assert [r["event"] for r in receiver.received] == ["firing", "recovered"]
    assert [(d["event"], d["channel"], d["ok"]) for d in alert.deliveries] == [
        ("firing", "email", True),
        ("firing", "webhook", True),
        ("recovered", "email", True),
        ("recovered", "webhook", True),
    ]


@pytest.mark.django_db
def test_a_flapping_flow_is_throttled_then_told_once_the_window_ends(flow, failing_rule, receiver):
    now = timezone.now()
    _pause(flow, now=now)
    alerts.check_alerts(now=now)
    _resume(flow)
    alerts.check_alerts(now=now + timedelta(minutes=1))
    assert len(mail.outbox) == 2  # firing + recovered

    for minute in (2, 4, 6):  # flaps within the 30-minute throttle window
        _pause(flow, now=now + timedelta(minutes=minute))
        alerts.check_alerts(now=now + timedelta(minutes=minute))
        _resume(flow)
        alerts.check_alerts(now=now + timedelta(minutes=minute + 1))
    assert len(mail.outbox) == 2
    assert Alert.objects.filter(suppressed=True, notified_at__isnull=True).count() == 3

    # Still down when the window has passed: now it is worth a notice.
    _pause(flow, minutes=60, now=now + timedelta(minutes=10))
    alerts.check_alerts(now=now + timedelta(minutes=10))
    assert len(mail.outbox) == 2
    alerts.check_alerts(now=now + timedelta(minutes=32))
    assert len(mail.outbox) == 3
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_exceptions_over_n_in_m_minutes(flow, run, receiver):
    rule = AlertRule.objects.create(
        name="Many exceptions", kind="exceptions_over", threshold=3, window_minutes=15, webhook_url=receiver.url
    )
    for key in ("1", "2"):
        record_exception(
            flow=flow,
            run=run,
            source_key=key,
            stage="load",
            error_class="ax_validation",
            error_code="x",
            message="no",
            source_payload={},
            mapped_document={},
        )
    assert alerts.check_alerts() == []
    record_exception(
        flow=flow,
        run=run,
        source_key="3",
        stage="load",
        error_class="ax_validation",
        error_code="x",
        message="no",
        source_payload={},
        mapped_document={},
    )
    (alert,) = alerts.check_alerts()
    assert alert.rule == rule and alert.subject_key == "all"
    assert "3 new exceptions" in alert.message
    # Outside the window the condition clears and the recovery goes out.
    alerts.check_alerts(now=timezone.now() + timedelta(minutes=16))
    assert [r["event"] for r in receiver.received] == ["firing", "recovered"]


@pytest.mark.django_db
def test_the_circuit_breaker_hook_fires_at_once(flow, receiver):
    AlertRule.objects.create(name="Circuit", kind="circuit_open", webhook_url=receiver.url)
    _pause(flow)
    flow.refresh_from_db()
    fired = alerts.circuit_opened(flow=flow, reason="3 records in a row could not reach AX")
    assert len(fired) == 1
    assert "Circuit open" in receiver.received[0]["text"]


@pytest.mark.django_db
def test_a_dead_webhook_is_recorded_not_raised(flow):
    rule = AlertRule.objects.create(
        name="Dead hook", kind="flow_failing", webhook_url="http://127.0.0.1:9/nothing", emails="ops@example.com"
    )
    _pause(flow)
    (alert,) = alerts.check_alerts()
    alert.refresh_from_db()
    assert [(d["channel"], d["ok"]) for d in alert.deliveries] == [("email", True), ("webhook", False)]
    assert alert.rule == rule


@pytest.mark.django_db
def test_check_alerts_command_runs_the_rules(flow, failing_rule):
    from django.core.management import call_command

    _pause(flow)
    call_command("check_alerts")
    assert Alert.objects.filter(state="firing").count() == 1


@pytest.mark.django_db
def test_alert_rules_need_an_integration_admin_and_changes_are_audited(client_for, flow):
    from tests.access import assert_page_roles

    assert_page_roles(client_for, reverse("monitoring:alert-rule-create"), "Integration admin")
    client = client_for("integration_admin")
    data = {
        "name": "Down",
        "kind": "flow_failing",
        "flow": flow.pk,
        "threshold": 10,
        "window_minutes": 15,
        "emails": "ops@example.com",
        "webhook_url": "",
        "throttle_minutes": 60,
        "enabled": "on",
    }
    assert client.post(reverse("monitoring:alert-rule-create"), data).status_code == 302
    rule = AlertRule.objects.get(name="Down")
    assert (
        client.post(reverse("monitoring:alert-rule-edit", args=[rule.pk]), {**data, "threshold": 5}).status_code == 302
    )
    events = AuditEvent.objects.filter(object_type="monitoring.alertrule", object_id=str(rule.pk))
    assert [e.action for e in events.order_by("id")] == ["created", "updated"]
    assert events.get(action="updated").changes["threshold"] == [10, 5]

    bad = client.post(reverse("monitoring:alert-rule-create"), {**data, "emails": "not-an-address", "name": "Bad"})
    assert bad.status_code == 200 and b"not an email address" in bad.content
    silent = client.post(reverse("monitoring:alert-rule-create"), {**data, "emails": "", "name": "Silent"})
    assert b"nobody will hear of it" in silent.content
    assert not AlertRule.objects.filter(name__in=["Bad", "Silent"]).exists()


@pytest.mark.django_db
def test_a_refused_login_alerts_once_and_recovers_when_the_credentials_are_entered_again(flow, receiver):
    AlertRule.objects.create(name="Logins", kind=AlertRule.Kind.LOGIN_STOPPED, webhook_url=receiver.url)
    kashflow = flow.pair.kashflow
    assert alerts.check_alerts() == []

    ConnectionLoginGate(kashflow.pk).refuse("KashFlow answered 401 AccountLocked")
    ConnectionLoginGate(kashflow.pk).refuse("a second refusal changes nothing")
    for _ in range(3):
        alerts.check_alerts()
    (alert,) = Alert.objects.filter(rule__kind=AlertRule.Kind.LOGIN_STOPPED)
    assert alert.subject_key == f"login:{kashflow.pk}"
    assert "AccountLocked" in alert.message and "Enter the credentials again" in alert.message

    kashflow.refresh_from_db()
    login_gate.clear(kashflow)
    kashflow.save()
    alerts.check_alerts()
    assert [r["event"] for r in receiver.received] == ["firing", "recovered"]
