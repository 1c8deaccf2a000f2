from __future__ import annotations

from dataclasses import dataclass

KF = "kashflow"
AX = "dynamics_ax"
KF_TO_AX = "kf_to_ax"
AX_TO_KF = "ax_to_kf"


def _first_line_value(document: dict, table: str, field: str) -> str:
    for line in document.get(table) or []:
        if isinstance(line, dict) and line.get(field) not in (None, ""):
            return str(line[field])
    return ""


@dataclass(frozen=True)
class FlowSpec:
    entity: str  # Flow.entity
    direction: str
    source_entity: str  # connector entity read on the source side
    target_entity: str  # connector entity written on the target side
    source_key_field: str  # key of the source record
    target_key_field: str = ""  # key of the target document when we choose it (master data); else AX assigns it
    reference_field: str = ""  # where the mapped document carries the external reference
    reference_table: str = ""  # ... inside this child table (journals: LedgerJournalTrans[].DocumentNum)
    updatable: bool = False  # a changed source record updates its target record
    master_data: bool = False  # both directions exist; AX wins a conflict
    description: str = ""

    @property
    def source_system(self) -> str:
        return KF if self.direction == KF_TO_AX else AX

    @property
    def target_system(self) -> str:
        return AX if self.direction == KF_TO_AX else KF

    def source_key(self, record: dict) -> str:
        value = record.get(self.source_key_field)
        return "" if value is None else str(value).strip()

    def external_reference(self, document: dict, source_key: str) -> str:
        """The value ``find_by_reference`` looks for in the target."""
        if self.reference_table:
            value = _first_line_value(document, self.reference_table, self.reference_field)
        else:
            value = str(document.get(self.reference_field) or "") if self.reference_field else ""
        return value.strip() or source_key

    def target_key(self, document: dict) -> str:
        return str(document.get(self.target_key_field) or "").strip() if self.target_key_field else ""


SPECS: dict[tuple[str, str], FlowSpec] = {
    (s.entity, s.direction): s
    for s in (
        FlowSpec(
            "customer",
            KF_TO_AX,
            "customer",
            "customer",
            "Code",
            "AccountNum",
            "AccountNum",
            updatable=True,
            master_data=True,
            description="Customers first created in KashFlow, and their edits",
        ),
        FlowSpec(
            "customer",
            AX_TO_KF,
            "customer",
            "customer",
            "AccountNum",
            "Code",
            "Code",
            updatable=True,
            master_data=True,
            description="AX is the master of customers",
        ),
        FlowSpec(
            "supplier",
            KF_TO_AX,
            "supplier",
            "supplier",
            "Code",
            "AccountNum",
            "AccountNum",
            updatable=True,
            master_data=True,
            description="Suppliers first created in KashFlow, and their edits",
        ),
        FlowSpec(
            "supplier",
            AX_TO_KF,
            "supplier",
            "supplier",
            "AccountNum",
            "Code",
            "Code",
            updatable=True,
            master_data=True,
            description="AX is the master of vendors",
        ),
        FlowSpec(
            "product",
            AX_TO_KF,
            "product",
            "product",
            "ItemId",
            "Code",
            "Code",
            updatable=True,
            description="Items from AX become KashFlow products",
        ),
        FlowSpec(
            "sales_invoice",
            KF_TO_AX,
            "sales_invoice",
            "sales_invoice",
            "Number",
            reference_field="CustomerRef",
            description="KashFlow invoices become AX free text invoices",
        ),
        FlowSpec(
            "payment",
            KF_TO_AX,
            "payment",
            "payment",
            "Id",
            reference_field="DocumentNum",
            reference_table="LedgerJournalTrans",
            description="Payments settle the AX invoice they pay",
        ),
        FlowSpec(
            "purchase_invoice",
            KF_TO_AX,
            "purchase_invoice",
            "purchase_invoice",
            "Number",
            reference_field="DocumentNum",
            reference_table="LedgerJournalTrans",
            description="Purchase invoices become AX vendor invoice journals",
        ),
        FlowSpec(
            "journal",
            KF_TO_AX,
            "journal",
            "journal",
            "Number",
            reference_field="DocumentNum",
            reference_table="LedgerJournalTrans",
            description="Journals become AX general journals",
        ),
        FlowSpec(
            "bank_transaction",
            KF_TO_AX,
            "bank_transaction",
            "journal",
            "Id",
            reference_field="DocumentNum",
            reference_table="LedgerJournalTrans",
            description="Reconciled bank lines not matched to a synced payment become AX bank journal lines",
        ),
        FlowSpec(
            "invoice_status",
            AX_TO_KF,
            "sales_invoice",
            "sales_invoice",
            "InvoiceId",
            updatable=True,
            description="AX settlement marks KashFlow invoices paid or outstanding",
        ),
        FlowSpec(
            "invoice_status",
            KF_TO_AX,
            "sales_invoice",
            "sales_invoice",
            "Number",
            updatable=True,
            description="KashFlow invoice status brings AX's payment status up to date",
        ),
    )
}


def spec_for(entity: str, direction: str) -> FlowSpec:
    try:
        return SPECS[(entity, direction)]
    except KeyError:
        raise LookupError(f"No sync flow for {entity} {direction}") from None
