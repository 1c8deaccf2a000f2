"""Alert rules, checked on a schedule: one outage sends one alert and one recovery notice.

``check_alerts()`` evaluates every enabled rule. Each subject (a flow, an agent, "all flows") that
meets a rule's condition has one FIRING ``Alert`` row (a database constraint) however many checks
see it; when the condition clears the row is RESOLVED. Notices go out by email (Django's email
backend) and to the rule's webhook (JSON with a Slack/Teams-compatible ``text``):

- the firing notice once per incident, claimed with a conditional UPDATE so two checkers never
  both send it;
- throttling: a new incident of the same rule and subject within ``throttle_minutes`` of the last
  notice is held back (``suppressed``) and only sent if it is still firing when the window ends,
  so a flapping condition does not send a notice per flap;
- the recovery notice once, and only for an incident whose firing notice went out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.destinations import UnsafeDestination, check_destination
from integrations.models import Connection, Flow, IntegrationPair
from integrations.reconciliation.models import ReconciliationRun
from monitoring import selectors
from monitoring.models import Alert, AlertRule, ExceptionItem

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 5.0


@dataclass(frozen=True)
class Finding:
    subject_key: str
    message: str


# --- Conditions ------------------------------------------------------------------------------------


def _flows(rule: AlertRule) -> list[Flow]:
    return [rule.flow] if rule.flow_id else list(Flow.objects.all())


def _exceptions_over(rule: AlertRule, now: datetime) -> list[Finding]:
    since = now - timedelta(minutes=rule.window_minutes)
    qs = ExceptionItem.objects.filter(first_seen_at__gte=since)
    if rule.flow_id:
        qs = qs.filter(flow_id=rule.flow_id)
    count = qs.count()
    if count < max(rule.threshold, 1):
        return []
    where = rule.flow.name if rule.flow_id else "all flows"
    return [
        Finding(
            rule.flow.slug if rule.flow_id else "all",
            f"{count} new exceptions in {where} in the last {rule.window_minutes} minutes "
            f"(threshold {rule.threshold}).",
        )
    ]


def _flow_failing(rule: AlertRule, now: datetime) -> list[Finding]:
    found = []
    for summary in selectors.flow_summaries(now=now):
        if rule.flow_id and summary.flow.pk != rule.flow_id:
            continue
        if summary.health in (Flow.Health.FAILING, Flow.Health.PAUSED):
            flow = summary.flow
            detail = flow.pause_reason or (summary.last_run.error if summary.last_run else "") or ""
            state = "paused" if summary.health == Flow.Health.PAUSED else "failing"
            found.append(Finding(flow.slug, f"Flow {flow.name} is {state}. {detail}".strip()))
    return found


def _circuit_open(rule: AlertRule, now: datetime) -> list[Finding]:
    found = []
    for flow in _flows(rule):
        if flow.paused_until and flow.paused_until > now:
            pair = flow.pair
            found.append(
                Finding(
                    flow.slug,
                    f"Circuit open on {pair.kashflow} / {pair.dynamics_ax} for flow {flow.name} until "
                    f"{timezone.localtime(flow.paused_until):%H:%M}: {flow.pause_reason}".strip(),
                )
            )
    return found


def _ax_drafts(rule: AlertRule, now: datetime) -> list[Finding]:
    """Documents LedgerBridge created in AX that nobody has posted: ``threshold`` or more on a flow whose oldest
    has waited over ``window_minutes``."""
    from integrations.selectors import ax_drafts

    found = []
    flows = {f.pk: f for f in _flows(rule)}
    for flow_id, drafts in ax_drafts(list(flows.values())).items():
        waited = (now - drafts.oldest).total_seconds() / 60 if drafts.oldest else 0
        if drafts.count >= max(rule.threshold, 1) and waited >= rule.window_minutes:
            flow = flows[flow_id]
            found.append(
                Finding(
                    flow.slug,
                    f"{drafts.count} documents of {flow.name} wait unposted in AX, the oldest for {int(waited)} "
                    f"minutes (threshold {rule.threshold}, {rule.window_minutes} minutes). Post them in AX.",
                )
            )
    return found


def _reconciliation_differences(rule: AlertRule, now: datetime) -> list[Finding]:
    """The alert condition of a reconciliation rule: per pair, the latest finished reconciliation found at least
    ``threshold`` (at least 1) unexplained differences, or could not read both systems. A rule with a flow looks
    only at that flow's documents. The incident resolves when a later reconciliation is clean."""
    pairs = [rule.flow.pair] if rule.flow_id else list(IntegrationPair.objects.order_by("pk"))
    found = []
    for pair in pairs:
        latest = ReconciliationRun.objects.filter(pair=pair, status__in=ReconciliationRun.FINISHED).first()
        if latest is None:
            continue
        subject = f"reconciliation:{pair.pk}" + (f":{rule.flow.entity}" if rule.flow_id else "")
        if latest.status == ReconciliationRun.Status.FAILED:
            found.append(Finding(subject, f"Reconciliation of {pair.name} could not finish: {latest.error}"))
            continue
        unexplained = [d for d in latest.differences if not d.get("explained_by")]
        if rule.flow_id:
            unexplained = [d for d in unexplained if d["entity"] == rule.flow.entity]
        count = latest.unexplained_count if latest.differences_truncated and not rule.flow_id else len(unexplained)
        if count >= max(rule.threshold, 1):
            at_stake = {}
            for d in unexplained:
                at_stake[d["currency"] or "?"] = at_stake.get(d["currency"] or "?", 0) + abs(float(d["amount"]))
            money = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in sorted(at_stake.items()))
            where = f" ({rule.flow.name})" if rule.flow_id else ""
            found.append(
                Finding(
                    subject,
                    f"Reconciliation {latest.pk} of {pair.name}{where} found {count} unexplained differences"
                    f"{f' ({money} at stake)' if money else ''}.",
                )
            )
    return found


