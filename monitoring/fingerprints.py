"""Same cause -> same fingerprint: how the exception queue groups failures and re-drives them together.

A fingerprint hashes (flow, stage, error class, error code, normalised message). Normalising masks
what is specific to one record and keeps what names the cause:

- masked: the record's own source key, GUIDs and MessageIds, dates and times, money amounts and
  other bare numbers (invoice numbers, line numbers, "retry after 30 seconds"); clauses that then
  repeat (one per invoice line) count once.
- kept: quoted values (``'4900'``, ``"ACME01"``). A quoted value is what is missing or unmapped,
  and the fix is per value: "value '4900' not in value map nominal_to_main_account" and the same
  message for '4910' need two different value-map rows, so they are two causes. Every invoice of
  customer 'ACME99' that AX refuses is one cause (create ACME99 once).
- a suggested fix that names a value map and a value (the sync engine's ``add_value_map_entry``)
  adds both, since the engine's message gives the value unquoted.
- for connection and rate-limit failures everything variable is masked, quoted values too: one
  outage is one cause whatever record or host it hit.
"""

from __future__ import annotations

import hashlib
import re

# Outage-like classes: the message's details never split a group.
OUTAGE_CLASSES = {"connection", "rate_limit"}

# 'x', "x" and the typographic quotes \u2018x\u2019, \u201cx\u201d.
_QUOTED = re.compile("'[^']*'|\"[^\"]*\"|\u2018[^\u2019]*\u2019|\u201c[^\u201d]*\u201d")
_GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_HEX = re.compile(r"\b[0-9a-fA-F]{16,}\b")
_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d+(?:[.,]\d+)*(?![A-Za-z_])")
_SPACE = re.compile(r"\s+")


def _letters(n: int) -> str:
    # Placeholders without digits, so masking numbers cannot touch them.
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if not n:
            return out


def _number_of(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("a")
    return n


def normalise_message(message: str, *, source_key: str = "", error_class: str = "") -> str:
    """The message with record-specific values masked (see the module docstring)."""
    text = str(message or "")
    if source_key:
        text = re.sub(rf"(?<![\w]){re.escape(str(source_key))}(?![\w])", "<key>", text)
    keep_quoted = error_class not in OUTAGE_CLASSES
    kept: list[str] = []

    def stash(match: re.Match) -> str:
        value = match.group(0)
        if value not in kept:
            kept.append(value)
        return f"\x00{_letters(kept.index(value))}\x00"

    text = _QUOTED.sub(stash if keep_quoted else "<value>", text)
    text = _GUID.sub("<guid>", text)
    text = _HEX.sub("<hex>", text)
    text = _DATETIME.sub("<date>", text)
    text = _NUMBER.sub("<n>", text)
    # One issue per invoice line repeats the same clause: an invoice with 5 lines and one with 6 share a cause.
    text = "; ".join(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))
    text = re.sub(r"\x00([a-z]+)\x00", lambda m: kept[_number_of(m.group(1))], text)
    return _SPACE.sub(" ", text).strip()


def cause_of_fix(suggested_fix: object) -> str:
    """The part of a structured suggested fix that names the cause: the value map and the missing value."""
    if not isinstance(suggested_fix, dict):
        return ""
    name = suggested_fix.get("value_map") or suggested_fix.get("value_map_name")
    value = suggested_fix.get("value", suggested_fix.get("source_value"))
    if name and value not in (None, ""):
        return f"{name}={value}"
    return ""


def fingerprint(
    *,
    flow_id: int | str,
    stage: str,
    error_class: str,
    error_code: str,
    message: str,
    source_key: str = "",
    suggested_fix: object = None,
) -> str:
    """A stable 64-hex digest naming the cause of a failure (see the module docstring).

    A structured ``suggested_fix`` naming a value map and a value adds them, so "4900 is not in value
    map nominal_accounts" (a number the message masks) still splits by value.
    """
    normalised = normalise_message(message, source_key=source_key, error_class=error_class)
    code = str(error_code or "")
    if error_class in OUTAGE_CLASSES:
        code = _NUMBER.sub("<n>", code)
    parts = [str(flow_id), stage or "", error_class or "", code.lower(), normalised, cause_of_fix(suggested_fix)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
