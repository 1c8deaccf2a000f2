"""Parse and check CSV files exported from AX 2012's chart of accounts and financial dimension value lists.

Plain Python. AX's list pages export to Excel with the grid's column labels as headers ("Main account", "Name",
"Main account type"; "Dimension value", "Description"); saved as CSV, that is what we read. The exact labels
depend on the user's grid personalisation and language (inferred), so the field names (MainAccountId,
DimensionName, Value, ...) are accepted too. A file with any problem is refused as a whole, with every problem by
line, so the data it would have replaced stays in use.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

MAX_ROWS = 50_000
MAIN_ACCOUNT_COLUMNS = {
    "id": ("main account", "mainaccountid", "main account id", "account"),
    "name": ("name", "account name"),
    "type": ("main account type", "type"),
}
DIMENSION_COLUMNS = {
    "dimension": ("financial dimension", "dimension", "dimensionname", "dimension name"),
    "value": ("dimension value", "value"),
    "description": ("description", "name"),
}
MAX_LENGTHS = {"id": 20, "name": 60, "type": 30, "dimension": 30, "value": 30, "description": 60}


@dataclass
class Parsed:
    rows: list[list[str]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong); 0: the file

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel saves CSV as UTF-8 with a BOM, or in the Windows code page
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is neither UTF-8 nor Windows-1252 text")


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    names = [h.strip().casefold() for h in header]
    found = {}
    for key, aliases in wanted.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    return found


def _rows(data: bytes, wanted: dict[str, tuple[str, ...]], required: tuple[str, ...], parsed: Parsed):
    try:
        text = _decode(data)
    except ValueError as exc:
        parsed.problems.append((0, str(exc)))
        return None, []
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = list(csv.reader(io.StringIO(text), dialect))
    if not lines:
        parsed.problems.append((0, "the file is empty"))
        return None, []
    columns = _columns(lines[0], wanted)
    missing = [wanted[k][0] for k in required if k not in columns]
    if missing:
        parsed.problems.append((1, f"the header lacks the column(s) {', '.join(repr(m) for m in missing)}"))
        return None, []
    if len(lines) - 1 > MAX_ROWS:
        parsed.problems.append((0, f"more than {MAX_ROWS} rows"))
        return None, []
    return columns, lines[1:]


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return row[index].strip() if index is not None and index < len(row) else ""


def _check_lengths(number: int, values: dict[str, str], parsed: Parsed) -> None:
    for key, value in values.items():
        if len(value) > MAX_LENGTHS[key]:
            parsed.problems.append((number, f"{key} {value[:30]!r} is longer than {MAX_LENGTHS[key]} characters"))


def parse_main_accounts(data: bytes) -> Parsed:
    """[[MainAccountId, Name, Type]] from a chart-of-accounts export."""
    parsed = Parsed()
    columns, lines = _rows(data, MAIN_ACCOUNT_COLUMNS, ("id", "name"), parsed)
    if columns is None:
        return parsed
    seen: dict[str, int] = {}
    for number, row in enumerate(lines, start=2):
        if not any(c.strip() for c in row):
            continue
        values = {k: _cell(row, columns, k) for k in ("id", "name", "type")}
        if not values["id"]:
            parsed.problems.append((number, "the main account is empty"))
            continue
        if values["id"] in seen:
            parsed.problems.append((number, f"main account {values['id']} is also on line {seen[values['id']]}"))
            continue
        seen[values["id"]] = number
        _check_lengths(number, values, parsed)
        parsed.rows.append([values["id"], values["name"], values["type"]])
    if not parsed.rows and not parsed.problems:
        parsed.problems.append((0, "the file has no main accounts"))
    return parsed


def parse_dimension_values(data: bytes, dimension: str = "") -> Parsed:
    """[[DimensionName, Value, Description]] from a dimension value list (one dimension, named by the uploader,
    unless the file has a dimension column)."""
    parsed = Parsed()
    columns, lines = _rows(data, DIMENSION_COLUMNS, ("value",), parsed)
    if columns is None:
        return parsed
    if "dimension" not in columns and not dimension.strip():
        parsed.problems.append((1, "name the financial dimension these values belong to (or add a column for it)"))
        return parsed
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(lines, start=2):
        if not any(c.strip() for c in row):
            continue
        values = {k: _cell(row, columns, k) for k in ("dimension", "value", "description")}
        values["dimension"] = values["dimension"] or dimension.strip()
        if not values["dimension"] or not values["value"]:
            parsed.problems.append((number, "the dimension or its value is empty"))
            continue
        key = (values["dimension"], values["value"])
        if key in seen:
            parsed.problems.append((number, f"{key[0]} {key[1]} is also on line {seen[key]}"))
            continue
        seen[key] = number
        _check_lengths(number, values, parsed)
        parsed.rows.append([values["dimension"], values["value"], values["description"]])
    if not parsed.rows and not parsed.problems:
        parsed.problems.append((0, "the file has no dimension values"))
    return parsed