def _login_stopped(rule: AlertRule, now: datetime) -> list[Finding]:
    """A remote system refused a login, so every further login of that connection is stopped (a wrong memorable
    word retried by every run would lock the customer's own KashFlow user) until a person enters the credentials
    again. The incident resolves when they do."""
    connections = Connection.objects.exclude(login_stopped_reason="")
    if rule.flow_id:
        connections = connections.filter(pk__in=[c.pk for c in rule.flow.connections()])
    return [
        Finding(
            f"login:{connection.pk}",
            f"Logins to {connection} are stopped{_since(connection.login_stopped_at)}: "
            f"{connection.login_stopped_reason} "
            "Enter the credentials again on the connection page to resume.",
        )
        for connection in connections.order_by("pk")
    ]


def _since(when: datetime | None) -> str:
    return f" since {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else ""


CONDITIONS = {
    AlertRule.Kind.EXCEPTIONS_OVER: _exceptions_over,
    AlertRule.Kind.FLOW_FAILING: _flow_failing,
    AlertRule.Kind.CIRCUIT_OPEN: _circuit_open,
    AlertRule.Kind.AX_DRAFTS: _ax_drafts,
    AlertRule.Kind.RECONCILIATION: _reconciliation_differences,
    AlertRule.Kind.LOGIN_STOPPED: _login_stopped,
}


def evaluate(rule: AlertRule, *, now: datetime | None = None) -> list[Finding]:
    """The subjects for which ``rule``'s condition holds right now."""
    return CONDITIONS[rule.kind](rule, now or timezone.now())


# --- Incidents -------------------------------------------------------------------------------------


def check_alerts(*, now: datetime | None = None, kinds: tuple[str, ...] | None = None) -> list[Alert]:
    """Evaluate every enabled rule: open, keep or resolve incidents and send the notices due. Returns
    the alerts that are firing after the check."""
    now = now or timezone.now()
    firing: list[Alert] = []
    rules = AlertRule.objects.filter(enabled=True).select_related("flow")
    if kinds:
        rules = rules.filter(kind__in=kinds)
    for rule in rules:
        try:
            findings = evaluate(rule, now=now)
        except Exception:  # one broken rule must not stop the others
            log.exception("alert rule %s could not be evaluated", rule.pk)
            continue
        firing.extend(_apply(rule, findings, now))
    return firing


def _apply(rule: AlertRule, findings: list[Finding], now: datetime) -> list[Alert]:
    current = {f.subject_key: f for f in findings}
    open_alerts = {a.subject_key: a for a in Alert.objects.filter(rule=rule, state=Alert.State.FIRING)}
    result = []
    for key, finding in current.items():
        alert = open_alerts.get(key)
        if alert is None:
            alert = _open(rule, finding, now)
        else:
            Alert.objects.filter(pk=alert.pk).update(
                occurrences=alert.occurrences + 1, message=finding.message, last_seen_at=now
            )
            alert.refresh_from_db()
        if alert.notified_at is None and not _recently_notified(rule, key, now, exclude=alert.pk):
            _notify_firing(alert, now)
        result.append(alert)
    for key, alert in open_alerts.items():
        if key not in current:
            _resolve(alert, now)
    return result


