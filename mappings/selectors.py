"""Reads used by the designer, the API and the sync engine."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Max, QuerySet

from mappings.catalogs import catalog_for, leaf_fields
from mappings.models import FieldRule, MappingSet

TEMPLATE_KEYS = {
    ("customer", "kf_to_ax"): "customer-kf-to-ax",
    ("customer", "ax_to_kf"): "customer-ax-to-kf",
    ("supplier", "kf_to_ax"): "supplier-kf-to-ax",
    ("supplier", "ax_to_kf"): "supplier-ax-to-kf",
    ("product", "ax_to_kf"): "product-ax-to-kf",
    ("sales_invoice", "kf_to_ax"): "sales-invoice-kf-to-ax",
    ("payment", "kf_to_ax"): "payment-kf-to-ax",
    ("purchase_invoice", "kf_to_ax"): "purchase-invoice-kf-to-ax",
    ("supplier_payment", "kf_to_ax"): "supplier-payment-kf-to-ax",
    # the purchase invoices' second AX document (the flow page's choice): a pending vendor invoice, AX 2012 R2
    ("vendor_invoice", "kf_to_ax"): "purchase-invoice-vendor-invoice-kf-to-ax",
    ("journal", "kf_to_ax"): "journal-kf-to-ax",
    ("bank_transaction", "kf_to_ax"): "bank-transaction-kf-to-ax",
    ("invoice_status", "ax_to_kf"): "invoice-status-ax-to-kf",
    ("invoice_status", "kf_to_ax"): "invoice-status-kf-to-ax",
}


@dataclass
class MappingSummary:
    key: str
    name: str
    source: str
    target: str
    published: MappingSet | None = None
    draft: MappingSet | None = None
    versions: int = 0

    @property
    def current(self) -> MappingSet | None:
        return self.draft or self.published


def mapping_summaries() -> list[MappingSummary]:
    """One line per mapping (key): its published version and its draft, in two queries' worth of rows."""
    summaries: dict[str, MappingSummary] = {}
    for ms in MappingSet.objects.select_related("published_by").order_by("key", "-version"):
        s = summaries.get(ms.key)
        if s is None:
            s = summaries[ms.key] = MappingSummary(
                key=ms.key,
                name=ms.name,
                source=f"{ms.source_system} {ms.source_entity}",
                target=f"{ms.target_system} {ms.target_entity}",
            )
        s.versions += 1
        if ms.status == MappingSet.Status.PUBLISHED:
            s.published = ms
        elif ms.status == MappingSet.Status.DRAFT:
            s.draft = ms
    return sorted(summaries.values(), key=lambda s: s.name.lower())


def versions_of(key: str) -> QuerySet[MappingSet]:
    return MappingSet.objects.filter(key=key).select_related("published_by", "created_by").order_by("-version")


def published_version(key: str) -> MappingSet | None:
    return MappingSet.objects.filter(key=key, status=MappingSet.Status.PUBLISHED).first()


def current_draft(key: str) -> MappingSet | None:
    return MappingSet.objects.filter(key=key, status=MappingSet.Status.DRAFT).first()


def next_version_number(key: str) -> int:
    return (MappingSet.objects.filter(key=key).aggregate(m=Max("version"))["m"] or 0) + 1


@dataclass
class RuleRow:
    """One target field of the designer grid: its catalog entry (if any) and its rule (if any)."""

    target_path: str
    spec: object | None = None  # FieldSpec
    rule: FieldRule | None = None
    errors: list[str] = field(default_factory=list)
    suggestions: list = field(default_factory=list)

    @property
    def required(self) -> bool:
        return bool(self.spec and self.spec.required)

    @property
    def mapped(self) -> bool:
        return self.rule is not None

    @property
    def filled_elsewhere(self) -> str:
        """Why an unmapped field needs no rule: the dimension rules fill it, or the target system sets it."""
        if DIMENSION_FIELD.search(self.target_path):
            return "filled from the dimension rules"
        description = (getattr(self.spec, "description", "") or "").lower()
        if any(word in description for word in ("read-only", "assigned by", "computed")):
            return "set by the target system"
        return ""


DIMENSION_FIELD = re.compile(r"(DefaultDimension|LedgerDimension)\.(Values|DisplayValue)")
# Lists that are usually mapped item by item (a rule per line) rather than as one fixed item.
LINE_LISTS = ("CustInvoiceLine", "LedgerJournalTrans", "LineItems", "Lines")


