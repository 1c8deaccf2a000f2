"""Stopping logins to a remote system after it refused one, until a person enters the credentials again.

KashFlow locks a user after repeated failed logins (401 ``AccountLocked``, kashflow.com/developers/rest-api/
authentication/), and the user the integration logs in as is the customer's own. A wrong password or memorable
word must therefore fail once and then stop every further login of that connection (scheduled runs, retries,
other workers) instead of retrying into a lock-out. The refusal is stored on the ``Connection`` so it holds
across processes; ``integrations.services.connections.update_connection`` clears it when credentials are entered again.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from integrations.models import Connection
from monitoring import audit

log = logging.getLogger(__name__)


class ConnectionLoginGate:
    def __init__(self, connection_id: int) -> None:
        self.connection_id = connection_id

    def refused(self) -> str | None:
        reason = Connection.objects.filter(pk=self.connection_id).values_list("login_stopped_reason", flat=True).first()
        return reason or None

    def refuse(self, reason: str) -> None:
        updated = Connection.objects.filter(pk=self.connection_id, login_stopped_reason="").update(
            login_stopped_reason=reason[:500], login_stopped_at=timezone.now()
        )
        if updated:
            connection = Connection.objects.get(pk=self.connection_id)
            log.error("logins to %s stopped until the credentials are entered again: %s", connection, reason)
            audit.record(action="connection.login_stopped", obj=connection, changes={"reason": reason[:500]})


def clear(connection: Connection) -> None:
    """Credentials were entered again: the next run may try to log in."""
    connection.login_stopped_reason = ""
    connection.login_stopped_at = None
