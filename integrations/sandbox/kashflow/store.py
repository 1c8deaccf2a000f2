"""Reads and writes of the simulated account's objects (``KashFlowRecord`` rows, one per REST object)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from integrations.sandbox.models import KashFlowAccount, KashFlowRecord


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    perpage: int = 100
    sortby: str = ""
    descending: bool = False


def records(account: KashFlowAccount, entity: str, parent_key: str | None = None) -> QuerySet[KashFlowRecord]:
    qs = KashFlowRecord.objects.filter(account=account, entity=entity)
    if parent_key is not None:
        qs = qs.filter(parent_key=parent_key)
    return qs


def _sort_value(value: object) -> tuple:
    # Numbers before text, text case-insensitively: a total order whatever the stored JSON holds.
    if isinstance(value, bool) or value is None:
        return (0, 0, "")
    if isinstance(value, int | float):
        return (1, value, "")
    return (2, 0, str(value).lower())


def list_page(
    account: KashFlowAccount,
    entity: str,
    query: ListQuery,
    *,
    key_field: str,
    numeric_key: bool = False,
    parent_key: str | None = None,
) -> tuple[list[dict], int]:
    """One page of objects and the total count, in a stable order (ties broken by the key).

    Sorting by the key is done by the database and loads one page only; sorting by another field sorts
    the matching objects in Python (fine at sandbox sizes).
    """
    qs = records(account, entity, parent_key)
    start = (query.page - 1) * query.perpage
    if not query.sortby or query.sortby == key_field:
        order = [Length("key"), "key"] if numeric_key else ["key"]
        if query.descending:
            order = [o.desc() if hasattr(o, "desc") else f"-{o}" for o in order]
        total = qs.count()
        page = qs.order_by(*order).values_list("data", flat=True)[start : start + query.perpage]
        return list(page), total
    rows = list(qs.only("key", "data"))
    rows.sort(key=lambda r: (_sort_value(r.data.get(query.sortby)), _sort_value(r.data.get(key_field)), r.key))
    if query.descending:
        rows.reverse()
    return [r.data for r in rows[start : start + query.perpage]], len(rows)


def all_data(account: KashFlowAccount, entity: str, *, numeric: bool = False) -> list[dict]:
    """Every object of a resource KashFlow answers as a bare array (no paging), in key order."""
    order = [Length("key"), "key"] if numeric else ["key"]
    return list(records(account, entity).order_by(*order).values_list("data", flat=True))


def get(account: KashFlowAccount, entity: str, key: str) -> KashFlowRecord | None:
    return records(account, entity).filter(key=key).first()


def save(account: KashFlowAccount, entity: str, key: str, data: dict, *, parent_key: str = "") -> KashFlowRecord:
    record, _ = KashFlowRecord.objects.update_or_create(
        account=account,
        entity=entity,
        key=key,
        defaults={"data": data, "parent_key": parent_key, "modified_at": timezone.now()},
    )
    return record


def insert(account: KashFlowAccount, entity: str, key: str, data: dict, *, parent_key: str = "") -> KashFlowRecord:
    """A new object; raises IntegrityError when the key is taken (two requests racing for one number)."""
    return KashFlowRecord.objects.create(
        account=account, entity=entity, key=key, data=data, parent_key=parent_key, modified_at=timezone.now()
    )


def next_id(account: KashFlowAccount, entity: str) -> int:
    ids = [v for v in records(account, entity).values_list("data__Id", flat=True) if isinstance(v, int)]
    return max(ids, default=0) + 1


def next_number(account: KashFlowAccount, entity: str, start: int = 1) -> int:
    numbers = [int(k) for k in records(account, entity).values_list("key", flat=True) if k.isdigit()]
    return max(numbers, default=start - 1) + 1
