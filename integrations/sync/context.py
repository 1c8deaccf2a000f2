"""Everything one run needs, built once: both connectors, the compiled mapping, the retry policy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.models import Flow, SyncRun
from integrations.services.connections import build_connector
from integrations.sync.backoff import RetryPolicy, default_policy
from integrations.sync.config import timeouts_before_batching
from integrations.sync.errors import SyncError
from integrations.sync.flows.specs import AX_TO_KF, KF_TO_AX, FlowSpec
from integrations.sync.heartbeat import Heartbeat
from mappings.services import compiled_mapping

log = logging.getLogger(__name__)


class NoMapping(SyncError):
    stage = "map"
    error_class = "mapping"
    error_code = "no_published_mapping"


class CircuitOpen(Exception):
    """The flow's connection keeps failing: stop the run and pause the flow."""


class NullHeartbeat:
    def tick(self, *, force: bool = False) -> None:
        return None

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


@dataclass
class RunContext:
    run: SyncRun
    flow: Flow
    spec: FlowSpec
    source: object  # Connector
    target: object  # Connector
    mapping: object  # CompiledMapping
    mapping_set: object
    heartbeat: Heartbeat | NullHeartbeat
    policy: RetryPolicy = field(default_factory=default_policy)
    # Keys known to exist in the target, per target entity: a reference is checked once per run.
    known_targets: dict[str, set[str]] = field(default_factory=dict)
    dependencies: dict[str, RunContext] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # per-run lookups, shared with dependency contexts
    consecutive_exhausted: int = 0
    timeouts: int = 0
    owns_connectors: bool = True
    parent: RunContext | None = None
    # Syncs one record in a context: the pipeline's process_record, bound by the runner so that
    # "sync this reference first" (references.sync_dependency) never imports the pipeline.
    process: Callable[[RunContext, dict], Any] | None = None

    @property
    def dry_run(self) -> bool:
        return self.run.dry_run

    @classmethod
    def open(
        cls,
        run: SyncRun,
        heartbeat,
        *,
        process: Callable | None = None,
        connectors: tuple | None = None,
        parent: RunContext | None = None,
    ) -> RunContext:
        return cls._build(run, run.flow, heartbeat, connectors, parent, process)

    @classmethod
    def _build(cls, run, flow, heartbeat, connectors, parent, process):
        spec = flow.spec
        mapping_set = flow.published_mapping_set()
        if mapping_set is None:
            raise NoMapping(f"Flow {flow.name} has no published mapping set: publish one, then run again.")
        mapping = compiled_mapping(mapping_set)
        if connectors is None:
            source_conn, target_conn = flow.connections()
            source, target = build_connector(source_conn), build_connector(target_conn)
            owns = True
        else:
            source, target = connectors
            owns = False
        return cls(
            run=run,
            flow=flow,
            spec=spec,
            source=source,
            target=target,
            mapping=mapping,
            mapping_set=mapping_set,
            heartbeat=heartbeat,
            owns_connectors=owns,
            parent=parent,
            process=parent.process if parent else process,
            known_targets=parent.known_targets if parent else {},
            cache=parent.cache if parent else {},
        )

    def dependency(self, entity: str) -> RunContext | None:
        """The context of the flow that syncs ``entity`` the same way, to sync a missing reference first."""
        if entity in self.dependencies:
            return self.dependencies[entity]
        dep_flow = (
            Flow.objects.filter(pair=self.flow.pair, entity=entity, direction=self.flow.direction, enabled=True)
            .select_related("mapping_set")
            .first()
        )
        ctx = None
        if dep_flow is not None:
            try:
                ctx = RunContext._build(self.run, dep_flow, self.heartbeat, (self.source, self.target), self, None)
            except Exception:
                log.warning("dependency flow %s cannot run", dep_flow, exc_info=True)
                ctx = None
        self.dependencies[entity] = ctx
        return ctx

    def reverse_flow(self) -> Flow | None:
        if not self.spec.master_data:
            return None
        other = AX_TO_KF if self.spec.direction == KF_TO_AX else KF_TO_AX
        return Flow.objects.filter(pair=self.flow.pair, entity=self.flow.entity, direction=other).first()

    def note_timeout(self) -> None:
        self.timeouts += 1
        limit = timeouts_before_batching()
        if self.timeouts >= limit and not self.flow.batched_writes and self.spec.target_system == "dynamics_ax":
            Flow.objects.filter(pk=self.flow.pk).update(batched_writes=True)
            self.flow.batched_writes = True
            log.warning("flow %s switches to batched writes after %s time-outs", self.flow, self.timeouts)

    def close(self) -> None:
        if self.owns_connectors:
            for connector in (self.source, self.target):
                try:
                    connector.close()
                except Exception:
                    log.debug("closing connector failed", exc_info=True)
