"""Deterministic identities: a content hash per document and a MessageId per write.

The same flow, source record and content always give the same MessageId, so AX recognises a
retried write as the one it already processed ("Duplicate message") instead of posting it twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

NAMESPACE = uuid.UUID("6f1f4b8e-3c55-4c8e-9a57-1c2b7c0e5d10")

# Fields the remote system changes by itself: they never make a record "changed" for us.
VOLATILE_FIELDS = frozenset(
    {
        "LastUpdatedDate",
        "CreatedDate",
        "RecVersion",
        "RecId",
        "_DocumentHash",
        "OutstandingBalance",
        "modified_at",
        "Permalink",
        "OverdueDays",  # KashFlow counts it up every day by itself
    }
)


def _normalise(value: Any, *, drop: frozenset[str] = frozenset()) -> Any:
    if isinstance(value, dict):
        return {str(k): _normalise(v, drop=drop) for k, v in sorted(value.items()) if k not in drop}
    if isinstance(value, list | tuple):
        return [_normalise(v, drop=drop) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        # 12, 12.0, "12.00" and Decimal("12.000") are the same amount.
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            if text and text[0] in "-0123456789" and text.lstrip("-").replace(".", "", 1).isdigit():
                return format(Decimal(text).normalize(), "f")
        except ArithmeticError:
            pass
        return text
    return str(value)


def normalise(value: Any, *, drop: frozenset[str] = frozenset()) -> Any:
    """A canonical form: sorted keys, amounts as plain decimal strings, trimmed text."""
    return _normalise(value, drop=drop)


def content_hash(document: Any) -> str:
    """SHA-256 of the canonical JSON of a mapped document."""
    text = json.dumps(normalise(document), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def record_hash(record: Any) -> str:
    """Hash of a record as a remote system shows it, without the fields it changes by itself."""
    text = json.dumps(normalise(record, drop=VOLATILE_FIELDS), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def message_id(*, flow_id: int, source_key: str, digest: str, operation: str = "write") -> str:
    """A GUID string derived from (flow, source key, content hash): a retry carries the same one."""
    return str(uuid.uuid5(NAMESPACE, f"{flow_id}:{operation}:{source_key}:{digest}"))


def batch_message_id(flow_id: int, member_ids: list[str]) -> str:
    """A batch's MessageId, derived from its members' own MessageIds (order-free): the same members with the
    same content are the same message, so AX refuses a re-sent batch as a duplicate."""
    return str(uuid.uuid5(NAMESPACE, f"{flow_id}:batch:" + ",".join(sorted(member_ids))))


def wire_json(value: Any) -> Any:
    """``value`` as JSON that goes on the wire as the same text: amounts as the plain decimal strings the AX client
    writes (never "1E+2"), dates as ISO text. A document stored this way and sent again is the same document."""
    if isinstance(value, dict):
        return {str(k): wire_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire_json(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def jsonable(value: Any) -> Any:
    """``value`` with amounts as strings and dates as ISO text, ready for a JSON column."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
