"""The operations of the simulated AIF document services, over ``AxRecord`` rows.

create / read / update / delete / find / findKeys / getKeys / getChangedKeys, as the archived AX 2012
documentation describes them (Document Class Service Operations). Each returns the elements of the response
wrapper and the keys it touched; a refused document raises ``AifError`` and leaves nothing behind.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from integrations.connectors.dynamics_ax.documents import NS_SERVICES, AxDocumentService, AxTable
from integrations.sandbox.ax import rules
from integrations.sandbox.ax.ports import InboundPort
from integrations.sandbox.ax.soap import AifError, FaultEntry, local
from integrations.sandbox.ax.xmldoc import (
    ACTION_KEY,
    parse_document,
    parse_entity_keys,
    parse_paging,
    parse_query_criteria,
    render_document,
    render_entity_key_list,
    render_entity_key_page,
)
from integrations.sandbox.models import AxCompany, AxMessage, AxRecord

NOT_FOUND = "No valid document identified from the entity key"
DUPLICATE = "Duplicate message. Message has already been processed."


@dataclass
class Call:
    company: AxCompany
    svc: AxDocumentService
    operation: str
    wrapper: etree._Element
    message_id: str = ""
    port: InboundPort | None = None


@dataclass
class Outcome:
    children: list[etree._Element]
    keys: list[str]


def records(call: Call):
    qs = AxRecord.objects.filter(company=call.company, entity=call.svc.entity)
    if call.svc.journal_names:
        qs = qs.filter(data__JournalName__in=list(call.svc.journal_names))
    return qs


def execute(call: Call) -> Outcome:
    """Run one service operation. create, update and delete are idempotent by MessageId, as the standard document
    services ship them (EnableIdempotence = Yes on those operations: "How to: Enable Checking for Duplicate
    Messages", MicrosoftDocs/DynamicsAX2012-technet ``how-to-enable-checking-for-duplicate-messages.md``): an inbound
    message is refused "if the system has seen this same MessageId value before" (``message-header.md``), with the
    fault code DuplicateMessage and the text ``DUPLICATE``, and nothing of it is processed; without a MessageId a
    message is never a duplicate. The check is made for the whole AX instance (its AIF message log), not per company,
    port or service: the documents say "the system", and the MessageId identifies a message uniquely. A batch (several
    documents in one message) is one message: sent again, all of it is refused. Inferred (no source shows it): that a
    message AX refused (a fault) is not remembered, so a corrected document may go again under its MessageId."""
    handler = _HANDLERS[call.operation]
    if call.operation in ("create", "update", "delete"):
        with transaction.atomic():
            if (
                call.message_id
                and AxMessage.objects.filter(
                    message_id=call.message_id,
                    succeeded=True,
                    operation__in=("create", "update", "delete"),
                ).exists()
            ):
                raise AifError(DUPLICATE, code="DuplicateMessage")
            outcome = handler(call)
            record_message(call, outcome.keys)
            return outcome
    outcome = handler(call)
    record_message(call, outcome.keys)
    return outcome


def record_message(call: Call, keys: list[str], fault: str = "") -> None:
    AxMessage.objects.create(
        company=call.company,
        message_id=call.message_id[:100],
        service=call.svc.name,
        operation=call.operation,
        succeeded=not fault,
        keys=keys[:1000],
        fault=fault,
    )


def _document_element(call: Call) -> etree._Element:
    elem = call.wrapper.find(f"{{{call.svc.namespace}}}{call.svc.document}")
    if elem is None:
        raise AifError(
            f"The request has no {call.svc.document} document in namespace '{call.svc.namespace}'.",
            code="SchemaValidation",
        )
    return elem


def _keys_from_request(call: Call) -> list[str]:
    keys = []
    for fields in parse_entity_keys(call.wrapper):
        unknown = set(fields) - set(call.svc.key_fields)
        if unknown or not fields:
            raise AifError(NOT_FOUND, code="InvalidDocumentKey")
        keys.append(call.svc.key_of(fields))
    if not keys:
        raise AifError("The entity key list is empty.", code="InvalidDocumentKey")
    return keys


# --- Writes --------------------------------------------------------------------------------------------------
def create(call: Call) -> Outcome:
    svc = call.svc
    entities, errors = parse_document(_document_element(call), svc)
    if errors:
        raise AifError(errors)
    if not entities:
        raise AifError(f"The {svc.document} document contains no {svc.root.name} entity.", code="SchemaValidation")
    now = timezone.now()
    keys: list[str] = []
    all_errors: list[FaultEntry] = []
    for i, record in enumerate(entities, start=1):
        record.pop("_DocumentHash", None)
        _strip_actions(svc.root, record)
        _drop_read_only(svc.root, record)
        if svc.number_sequence:
            number = rules.next_number(call.company, svc.number_sequence, svc.entity)
            record[svc.key_fields[0]] = number
            if svc.entity == "LedgerJournalTable":
                rules.assign_vouchers(record, number)
        all_errors.extend(
            rules.prepare(svc, call.company, record, xpath=f"/{svc.document}/{svc.root.name}[{i}]", is_create=True)
        )
        if all_errors:
            continue
        key = svc.key_of(record)
        if svc.entity == "LedgerJournalTable":
            # a draft: posting (integrations.sandbox.ax.posting) settles what its payment lines mark
            record["Posted"] = "No"
        AxRecord.objects.create(company=call.company, entity=svc.entity, key=key, data=record, modified_at=now)
        keys.append(key)
    if all_errors:
        raise AifError(all_errors)
    return Outcome([render_entity_key_list(svc, keys)], keys)


def _strip_actions(table: AxTable, record: dict) -> None:
    record.pop(ACTION_KEY, None)
    for child in table.children:
        for row in record.get(child.name) or []:
            _strip_actions(child, row)


def _drop_read_only(table: AxTable, record: dict) -> None:
    for fld in table.fields:
        if fld.read_only:
            record.pop(fld.name, None)
    for child in table.children:
        for row in record.get(child.name) or []:
            _drop_read_only(child, row)


def update(call: Call) -> Outcome:
    svc = call.svc
    keys = _keys_from_request(call)
    entities, errors = parse_document(_document_element(call), svc)
    if errors:
        raise AifError(errors)
    if len(entities) != len(keys):
        raise AifError(
            "The number of entity keys does not match the number of entities in the document.",
            code="InvalidDocumentKey",
        )
    now = timezone.now()
    for i, (key, incoming) in enumerate(zip(keys, entities, strict=True), start=1):
        row = records(call).select_for_update().filter(key=key).first()
        if row is None:
            raise AifError(NOT_FOUND, code="InvalidDocumentKey")
        sent_hash = incoming.pop("_DocumentHash", "")
        if not sent_hash:
            raise AifError(
                f"The {svc.root.name} entity of an update must carry the _DocumentHash returned by read: read the "
                "document, change it and send it back.",
                code="DocumentHashMissing",
                field="_DocumentHash",
            )
        if sent_hash != rules.document_hash(row.key, row.rec_version):
            raise AifError(
                f"The document hash does not match the current version of {svc.root.name} {key}: the record was "
                "changed after it was read. Read the document again and resend the update.",
                code="DocumentHashMismatch",
            )
        _drop_read_only(svc.root, incoming)
        if incoming.get(ACTION_KEY) in ("update", "replace"):
            merged = partial_update(svc.root, row.data, incoming, key_fields=svc.key_fields)
        else:
            merged = full_update(svc.root, row.data, incoming, key_fields=svc.key_fields)
        refusals = rules.prepare(
            svc, call.company, merged, xpath=f"/{svc.document}/{svc.root.name}[{i}]", is_create=False
        )
        if refusals:
            raise AifError(refusals)
        row.data = merged
        row.rec_version += 1
        row.modified_at = now
        row.save(update_fields=["data", "rec_version", "modified_at"])
    return Outcome([], keys)


def full_update(table: AxTable, current: dict, incoming: dict, *, key_fields: tuple[str, ...] = ()) -> dict:
    """An update whose entities carry no action is a **full update** (D6 full-update-with-aif.md): the record
    becomes what was sent. Fields not sent are cleared and child records not sent are deleted; key fields and
    the fields AX computes stay."""
    merged = {k: v for k, v in current.items() if k in key_fields or (table.field(k) and table.field(k).read_only)}
    for name, value in incoming.items():
        if name == ACTION_KEY or name in key_fields:
            continue
        child = table.child(name)
        if child is not None:
            merged[name] = [_clean_row(child, r) for r in value or []]
        else:
            merged[name] = value
    return merged


def _clean_row(table: AxTable, row: dict) -> dict:
    row = dict(row)
    _strip_actions(table, row)
    return row


def partial_update(table: AxTable, current: dict, incoming: dict, *, key_fields: tuple[str, ...] = ()) -> dict:
    """A **partial update** (D7 partial-update-with-aif.md): ``action="update"`` on an entity changes only the fields
    in the message; child rows carry their own action: update (the row at the same position: child RecIds are not
    modelled, inferred), create (appended), delete (the row at that position). Rows not sent stay as they are."""
    merged = dict(current)
    for name, value in incoming.items():
        if name == ACTION_KEY or name in key_fields:
            continue
        child = table.child(name)
        if child is None:
            merged[name] = value
            continue
        rows = [dict(r) for r in current.get(name) or []]
        deleted: set[int] = set()
        for i, sent in enumerate(value or []):
            action = sent.get(ACTION_KEY)
            if action == "create" or (action is None and i >= len(rows)):
                rows.append(_clean_row(child, sent))
            elif action == "delete":
                if i < len(rows):
                    deleted.add(i)
            elif i < len(rows):
                if action in ("update", "replace"):
                    rows[i] = partial_update(child, rows[i], sent)
                else:  # a child without an action inside a partial update replaces that row (inferred)
                    rows[i] = full_update(child, rows[i], sent)
            else:
                raise AifError(
                    f"The {child.name} record to update was not found.", code="InvalidDocumentKey", field=child.name
                )
        merged[name] = [r for i, r in enumerate(rows) if i not in deleted]
    return merged


def delete(call: Call) -> Outcome:
    keys = _keys_from_request(call)
    for key in keys:
        deleted, _ = records(call).filter(key=key).delete()
        if not deleted:
            raise AifError(NOT_FOUND, code="InvalidDocumentKey")
    return Outcome([], keys)


# --- Reads ---------------------------------------------------------------------------------------------------
def _with_hash(row: AxRecord) -> dict:
    return {"_DocumentHash": rules.document_hash(row.key, row.rec_version), **row.data}


def read(call: Call) -> Outcome:
    keys = _keys_from_request(call)
    rows = {r.key: r for r in records(call).filter(key__in=keys)}
    missing = [k for k in keys if k not in rows]
    if missing:
        raise AifError(NOT_FOUND, code="InvalidDocumentKey")
    return Outcome([render_document(call.svc, [_with_hash(rows[k]) for k in keys])], keys)


def _find_rows(call: Call) -> list[AxRecord]:
    criteria, errors = parse_query_criteria(call.wrapper)
    if errors:
        raise AifError(errors)
    if not criteria:
        raise AifError("The query criteria must contain at least one criteria element.", code="SchemaValidation")
    groups: dict[tuple[str, str], list[dict]] = {}
    qs = records(call)
    for item in criteria:
        table = _find_table(call.svc.root, item.get("DataSourceName", ""))
        fld = table.field(item.get("FieldName", "")) if table else None
        if table is None or fld is None:
            raise AifError(
                f"The field {item.get('FieldName', '')} does not exist in the data source "
                f"{item.get('DataSourceName', '')} of the {call.svc.document} document.",
                code="InvalidQueryCriteria",
            )
        item["_table"], item["_field"], item["_root_table"] = table, fld, call.svc.root
        groups.setdefault((table.name, fld.name), []).append(item)
    for (table_name, field_name), items in groups.items():
        item = items[0]
        value = item.get("Value1", "")
        if (
            len(items) == 1
            and table_name == call.svc.root.name
            and item["Operator"] == "Equal"
            and item["_field"].type in ("string", "enum")
            and value
            and "*" not in value
            and "?" not in value
        ):
            qs = qs.filter(**{f"data__{field_name}__iexact": value})
    rows = [r for r in qs.order_by("key") if all(_group_matches(r.data, items) for items in groups.values())]
    return rows


def _find_table(table: AxTable, name: str) -> AxTable | None:
    for _path, tbl in table.walk():
        if tbl.name == name:
            return tbl
    return None


def _rows_of(record: dict, root: AxTable, target: str) -> list[dict]:
    if root.name == target:
        return [record]
    out: list[dict] = []
    for child in root.children:
        for row in record.get(child.name) or []:
            out.extend(_rows_of(row, child, target))
    return out


def _group_matches(record: dict, items: list[dict]) -> bool:
    """Criteria on the same field are alternatives (OR), as AX query ranges are."""
    return any(_item_matches(record, item) for item in items)


def _item_matches(record: dict, item: dict) -> bool:
    return any(_compare(row.get(item["_field"].name), item) for row in _table_rows(record, item))


def _table_rows(record: dict, item: dict) -> list[dict]:
    return _rows_of(record, item["_root_table"], item["_table"].name)


def _compare(raw: object, item: dict) -> bool:
    fld = item["_field"]
    if isinstance(raw, dict):
        raw = raw.get("Account", "")
    op, v1, v2 = item["Operator"], item.get("Value1", ""), item.get("Value2", "")
    text = "" if raw is None else str(raw)
    if fld.type == "decimal":
        try:
            left, a, b = Decimal(text or "0"), Decimal(v1 or "0"), Decimal(v2 or "0")
        except ArithmeticError:
            return False
    else:
        left, a, b = text.lower(), v1.lower(), v2.lower()
    if op in ("Equal", "NotEqual"):
        wildcard = isinstance(left, str) and ("*" in a or "?" in a)
        hit = fnmatch.fnmatchcase(left, a) if wildcard else left == a
        return hit if op == "Equal" else not hit
    if op == "Greater":
        return left > a
    if op == "GreaterOrEqual":
        return left >= a
    if op == "Less":
        return left < a
    if op == "LessOrEqual":
        return left <= a
    if op == "Range":
        return a <= left <= b
    return False


def find(call: Call) -> Outcome:
    rows = _find_rows(call)
    return Outcome([render_document(call.svc, [_with_hash(r) for r in rows])], [r.key for r in rows])


def find_keys(call: Call) -> Outcome:
    keys = [r.key for r in _find_rows(call)]
    return Outcome([render_entity_key_list(call.svc, keys)], keys)


def _page(call: Call, qs, *, changes: bool = False) -> Outcome:
    size, bookmark = parse_paging(call.wrapper)
    port = call.port
    if changes and port is not None and not port.change_tracking:
        # Without change tracking AX returns no keys and says why in PageStatusDetails (real EntityKeyPage; D11)
        return Outcome(
            [render_entity_key_page(call.svc, [], None, status="Failure", details="ChangeTrackingDisabled")], []
        )
    if changes and port is not None and port.document_filters_changed and bookmark:
        return Outcome(
            [render_entity_key_page(call.svc, [], None, status="Failure", details="DocumentFiltersChanged")], []
        )
    if bookmark:
        stamp, _, last_id = bookmark.rpartition("|")
        try:
            when, after = datetime.fromisoformat(stamp), int(last_id)
        except ValueError:
            raise AifError(f"The paging bookmark '{bookmark}' is not valid.", code="InvalidPaging") from None
        qs = qs.filter(Q(modified_at__gt=when) | Q(modified_at=when, id__gt=after))
    rows = list(
        qs.order_by("modified_at", "id").values_list("id", "key", "modified_at")[: (size + 1) if size else None]
    )
    next_bookmark = None
    if size and len(rows) > size:
        rows = rows[:size]
        next_bookmark = f"{rows[-1][2].isoformat()}|{rows[-1][0]}"
    keys = [r[1] for r in rows]
    return Outcome([render_entity_key_page(call.svc, keys, next_bookmark, page_size=size)], keys)


def get_keys(call: Call) -> Outcome:
    return _page(call, records(call))


def get_changed_keys(call: Call) -> Outcome:
    # the parameter is _changedDateTime in the services namespace (real wrapper, xsd=xsd11)
    elem = call.wrapper.find(f"{{{NS_SERVICES}}}_changedDateTime")
    if elem is None and any(local(c.tag) == "changedDateTime" for c in call.wrapper):
        raise AifError(
            f"The element '{local(call.wrapper.tag)}' in namespace '{NS_SERVICES}' has invalid child element "
            f"'changedDateTime'. List of possible elements expected: '_changedDateTime'.",
            code="SchemaValidation",
        )
    text = (elem.text or "").strip() if elem is not None else ""
    try:
        since = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AifError(
            f"The _changedDateTime value '{text}' is not a valid UTC date and time.", code="SchemaValidation"
        ) from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return _page(call, records(call).filter(modified_at__gte=since), changes=True)


_HANDLERS = {
    "create": create,
    "read": read,
    "update": update,
    "delete": delete,
    "find": find,
    "findKeys": find_keys,
    "getKeys": get_keys,
    "getChangedKeys": get_changed_keys,
}
