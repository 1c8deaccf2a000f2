"""CSV cells a spreadsheet opens as text, never as a formula (CSV / formula injection).

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula,
and a leading TAB or carriage return can hide one (OWASP, "CSV Injection"). Such a cell gets a leading
apostrophe, which every one of them shows as "this is text" without changing what is displayed.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will read it literally; non-text values are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
