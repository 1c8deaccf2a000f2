"""A failed record in an accountant's terms: who it is for, its date, amount and currency, and its lines.

Read from the stored source payload (KashFlow REST v2 field names, as in the saved example bodies
``kashflow/examples/InvoicesRESTExample.json`` and ``PurchasesRESTExample.json``: ``CustomerName`` /
``SupplierName``, ``IssuedDate``, ``GrossAmount``, ``Currency.Code``, ``LineItems[].NominalCode``,
``Quantity``, ``Rate``; journals carry ``Date`` and ``Lines[]`` with ``Debit`` / ``Credit``). Anything
missing is left blank rather than guessed. Plain functions: no database access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
LINE_LISTS = ("LineItems", "Lines", "JournalEntries", "PaymentLines")


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money(amount: Decimal | None, currency: str = "") -> str:
    """``£1,234.00``; a currency without a symbol is written after the amount (``1,234.00 AUD``)."""
    if amount is None:
        return ""
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency.upper()) if currency else None
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {currency}".strip()


@dataclass(frozen=True)
class RecordContext:
    """Who, when, how much: the columns of the queue."""

    party: str = ""  # customer or supplier (name, else code)
    party_code: str = ""
    document_date: date | None = None
    amount: Decimal | None = None
    currency: str = ""

    @property
    def amount_text(self) -> str:
        return money(self.amount, self.currency)


def _date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value).strip()
    for parse in (datetime.fromisoformat, lambda t: datetime.fromisoformat(t[:10])):
        try:
            return parse(text).date()
        except ValueError:
            continue
    return None


def record_context(payload: Any) -> RecordContext:
    if not isinstance(payload, dict):
        return RecordContext()
    name = payload.get("CustomerName") or payload.get("SupplierName") or ""
    code = payload.get("CustomerCode") or payload.get("SupplierCode") or payload.get("AccountNum") or ""
    currency = payload.get("Currency")
    if isinstance(currency, dict):
        currency = currency.get("Code") or ""
    amount = _decimal(payload.get("GrossAmount"))
    if amount is None:
        amount = _decimal(payload.get("Amount"))
    if amount is None:
        # A journal: the sum of its debits is what it moves.
        debits = [_decimal(line.get("Debit")) for line in lines_of(payload)]
        if any(d for d in debits):
            amount = sum((d for d in debits if d), Decimal(0))
    document_date = _date(payload.get("IssuedDate") or payload.get("Date") or payload.get("PaymentDate"))
    return RecordContext(
        party=str(name or code)[:120],
        party_code=str(code)[:60],
        document_date=document_date,
        amount=amount,
        currency=str(currency or "")[:3].upper(),
    )


def lines_of(payload: Any) -> list[dict]:
    if not isinstance(payload, dict):
        return []
    for key in LINE_LISTS:
        lines = payload.get(key)
        if isinstance(lines, list) and lines:
            return [line for line in lines if isinstance(line, dict)]
    return []


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as the accountant counts the lines of the document
    nominal: str
    description: str
    amount: Decimal | None  # net: quantity x rate, or the journal line's debit/credit


def line_amount(line: dict) -> Decimal | None:
    quantity, rate = _decimal(line.get("Quantity")), _decimal(line.get("Rate"))
    if quantity is not None and rate is not None:
        return (quantity * rate).quantize(Decimal("0.01"))
    for key in ("NetAmount", "Amount", "Debit"):
        value = _decimal(line.get(key))
        if value:
            return value
    credit = _decimal(line.get("Credit"))
    return credit if credit else None


def lines_with_nominal(payload: Any, nominal: str) -> list[Line]:
    """The lines of the record posted to ``nominal`` (a KashFlow nominal code), in document order."""
    found = []
    for index, line in enumerate(lines_of(payload), start=1):
        code = line.get("NominalCode", line.get("Nominal"))
        if code is not None and str(code).strip() == str(nominal).strip():
            description = line.get("Description") or line.get("ProductName") or line.get("Narrative") or ""
            found.append(Line(index, str(code), str(description), line_amount(line)))
    return found


def _numbers(lines: list[Line]) -> str:
    numbers = [str(line.number) for line in lines]
    if len(numbers) == 1:
        return f"Line {numbers[0]}"
    return f"Lines {', '.join(numbers[:-1])} and {numbers[-1]}"


def plain_summary(
    *,
    message: str,
    value_map: str = "",
    value: str = "",
    nominal_map: bool = False,
    payload: Any = None,
    nominal_name: str = "",
) -> str:
    """The error in an accountant's words. A value a value map lacks names the lines it is on, once for all of
    them (one cause, one sentence): "Line 6, Sundry income, £210.00: nominal 4900 has no AX main account yet".
    Anything else: the first sentence of the technical message."""
    if value_map and value:
        lines = lines_with_nominal(payload, value) if nominal_map else []
        if nominal_map:
            what = f"nominal {value} has no AX main account yet"
        else:
            what = f"{value} has no row in the value map {value_map} yet"
        if lines:
            context = record_context(payload)
            name = nominal_name or lines[0].description
            amounts = [line.amount for line in lines if line.amount is not None]
            total = money(sum(amounts, Decimal(0)), context.currency) if amounts else ""
            parts = [_numbers(lines), name, total]
            return f"{', '.join(p for p in parts if p)}: {what}"[:300]
        return what[0].upper() + what[1:]
    text = " ".join(str(message or "").split())
    sentence = text.split(". ")[0].rstrip(".")
    return sentence[:300]


_VALUE_MAP_MESSAGE = re.compile(
    r"""(?:value\s+)?['"](?P<value>[^'"]*)['"].*?value[ _]map\s+['"]?(?P<map>[\w.-]+)""", re.IGNORECASE | re.DOTALL
)
# The sync engine's own words: "Line 1 Account: 4900 is not in value map nominal_accounts".
_ENGINE_MESSAGE = re.compile(r":\s*(?P<value>[^\s:]+) is not in value map (?P<map>[\w.-]+)", re.IGNORECASE)


