"""One small reader per entity: how a KashFlow record and an AX record become comparable ``Document``s.

Each module has ``ENTITY`` (the flow's entity), ``KASHFLOW_ENTITY`` / ``AX_ENTITY`` (the connector entities it
reads), ``kashflow_document(record, ref)`` and ``ax_documents(record, ref)``. Readers only reshape what the
connectors return; they never call a connector themselves.
"""

from __future__ import annotations

from types import ModuleType

from integrations.reconciliation.readers import (
    bank_lines,
    journals,
    payments,
    purchase_invoices,
    sales_invoices,
    supplier_payments,
)

READERS: dict[str, ModuleType] = {
    reader.ENTITY: reader
    for reader in (sales_invoices, payments, purchase_invoices, supplier_payments, journals, bank_lines)
}
