"""Resolve references (the helpers of the flows' ``resolve`` hooks): an invoice needs its customer in AX,
a purchase invoice its vendor, a payment its invoice. A missing one is synced first through its own flow
(``ctx.process``, bound by the runner, so nothing here imports the pipeline); when that cannot happen the
record waits (MissingReference) and a later run takes it up again. Nothing is dropped."""

from __future__ import annotations

from integrations.connectors.errors import NotFoundError
from integrations.models import RecordLink
from integrations.sync.errors import MissingReference
from integrations.sync.load import call


def _linked(ctx, entity: str, target_key: str) -> bool:
    links = RecordLink.objects.filter(flow__pair=ctx.flow.pair, flow__entity=entity).exclude(target_key="")
    if ctx.spec.target_system == "dynamics_ax":
        # KashFlow -> AX links point at the AX key; AX -> KashFlow links start from it.
        return (
            links.filter(flow__direction="kf_to_ax", target_key=target_key).exists()
            or links.filter(flow__direction="ax_to_kf", source_key=target_key).exists()
        )
    return links.filter(target_key=target_key).exists()


def _exists_in_target(ctx, entity: str, key: str) -> bool:
    try:
        call(ctx, lambda: ctx.target.read(entity, key), what=f"read {entity} {key}")
        return True
    except NotFoundError:
        return False


def ensure_in_target(ctx, entity: str, target_key: str, source_key: str) -> None:
    """Make sure the target holds ``entity`` ``target_key``; sync it from the source first if it does not."""
    if not target_key:
        raise MissingReference(f"The {entity} reference is empty.", entity=entity, key="")
    known = ctx.known_targets.setdefault(entity, set())
    if target_key in known or _linked(ctx, entity, target_key) or _exists_in_target(ctx, entity, target_key):
        known.add(target_key)
        return
    if not ctx.dry_run:
        outcome = sync_dependency(ctx, entity, source_key)
        if outcome is not None and outcome.target_key:
            known.add(outcome.target_key)
            if outcome.target_key == target_key:
                return
    raise MissingReference(
        f"{entity.replace('_', ' ').capitalize()} {target_key} is not in the target yet; the record waits for it.",
        entity=entity,
        key=target_key,
        suggested_fix={"kind": "sync_reference", "entity": entity, "key": source_key},
    )


def sync_dependency(ctx, entity: str, source_key: str):
    """Sync one record of another flow now (same run, same connectors); None when that is not possible."""
    outcome = dependency_outcome(ctx, entity, source_key)
    return outcome if outcome is not None and outcome.action in ("created", "updated", "skipped") else None


def dependency_outcome(ctx, entity: str, source_key: str):
    """Like ``sync_dependency``, but the outcome whatever it is (waiting, failed); None when it could not run."""
    dep = ctx.dependency(entity)
    if dep is None or not source_key or ctx.process is None:
        return None
    try:
        record = call(ctx, lambda: ctx.source.read(dep.spec.source_entity, source_key), what=f"read {entity}")
    except NotFoundError:
        return None
    return ctx.process(dep, record)


def invoice_key_in_ax(ctx, number: str, *, sync_first: bool = True) -> str:
    """The AX InvoiceId of KashFlow invoice ``number``: from its link, from AX, or by syncing it first."""
    link = (
        RecordLink.objects.filter(
            flow__pair=ctx.flow.pair, flow__entity="sales_invoice", flow__direction="kf_to_ax", source_key=number
        )
        .exclude(target_key="")
        .first()
    )
    if link:
        return link.target_key
    found = call(ctx, lambda: ctx.target.find_by_reference("sales_invoice", number), what="find invoice")
    if found and found.get("InvoiceId"):
        return str(found["InvoiceId"])
    if sync_first and not ctx.dry_run:
        outcome = sync_dependency(ctx, "sales_invoice", number)
        if outcome is not None and outcome.target_key:
            return outcome.target_key
    raise MissingReference(
        f"Invoice {number} is not in AX yet; this record waits for it.",
        entity="sales_invoice",
        key=number,
        suggested_fix={"kind": "sync_reference", "entity": "sales_invoice", "key": number},
    )
