"""The shipped sales-invoice template (KashFlow invoice -> AX free text invoice) and, beside it, the same mapping
written by hand: the limit the compiled mapping is measured against. ``test_template_equivalence`` proves they
produce the same documents and issues on the benchmark's invoices."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mappings.engine import DimensionRuleSpec, MappingSpec, RuleSpec, TransformSpec, ValueMapEntrySpec, ValueMapSpec

TEMPLATE_KEY = "sales-invoice-kf-to-ax"


def template_spec() -> MappingSpec:
    """The template's spec exactly as ``mappings.services.compiling.to_spec`` builds it from the installed rows."""
    from mappings.catalogs import catalog_for
    from mappings.services.starters import template_documents

    doc = template_documents()[TEMPLATE_KEY]
    return MappingSpec(
        key=doc["key"],
        version=doc["version"],
        source_system=doc["source_system"],
        source_entity=doc["source_entity"],
        target_system=doc["target_system"],
        target_entity=doc["target_entity"],
        rules=tuple(
            RuleSpec(
                r["target_path"],
                r["source_kind"],
                r["source"],
                tuple(TransformSpec(t["name"], t.get("params") or {}) for t in r.get("transforms") or ()),
                r.get("default"),
            )
            for r in doc["rules"]
        ),
        value_maps={
            vm["name"]: ValueMapSpec(
                vm["name"],
                vm["kind"],
                tuple(ValueMapEntrySpec(e["source_value"], e["source_to"], e["target_value"]) for e in vm["entries"]),
                vm.get("default_value", ""),
            )
            for vm in doc["value_maps"]
        },
        dimension_rules=tuple(
            DimensionRuleSpec(d["name"], d["level"], tuple(d["conditions"]), dict(d["dimensions"]), d["stop"])
            for d in doc["dimension_rules"]
        ),
        options=dict(doc.get("options") or {}),
        target_catalog=catalog_for(doc["target_system"], doc["target_entity"]),
    )


def benchmark_invoices(count: int, lines: int = 10, seed: int = 42) -> list[dict[str, Any]]:
    """Demo-company invoices (as the KashFlow sandbox serves them), each brought to ``lines`` lines by repeating
    its own lines: realistic values, about one in forty with a line on the unmapped nominal code 4900."""
    from integrations.sandbox.demo import DemoBuilder

    builder = DemoBuilder(seed=seed, today=date(2026, 11, 1))
    builder.build(count)
    invoices = [copy.deepcopy(d) for e, _k, _p, d in builder.kashflow if e == "invoices"][:count]
    for invoice in invoices:
        items = invoice["LineItems"]
        invoice["LineItems"] = [{**items[i % len(items)], "Number": i + 1} for i in range(lines)]
    return invoices


# ---------------------------------------------------------------- the same mapping, by hand

_CENT = Decimal("0.01")
NOMINAL_ACCOUNTS = {
    1001: "140100", 1100: "130100", 1200: "110110", 1210: "110120", 1230: "110200", 2100: "200100",
    2200: "222100", 2201: "222200", 2210: "230100", 2300: "250100", 3000: "290100", 3200: "290200",
    4000: "401100", 4010: "401200", 4020: "401300", 4030: "401400", 4100: "401500", 5000: "500100",
    5100: "500200", 5200: "500300", 6201: "650100", 7000: "600100", 7006: "600200", 7100: "610100",
    7103: "610200", 7200: "620100", 7400: "640100", 7500: "690000", 7502: "630100", 7600: "660100",
    7700: "670100", 7900: "680100",
}  # fmt: skip
ITEM_TAX_GROUPS = {Decimal("0"): "ZERO", Decimal("20"): "STD", Decimal("5"): "RED"}
LINE_DIMENSIONS = {
    4000: ("022", "OU_3"),
    4010: ("030", "OU_6"),
    4020: ("023", "OU_1"),
    4030: ("020", "OU_1"),
    4100: ("020", "OU_4"),
}
MAX_LENGTHS = {"OrderAccount": 20, "InvoiceAccount": 20, "CurrencyCode": 3, "CustomerRef": 60, "PurchOrderFormNum": 20}


