"""Reading both systems for a reconciliation, through the connectors' public operations only.

Everything a reader needs beyond the documents themselves is gathered here once: the chart correspondence and
the VAT item groups (the accountant's value maps in the published mappings), customers' countries, invoices
and bank accounts from KashFlow, and what each published mapping makes of each KashFlow record (the reference
for financial dimensions).

The AX side is read only with operations AX ships (Microsoft's list of standard document services), which
decides what each entity's absence means (``ax_side`` and ``core.AxView``):

- sales invoices and customer payments: the posted ones, listed from customer transactions
  (CustomerTransactionService find). Everything AX has posted is seen, drafts are not: a document we created in
  AX (we hold its key) that AX does not show is an unposted draft, unless AX showed it posted before
  (``RecordLink.ax_posted_at``): then AX lost the posting, and it is gone (``lost_postings``);
- purchase invoices, journals and bank journal lines: each journal we linked, read by its key (the ledger journal
  service offers create and read only), a batch of keys per read (the connector's ``read_held``). A read journal
  says whether it is posted; a journal we never linked cannot be seen, because AX offers no way to list or search
  them;
- bank statements (the bank flow's statement path): listed (BankStmtService getKeys, read).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from integrations.models import Flow, IntegrationPair, RecordLink
from integrations.reconciliation.core import ZERO, AxView, money
from integrations.reconciliation.readers import READERS
from integrations.reconciliation.readers.common import Reference, code, rate_text
from integrations.reconciliation.readers.purchase_invoices import LINKED_FROM

log = logging.getLogger(__name__)

KF_TO_AX = "kf_to_ax"
CHART_MAP = "nominal_accounts"  # the value map name of the chart correspondence in the template mappings
CHART_KIND = "nominal_to_main_account"
ITEM_TAX_KIND = "item_tax_group"
ITEM_TAX_MAP = "vat_item_tax_groups"


@dataclass
class Snapshot:
    """What both systems hold, read once per reconciliation (per connector entity)."""

    kashflow: dict[str, list[dict]] = field(default_factory=dict)
    ax: dict[str, list[dict]] = field(default_factory=dict)
    since: date | None = None  # the reconciliation's: AX's posted payments are read from this date on


def flows_to_reconcile(pair: IntegrationPair, entities: Iterable[str] | None = None) -> list[Flow]:
    """The pair's KashFlow -> AX flows that have a reader, in the order of the flow table."""
    wanted = set(entities or READERS)
    flows = {f.entity: f for f in Flow.objects.filter(pair=pair, direction=KF_TO_AX, entity__in=wanted)}
    return [flows[e] for e in READERS if e in flows]


def _value_map(pair: IntegrationPair, *, kind: str | None, name: str) -> dict[str, str]:
    """The entries of the published value maps named ``name`` (or, with ``kind``, of that kind)."""
    from mappings.models import MappingSet, ValueMap

    published = [f.published_mapping_set() for f in Flow.objects.filter(pair=pair)]
    ids = [m.pk for m in published if m is not None and m.status == MappingSet.Status.PUBLISHED]
    entries: dict[str, str] = {}
    for value_map in ValueMap.objects.filter(mapping_set_id__in=ids).prefetch_related("entries"):
        if value_map.name != name and (kind is None or value_map.kind != kind):
            continue
        for entry in value_map.entries.all():
            if not entry.source_to:
                entries.setdefault(entry.source_value.strip(), entry.target_value.strip())
    return entries


# The KashFlow / AX entities each reader's reference data needs, beyond its own documents.
NEEDS: dict[str, tuple[set[str], set[str]]] = {
    "sales_invoice": ({"customer", "payment"}, {"payment"}),
    "payment": ({"sales_invoice", "bank_account"}, set()),
    "purchase_invoice": (set(), set()),
    "supplier_payment": ({"bank_account"}, set()),
    "journal": (set(), set()),
    "bank_transaction": ({"payment", "purchase_invoice", "bank_account"}, set()),
}


