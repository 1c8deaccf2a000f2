"""The designer's preview: apply a version to one sample record and report the document and every issue."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mappings import services
from mappings.engine import MappingCompileError, RateProvider, compile_mapping, jsonable
from mappings.models import MappingSet
from mappings.services.ax_checks import check_against_ax


@dataclass
class Preview:
    document: dict | None = None
    issues: list[dict] = field(default_factory=list)
    rule_errors: dict[str, list[str]] = field(default_factory=dict)
    error: str = ""
    # False when AX's accounts and dimension values could not be read, so the mapping's values went unchecked.
    ax_checked: bool = True


def preview(mapping_set: MappingSet, record: Any, rates: RateProvider | None = None) -> Preview:
    """Map ``record``; rules that cannot apply are left out (and reported) so the rest still shows."""
    result = Preview(rule_errors=services.rule_errors(mapping_set))
    if not isinstance(record, dict):
        result.error = "The sample record must be a JSON object"
        return result
    try:
        spec = services.to_spec(mapping_set)
        broken = set(result.rule_errors)
        if broken:
            spec = dataclasses.replace(
                spec,
                rules=tuple(r for r in spec.rules if r.target_path not in broken),
                value_maps={n: vm for n, vm in spec.value_maps.items() if f"value_maps.{n}" not in broken},
                dimension_rules=tuple(d for d in spec.dimension_rules if f"dimension_rules.{d.name}" not in broken),
            )
        compiled = compile_mapping(spec, rates=rates if rates is not None else services.default_rates(spec))
    except MappingCompileError as exc:
        for err in exc.errors:
            result.rule_errors.setdefault(err.rule, []).append(err.message)
        result.error = "The mapping cannot compile; fix the rules marked below"
        return result
    except Exception as exc:  # the preview reports, it never fails the page
        result.error = f"The mapping could not be applied: {exc}"
        return result
    mapped = compiled.apply(record)
    result.document = mapped.document
    result.issues = [i.as_dict() for i in mapped.issues]
    check = check_against_ax(mapping_set)
    result.ax_checked = check.available
    result.issues += [u.as_issue() for u in check.unknown]
    return result


# --- What changes: the record and the document as tables, the draft against the published version ----------


@dataclass
class Table:
    """One list of the document (or record) as rows of flat columns: ``CustInvoiceLine`` with its lines."""

    name: str
    columns: list[str]
    rows: list[dict[str, str]]
    # Per row: the columns whose value differs from the other version, as {column: value in the other version}.
    changed: list[dict[str, str]] = field(default_factory=list)
    added: list[bool] = field(default_factory=list)  # rows the other version does not have
    namer: Any = None  # (column, value) -> the name of a code ("401500" -> "Sales - consultancy"), or ""

    @property
    def lines(self) -> list[dict]:
        """Rows as the page shows them: each cell with its value and, when it changed, the other version's."""
        out = []
        for i, row in enumerate(self.rows):
            changed = self.changed[i] if i < len(self.changed) else {}
            cells = [
                {
                    "value": row.get(c, ""),
                    "name": self.namer(c, row.get(c, "")) if self.namer else "",
                    "changed": c in changed,
                    "old": changed.get(c, ""),
                }
                for c in self.columns
            ]
            out.append({"number": i + 1, "added": i < len(self.added) and self.added[i], "cells": cells})
        return out


@dataclass
class Tables:
    header: list[tuple[str, str]] = field(default_factory=list)
    header_changed: dict[str, str] = field(default_factory=dict)  # column -> value in the other version
    lists: list[Table] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)  # list name -> rows only the other version has
    namer: Any = None

    def name_codes(self, namer: Any) -> Tables:
        """Show codes with their names: ``namer(column, value)`` gives the name of a code, or ""."""
        self.namer = namer
        for table in self.lists:
            table.namer = namer
        return self

    @property
    def header_cells(self) -> list[dict]:
        cells = [
            {
                "name": k,
                "value": v,
                "value_name": self.namer(k, v) if self.namer else "",
                "changed": k in self.header_changed,
                "old": self.header_changed.get(k, ""),
            }
            for k, v in self.header
        ]
        shown = dict(self.header)
        cells += [
            {"name": k, "value": "", "changed": True, "old": old}
            for k, old in self.header_changed.items()
            if k not in shown
        ]
        return cells

    @property
    def change_count(self) -> int:
        return (
            len(self.header_changed)
            + sum(len(c) for t in self.lists for c in t.changed)
            + sum(a for t in self.lists for a in t.added)
            + sum(self.removed.values())
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_dimension_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "Name" in v for v in value)