def gap_of(message: str, suggested_fix: Any, *, value_not_mapped: bool = True) -> tuple[str, str] | None:
    """(value map, missing value) named by a structured fix or, for a value-not-mapped failure, the message."""
    fix = suggested_fix if isinstance(suggested_fix, dict) else {}
    name = fix.get("value_map") or fix.get("value_map_name") or ""
    value = fix.get("value", fix.get("source_value"))
    if name and value not in (None, ""):
        return str(name), str(value)
    if not value_not_mapped:
        return None
    for pattern in (_VALUE_MAP_MESSAGE, _ENGINE_MESSAGE):
        match = pattern.search(message or "")
        if match:
            return match.group("map"), match.group("value")
    return None


_LINE_IN_MESSAGE = re.compile(r"\bline\s+(\d+)\b", re.IGNORECASE)


def failing_line_numbers(message: str, suggested_fix: Any, payload: Any) -> set[int]:
    """The 1-based lines of the record the error is about: the lines on a missing value, else "Line 6" in it."""
    gap = gap_of(message, suggested_fix)
    if gap:
        found = {line.number for line in lines_with_nominal(payload, gap[1])}
        if found:
            return found
    return {int(n) for n in _LINE_IN_MESSAGE.findall(message or "")}


@dataclass(frozen=True)
class LineRow:
    number: int
    nominal: str
    description: str
    quantity: Any
    rate: Any
    amount: str
    failing: bool


def line_rows(payload: Any, failing: set[int]) -> list[LineRow]:
    currency = record_context(payload).currency
    rows = []
    for index, line in enumerate(lines_of(payload), start=1):
        rows.append(
            LineRow(
                number=index,
                nominal=str(line.get("NominalCode", line.get("Nominal", "")) or ""),
                description=str(line.get("Description") or line.get("ProductName") or line.get("Narrative") or ""),
                quantity=line.get("Quantity", ""),
                rate=line.get("Rate", ""),
                amount=money(line_amount(line), currency),
                failing=index in failing,
            )
        )
    return rows


def lines_key(payload: Any) -> str:
    """The name of the record's list of lines (``LineItems``, ``Lines``...), or ""."""
    if isinstance(payload, dict):
        for key in LINE_LISTS:
            if isinstance(payload.get(key), list) and payload[key]:
                return key
    return ""
