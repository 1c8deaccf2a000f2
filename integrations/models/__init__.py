from integrations.models.connections import Connection, IntegrationPair
from integrations.models.flows import Flow, PendingRecord, RecordLink, RecordOutcome, SyncRun, WebhookEvent

__all__ = [
    "Connection",
    "Flow",
    "IntegrationPair",
    "PendingRecord",
    "RecordLink",
    "RecordOutcome",
    "SyncRun",
    "WebhookEvent",
]