def _dec(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _money(value: Any) -> Decimal:
    return _dec(value).quantize(_CENT, ROUND_HALF_UP)


def _iso_date(text: str) -> str:
    """Validate the date as the engine does (an invalid date must not reach AX), not just slice it."""
    if len(text) == 10:
        return date.fromisoformat(text).isoformat()
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()


def hand_written_map(record: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The sales-invoice template by hand: (document, [(issue code, field), ...]), with the catalog checks
    that can fail on this mapping's output (the rest are constants known to be valid when written)."""
    issues: list[tuple[str, str]] = []
    code = str(record["CustomerCode"]).strip().upper()
    if not code:
        issues.append(("missing_required", "OrderAccount"))
    currency = str((record.get("Currency") or {}).get("Code") or "GBP").upper()
    reference = str(record.get("CustomerReference") or "").strip()
    doc: dict[str, Any] = {
        "OrderAccount": code,
        "InvoiceAccount": code,
        "InvoiceDate": _iso_date(record["IssuedDate"]),
        "DocumentDate": _iso_date(record["IssuedDate"]),
        "DueDate": _iso_date(record["DueDate"]),
        "CurrencyCode": currency,
        "CustomerRef": str(record["Number"]),
        "PurchOrderFormNum": reference[:20],
    }
    for name, limit in MAX_LENGTHS.items():
        if len(doc[name]) > limit:
            issues.append(("too_long", name))
    if currency != "GBP":
        unit = "BU_WHOLESALE"
    elif reference.startswith("WEB"):
        unit = "BU_ONLINE"
    else:
        unit = "BU_RETAIL"
    doc["DefaultDimension"] = {"Values": [{"Name": "BusinessUnit", "Value": unit}]}
    tax_group = "DOM" if currency == "GBP" else "EU"
    lines = []
    for i, item in enumerate(record.get("LineItems") or ()):
        description = " ".join(str(item.get("Description") or "").split())[:60] or "Invoice line"
        line: dict[str, Any] = {
            "Description": description,
            "Quantity": _money(item["Quantity"]),
            "UnitPrice": _money(item["Rate"]),
            "AmountCur": (_dec(item["Quantity"]) * _dec(item["Rate"])).quantize(_CENT, ROUND_HALF_UP),
        }
        nominal = item.get("NominalCode")
        account = NOMINAL_ACCOUNTS.get(nominal)
        item_group = ITEM_TAX_GROUPS.get(_dec(item["VATLevel"]))
        if item_group is None:
            issues.append(("value_not_mapped", f"CustInvoiceLine[{i}].TaxItemGroup"))
        else:
            line["TaxItemGroup"] = item_group
        line["TaxGroup"] = tax_group
        dims = LINE_DIMENSIONS.get(nominal) or (("020", "OU_1") if 4000 <= nominal <= 4999 else None)
        if dims:
            line["DefaultDimension"] = {
                "Values": [{"Name": "Department", "Value": dims[0]}, {"Name": "CostCenter", "Value": dims[1]}]
            }
        if account is None:
            issues.append(("value_not_mapped", f"CustInvoiceLine[{i}].LedgerDimension.Account"))
            issues.append(("missing_required", f"CustInvoiceLine[{i}].LedgerDimension"))
        else:
            values = [
                *({"Name": n, "Value": v} for n, v in zip(("Department", "CostCenter"), dims or (), strict=False)),
                {"Name": "BusinessUnit", "Value": unit},
            ]
            line["LedgerDimension"] = {
                "Account": account,
                "DisplayValue": "-".join([account, *(v["Value"] for v in values)]),
                "Values": values,
            }
        line["LineNum"] = i + 1
        lines.append(line)
    doc["CustInvoiceLine"] = lines
    return doc, issues
