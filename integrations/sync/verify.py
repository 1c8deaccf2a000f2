"""A full run does not trust its links over the target: it checks that the documents it linked still exist.

After AX is emptied or restored from a backup, a document is deleted there, or a pair is re-pointed from a
test AX to a live one, every record would otherwise be skipped as "already posted". Before a ``--full`` run
of a KashFlow -> AX flow processes its records, the keys AX holds for the flow's entity are read page by page
(AIF ``getKeys``: keys only, no documents) and compared with the flow's links. A linked key that AX does not
list is read once more on its own (``read``), so that a short or broken key listing can never cause a
second posting; a document confirmed gone has its link cleared, and the record is posted again by this run
(its outcome names the AX document that was gone). A service without ``getKeys`` offers no cheap way to
list what AX holds: its links are reported as unverifiable and trusted, and the run's notes say so.

A document reversed (not deleted) in AX still exists and is not found by this check: reversals are for the
reconciliation of amounts to find.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from integrations.connectors.errors import NotFoundError
from integrations.models import RecordLink
from integrations.sync.load import GONE_PREFIX, call

log = logging.getLogger(__name__)


@dataclass
class LinkCheck:
    checked: int = 0
    present: int = 0
    gone: dict[str, str] = field(default_factory=dict)  # source key -> the AX key that is gone
    unverifiable: int = 0

    def note(self, entity: str) -> str:
        if self.unverifiable:
            return (
                f"Links checked against AX: {self.unverifiable} unverifiable (the AX service for {entity} "
                "cannot list its documents); they are trusted."
            )
        text = f"Links checked against AX: {self.checked} checked, {self.present} present, {len(self.gone)} gone"
        if self.gone:
            shown = ", ".join(f"{key} (was {target})" for key, target in list(self.gone.items())[:20])
            more = f" and {len(self.gone) - 20} more" if len(self.gone) > 20 else ""
            text += f", posted again: {shown}{more}"
        return text + "."


def applies(ctx) -> bool:
    spec = ctx.spec
    return (
        ctx.run.full
        and not ctx.dry_run
        and spec.verify_links
        and spec.target_system == "dynamics_ax"
        and callable(getattr(ctx.target, "list_keys", None))
    )


def verify_links(ctx) -> LinkCheck:
    """Check the flow's links against the keys AX holds; clear the links of documents confirmed gone."""
    result = LinkCheck()
    links = list(
        RecordLink.objects.filter(flow=ctx.flow).exclude(target_key="").values_list("source_key", "target_key")
    )
    if not links:
        return result
    entity = ctx.spec.target_entity
    keys = call(ctx, lambda: ctx.target.list_keys(entity), what=f"list the {entity} keys in AX")
    if keys is None:
        result.unverifiable = len(links)
        return result
    held = set(map(str, keys))
    result.checked = len(links)
    for source_key, target_key in links:
        ctx.heartbeat.tick()
        if target_key in held or _still_there(ctx, entity, target_key):
            result.present += 1
            continue
        result.gone[source_key] = target_key
        # Posted again by this run: the link forgets the document and its content, keeps the source hash, and
        # remembers the gone key, so the new posting carries its own MessageId (see ``load.create_message_id``).
        RecordLink.objects.filter(flow=ctx.flow, source_key=source_key, target_key=target_key).update(
            target_key="", content_hash="", target_hash=f"{GONE_PREFIX}{target_key}"[:64], pending_message_id=""
        )
    if result.gone:
        log.warning("flow %s: %s linked AX documents are gone", ctx.flow, len(result.gone))
    return result


def _still_there(ctx, entity: str, key: str) -> bool:
    """A key missing from the listing is read on its own before it is called gone."""
    try:
        call(ctx, lambda: ctx.target.read(entity, key), what=f"read {entity} {key}")
        return True
    except NotFoundError:
        return False
