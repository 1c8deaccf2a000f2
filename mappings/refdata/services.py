"""Writes of AX reference data: a checked CSV upload, or a refresh through the AX connection's custom service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from mappings.refdata import csvimport
from mappings.refdata.models import ReferenceSnapshot
from monitoring import audit

Kind = ReferenceSnapshot.Kind
CACHE_KEY = "mappings:refdata:{kind}"


def cache_key(kind: str) -> str:
    return CACHE_KEY.format(kind=kind)


def snapshot_rows(kind: str) -> list[list[str]] | None:
    """The kept rows of ``kind``, or None when nothing was ever loaded (cached until the next save)."""
    key = cache_key(kind)
    found = cache.get(key)
    if found is None:
        snapshot = ReferenceSnapshot.objects.filter(kind=kind).only("rows").first()
        found = {"rows": snapshot.rows if snapshot else None}
        cache.set(key, found, 600)
    return found["rows"]


@transaction.atomic
def _store(kind: str, rows: list[list[str]], *, source: str, source_name: str, actor) -> ReferenceSnapshot:
    snapshot = ReferenceSnapshot.objects.select_for_update().filter(kind=kind).first()
    before = len(snapshot.rows) if snapshot else 0
    if snapshot is None:
        snapshot = ReferenceSnapshot(kind=kind)
    snapshot.rows, snapshot.source, snapshot.source_name = rows, source, source_name[:200]
    snapshot.refreshed_at = timezone.now()
    snapshot.refreshed_by = actor if getattr(actor, "is_authenticated", False) else None
    snapshot.save()
    audit.record(
        actor=actor,
        action="reference_data_refreshed",
        obj=snapshot,
        changes={"rows": [before, len(rows)], "source": [None, f"{source} {source_name}".strip()]},
    )
    cache.delete(cache_key(kind))
    transaction.on_commit(lambda: cache.delete(cache_key(kind)))
    return snapshot


def upload(kind: str, data: bytes, *, filename: str, actor, dimension: str = "") -> csvimport.Parsed:
    """Check a CSV export and, only when every line is good, make it the data in use. Dimension values of one
    dimension replace only that dimension's values."""
    if kind == Kind.MAIN_ACCOUNTS:
        parsed = csvimport.parse_main_accounts(data)
    elif kind == Kind.DIMENSION_VALUES:
        parsed = csvimport.parse_dimension_values(data, dimension)
    else:
        raise ValueError(f"unknown reference data {kind!r}")
    if not parsed.ok:
        return parsed
    rows = parsed.rows
    if kind == Kind.DIMENSION_VALUES:
        uploaded = {r[0] for r in rows}
        kept = [r for r in (snapshot_rows(kind) or []) if r[0] not in uploaded]
        rows = sorted(kept + rows)
    _store(kind, rows, source=ReferenceSnapshot.Source.UPLOAD, source_name=filename, actor=actor)
    return parsed


def refresh_from_service(connector: Any, *, actor) -> dict[str, int]:
    """Read main accounts and dimension values through the connection's custom reference service."""
    loads: dict[str, Callable[[], list[list[str]]]] = {
        Kind.MAIN_ACCOUNTS: lambda: sorted(
            [str(r.get("MainAccountId", "")), str(r.get("Name", "")), str(r.get("Type", ""))]
            for r in connector.main_accounts()
        ),
        Kind.DIMENSION_VALUES: lambda: sorted(
            [str(r.get("DimensionName", "")), str(r.get("Value", "")), str(r.get("Description", ""))]
            for r in connector.dimension_values()
        ),
    }
    counts = {}
    for kind, load in loads.items():
        rows = load()  # raises before anything is stored: the previous data stays
        _store(
            kind, rows, source=ReferenceSnapshot.Source.SERVICE, source_name=connector.reference_service, actor=actor
        )
        counts[kind] = len(rows)
    return counts
