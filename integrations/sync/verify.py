"""A full run does not trust its links over the target: it checks that the documents it linked still exist.

After AX is emptied or restored from a backup, a document is deleted there, or a pair is re-pointed from a
test AX to a live one, every record would otherwise be skipped as "already posted". Before a ``--full`` run
of a KashFlow -> AX flow processes its records, the flow's ``verify_links`` hook (on its FlowSpec, in
``flows/<entity>.py``) gives a verdict on each link, with the operations AX ships for that document
(Microsoft's "Standard Document Services"; see the connector's README):

- **read by key** (``by_read``: customers, vendors, the ledger journal service's general and vendor invoice
  journals, bank statements): ``READ_BATCH`` keys per ``read``; AX refuses a read naming a key it does not hold,
  so a refused batch is halved until each missing key stands alone. A read sees drafts and posted documents
  alike, so a key AX cannot read is **gone**: a draft deleted in AX, or AX restored from a backup taken before
  it was created (a posted journal cannot be deleted in AX, only reversed). A journal is read by its JournalNum
  whatever its journal name (the mapping's). Except on the vendor invoice path: a pending vendor invoice AX
  showed posted before (``ax_posted_at``) and no longer reads may have been cleaned up by AX after posting
  (pending invoices are work documents), so it is **unverifiable**, said in the notes, never posted again.
- **posted transactions** (``by_posted_invoices``, ``by_posted_payments``): free text invoices and customer
  payment journals are create-only; AX shows them only once posted, as customer transactions
  (CustomerTransactionService ``find``, a page of invoice ids or payment references per call). A document
  found there is present (a payment only with the money sent: amount, currency and customer, since a
  document number typed in AX can equal a KashFlow payment Id; other money there is unverifiable). One not
  found is either a **draft** not posted yet or a draft deleted in AX, and AX's standard services cannot
  tell which: it is never called gone (posting it again while the first is merely waiting would post it
  twice); it is reported in the run's notes as not verifiable and left as it is (for invoices, the portal's
  "unposted in AX" list and the ``ax_drafts`` alert put drafts in front of a person).
  A document AX showed posted before (``RecordLink.ax_posted_at``, set by ``confirm.refresh_posted`` and by
  this check) and no longer shows is **gone**: a posting cannot be deleted in AX, so AX lost it (emptied, or
  restored from a backup taken before the posting). Limit: a backup taken between its creation and its
  posting still holds the draft, which AX's services cannot see; the run's notes say so, and the person
  posting the new draft should delete the old one.

A link confirmed gone is cleared: the record is posted again by this run (with a MessageId of its own, since
AX remembers the first) and its outcome names the AX document that was gone. A check AX cannot answer (a
port without the operation, AX unreachable) leaves the links unverifiable, said in the notes, never silently
trusted. A document reversed (not deleted) in AX still exists and is not found by this check: reversals are for
the reconciliation of amounts to find.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from integrations.connectors.errors import ConnectorError
from integrations.models import RecordLink
from integrations.sync.load import GONE_PREFIX, RetriesExhausted, call
from integrations.sync.payment_match import match_payment, sent_for_links

log = logging.getLogger(__name__)
SHOWN = 20  # keys named in the notes per verdict


@dataclass(frozen=True)
class Link:
    source_key: str
    target_key: str
    seen_posted: bool  # AX showed the document posted before (ax_posted_at)


@dataclass
class Verdicts:
    """A flow hook's verdict on each link, by source key."""

    present: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    drafts: set[str] = field(default_factory=set)  # not posted in AX as far as AX's services show
    unverifiable: dict[str, str] = field(default_factory=dict)  # source key -> why AX could not answer
    posted: set[str] = field(default_factory=set)  # present and shown posted now (their links learn it)
    limit: str = ""  # what a "gone" verdict of this kind cannot rule out (said in the notes when any is gone)


VerifyLinks = Callable[[object, list[Link]], Verdicts]

NOT_OUR_PAYMENT = (
    "AX shows posted payments with their document numbers, but none with the money LedgerBridge sent (amount, "
    "currency, customer), or the money sent is not known: a document number typed in AX can equal a KashFlow payment "
    "Id, so compare them in AX"
)
VENDOR_INVOICE = "vendor_invoice"
# A pending vendor invoice (VendInvoiceInfoTable) is a work document: once posted, the posted invoice is
# VendInvoiceJour, and AX may clean up executed pending invoices (its update history clean-up; inferred, as is that
# they stay readable with ParmJobStatus Executed until then). So a posted one AX no longer reads may have been cleaned
# up, not lost: it is never called gone.
CLEANED_UP = (
    "AX showed these vendor invoices posted before, and AX may clean up pending vendor invoices once posted, so a "
    "vendor invoice AX no longer reads is not proof it is gone: left as they are (find them posted in AX, vendor "
    "transactions, by vendor and invoice number)"
)


