"""django-q2 tasks of the monitoring app. Each loads by id and calls one service."""

from __future__ import annotations

from monitoring import alerts
from monitoring.services import actions, reconciliation


def retry_exception(
    item_id: int, user_id: int | None = None, edited_document: dict | None = None, edited_payload: dict | None = None
) -> str:
    return actions.run_retry(item_id, user_id=user_id, edited_document=edited_document, edited_payload=edited_payload)


def check_alerts() -> int:
    """Every minute (scheduled by migration 0003): the alert rules, and retries whose worker died."""
    actions.release_stale_retries()
    return len(alerts.check_alerts())


def reconciliation_task(run_id: int) -> None:
    """One queued reconciliation run, by id."""
    reconciliation.perform_run(run_id)


def scheduled_reconciliation() -> list[int]:
    """Daily (scheduled by the reconciliation app's migration 0002): every integration pair reconciled in full."""
    return reconciliation.reconcile_every_pair()
