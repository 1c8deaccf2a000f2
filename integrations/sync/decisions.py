"""What the stages hand each other: a record's decision, and a record prepared for a batched write.

A leaf of the sync engine: flow hooks build Decisions without importing any stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.models import RecordOutcome

Action = RecordOutcome.Action


@dataclass
class Decision:
    action: str
    target_key: str = ""
    message_id: str = ""
    attempts: int = 1
    note: str = ""
    link: bool = True  # write/refresh the record link
    digest: str = ""  # the document's content hash when already computed (saves hashing it twice)
    target_after: dict | None = None
    extra: dict = field(default_factory=dict)
    document: dict | None = None  # the mapped document, when a flow's decide hook mapped the record itself


@dataclass
class Prepared:
    """A record mapped, validated and resolved, whose new AX document waits to be written in a batch."""

    key: str
    record: dict
    document: dict
    digest: str
    src_hash: str
    started: float