@dataclass
class LinkCheck:
    checked: int = 0
    present: int = 0
    gone: dict[str, str] = field(default_factory=dict)  # source key -> the AX key that is gone
    drafts: list[str] = field(default_factory=list)  # AX keys not posted yet (not verifiable)
    unverifiable: dict[str, str] = field(default_factory=dict)  # AX key -> why
    limit: str = ""

    def note(self, entity: str) -> str:
        text = f"Links checked against AX: {self.checked} checked, {self.present} present, {len(self.gone)} gone"
        if self.gone:
            text += ", posted again: " + _listed(f"{key} (was {target})" for key, target in self.gone.items())
            if self.limit:
                text += f" ({self.limit})"
        if self.drafts:
            text += (
                f"; {len(self.drafts)} not verifiable: not posted in AX yet ({_listed(self.drafts)}); AX's standard "
                f"services cannot read a {entity} draft, so a draft deleted in AX cannot be told from one waiting "
                "to be posted: left as they are, for a person to post (or find) in AX"
            )
        if self.unverifiable:
            reasons = sorted(set(self.unverifiable.values()))
            text += f"; {len(self.unverifiable)} unverifiable ({_listed(self.unverifiable)}): {'; '.join(reasons)}"
        return text + "."


def switch_refusal(flow, target_entity: str) -> str:
    """Why ``flow`` may not start posting ``target_entity`` (another AX document: purchase invoices' general journal
    or vendor invoice); empty when it may. A link holds only the key of the document it names, not which AX document
    that is, and a full run reads every link back through the flow's current document's service: the other
    document's keys would not be found there, be called gone and posted again, so the flow's history twice in AX.
    A flow with no link to an AX document yet switches freely."""
    if not (flow.pk and flow.entity and flow.direction):
        return ""
    spec = flow.spec
    names = dict(spec.documents)
    current = spec.target_entity
    if target_entity not in names or current not in names or target_entity == current:
        return ""
    linked = RecordLink.objects.filter(flow=flow).exclude(target_key="").count()
    if not linked:
        return ""
    now, then = names.get(current, current), names.get(target_entity, target_entity)
    return (
        f"This flow has already posted {linked} records to AX as: {now}. It cannot switch to: {then}, because a "
        "full run checks each posted record in AX through the document the flow posts, would not find these "
        "there and would post them all again. Keep the current AX document for this flow."
    )


def _listed(items: Iterable[str]) -> str:
    items = list(items)
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def applies(ctx) -> bool:
    spec = ctx.spec
    return bool(ctx.run.full and not ctx.dry_run and spec.verify_links and spec.target_system == "dynamics_ax")


def verify_links(ctx) -> LinkCheck:
    """Ask the flow's hook for a verdict on every link; clear the links of documents confirmed gone."""
    result = LinkCheck()
    rows = list(
        RecordLink.objects.filter(flow=ctx.flow)
        .exclude(target_key="")
        .order_by("source_key")
        .values_list("source_key", "target_key", "ax_posted_at")
    )
    if not rows:
        return result
    links = [Link(source, target, posted is not None) for source, target, posted in rows]
    target_of = {link.source_key: link.target_key for link in links}
    verdicts = ctx.spec.verify_links(ctx, links)
    result.checked = len(links)
    result.present = len(verdicts.present)
    result.limit = verdicts.limit
    result.drafts = [target_of[k] for k in sorted(verdicts.drafts)]
    result.unverifiable = {target_of[k]: why for k, why in sorted(verdicts.unverifiable.items())}
    if verdicts.posted:
        RecordLink.objects.filter(flow=ctx.flow, source_key__in=verdicts.posted, ax_posted_at__isnull=True).update(
            ax_posted_at=timezone.now()
        )
    for source_key in sorted(verdicts.gone):
        ctx.heartbeat.tick()
        target_key = target_of[source_key]
        result.gone[source_key] = target_key
        # Posted again by this run: the link forgets the document and its content, keeps the source hash, and
        # remembers the gone key, so the new posting carries its own MessageId (see ``load.create_message_id``).
        RecordLink.objects.filter(flow=ctx.flow, source_key=source_key, target_key=target_key).update(
            target_key="",
            content_hash="",
            target_hash=f"{GONE_PREFIX}{target_key}"[:64],
            pending_message_id="",
            ax_posted_at=None,
        )
    if result.gone:
        log.warning("flow %s: %s linked AX documents are gone", ctx.flow, len(result.gone))
    return result


