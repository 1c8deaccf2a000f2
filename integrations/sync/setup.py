"""A pair's default flows, one per row of the design's flow table, each with its published template mapping."""

from __future__ import annotations

from django.db import transaction

from integrations.models import Flow, IntegrationPair
from integrations.models.flows import Trigger
from integrations.sync.flows import SPECS, FlowSpec
from integrations.sync.schedules import ensure_system_schedules, sync_flow_schedule
from mappings.models import MappingSet
from mappings.services.starters import install_templates as install


def template_mapping_set(spec: FlowSpec):
    """The starter mapping of this flow (keyed by its slug), else a published one of the same entities."""
    candidates = MappingSet.objects.filter(
        status=MappingSet.Status.PUBLISHED,
        source_system=spec.source_system,
        target_system=spec.target_system,
    ).order_by("key")
    starter = candidates.filter(key=spec.slug).first()
    if starter is not None:
        return starter
    # No starter installed: a mapping of the same entities that is not another flow's starter.
    others = [s.slug for s in SPECS.values() if s is not spec]
    return (
        candidates.filter(source_entity=spec.source_entity, target_entity=spec.target_entity)
        .exclude(key__in=others)
        .first()
    )


@transaction.atomic
def ensure_default_flows(
    pair: IntegrationPair, *, install_templates: bool = True, schedules: bool = True
) -> list[Flow]:
    """A flow per row of the flow table for ``pair``, polling on a schedule.

    Idempotent: an existing flow keeps its settings; only a missing mapping set is filled in.
    ``schedules=False`` leaves the django-q2 Schedules out (tests that drive runs themselves)."""
    if install_templates:
        install()
    prefix = "" if Flow.objects.filter(pair__isnull=False).exclude(pair=pair).count() == 0 else f"{pair.pk}-"
    flows = []
    for spec in SPECS.values():
        mapping_set = template_mapping_set(spec)
        flow = Flow.objects.filter(pair=pair, entity=spec.entity, direction=spec.direction).first()
        if flow is None:
            flow = Flow.objects.create(
                name=(f"{pair.name} " if prefix else "") + spec.label,
                slug=prefix + spec.slug,
                pair=pair,
                entity=spec.entity,
                direction=spec.direction,
                trigger=Trigger.POLLING,
                schedule_minutes=spec.schedule_minutes,
                mapping_set=mapping_set,
                batch_size=100,
                enabled=True,
            )
        elif flow.mapping_set_id is None and mapping_set is not None:
            flow.mapping_set = mapping_set
            flow.save(update_fields=["mapping_set", "updated_at"])
        flows.append(flow)
    if schedules:
        ensure_system_schedules()
        for flow in flows:
            sync_flow_schedule(flow)
    return flows
