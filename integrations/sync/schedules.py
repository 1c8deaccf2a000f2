"""Flow settings and their django-q2 Schedules: a scheduled or polling flow has one Schedule row, named
after it; the stalled-run check has its own."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import Flow
from integrations.models.flows import Trigger
from monitoring import audit

RESUME_STALLED = "ledgerbridge: resume stalled runs"
EDITABLE = ("trigger", "schedule_minutes", "mapping_set", "batch_size", "batched_writes", "enabled")


def schedule_name(flow: Flow) -> str:
    return f"ledgerbridge: flow {flow.pk}"


def sync_flow_schedule(flow: Flow):
    """Create, change or remove the flow's Schedule to match its trigger; returns it or None."""
    wanted = flow.enabled and flow.trigger in (Trigger.SCHEDULE, Trigger.POLLING) and bool(flow.schedule_minutes)
    if not wanted:
        Schedule.objects.filter(name=schedule_name(flow)).delete()
        return None
    schedule, created = Schedule.objects.get_or_create(
        name=schedule_name(flow),
        defaults={
            "func": "integrations.tasks.scheduled_flow_run",
            "args": repr(flow.pk),
            "schedule_type": Schedule.MINUTES,
            "minutes": flow.schedule_minutes,
            "repeats": -1,
            # The first poll one interval from now: setting a flow up never starts a run behind one's back.
            "next_run": timezone.now() + timedelta(minutes=flow.schedule_minutes),
        },
    )
    if not created and (schedule.minutes != flow.schedule_minutes or schedule.schedule_type != Schedule.MINUTES):
        schedule.schedule_type = Schedule.MINUTES
        schedule.minutes = flow.schedule_minutes
        schedule.next_run = timezone.now() + timedelta(minutes=flow.schedule_minutes)
        schedule.save()
    return schedule


def ensure_system_schedules() -> None:
    """The stalled-run check, every minute: it needs no broker state to find stuck work."""
    Schedule.objects.get_or_create(
        name=RESUME_STALLED,
        defaults={
            "func": "integrations.tasks.resume_stalled_runs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=1),
        },
    )


def ensure_schedules() -> int:
    ensure_system_schedules()
    count = 0
    for flow in Flow.objects.all():
        if sync_flow_schedule(flow) is not None:
            count += 1
    return count


@transaction.atomic
def update_flow(flow: Flow, *, actor=None, **changes) -> Flow:
    """Change a flow's settings (audited) and bring its Schedule in line."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not a flow setting: {', '.join(sorted(unknown))}")
    before = {name: _plain(getattr(flow, name)) for name in changes}
    for name, value in changes.items():
        setattr(flow, name, value)
    if flow.trigger in (Trigger.SCHEDULE, Trigger.POLLING) and not flow.schedule_minutes:
        flow.schedule_minutes = 15
    flow.full_clean()
    flow.save()
    after = {name: _plain(getattr(flow, name)) for name in changes}
    diff = {k: [before[k], after[k]] for k in changes if before[k] != after[k]}
    if diff:
        audit.record(actor=actor, action="flow_updated", obj=flow, changes=diff)
    sync_flow_schedule(flow)
    return flow


def _plain(value):
    return str(value) if hasattr(value, "pk") else value
