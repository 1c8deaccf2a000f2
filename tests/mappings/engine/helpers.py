"""Small builders for engine tests."""

from __future__ import annotations

from typing import Any

from integrations.connectors.catalog import EntityCatalog, FieldSpec
from mappings.engine import MappingSpec, RuleSpec, TransformSpec, ValueMapEntrySpec, ValueMapSpec, compile_mapping


def spec(*rules: RuleSpec, **kwargs: Any) -> MappingSpec:
    base: dict[str, Any] = {
        "key": "test",
        "version": 1,
        "source_system": "kashflow",
        "source_entity": "sales_invoice",
        "target_system": "dynamics_ax",
        "target_entity": "sales_invoice",
        "rules": tuple(rules),
    }
    base.update(kwargs)
    return MappingSpec(**base)


def value_map(name: str, *entries: tuple[str, str] | tuple[str, str, str], default: str = "") -> ValueMapSpec:
    built = []
    for e in entries:
        if len(e) == 2:
            built.append(ValueMapEntrySpec(e[0], "", e[1]))
        else:
            built.append(ValueMapEntrySpec(e[0], e[1], e[2]))
    return ValueMapSpec(name, "generic", tuple(built), default)


def transform_result(name: str, params: dict | None, value: Any, record: dict | None = None, **kwargs: Any):
    """Apply one transform to ``value`` (the source field ``In``) -> (output value or None, issues)."""
    compiled = compile_mapping(spec(RuleSpec("Out", "path", "In", (TransformSpec(name, params or {}),)), **kwargs))
    result = compiled.apply({**(record or {}), "In": value})
    return result.document.get("Out"), result.issues


def invoice_catalog() -> EntityCatalog:
    """A trimmed AX free text invoice catalog, shaped like the connector's."""
    fields = (
        FieldSpec("OrderAccount", "string", required=True, max_length=20),
        FieldSpec("InvoiceAccount", "string", max_length=20),
        FieldSpec("InvoiceDate", "date"),
        FieldSpec("DueDate", "date"),
        FieldSpec("DocumentDate", "date"),
        FieldSpec("CurrencyCode", "string", max_length=3),
        FieldSpec("CustomerRef", "string", max_length=60),
        FieldSpec("PurchOrderFormNum", "string", max_length=20),
        FieldSpec("PaymentStatus", "string", allowed_values=("None", "PartlyPaid", "Paid")),
        FieldSpec("DefaultDimension", "object"),
        FieldSpec("DefaultDimension.Values", "list"),
        FieldSpec(
            "DefaultDimension.Values[].Name", "string", allowed_values=("Department", "CostCenter", "BusinessUnit")
        ),
        FieldSpec("CustInvoiceLine", "list"),
        FieldSpec("CustInvoiceLine[].LineNum", "decimal"),
        FieldSpec("CustInvoiceLine[].Description", "string", max_length=60),
        FieldSpec("CustInvoiceLine[].Quantity", "decimal"),
        FieldSpec("CustInvoiceLine[].UnitPrice", "decimal"),
        FieldSpec("CustInvoiceLine[].AmountCur", "decimal"),
        FieldSpec("CustInvoiceLine[].LedgerDimension", "object", required=True),
        FieldSpec("CustInvoiceLine[].LedgerDimension.Account", "string", required=True, max_length=20),
        FieldSpec("CustInvoiceLine[].TaxGroup", "string", max_length=10),
        FieldSpec("CustInvoiceLine[].TaxItemGroup", "string", max_length=10),
        FieldSpec("CustInvoiceLine[].DefaultDimension", "object"),
        FieldSpec(
            "CustInvoiceLine[].DefaultDimension.Values[].Name",
            "string",
            allowed_values=("Department", "CostCenter", "BusinessUnit"),
        ),
    )
    return EntityCatalog("dynamics_ax", "sales_invoice", "CustInvoiceTable", "InvoiceId", fields)
