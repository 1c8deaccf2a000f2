"""Find the field catalog of (system, entity) in the connectors' catalog modules.

Tolerant by design: a connector whose catalog module is missing or broken yields no catalog, so
the designer still works (without required-field marks and suggestions) instead of failing.
"""

from __future__ import annotations

import logging
from importlib import import_module

from integrations.connectors.catalog import EntityCatalog, FieldSpec

logger = logging.getLogger(__name__)

CATALOG_MODULES = {
    "kashflow": "integrations.connectors.kashflow.catalog",
    "dynamics_ax": "integrations.connectors.dynamics_ax.catalog",
}
SYSTEM_LABELS = {"kashflow": "KashFlow", "dynamics_ax": "Dynamics AX"}
# Flow entities without a catalog of their own: the status flows read and write invoices.
ENTITY_ALIASES = {"invoice_status": "sales_invoice"}


def catalogs_of(system: str) -> dict[str, EntityCatalog]:
    dotted = CATALOG_MODULES.get(system)
    if not dotted:
        return {}
    try:
        module = import_module(dotted)
    except ModuleNotFoundError:
        logger.debug("No field catalog module for %s", system)
        return {}
    except Exception:  # a broken catalog must not break the designer
        logger.warning("The field catalog module of %s cannot be imported", system, exc_info=True)
        return {}
    catalogs = getattr(module, "CATALOGS", None)
    if not isinstance(catalogs, dict):
        return {}
    return catalogs


def catalog_for(system: str, entity: str, *, alias: bool = False) -> EntityCatalog | None:
    """The catalog of ``entity``; with ``alias`` a flow entity without a catalog reads its alias's (sources only:
    a status mapping writes a few fields, so the invoice's required fields must not be demanded of it)."""
    catalogs = catalogs_of(system)
    return catalogs.get(entity) or (catalogs.get(ENTITY_ALIASES.get(entity, "")) if alias else None)


def leaf_fields(catalog: EntityCatalog | None) -> list[FieldSpec]:
    """Fields a rule can write or read: scalars, not the list/object containers themselves."""
    if catalog is None:
        return []
    return [f for f in catalog.fields if f.type not in ("list", "object")]