def _ask(ctx, what: str, question: Callable[[], set[str]]) -> set[str] | str:
    """AX's answer, or why there is none (the links are then unverifiable, never trusted silently)."""
    try:
        return call(ctx, question, what=what)
    except (ConnectorError, RetriesExhausted) as exc:
        log.warning("flow %s: could not %s: %s", ctx.flow, what, exc)
        return f"AX could not {what}: {exc}"


def _all_unverifiable(links: list[Link], why: str) -> Verdicts:
    return Verdicts(unverifiable={link.source_key: why for link in links})


def by_read(ctx, links: list[Link]) -> Verdicts:
    """Documents AX reads by key (drafts and posted alike): a key AX cannot read is gone."""
    spec = ctx.spec
    entity = spec.linked_entity(ctx) if spec.linked_entity else spec.target_entity
    supports = getattr(ctx.target, "supports", None)
    if not callable(getattr(ctx.target, "existing_keys", None)) or (supports and not supports(entity, "read")):
        return _all_unverifiable(links, f"the AX service for {entity} cannot read its documents back")
    keys = [link.target_key for link in links]
    held = _ask(ctx, f"read the {entity} documents back", lambda: ctx.target.existing_keys(entity, keys))
    if isinstance(held, str):
        return _all_unverifiable(links, held)
    verdicts = Verdicts()
    for link in links:
        if link.target_key in held:
            verdicts.present.add(link.source_key)
        elif entity == VENDOR_INVOICE and link.seen_posted:
            verdicts.unverifiable[link.source_key] = CLEANED_UP
        else:
            verdicts.gone.add(link.source_key)
    return verdicts


def _by_posted(links: list[Link], posted: set[str] | str, value_of: Callable[[Link], str]) -> Verdicts:
    if isinstance(posted, str):
        return _all_unverifiable(links, posted)
    verdicts = Verdicts(
        limit="AX showed them posted before and no longer does; a backup restored in AX that was taken before they "
        "were posted may still hold their drafts, which AX's services cannot read: delete those before posting"
    )
    for link in links:
        if value_of(link) in posted:
            verdicts.present.add(link.source_key)
            verdicts.posted.add(link.source_key)
        elif link.seen_posted:
            verdicts.gone.add(link.source_key)
        else:
            verdicts.drafts.add(link.source_key)
    return verdicts


def by_posted_invoices(ctx, links: list[Link]) -> Verdicts:
    """Free text invoices (create-only): present once posted, as customer transactions carrying the invoice id."""
    if not callable(getattr(ctx.target, "posted_invoice_keys", None)):
        return _all_unverifiable(links, "the AX connection cannot read posted invoices")
    keys = [link.target_key for link in links]
    posted = _ask(ctx, "read the posted invoices", lambda: ctx.target.posted_invoice_keys(keys))
    return _by_posted(links, posted, lambda link: link.target_key)


def by_posted_payments(ctx, links: list[Link]) -> Verdicts:
    """Customer payment journals (create-only): present once posted, as customer transactions carrying the line's
    DocumentNum, which the payment mapping fills with the KashFlow payment Id (the link's source key). A KashFlow Id
    is a small integer a document number typed by hand in AX can equal, so a posted payment is ours only with the
    money sent: amount, currency and customer (``payment_match``). None with that number: present before, gone now
    (seen posted), else a draft. Some with that number but none the money sent: not ours, or not comparable, so
    unverifiable with the reason, never gone (and never posted again on a guess). A mapping that puts something
    else in DocumentNum finds nothing: its payments stay "not posted yet", never "gone"."""
    if not callable(getattr(ctx.target, "posted_payments", None)):
        return _all_unverifiable(links, "the AX connection cannot read posted payments")
    references = [link.source_key for link in links]
    posted = _ask(ctx, "read the posted payments", lambda: ctx.target.posted_payments(references))
    if isinstance(posted, str):
        return _all_unverifiable(links, posted)
    rows = {link.source_key: posted.get(link.source_key) or [] for link in links}
    sent = sent_for_links(ctx.flow, [(link.source_key, link.target_key, "") for link in links if rows[link.source_key]])
    verdicts = _by_posted(links, {key for key, found in rows.items() if found}, lambda link: link.source_key)
    for source in sorted(verdicts.present):
        match = match_payment(source, rows[source], sent[source])
        if not match.voucher:
            verdicts.present.discard(source)
            verdicts.posted.discard(source)
            log.info("flow %s: payment %s: %s", ctx.flow, source, match.problem)
            verdicts.unverifiable[source] = NOT_OUR_PAYMENT
    return verdicts
