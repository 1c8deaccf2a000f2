"""Keys the simulated account hands out: customer codes from names, and the next number of a document."""

from __future__ import annotations

import re

from integrations.sandbox.kashflow import store
from integrations.sandbox.models import KashFlowAccount

FIRST_NUMBER = {"invoices": 1001, "purchases": 5001, "journals": 1}


def code_from_name(account: KashFlowAccount, entity: str, name: str) -> str:
    """KashFlow suggests a code from the name when none is given: letters of the name plus a counter."""
    stem = (re.sub(r"[^A-Z0-9]", "", name.upper()) or "CODE")[:6]
    taken = set(store.records(account, entity).filter(key__startswith=stem).values_list("key", flat=True))
    n = 1
    while f"{stem}{n:02d}" in taken:
        n += 1
    return f"{stem}{n:02d}"


def next_document_number(account: KashFlowAccount, entity: str) -> int:
    return store.next_number(account, entity, start=FIRST_NUMBER.get(entity, 1))
