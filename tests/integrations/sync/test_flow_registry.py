"""Flows are plug-ins: the registry holds one spec per flow, and the stages never ask which flow they run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrations.models import Connection, Flow, IntegrationPair
from integrations.models.flows import Direction, Entity
from integrations.sync.flows import FLOW_MODULES, SPECS, spec_for
from mappings.models import MappingSet

SYNC = Path(__file__).resolve().parents[3] / "integrations" / "sync"
STAGES = ("pipeline", "mapping", "validate", "references", "load", "link", "report", "runner", "context", "extract")


def test_every_flow_is_registered_once_with_its_labels_and_slug():
    assert len(SPECS) == sum(len(m.SPECS) for m in FLOW_MODULES)
    assert {s.entity for s in SPECS.values()} == set(Entity.values)
    for (entity, direction), spec in SPECS.items():
        assert spec_for(entity, direction) is spec
        assert spec.label == f"{Entity(entity).label}: {Direction(direction).label}"
        assert spec.slug == f"{entity.replace('_', '-')}-{direction.replace('_', '-')}"
        assert spec.source_system != spec.target_system
    assert len({s.slug for s in SPECS.values()}) == len(SPECS)
    with pytest.raises(LookupError):
        spec_for("product", "kf_to_ax")


def test_what_is_special_about_a_flow_is_in_its_hooks():
    assert not spec_for("invoice_status", "kf_to_ax").batchable
    assert spec_for("journal", "kf_to_ax").batchable
    assert spec_for("payment", "kf_to_ax").decide and spec_for("payment", "kf_to_ax").enrich
    assert spec_for("bank_transaction", "kf_to_ax").schedule_minutes == 60
    assert spec_for("customer", "kf_to_ax").decide is None  # master data goes the usual way


@pytest.mark.parametrize("stage", STAGES)
def test_the_stages_never_branch_on_the_flow(stage):
    source = (SYNC / f"{stage}.py").read_text()
    entities = "|".join(Entity.values)
    assert not re.search(r"\.entity\s*(==|!=|in\b)", source), f"{stage}.py branches on the flow's entity"
    assert not re.search(rf"""(==|!=)\s*["']({entities})["']""", source), f"{stage}.py compares with a flow"


@pytest.fixture
def flow(db) -> Flow:
    kashflow = Connection.objects.create(name="KF", system="kashflow", base_url="http://kf.invalid/")
    ax = Connection.objects.create(name="AX", system="dynamics_ax", base_url="http://ax.invalid/", company="DEMO")
    pair = IntegrationPair.objects.create(name="Pair", kashflow=kashflow, dynamics_ax=ax)
    published = MappingSet.objects.create(
        key="customer-ax-to-kf", name="Customers", status="published",
        source_system="dynamics_ax", source_entity="customer", target_system="kashflow", target_entity="customer",
    )  # fmt: skip
    return Flow.objects.create(
        name="Customers", slug="customers", pair=pair, entity="customer", direction="ax_to_kf", mapping_set=published
    )


def test_a_flow_answers_its_systems_connections_and_spec(flow):
    assert flow.spec is spec_for(flow.entity, flow.direction)
    assert (flow.source_system, flow.target_system) == (flow.spec.source_system, flow.spec.target_system)
    source, target = flow.connections()
    assert (source.system, target.system) == ("dynamics_ax", "kashflow") == (flow.source_system, flow.target_system)


def test_a_flow_maps_with_the_published_version_of_its_mapping(flow):
    published = flow.published_mapping_set()
    assert published is not None and published.status == "published"
    draft = MappingSet.objects.create(
        key=published.key,
        name=published.name,
        version=published.version + 1,
        status="draft",
        source_system=published.source_system,
        source_entity=published.source_entity,
        target_system=published.target_system,
        target_entity=published.target_entity,
    )
    Flow.objects.filter(pk=flow.pk).update(mapping_set=draft)
    flow.refresh_from_db()
    assert flow.published_mapping_set() == published  # a flow pointing at a draft still maps with the published one
    MappingSet.objects.filter(pk=published.pk).update(status="archived")
    assert flow.published_mapping_set() is None  # nothing published: no run, no preview, no fix
    Flow.objects.filter(pk=flow.pk).update(mapping_set=None)
    flow.refresh_from_db()
    assert flow.published_mapping_set() is None
