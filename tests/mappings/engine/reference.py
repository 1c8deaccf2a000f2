"""A realistic sales-invoice mapping (KashFlow invoice -> AX free text invoice), twice: as an engine spec and
as a hand-written Python function producing the same document and issues.

The equivalence test checks they agree on generated invoices; the benchmark reuses all three pieces
(``sales_invoice_spec``, ``reference_map``, ``generate_invoices``) to compare their speed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mappings.engine import (
    DimensionRuleSpec,
    MappingSpec,
    RuleSpec,
    TransformSpec,
    ValueMapEntrySpec,
    ValueMapSpec,
)

T = TransformSpec

NOMINAL_EXACT = {4000: "401100", 4010: "401200", 4020: "401300", 5000: "500100"}
NOMINAL_RANGES = ((4100, 4999, "401900"), (7000, 7999, "601000"))
VAT_GROUP = {Decimal("20"): "STD", Decimal("5"): "RED", Decimal("0"): "ZERO"}
VAT_ITEM = {Decimal("20"): "ITEM_STD", Decimal("5"): "ITEM_RED", Decimal("0"): "ITEM_ZERO"}
VAT_ITEM_DEFAULT = "ITEM_STD"
CURRENCIES = {"GBP": "GBP", "EUR": "EUR", "USD": "USD"}


def sales_invoice_spec(target_catalog: Any = None) -> MappingSpec:
    line = "CustInvoiceLine[]"
    rules = (
        RuleSpec("CustomerRef", "path", "Number", (T("string"),)),
        RuleSpec("OrderAccount", "path", "CustomerCode", (T("trim"), T("upper"))),
        RuleSpec("InvoiceAccount", "path", "CustomerCode", (T("trim"), T("upper"))),
        RuleSpec("InvoiceDate", "path", "IssuedDate", (T("date_format"),)),
        RuleSpec("DueDate", "path", "DueDate", (T("date_format"),)),
        RuleSpec("DocumentDate", "path", "IssuedDate", (T("date_format", {"output": "%Y-%m-%d"}),)),
        RuleSpec("CurrencyCode", "path", "Currency.Code", (T("lookup", {"map": "currency"}),), default="GBP"),
        RuleSpec("PurchOrderFormNum", "path", "CustomerReference", (T("trim"), T("truncate", {"length": 20}))),
        RuleSpec(f"{line}.Description", "path", "LineItems[].Description", (T("trim"), T("truncate", {"length": 60}))),
        RuleSpec(f"{line}.Quantity", "path", "LineItems[].Quantity", (T("number", {"decimals": 2}),)),
        RuleSpec(f"{line}.UnitPrice", "path", "LineItems[].Rate", (T("money"),)),
        RuleSpec(f"{line}.AmountCur", "expression", "round(item.Quantity * item.Rate, 2)"),
        RuleSpec(f"{line}.LedgerDimension.Account", "path", "LineItems[].NominalCode", (T("lookup", {"map": "nominal"}),)),  # noqa: E501
        RuleSpec(f"{line}.TaxGroup", "path", "LineItems[].VATRate", (T("lookup", {"map": "vat_group"}),)),
        RuleSpec(f"{line}.TaxItemGroup", "path", "LineItems[].VATRate", (T("lookup", {"map": "vat_item"}),)),
    )  # fmt: skip
    value_maps = {
        "nominal": ValueMapSpec(
            "nominal",
            "nominal_to_main_account",
            (
                *(ValueMapEntrySpec(str(k), "", v) for k, v in NOMINAL_EXACT.items()),
                *(ValueMapEntrySpec(str(lo), str(hi), v) for lo, hi, v in NOMINAL_RANGES),
            ),
        ),
        "vat_group": ValueMapSpec(
            "vat_group", "tax_group", tuple(ValueMapEntrySpec(str(k), "", v) for k, v in VAT_GROUP.items())
        ),
        "vat_item": ValueMapSpec(
            "vat_item",
            "item_tax_group",
            tuple(ValueMapEntrySpec(str(k), "", v) for k, v in VAT_ITEM.items()),
            default=VAT_ITEM_DEFAULT,
        ),
        "currency": ValueMapSpec(
            "currency", "currency", tuple(ValueMapEntrySpec(k, "", v) for k, v in CURRENCIES.items())
        ),
    }
    dimension_rules = (
        DimensionRuleSpec(
            "trade customers", "header", ({"field": "CustomerCode", "op": "startswith", "value": "TR"},),
            {"BusinessUnit": "TRADE"},
        ),
        DimensionRuleSpec("everyone else", "header", (), {"BusinessUnit": "RETAIL"}),
        DimensionRuleSpec(
            "project work", "line", ({"field": "LineItems[].ProjectNumber", "op": "exists"},),
            {"CostCenter": "PRJ"}, stop=False,
        ),
        DimensionRuleSpec(
            "core sales", "line",
            ({"field": "LineItems[].NominalCode", "op": "range", "value": 4000, "value_to": 4099},),
            {"Department": "022", "CostCenter": "OU_4"},
        ),
        DimensionRuleSpec(
            "other sales", "line",
            ({"field": "LineItems[].NominalCode", "op": "range", "value": 4100, "value_to": 4999},),
            {"Department": "023"},
        ),
        DimensionRuleSpec("default department", "line", (), {"Department": "000"}),
    )  # fmt: skip
    return MappingSpec(
        key="kashflow-sales-invoice",
        version=1,
        source_system="kashflow",
        source_entity="sales_invoice",
        target_system="dynamics_ax",
        target_entity="sales_invoice",
        rules=rules,
        value_maps=value_maps,
        dimension_rules=dimension_rules,
        options={"lines": {"source": "LineItems", "target": "CustInvoiceLine", "number": "LineNum"}},
        target_catalog=target_catalog,
    )


# ---------------------------------------------------------------- the same mapping, by hand

_CENT = Decimal("0.01")
_ORDER = {"Department": 0, "CostCenter": 1, "BusinessUnit": 2}


def _dec(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _iso_date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return date.fromisoformat(value).isoformat()


def _values(dims: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": n, "Value": v} for n, v in sorted(dims.items(), key=lambda kv: _ORDER[kv[0]])]


def reference_map(record: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The hand-written equivalent of ``sales_invoice_spec()``: (document, [(issue code, field), ...])."""
    doc: dict[str, Any] = {}
    issues: list[tuple[str, str]] = []
    number = record.get("Number")
    if number is not None:
        doc["CustomerRef"] = str(number)
    code = record.get("CustomerCode")
    if code is not None:
        doc["OrderAccount"] = doc["InvoiceAccount"] = str(code).strip().upper()
    issued = _iso_date(record.get("IssuedDate"))
    if issued is not None:
        doc["InvoiceDate"] = issued
    due = _iso_date(record.get("DueDate"))
    if due is not None:
        doc["DueDate"] = due
    if issued is not None:
        doc["DocumentDate"] = issued
    currency = (record.get("Currency") or {}).get("Code")
    mapped = CURRENCIES.get(currency.strip()) if isinstance(currency, str) else None
    if mapped is None and currency not in (None, ""):
        issues.append(("value_not_mapped", "CurrencyCode"))
    doc["CurrencyCode"] = mapped or "GBP"
    ref = record.get("CustomerReference")
    if ref is not None:
        doc["PurchOrderFormNum"] = str(ref).strip()[:20]

    header_dims = {"BusinessUnit": "TRADE" if code is not None and str(code).startswith("TR") else "RETAIL"}
    doc["DefaultDimension"] = {"Values": _values(header_dims)}

    lines = []
    for i, item in enumerate(record.get("LineItems") or ()):
        line: dict[str, Any] = {}
        description = item.get("Description")
        if description is not None:
            line["Description"] = str(description).strip()[:60]
        qty, rate = item.get("Quantity"), item.get("Rate")
        if qty is not None:
            line["Quantity"] = _dec(qty).quantize(_CENT, ROUND_HALF_UP)
        if rate is not None:
            line["UnitPrice"] = _dec(rate).quantize(_CENT, ROUND_HALF_UP)
        if qty is None or rate is None:
            issues.append(("rule_error", f"CustInvoiceLine[{i}].AmountCur"))
        else:
            line["AmountCur"] = (_dec(qty) * _dec(rate)).quantize(_CENT, ROUND_HALF_UP)
        nominal = item.get("NominalCode")
        account = NOMINAL_EXACT.get(nominal)
        if account is None and nominal is not None:
            for lo, hi, target in NOMINAL_RANGES:
                if lo <= nominal <= hi:
                    account = target
                    break
            else:
                issues.append(("value_not_mapped", f"CustInvoiceLine[{i}].LedgerDimension.Account"))
        vat = item.get("VATRate")
        vat_key = None if vat is None else _dec(vat)
        group = VAT_GROUP.get(vat_key)
        if group is not None:
            line["TaxGroup"] = group
        elif vat is not None:
            issues.append(("value_not_mapped", f"CustInvoiceLine[{i}].TaxGroup"))
        item_group = VAT_ITEM.get(vat_key, VAT_ITEM_DEFAULT)
        line["TaxItemGroup"] = item_group

        dims: dict[str, str] = {}
        if item.get("ProjectNumber") not in (None, ""):
            dims["CostCenter"] = "PRJ"
        if nominal is not None and 4000 <= nominal <= 4099:
            dims.setdefault("Department", "022")
            dims.setdefault("CostCenter", "OU_4")
        elif nominal is not None and 4100 <= nominal <= 4999:
            dims.setdefault("Department", "023")
        else:
            dims.setdefault("Department", "000")
        line["DefaultDimension"] = {"Values": _values(dims)}
        if account is not None:
            ledger = {**header_dims, **dims}
            values = _values(ledger)
            line["LedgerDimension"] = {
                "Account": account,
                "DisplayValue": "-".join([account, *(v["Value"] for v in values)]),
                "Values": values,
            }
        lines.append(line)
    for n, line in enumerate(lines, 1):
        line["LineNum"] = n
    if "LineItems" in record:
        doc["CustInvoiceLine"] = lines
    return doc, issues


