"""Field catalogs: the schema each connector publishes for each of its entities.

The mapping engine validates output against these and the suggestion ranker matches fields
by their canonical concept (``customer.code``, ``address.postcode``, ``line.quantity`` ...).
Paths use dots for nesting and ``[]`` for list items: ``LineItems[].NominalCode``. A list itself is named
without brackets (``LineItems``, type ``list``); ``LineItems[]`` would describe each item.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldSpec:
    path: str
    type: str  # string | integer | decimal | boolean | date | datetime | list | object
    required: bool = False
    max_length: int | None = None
    allowed_values: tuple[str, ...] = ()
    description: str = ""
    concept: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1].removesuffix("[]")


@dataclass(frozen=True)
class EntityCatalog:
    system: str
    entity: str  # our entity name: customer, supplier, product, sales_invoice, ...
    remote_name: str  # the remote system's name: "customers", "CustTable" ...
    key_field: str
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    def field(self, path: str) -> FieldSpec | None:
        return self._by_path().get(path)

    def _by_path(self) -> dict[str, FieldSpec]:
        cache = self.__dict__.get("_index")
        if cache is None:
            cache = {f.path: f for f in self.fields}
            object.__setattr__(self, "_index", cache)
        return cache
