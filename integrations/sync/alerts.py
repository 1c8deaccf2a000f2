"""The circuit breaker's alert: recorded in the audit trail and raised through monitoring's alerts."""

from __future__ import annotations

import logging

from integrations.models import Flow
from monitoring import audit
from monitoring.alerts import check_alerts

log = logging.getLogger(__name__)


def circuit_opened(flow: Flow, reason: str) -> None:
    log.error("flow %s paused: %s", flow, reason)
    audit.record(action="flow_paused", obj=flow, changes={"reason": reason, "paused_until": str(flow.paused_until)})
    try:
        # Evaluate the circuit and flow alert rules now rather than at the next scheduled check.
        check_alerts(kinds=("circuit_open", "flow_failing"))
    except Exception:
        log.warning("raising the circuit alert failed", exc_info=True)