def reference_data(pair: IntegrationPair, kashflow, ax, snapshot: Snapshot, entities: Iterable[str]) -> Reference:
    """The reference data for ``entities``; only what their readers need is read from the two systems."""
    kf_needed = set().union(*(NEEDS[e][0] for e in entities)) if entities else set()
    ax_needed = set().union(*(NEEDS[e][1] for e in entities)) if entities else set()

    def kf(entity: str) -> list[dict]:
        return read(snapshot.kashflow, kashflow, entity) if entity in kf_needed else []

    customers, invoices, purchases = kf("customer"), kf("sales_invoice"), kf("purchase_invoice")
    payments, bank_accounts = kf("payment"), kf("bank_account")
    unposted = _unposted_payments(pair, payments, ax, snapshot, "payment" in entities) if "payment" in ax_needed else {}
    purchase_flow = Flow.objects.filter(pair=pair, direction=KF_TO_AX, entity="purchase_invoice").first()
    bank_flow = Flow.objects.filter(pair=pair, direction=KF_TO_AX, entity="bank_transaction").first()
    statements = "bank_transaction" in entities and bank_flow is not None and _statement_mode(bank_flow)
    due = _statements_due(read(snapshot.kashflow, kashflow, "bank_transaction")) if statements else {}
    return Reference(
        chart=_value_map(pair, kind=CHART_KIND, name=CHART_MAP),
        vat_item_groups={rate_text(k): v for k, v in _value_map(pair, kind=ITEM_TAX_KIND, name=ITEM_TAX_MAP).items()},
        customer_countries={str(c.get("Code") or "").strip().upper(): _country(c) for c in customers},
        invoices={code(i.get("Number")): i for i in invoices},
        bank_accounts={code(b.get("Code")): b for b in bank_accounts},
        payment_references={
            (str(p.get("Reference") or "").strip(), str(p.get("Date") or "")[:10]): code(p.get("Id"))
            for p in payments
            if p.get("Reference")
        },
        purchase_payment_references=frozenset(
            str(line.get("Reference") or "").strip()
            for purchase in purchases
            for line in purchase.get("PaymentLines") or []
            if isinstance(line, dict) and line.get("Reference")
        ),
        unposted_payments=unposted,
        bank_account_currencies=_value_map(pair, kind=None, name="bank_account_currencies"),
        bank_account_main=_value_map(pair, kind=None, name="bank_accounts"),
        bank_statement_mode=statements,
        purchase_vendor_invoices=purchase_flow is not None and vendor_invoice_path(purchase_flow),
        bank_statement_of=due,
        supplier_payments_flow=Flow.objects.filter(pair=pair, entity="supplier_payment", direction=KF_TO_AX).exists(),
    )


def _statements_due(lines: list[dict]) -> dict[str, frozenset[str]]:
    """KashFlow bank account Id -> the Ids of its lines on the statements the bank flow's statement path sends: the
    month is over and every line of it is reconciled (integrations/sync/flows/bank_statements.py, the same rule)."""
    from django.utils import timezone

    from integrations.sync.flows.bank_statements import period_of, period_over, statement_id

    today = timezone.localdate()
    groups: dict[str, list[dict]] = {}
    for line in lines:
        groups.setdefault(statement_id(line), []).append(line)
    due: dict[str, set[str]] = {}
    for group in groups.values():
        if period_over(period_of(group[0]), today) and all(line.get("Reconciled") for line in group):
            for line in group:
                due.setdefault(code(line.get("AccountId")), set()).add(code(line.get("Id")))
    return {account: frozenset(ids) for account, ids in due.items()}


