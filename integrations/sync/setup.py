"""The demo pair's flows, one per row of the design's flow table, each with its published template mapping."""

from __future__ import annotations

from django.db import transaction

from integrations.models import Flow, IntegrationPair
from integrations.models.flows import Trigger
from integrations.sync.flows import SPECS, FlowSpec

ENTITY_LABELS = {
    "customer": "Customers",
    "supplier": "Suppliers",
    "product": "Products",
    "sales_invoice": "Sales invoices",
    "payment": "Payments",
    "purchase_invoice": "Purchase invoices",
    "journal": "Journals",
    "invoice_status": "Invoice status",
    "bank_transaction": "Bank reconciliation",
}
DIRECTION_LABELS = {"kf_to_ax": "KashFlow → AX", "ax_to_kf": "AX → KashFlow"}
DIRECTION_SLUGS = {"kf_to_ax": "kf-to-ax", "ax_to_kf": "ax-to-kf"}
# Documents move often; master data and statuses less so.
SCHEDULE_MINUTES = {
    "sales_invoice": 5,
    "payment": 5,
    "purchase_invoice": 10,
    "journal": 15,
    "invoice_status": 10,
    "bank_transaction": 60,
}


def flow_name(spec: FlowSpec) -> str:
    return f"{ENTITY_LABELS[spec.entity]}: {DIRECTION_LABELS[spec.direction]}"


def flow_slug(spec: FlowSpec) -> str:
    return f"{spec.entity.replace('_', '-')}-{DIRECTION_SLUGS[spec.direction]}"


def template_mapping_set(spec: FlowSpec):
    """The published mapping set for this flow's systems and entities (the status flows' own, by key)."""
    from mappings.models import MappingSet

    candidates = MappingSet.objects.filter(
        status=MappingSet.Status.PUBLISHED,
        source_system=spec.source_system,
        target_system=spec.target_system,
    ).order_by("key")
    if spec.entity == "invoice_status":
        return candidates.filter(key__icontains="status").first()
    chosen = candidates.filter(source_entity=spec.source_entity, target_entity=spec.target_entity).exclude(
        key__icontains="status"
    )
    return chosen.first()


@transaction.atomic
def ensure_default_flows(
    pair: IntegrationPair, *, install_templates: bool = True, schedules: bool = True
) -> list[Flow]:
    """A flow per row of the flow table for ``pair``, polling on a schedule.

    Idempotent: an existing flow keeps its settings; only a missing mapping set is filled in.
    ``schedules=False`` leaves the django-q2 Schedules out (tests that drive runs themselves)."""
    if install_templates:
        from mappings.templates import install_templates as install

        install()
    prefix = "" if Flow.objects.filter(pair__isnull=False).exclude(pair=pair).count() == 0 else f"{pair.pk}-"
    flows = []
    for spec in SPECS.values():
        mapping_set = template_mapping_set(spec)
        flow = Flow.objects.filter(pair=pair, entity=spec.entity, direction=spec.direction).first()
        if flow is None:
            flow = Flow.objects.create(
                name=(f"{pair.name} " if prefix else "") + flow_name(spec),
                slug=prefix + flow_slug(spec),
                pair=pair,
                entity=spec.entity,
                direction=spec.direction,
                trigger=Trigger.POLLING,
                schedule_minutes=SCHEDULE_MINUTES.get(spec.entity, 15),
                mapping_set=mapping_set,
                batch_size=100,
                enabled=True,
            )
        elif flow.mapping_set_id is None and mapping_set is not None:
            flow.mapping_set = mapping_set
            flow.save(update_fields=["mapping_set", "updated_at"])
        flows.append(flow)
    if schedules:
        from integrations.sync.schedules import ensure_system_schedules, sync_flow_schedule

        ensure_system_schedules()
        for flow in flows:
            sync_flow_schedule(flow)
    return flows
