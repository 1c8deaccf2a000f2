"""The flows: one module per entity holds everything special about it (see README.md, "Adding a flow").

Adding a flow is a module that defines ``SPECS`` (its FlowSpecs with their hooks) and one line here.
"""

from integrations.sync.flows import (
    bank_transaction,
    customer,
    invoice_status,
    journal,
    payment,
    product,
    purchase_invoice,
    sales_invoice,
    supplier,
    supplier_payment,
)
from integrations.sync.flows.specs import FlowSpec

FLOW_MODULES = (
    customer,
    supplier,
    product,
    sales_invoice,
    payment,
    purchase_invoice,
    supplier_payment,
    journal,
    bank_transaction,
    invoice_status,
)

SPECS: dict[tuple[str, str], FlowSpec] = {(s.entity, s.direction): s for m in FLOW_MODULES for s in m.SPECS}


def spec_for(entity: str, direction: str) -> FlowSpec:
    try:
        return SPECS[(entity, direction)]
    except KeyError:
        raise LookupError(f"No sync flow for {entity} {direction}") from None


__all__ = ["SPECS", "FlowSpec", "spec_for"]
