from integrations.models.connections import Connection, IntegrationPair
from integrations.models.flows import Flow, RecordLink, RecordOutcome, SyncRun, WebhookEvent

__all__ = ["Connection", "Flow", "IntegrationPair", "RecordLink", "RecordOutcome", "SyncRun", "WebhookEvent"]