def _unposted_payments(
    pair: IntegrationPair, payments: list[dict], ax, snapshot: Snapshot, listed: bool
) -> dict[str, Decimal]:
    """KashFlow invoice number -> the money of its payments that AX holds as unposted journals: linked (we created
    the journal), never shown posted by AX (a posting AX showed and lost is a difference of the payment, not a
    draft: ``lost_postings``), and AX shows no posted customer transaction carrying the payment's reference.
    ``listed``: payments are reconciled too, so AX's list of posted payments is read anyway; otherwise only these
    drafts are looked up, by reference (``POSTED_PAGE`` per find), never every payment AX has posted."""
    in_kashflow = {code(p.get("Id")) for p in payments}
    drafts = sorted(
        set(
            RecordLink.objects.filter(
                flow__pair=pair, flow__direction=KF_TO_AX, flow__entity="payment", ax_posted_at__isnull=True
            )
            .exclude(target_key="")
            .values_list("source_key", flat=True)
        )
        & in_kashflow
    )
    if not drafts:
        return {}
    if listed:
        seen = {str(p.get("DocumentNum") or "").strip() for p in posted(snapshot, ax, "payment")}
    else:
        seen = ax.posted_payment_references(drafts)
    linked = set(drafts)
    out: dict[str, Decimal] = {}
    for payment in payments:
        key = code(payment.get("Id"))
        if key in linked and key not in seen:
            invoice = code(payment.get("InvoiceNumber"))
            out[invoice] = out.get(invoice, ZERO) + money(payment.get("Amount"))
    return out


# How AX lists what it has posted, per reader: the connector method and the sentence for the report.
POSTED = {
    "sales_invoice": ("posted_invoices", "AX lists the free text invoices it has posted (customer transactions)"),
    "payment": ("all_posted_payments", "AX lists the customer payments it has posted (customer transactions)"),
}
# What a posted record carries of a link, per reader: (the field holding our KashFlow key, the field holding the AX
# key a link names). A sales invoice's transaction carries both (CustomerRef, InvoiceId); a payment's carries the
# journal line's DocumentNum (our KashFlow payment Id), never the journal number we linked.
SHOWN_BY = {"sales_invoice": ("CustomerRef", "InvoiceId"), "payment": ("DocumentNum", "")}
BY_KEY = "AX lists no journals (their services offer create and read only): only the journals we linked are read"
UNPOSTED_NOTE = (
    "created through AIF and not posted yet, so in neither AX's books nor these totals; post it in AX (AX shows only "
    "posted documents back, so one deleted in AX before posting looks the same)"
)
STATEMENTS = "AX lists its bank statements (BankStmtService)"


def posted(snapshot: Snapshot, ax, entity: str) -> list[dict]:
    """What AX has posted of ``entity`` (sales invoices or payments), read once per reconciliation."""
    method, _how = POSTED[entity]
    name = f"posted:{entity}"
    if name not in snapshot.ax:
        # payments are listed from the reconciliation's date on (bounded reads, see the connector); invoices whole
        read_posted = getattr(ax, method)
        snapshot.ax[name] = list(read_posted(snapshot.since) if entity == "payment" else read_posted())
    return snapshot.ax[name]


def lost_postings(flow: Flow, records: list[dict]) -> dict[str, str]:
    """Linked AX key -> why it is gone, for the documents AX showed posted before (``RecordLink.ax_posted_at``,
    set by the sync's ``confirm.refresh_posted`` and its link check) and no longer shows. A posting cannot be
    deleted in AX (only reversed), so AX lost it: emptied, or restored from a backup taken before the posting; the
    sync's link check calls this case gone too (``integrations/sync/verify.py``). Without that mark a linked
    document AX does not show stays an unposted draft: AX's services cannot read drafts of these documents."""
    from django.utils import timezone

    source_field, key_field = SHOWN_BY[flow.entity]
    sources = {str(r.get(source_field) or "").strip() for r in records}
    keys = {str(r.get(key_field) or "").strip() for r in records} if key_field else set()
    seen = (
        RecordLink.objects.filter(flow=flow, ax_posted_at__isnull=False)
        .exclude(target_key="")
        .values_list("source_key", "target_key", "ax_posted_at")
    )
    return {
        target: f"AX showed it posted on {timezone.localdate(when).isoformat()} and no longer does"
        for source, target, when in seen
        if source not in sources and target not in keys
    }


