"""A reconciliation alert rule fires on the latest reconciliation's unexplained differences and recovers when a
later one is clean; the daily schedule reconciles every pair and checks the rule at once."""

from __future__ import annotations

import pytest
from django.core import mail

from integrations.reconciliation.models import ReconciliationRun
from monitoring import alerts
from monitoring.models import Alert, AlertRule
from monitoring.tasks import scheduled_reconciliation
from tests.integrations.reconciliation.test_page import pair, stored_run  # noqa: F401
from tests.integrations.reconciliation.test_reconcile_e2e import CLEAN_FLOWS, post_in_ax, sync
from tests.integrations.sync.conftest import flow


def rule(**fields) -> AlertRule:
    return AlertRule.objects.create(
        name="Books differ", kind=AlertRule.Kind.RECONCILIATION, threshold=1, emails="finance@example.com", **fields
    )


def test_unexplained_differences_fire_once_with_the_money_at_stake_and_a_clean_run_recovers(pair):  # noqa: F811
    books = rule()
    stored_run(pair)
    firing = alerts.check_alerts()
    assert [(a.rule_id, a.subject_key, a.state) for a in firing] == [(books.pk, f"reconciliation:{pair.pk}", "firing")]
    assert "found 1 unexplained differences (1,500.00 EUR at stake)" in firing[0].message
    assert len(mail.outbox) == 1 and "finance@example.com" in mail.outbox[0].to
    assert alerts.check_alerts() and Alert.objects.count() == 1  # the same incident, not a new one

    stored_run(pair, status="clean", unexplained_count=0, differences=[])
    assert alerts.check_alerts() == []
    assert Alert.objects.get().state == Alert.State.RESOLVED
    assert len(mail.outbox) == 2  # one alert, one recovery


def test_explained_differences_a_higher_threshold_or_another_flow_do_not_fire(pair):  # noqa: F811
    first = stored_run(pair)
    stored_run(pair, unexplained_count=0, differences=[first.differences[1]])  # later: only the explained one
    rule()
    assert alerts.check_alerts() == []
    stored_run(pair)
    AlertRule.objects.update(threshold=2)
    assert alerts.check_alerts() == []
    AlertRule.objects.update(threshold=1, flow=flow("sales_invoice"))
    assert alerts.check_alerts() == []  # the one difference is a payment's
    AlertRule.objects.update(flow=flow("payment"))
    assert [a.subject_key for a in alerts.check_alerts()] == [f"reconciliation:{pair.pk}:payment"]


def test_a_reconciliation_that_cannot_read_the_systems_fires(pair):  # noqa: F811
    rule()
    stored_run(pair, status="failed", error="KashFlow refused the login")
    (alert,) = alerts.check_alerts()
    assert "could not finish: KashFlow refused the login" in alert.message


def test_the_daily_schedule_reconciles_the_company_and_raises_the_alert_at_once(demo):
    rule()
    sync(*CLEAN_FLOWS)  # purchases, bank lines: not synced, so missing from AX
    post_in_ax()
    (run_id,) = scheduled_reconciliation()
    run = ReconciliationRun.objects.get(pk=run_id)
    assert run.trigger == "scheduled" and run.status == "differences"
    kinds = {(d["entity"], d["kind"]) for d in run.differences if not d["explained_by"]}
    assert ("purchase_invoice", "missing_in_ax") in kinds
    (alert,) = Alert.objects.filter(state=Alert.State.FIRING)
    assert f"found {run.unexplained_count} unexplained differences" in alert.message


@pytest.fixture(autouse=True)
def _email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
