from integrations.models.connections import Connection, IntegrationPair
from integrations.models.flows import (
    Flow,
    PendingRecord,
    RecordClaim,
    RecordLink,
    RecordOutcome,
    SyncRun,
    WebhookEvent,
    WriteIntent,
)

__all__ = [
    "Connection",
    "Flow",
    "IntegrationPair",
    "PendingRecord",
    "RecordClaim",
    "RecordLink",
    "RecordOutcome",
    "SyncRun",
    "WebhookEvent",
    "WriteIntent",
]