@dataclass
class AxSide:
    records: list[dict]
    view: AxView


def ax_side(flow: Flow, reader, ax, snapshot: Snapshot, links: dict[str, str]) -> AxSide:
    """The AX records of one flow's reader, read with the operations AX ships, and what their absence means."""
    if flow.entity in POSTED:
        how = POSTED[flow.entity][1]
        records = posted(snapshot, ax, flow.entity)
        view = AxView(posted_only=True, gone=lost_postings(flow, records), how=how, unposted_note=UNPOSTED_NOTE)
        return AxSide(records, view)
    entity = reader.AX_ENTITY
    if flow.entity == "purchase_invoice" and vendor_invoice_path(flow):
        entity = VENDOR_INVOICE
    if flow.entity == "bank_transaction" and _statement_mode(flow):
        return AxSide(read(snapshot.ax, ax, "bank_statement"), AxView(how=STATEMENTS))
    sources_of: dict[str, list[str]] = {}
    for source, target in sorted(links.items()):
        sources_of.setdefault(target, []).append(source)
    unread = [key for key in sorted(sources_of) if f"{entity}:{key}" not in snapshot.ax]
    if unread:
        # READ_BATCH keys per read; a key AX does not hold is left out of the answer (the connector's read_held)
        held = ax.read_held(entity, unread)
        for key in unread:
            snapshot.ax[f"{entity}:{key}"] = [held[key]] if key in held else []
    records, gone = [], {}
    for key, sources in sorted(sources_of.items()):
        cached = snapshot.ax[f"{entity}:{key}"]
        if cached:
            # what our links say the document stands for: a vendor invoice carries the vendor's invoice number,
            # not the KashFlow purchase's, so the reader takes the KashFlow key from here
            records.extend({**r, LINKED_FROM: sources} for r in cached)
        else:
            gone[key] = "AX has no such journal" if entity != VENDOR_INVOICE else "AX has no such vendor invoice"
    note = "post it in AX; until then it is in neither AX's books nor these totals"
    return AxSide(records, AxView(listed=False, gone=gone, how=BY_KEY, unposted_note=note))


VENDOR_INVOICE = "vendor_invoice"


def vendor_invoice_path(flow: Flow) -> bool:
    """The purchase flow posts pending vendor invoices (VendInvoiceService, AX 2012 R2), not journals."""
    return flow.spec.target_entity == VENDOR_INVOICE


def _statement_mode(flow: Flow) -> bool:
    from mappings.banking.selectors import flow_mode

    return flow_mode(flow.slug) == "statement"


def read(cache: dict[str, list[dict]], connector, entity: str) -> list[dict]:
    """Every record of a connector entity, read once and kept for the rest of the reconciliation."""
    if entity not in cache:
        cache[entity] = list(connector.list_changed(entity))
    return cache[entity]


def expected_documents(flow: Flow, records: list[dict], key) -> dict[str, dict]:
    """What the flow's published mapping makes of each KashFlow record (no database per record)."""
    from mappings.services import compiled_mapping

    mapping_set = flow.published_mapping_set()
    if mapping_set is None:
        return {}
    try:
        mapping = compiled_mapping(mapping_set)
    except Exception:  # a mapping that cannot compile: dimensions are then not compared, and the log says why
        log.warning("mapping of %s does not compile; dimensions are not reconciled", flow, exc_info=True)
        return {}
    out = {}
    for record in records:
        result = mapping.apply(record)
        out[key(record)] = result.document
    return out


def on_or_after(record_date: str, since: date | None) -> bool:
    return since is None or not record_date or record_date >= since.isoformat()


def _country(customer: dict) -> str:
    for address in customer.get("Addresses") or []:
        if isinstance(address, dict) and address.get("CountryCode"):
            return str(address["CountryCode"]).strip().upper()
    return str(customer.get("CountryCode") or "").strip().upper()