# ---------------------------------------------------------------- test data


def generate_invoices(count: int, lines_per_invoice: int = 10, seed: int = 7) -> list[dict[str, Any]]:
    """KashFlow invoices in the simulator's shape, with a few unmapped codes and odd values among them."""
    rng = random.Random(seed)
    nominals = [4000, 4010, 4020, 4150, 4900, 5000, 7100, 4000, 4000, 8200]
    vat_rates = [20.0, 20.0, 20.0, 5.0, 0.0, 17.5]
    customers = ["ACME01", " trade02 ", "TR0003", "BETA04", "GAMMA5"]
    out = []
    start = date(2026, 1, 1)
    for n in range(count):
        issued = start + timedelta(days=rng.randrange(300))
        items = []
        for k in range(lines_per_invoice):
            item: dict[str, Any] = {
                "Id": n * 100 + k,
                "Description": rng.choice(["  Widgets ", "Consulting hours", "Delivery", "x" * 80]),
                "Quantity": rng.choice([1, 2, 1.5, 10, 0.25]),
                "Rate": round(rng.uniform(1, 500), 2),
                "VATRate": rng.choice(vat_rates),
                "VATAmount": 0,
                "NominalCode": rng.choice(nominals),
                "ProductCode": "",
                "ProjectNumber": rng.choice(["", "", "P-100"]),
                "Sort": k,
            }
            items.append(item)
        out.append(
            {
                "Id": n + 1,
                "Number": 1000 + n,
                "CustomerId": 1,
                "CustomerCode": rng.choice(customers),
                "CustomerName": "Customer",
                "CustomerReference": rng.choice(["PO-1", "  PO-2002  ", "", "A very long purchase order reference"]),
                "IssuedDate": issued.isoformat(),
                "DueDate": (issued + timedelta(days=30)).isoformat(),
                "Currency": {"Code": rng.choice(["GBP", "GBP", "EUR", "USD", "JPY"]), "ExchangeRate": 1.0},
                "Status": "Unpaid",
                "LineItems": items,
            }
        )
    return out
