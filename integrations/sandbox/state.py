"""What the simulated systems hold, for the control API: counts per entity, pages of records, AIF messages."""

from __future__ import annotations

import math

from django.db.models import Count, QuerySet

from integrations.sandbox.models import AxMessage, AxRecord, KashFlowRecord

PER_PAGE = 50
MAX_PER_PAGE = 500

KASHFLOW_ENTITIES = (
    "customers",
    "suppliers",
    "products",
    "nominals",
    "invoices",
    "payments",
    "purchases",
    "purchasepayments",
    "journals",
    "bankaccounts",
    "banktransactions",
)
AX_ENTITIES = (
    "CustTable",
    "VendTable",
    "InventTable",
    "CustInvoiceTable",
    "LedgerJournalTable",
    "MainAccount",
    "DimensionValue",
    "CurrencyPair",
)
SYSTEM_ALIASES = {"kashflow": "kashflow", "kf": "kashflow", "dynamics_ax": "dynamics_ax", "ax": "dynamics_ax"}


class UnknownSystem(LookupError):
    pass


class UnknownEntity(LookupError):
    pass


def system_name(system: str) -> str:
    try:
        return SYSTEM_ALIASES[system.lower()]
    except KeyError:
        raise UnknownSystem(f"Unknown system {system!r}: use kashflow or dynamics_ax.") from None


def _records(system: str) -> QuerySet:
    return KashFlowRecord.objects.all() if system_name(system) == "kashflow" else AxRecord.objects.all()


def _known(system: str) -> tuple[str, ...]:
    return KASHFLOW_ENTITIES if system_name(system) == "kashflow" else AX_ENTITIES


def entity_counts(system: str) -> dict[str, int]:
    """Records per entity; every entity the simulator serves is listed, empty ones with 0."""
    counts = dict.fromkeys(_known(system), 0)
    for row in _records(system).values("entity").annotate(n=Count("pk")).order_by("entity"):
        counts[row["entity"]] = row["n"]
    return counts


def entity_page(system: str, entity: str, *, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """One page of an entity's records, oldest first, each with its key and when it last changed."""
    records = _records(system).filter(entity=entity)
    if entity not in _known(system) and not records.exists():
        raise UnknownEntity(f"{system_name(system)} has no entity {entity!r}; known: {', '.join(_known(system))}.")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = records.count()
    page = max(1, page)
    rows = records.order_by("pk")[(page - 1) * per_page : page * per_page]
    return {
        "system": system_name(system),
        "entity": entity,
        "page": page,
        "pages": max(1, math.ceil(total / per_page)),
        "count": total,
        "results": [
            {
                "key": r.key,
                **({"parent_key": r.parent_key} if isinstance(r, KashFlowRecord) else {"rec_version": r.rec_version}),
                "modified_at": r.modified_at.isoformat(),
                "data": r.data,
            }
            for r in rows
        ],
    }


def ax_messages(
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    service: str = "",
    operation: str = "",
    message_id: str = "",
) -> dict:
    """The AIF messages the AX simulator processed, newest first."""
    messages = AxMessage.objects.select_related("company").order_by("-received_at", "-pk")
    if service:
        messages = messages.filter(service=service)
    if operation:
        messages = messages.filter(operation=operation)
    if message_id:
        messages = messages.filter(message_id=message_id)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = messages.count()
    page = max(1, page)
    return {
        "page": page,
        "pages": max(1, math.ceil(total / per_page)),
        "count": total,
        "results": [
            {
                "id": m.pk,
                "company": m.company.data_area_id,
                "message_id": m.message_id,
                "service": m.service,
                "operation": m.operation,
                "succeeded": m.succeeded,
                "keys": m.keys,
                "fault": m.fault,
                "received_at": m.received_at.isoformat(),
            }
            for m in messages[(page - 1) * per_page : page * per_page]
        ],
    }
