"""``FlowSpec``: what one flow is (keys, external references, updatable, master data) and its optional hooks.

A leaf module: the per-flow modules next to it build their specs from this, the registry
(``flows/__init__.py``) collects them, and the pipeline calls the hooks without knowing the flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.models.flows import Direction, Entity

KF = "kashflow"
AX = "dynamics_ax"
KF_TO_AX = Direction.KF_TO_AX.value
AX_TO_KF = Direction.AX_TO_KF.value


def _first_line_value(document: dict, table: str, field: str) -> str:
    for line in document.get(table) or []:
        if isinstance(line, dict) and line.get(field) not in (None, ""):
            return str(line[field])
    return ""


# Hook signatures (all optional; ``ctx`` is the run's RunContext):
#   decide(ctx, record, key, link) -> Decision | None   a decision made before mapping (skip, or the flow's
#                                                        own way of syncing); None: the usual pipeline
#   enrich(ctx, record) -> dict                          what the mapping needs but the record lacks
#   check(document) -> None                              raise ValidationFailed before the target sees it
#   resolve(ctx, record, document) -> dict               references the document needs in the target
#   linked_entity(ctx) -> str                            the target entity its links name (default: target_entity)
#   variant(flow) -> FlowSpec | None                     the spec this flow runs when it posts another AX document
#                                                        (the purchase invoices' vendor invoice path); None: this one
#   reference(document, source_key) -> str               the external reference, when not one field of the document
#   verify_links(ctx, links) -> verify.Verdicts          a full run's verdict on each link (present, gone, draft,
#                                                        unverifiable) with the operations AX ships for the
#                                                        document (``verify.by_read``, ``verify.by_posted_*``);
#                                                        None: the flow's links name no AX document it wrote
#   adopt(document, found) -> None                       before a record found by its reference after an ambiguous
#                                                        failure is taken as the one sent: raise ValidationFailed
#                                                        when it is another (a reference a person can reuse)
Decide = Callable[[Any, dict, str, Any], Any]
Enrich = Callable[[Any, dict], dict]
Check = Callable[[dict], None]
Resolve = Callable[[Any, dict, dict], dict]
LinkedEntity = Callable[[Any], str]
Variant = Callable[[Any], "FlowSpec | None"]
Reference = Callable[[dict, str], str]
VerifyLinks = Callable[[Any, list], Any]
Adopt = Callable[[dict, dict], None]


@dataclass(frozen=True)
class FlowSpec:
    entity: str  # Flow.entity
    direction: str
    source_entity: str  # connector entity read on the source side
    target_entity: str  # connector entity written on the target side
    source_key_field: str  # key of the source record
    target_key_field: str = ""  # key of the target document when we choose it (master data); else AX assigns it
    reference_field: str = ""  # where the mapped document carries the external reference
    reference_table: str = ""  # ... inside this child table (journals: LedgerJournalTrans[].DocumentNum)
    updatable: bool = False  # a changed source record updates its target record
    master_data: bool = False  # both directions exist; AX wins a conflict
    batchable: bool = True  # new AX documents may go several to one AIF message once the flow batches writes
    schedule_minutes: int = 15  # the default polling interval of a new flow
    description: str = ""
    decide: Decide | None = None
    enrich: Enrich | None = None
    check: Check | None = None
    resolve: Resolve | None = None
    linked_entity: LinkedEntity | None = None  # (ctx) -> the target entity the links name, when not target_entity
    variant: Variant | None = None
    reference: Reference | None = None
    # The AX documents a flow of this entity may post, (target entity, label), the default first: the flow page
    # offers the choice, and the flow's mapping says which one the flow posts (its target entity).
    documents: tuple[tuple[str, str], ...] = ()
    verify_links: VerifyLinks | None = None  # a full run checks that AX still holds the linked documents
    adopt: Adopt | None = None  # the record found after an ambiguous failure must be the document sent

    @property
    def source_system(self) -> str:
        return Direction(self.direction).source_system

    @property
    def target_system(self) -> str:
        return Direction(self.direction).target_system

    @property
    def label(self) -> str:
        return f"{Entity(self.entity).label}: {Direction(self.direction).label}"

    @property
    def slug(self) -> str:
        """The flow's default slug, and the key of its starter mapping."""
        return f"{self.entity.replace('_', '-')}-{Direction(self.direction).slug}"

    def source_key(self, record: dict) -> str:
        value = record.get(self.source_key_field)
        return "" if value is None else str(value).strip()

    def external_reference(self, document: dict, source_key: str) -> str:
        """The value ``find_by_reference`` looks for in the target."""
        if self.reference is not None:
            return self.reference(document, source_key).strip() or source_key
        if self.reference_table:
            value = _first_line_value(document, self.reference_table, self.reference_field)
        else:
            value = str(document.get(self.reference_field) or "") if self.reference_field else ""
        return value.strip() or source_key

    def target_key(self, document: dict) -> str:
        return str(document.get(self.target_key_field) or "").strip() if self.target_key_field else ""
