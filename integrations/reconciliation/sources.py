"""Reading both systems for a reconciliation, through the connectors' public operations only.

Everything a reader needs beyond the documents themselves is gathered here once: the chart correspondence and
the VAT item groups (the accountant's value maps in the published mappings), customers' countries, invoices
and bank accounts from KashFlow, AX invoice ids, and what each published mapping makes of each KashFlow record
(the reference for financial dimensions).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from integrations.models import Flow, IntegrationPair
from integrations.reconciliation.readers import READERS
from integrations.reconciliation.readers.common import Reference, code, rate_text

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


def flows_to_reconcile(pair: IntegrationPair, entities: Iterable[str] | None = None) -> list[Flow]:
    """The pair's KashFlow -> AX flows that have a reader, in the order of the flow table."""
    wanted = set(entities or READERS)
    flows = {f.entity: f for f in Flow.objects.filter(pair=pair, direction=KF_TO_AX, entity__in=wanted)}
    return [flows[e] for e in READERS if e in flows]


def _value_map(pair: IntegrationPair, *, kind: str, name: str) -> dict[str, str]:
    from mappings.models import MappingSet, ValueMap

    published = [f.published_mapping_set() for f in Flow.objects.filter(pair=pair)]
    ids = [m.pk for m in published if m is not None and m.status == MappingSet.Status.PUBLISHED]
    entries: dict[str, str] = {}
    for value_map in ValueMap.objects.filter(mapping_set_id__in=ids).prefetch_related("entries"):
        if value_map.name != name and value_map.kind != kind:
            continue
        for entry in value_map.entries.all():
            if not entry.source_to:
                entries.setdefault(entry.source_value.strip(), entry.target_value.strip())
    return entries


# The KashFlow / AX entities each reader's reference data needs, beyond its own documents.
NEEDS: dict[str, tuple[set[str], set[str]]] = {
    "sales_invoice": ({"customer"}, set()),
    "payment": ({"sales_invoice", "bank_account"}, {"sales_invoice"}),
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
    ax_invoices = read(snapshot.ax, ax, "sales_invoice") if "sales_invoice" in ax_needed else []
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
        ax_invoice_refs={str(i.get("InvoiceId")): str(i.get("CustomerRef") or "").strip() for i in ax_invoices},
        supplier_payments_flow=Flow.objects.filter(pair=pair, entity="supplier_payment", direction=KF_TO_AX).exists(),
    )


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