def catalog_path(path: str) -> str:
    """``DirParty[0].Name`` -> ``DirParty[].Name``: how catalogs name a field."""
    return re.sub(r"\[[^\]]*\]", "[]", path)


def per_item_lists(mapping_set: MappingSet) -> set[str]:
    """The target lists this mapping maps item by item: from options.lines, else from its ``[]`` rules,
    else the usual line lists."""
    lines = (mapping_set.options or {}).get("lines")
    if lines:
        items = lines if isinstance(lines, list) else [lines]
        return {str(o.get("target")) for o in items if isinstance(o, dict) and o.get("target")}
    used = {r.split("[]", 1)[0] for r in mapping_set.rules.values_list("target_path", flat=True) if "[]" in r}
    if used:
        return used
    if mapping_set.rules.filter(target_path__contains="[0]").exists():
        return set()
    return set(LINE_LISTS)


def concrete_path(path: str, per_item: set[str]) -> str:
    """A catalog path as a rule targets it: ``[]`` stays for the per-item list, any other list takes its first
    item (``DirParty[].DirPartyPostalAddressView[].City`` -> ``DirParty[0].DirPartyPostalAddressView[0].City``)."""
    head, sep, _rest = path.partition("[]")
    keep_first = bool(sep) and head in per_item
    out, first = [], True
    for part in re.split(r"(\[\])", path):
        if part == "[]":
            out.append("[]" if first and keep_first else "[0]")
            first = False
        else:
            out.append(part)
    return "".join(out)


def rule_rows(mapping_set: MappingSet) -> list[RuleRow]:
    """Every target field of the catalog in catalog order, then rules for fields the catalog lacks."""
    rules: dict[str, list[FieldRule]] = {}
    for r in mapping_set.rules.all():
        rules.setdefault(catalog_path(r.target_path), []).append(r)
    per_item = per_item_lists(mapping_set)
    rows = []
    for f in leaf_fields(catalog_for(mapping_set.target_system, mapping_set.target_entity)):
        found = rules.pop(f.path, [])
        if not found:
            rows.append(RuleRow(target_path=concrete_path(f.path, per_item), spec=f))
        rows += [RuleRow(target_path=r.target_path, spec=f, rule=r) for r in found]
    rows += [RuleRow(target_path=r.target_path, rule=r) for group in rules.values() for r in group]
    return rows


def source_paths(mapping_set: MappingSet) -> list[str]:
    catalog = catalog_for(mapping_set.source_system, mapping_set.source_entity, alias=True)
    return [f.path for f in leaf_fields(catalog)]


def mappings_for_flow(source_system: str, target_system: str, entity: str) -> QuerySet[MappingSet]:
    """The published version of every mapping a flow of ``entity`` in this direction may run: its source entity
    is the flow's entity and it maps between the flow's two systems (one row per mapping key)."""
    return MappingSet.objects.filter(
        status=MappingSet.Status.PUBLISHED,
        source_system=source_system,
        target_system=target_system,
        source_entity=entity,
    ).order_by("name")


def versions_for_flow(source_system: str, target_system: str, entity: str) -> QuerySet[MappingSet]:
    """Every version (draft, published, archived) of the mappings ``mappings_for_flow`` offers."""
    return MappingSet.objects.filter(source_system=source_system, target_system=target_system, source_entity=entity)


@dataclass
class SourceField:
    path: str  # as a rule reads it: LineItems[].Rate for a per-line list, Addresses[0].Line1 otherwise
    sample: str = ""  # the value in the sample record ("" when there is no sample)


def source_fields(mapping_set: MappingSet, record: dict | None, limit: int = 400) -> list[SourceField]:
    """The designer's source panel: every field of the sample record with its value (lists of records read
    their first item; the usual line lists as ``[]`` so a rule maps each line), then the catalog's other fields
    without a value. Without a sample, the catalog's fields alone."""
    found: dict[str, str] = {}

    def walk(value: object, path: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            if value and all(isinstance(v, dict) for v in value):
                name = path.rsplit(".", 1)[-1]
                walk(value[0], f"{path}[]" if name in LINE_LISTS else f"{path}[0]")
            elif path:
                found[path] = ", ".join(str(v) for v in value[:5])
        elif path:
            found[path] = "" if value is None else str(value)

    if isinstance(record, dict):
        walk(record, "")
    fields = [SourceField(path=p, sample=v) for p, v in found.items()]
    known = {catalog_path(p) for p in found}
    fields += [SourceField(path=p) for p in source_paths(mapping_set) if catalog_path(p) not in known]
    return fields
