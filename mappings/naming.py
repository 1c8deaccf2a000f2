"""Codes with their names, for people: "4100 Consultancy fees → 401500 Sales - consultancy".

Names come from the reference data the product already reads (AX's main accounts and dimension values, the
KashFlow chart of accounts; cached, see ``mappings.reference``). Nothing here fails when a system cannot be
reached: a code without a known name shows as the code alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mappings import reference
from mappings.models import MappingSet, ValueMap

MAIN_ACCOUNT = "main_account"
NOMINAL = "nominal"
DIMENSION_PREFIX = "dimension:"


@dataclass
class Names:
    accounts: dict[str, str] = field(default_factory=dict)  # AX MainAccountId -> name
    nominals: dict[str, str] = field(default_factory=dict)  # KashFlow nominal code -> name
    dimensions: dict[str, dict[str, str]] = field(default_factory=dict)  # dimension -> {value: description}

    def account(self, code: str) -> str:
        return self.accounts.get(str(code).strip(), "")

    def nominal(self, code: str) -> str:
        return self.nominals.get(str(code).strip(), "")

    def dimension(self, name: str, value: str) -> str:
        return self.dimensions.get(str(name), {}).get(str(value).strip(), "")


def names_for(mapping_set: MappingSet) -> Names:
    """The names a page about ``mapping_set`` shows (only the systems it maps between are asked)."""
    names = Names()
    systems = {mapping_set.source_system, mapping_set.target_system}
    if "dynamics_ax" in systems:
        names.accounts = dict(reference.main_accounts())
        for dimension, value, description in reference.dimension_values():
            names.dimensions.setdefault(dimension, {})[value] = description
    if "kashflow" in systems:
        names.nominals = reference.nominals()
    return names


def labelled(code: str, name: str) -> str:
    code = str(code)
    return f"{code} {name}" if name else code


def entry_names(value_map: ValueMap, names: Names, source: str, target: str) -> tuple[str, str]:
    """(source name, target name) of one value-map row: nominal maps name both sides, in the map's direction."""
    if value_map.kind != ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT:
        return "", ""
    return names.nominal(source) or names.account(source), names.account(target) or names.nominal(target)


def source_picker_kind(value_map: ValueMap, source_system: str) -> str:
    """Which list a value map's source values are chosen from ("" when there is none)."""
    if value_map.kind == ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT and source_system == "kashflow":
        return NOMINAL
    return ""


def picker_kind(value_map: ValueMap, target_system: str) -> str:
    """Which list a value map's targets are chosen from ("" when there is none to choose from)."""
    if value_map.kind == ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT and target_system == "dynamics_ax":
        return MAIN_ACCOUNT
    return ""


def search(kind: str, query: str, limit: int = 20) -> list[tuple[str, str]]:
    """(code, name) of AX main accounts (``kind`` "main_account"), KashFlow nominals ("nominal") or values of one
    dimension ("dimension:CostCenter") matching ``query``: codes starting with it first, then names containing it."""
    if kind == MAIN_ACCOUNT:
        items = reference.main_accounts()
    elif kind == NOMINAL:
        items = sorted(reference.nominals().items())
    elif kind.startswith(DIMENSION_PREFIX):
        wanted = kind[len(DIMENSION_PREFIX) :]
        items = [(value, description) for name, value, description in reference.dimension_values() if name == wanted]
    else:
        return []
    return filter_items(items, query, limit)


def filter_items(items: list[tuple[str, str]], query: str, limit: int = 20) -> list[tuple[str, str]]:
    query = str(query or "").strip().lower()
    if not query:
        return list(items)[:limit]
    by_code = [i for i in items if i[0].lower().startswith(query)]
    by_name = [i for i in items if i not in by_code and (query in i[1].lower() or query in i[0].lower())]
    return (by_code + by_name)[:limit]


def dimension_names() -> list[str]:
    """The financial dimensions AX has (for the dimension rule pickers)."""
    return sorted({name for name, _value, _description in reference.dimension_values()})


def namer(names: Names):  # -> Callable[[str, str], str]
    """The name of a code by where it stands: an AX account field, a KashFlow nominal code, a dimension list."""

    def name_of(column: str, value: str) -> str:
        if not value:
            return ""
        last = column.rsplit(".", 1)[-1]
        if last in ("Account", "MainAccountId", "MainAccount"):
            return names.account(value)
        if last in ("NominalCode", "Code") and column.endswith("NominalCode"):
            return names.nominal(value)
        return ""

    return name_of