def _flatten(value: Any, path: str, out: dict[str, str], lists: dict[str, list]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out, lists)
    elif _is_dimension_list(value):
        out[path] = ", ".join(f"{v.get('Name')}={_text(v.get('Value'))}" for v in value)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if lists is not None:
            lists[path] = value
        else:
            out[path] = f"{len(value)} items"
    elif isinstance(value, list):
        out[path] = ", ".join(_text(v) for v in value)
    elif path:
        out[path] = _text(value)


def tables(document: dict | None) -> Tables:
    """A record or document as a header table (every scalar, dotted) and one table per list of records; financial
    dimension lists read as ``Department=022, CostCenter=OU_4``."""
    result = Tables()
    if not isinstance(document, dict):
        return result
    header: dict[str, str] = {}
    lists: dict[str, list] = {}
    _flatten(document, "", header, lists)
    result.header = list(header.items())
    for name, items in lists.items():
        rows = []
        for item in items:
            row: dict[str, str] = {}
            _flatten(item, "", row, None)
            rows.append(row)
        columns = list(dict.fromkeys(c for row in rows for c in row))
        result.lists.append(Table(name=name, columns=columns, rows=rows))
    return result


def compare(current: Tables, other: Tables) -> Tables:
    """Mark in ``current`` what differs from ``other`` (the published version's document for the same record)."""
    other_header = dict(other.header)
    current.header_changed = {k: other_header.get(k, "") for k, v in current.header if other_header.get(k, "") != v} | {
        k: v for k, v in other_header.items() if k not in dict(current.header) and v
    }
    others = {t.name: t for t in other.lists}
    for table in current.lists:
        before = others.get(table.name)
        table.changed, table.added = [], []
        for i, row in enumerate(table.rows):
            old = before.rows[i] if before and i < len(before.rows) else None
            table.added.append(old is None)
            if old is None:
                table.changed.append({})
                continue
            keys = list(dict.fromkeys([*row, *old]))
            table.changed.append({k: old.get(k, "") for k in keys if row.get(k, "") != old.get(k, "")})
            for k in keys:
                if k not in table.columns:
                    table.columns.append(k)
        if before and len(before.rows) > len(table.rows):
            current.removed[table.name] = len(before.rows) - len(table.rows)
    for name, before in others.items():
        if name not in {t.name for t in current.lists}:
            current.removed[name] = len(before.rows)
    return current


def _accounts(document: dict | None) -> list[str]:
    """Every main account the document posts to (``...LedgerDimension.Account`` at any depth), in order."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "Account" and key.endswith("LedgerDimension"):
                    found.append(_text(v))
                else:
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)

    walk(document)
    return found


@dataclass
class DryRun:
    """The draft over recent records, against the published version: what an accountant needs before publishing."""

    records: int = 0
    changed: int = 0  # the document would differ
    account_changed: int = 0  # ... in a main account it posts to
    would_fail: int = 0  # the draft reports an issue for the record
    already_failing: int = 0  # ... which the published version reports too
    error: str = ""
    examples: list[dict] = field(default_factory=list)  # a few changed records: key, what changed


def dry_run(draft: MappingSet, published: MappingSet | None, records: list[dict], key_of: Any = None) -> DryRun:
    """Map every record with the draft and the published version and count what would change or fail."""
    result = DryRun(records=len(records))
    try:
        new = compile_mapping(services.to_spec(draft), rates=services.default_rates(services.to_spec(draft)))
        old = services.compiled_mapping(published) if published is not None else None
    except MappingCompileError as exc:
        result.error = "The draft cannot compile: " + "; ".join(f"{e.rule}: {e.message}" for e in exc.errors)
        result.would_fail = len(records)
        return result
    for record in records:
        mapped = new.apply(record)
        before = old.apply(record) if old is not None else None
        if mapped.issues:
            result.would_fail += 1
            if before is not None and before.issues:
                result.already_failing += 1
        if before is None:
            continue
        new_doc, old_doc = jsonable(mapped.document), jsonable(before.document)
        if new_doc != old_doc:
            result.changed += 1
            account_changed = _accounts(new_doc) != _accounts(old_doc)
            result.account_changed += account_changed
            if len(result.examples) < 5:
                diff = compare(tables(new_doc), tables(old_doc))
                result.examples.append(
                    {
                        "key": key_of(record) if key_of else "",
                        "changes": diff.change_count,
                        "accounts": (", ".join(_accounts(old_doc)), ", ".join(_accounts(new_doc)))
                        if account_changed
                        else None,
                    }
                )
    return result
