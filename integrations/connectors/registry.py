"""Maps ``Connection.system`` to a connector class, imported on first use."""

from __future__ import annotations

from importlib import import_module

from integrations.connectors.base import Connector

CONNECTORS = {
    "kashflow": "integrations.connectors.kashflow.connector.KashFlowConnector",
    "dynamics_ax": "integrations.connectors.dynamics_ax.connector.DynamicsAXConnector",
}


def connector_class(system: str) -> type[Connector]:
    try:
        dotted = CONNECTORS[system]
    except KeyError:
        raise LookupError(f"No connector for system {system!r}") from None
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)