def _open(rule: AlertRule, finding: Finding, now: datetime) -> Alert:
    suppressed = _recently_notified(rule, finding.subject_key, now)
    try:
        with transaction.atomic():
            return Alert.objects.create(
                rule=rule, subject_key=finding.subject_key[:100], message=finding.message, suppressed=suppressed
            )
    except IntegrityError:  # another checker opened it a moment ago
        return Alert.objects.get(rule=rule, subject_key=finding.subject_key[:100], state=Alert.State.FIRING)


def _recently_notified(rule: AlertRule, subject_key: str, now: datetime, *, exclude: int | None = None) -> bool:
    if not rule.throttle_minutes:
        return False
    since = now - timedelta(minutes=rule.throttle_minutes)
    qs = Alert.objects.filter(rule=rule, subject_key=subject_key).filter(
        Q(notified_at__gte=since) | Q(recovery_notified_at__gte=since)
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _notify_firing(alert: Alert, now: datetime) -> None:
    # Claim the notice: only the checker whose UPDATE changes the row sends it.
    if Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(notified_at=now) != 1:
        return
    alert.notified_at = now
    _deliver(alert, "firing", f"[LedgerBridge] ALERT {alert.rule.name}: {alert.subject_key}", alert.message)


def _resolve(alert: Alert, now: datetime) -> None:
    if (
        Alert.objects.filter(pk=alert.pk, state=Alert.State.FIRING).update(state=Alert.State.RESOLVED, resolved_at=now)
        != 1
    ):
        return
    alert.state, alert.resolved_at = Alert.State.RESOLVED, now
    if alert.notified_at is None:
        return  # nobody was told it fired (throttled), so nobody needs to hear it recovered
    if Alert.objects.filter(pk=alert.pk, recovery_notified_at__isnull=True).update(recovery_notified_at=now) != 1:
        return
    alert.recovery_notified_at = now
    minutes = max(1, int((now - alert.fired_at).total_seconds() // 60))
    _deliver(
        alert,
        "recovered",
        f"[LedgerBridge] RECOVERED {alert.rule.name}: {alert.subject_key}",
        f"Recovered after {minutes} min. It was: {alert.message}",
    )


# --- Delivery --------------------------------------------------------------------------------------


def _deliver(alert: Alert, event: str, subject: str, body: str) -> None:
    rule = alert.rule
    deliveries = list(alert.deliveries or [])
    stamp = timezone.now().isoformat()
    recipients = [e.strip() for e in (rule.emails or "").replace(";", ",").split(",") if e.strip()]
    if recipients:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
            deliveries.append({"at": stamp, "event": event, "channel": "email", "ok": True, "error": ""})
        except Exception as exc:
            log.warning("alert email failed: %s", exc)
            deliveries.append({"at": stamp, "event": event, "channel": "email", "ok": False, "error": str(exc)[:300]})
    url = rule.webhook_url
    if url:
        payload = webhook_payload(alert, event, subject, body)
        try:
            check_destination(url)  # again at send time: the host's DNS answer may have changed since saving
            response = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT)
            ok = response.status_code < 400
            error = "" if ok else f"HTTP {response.status_code}"
        except (httpx.HTTPError, UnsafeDestination) as exc:
            # the URL is a bearer secret: never in the delivery log shown on the alerts page
            ok, error = False, (str(exc).replace(url, rule.masked_webhook_url)[:300] or type(exc).__name__)
        if not ok:
            log.warning("alert webhook failed: %s", error)
        deliveries.append({"at": stamp, "event": event, "channel": "webhook", "ok": ok, "error": error})
    Alert.objects.filter(pk=alert.pk).update(deliveries=deliveries)
    alert.deliveries = deliveries


def webhook_payload(alert: Alert, event: str, subject: str, body: str) -> dict:
    """Slack and Teams incoming webhooks read ``text``; the rest is for other receivers."""
    return {
        "text": f"{subject}\n{body}",
        "event": event,
        "rule": alert.rule.name,
        "kind": alert.rule.kind,
        "subject": alert.subject_key,
        "state": alert.state,
        "message": alert.message,
        "fired_at": alert.fired_at.isoformat() if alert.fired_at else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
    }


# --- Called by the sync engine ------------------------------------------------------------------------


def circuit_opened(*, flow: Flow, reason: str) -> list[Alert]:
    """The circuit breaker just paused ``flow``: check the circuit and failing-flow rules now."""
    return check_alerts(kinds=(AlertRule.Kind.CIRCUIT_OPEN, AlertRule.Kind.FLOW_FAILING))
