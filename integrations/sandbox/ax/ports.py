"""The simulated AX's inbound ports: which services (and which of their operations) each port exposes, and how it
is set up.

On a real AX 2012 an administrator creates an *enhanced inbound port* for the HTTP adapter, names it (the name is
the URL segment: ``…/MicrosoftDynamicsAXAif60/<PortName>/xppservice.svc``), adds service operations to it, and
sets its troubleshooting and security options (D13 walkthrough-exchanging-documents-by-using-the-http-adapter.md,
D14 configure-addresses-for-enhanced-integration-ports.md, D10 "Include exceptions in fault"). One port may
expose several services (the real NetTcp WSDL of a port with CustomerService, EcoResProductService and
SalesOrderService: audit W2).

The demo serves one port, ``LedgerBridge``, exposing every service we use. Tests register further ports (a port
with only some operations, Basic authentication, faults without exception details, change tracking off).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from integrations.connectors.dynamics_ax.documents import SERVICES

DEFAULT_PORT = "LedgerBridge"
AUTH_NTLM, AUTH_BASIC = "ntlm", "basic"


@dataclass(frozen=True)
class InboundPort:
    name: str
    services: dict[str, tuple[str, ...]] = field(default_factory=dict)  # external name -> exposed operations
    auth: str = AUTH_NTLM  # a default AX HTTP port uses Windows authentication (real WSDL: NegotiateAuthentication)
    allow_basic_over_http: bool = False
    include_exceptions: bool = True  # "Include exceptions in fault" (off on a new port: D10)
    change_tracking: bool = True  # SQL change tracking and a document filter set up for getChangedKeys (D11)
    document_filters_changed: bool = False  # the port's document filters changed since the bookmark was issued
    infolog_warnings: tuple[str, ...] = ()  # Warning lines AX adds to the Infolog SOAP header of successful writes

    def exposes(self, service: str) -> bool:
        return service in self.services


def _all_services() -> dict[str, tuple[str, ...]]:
    return {name: tuple(svc.operations) for name, svc in SERVICES.items()}


_LOCK = threading.Lock()
_PORTS: dict[str, InboundPort] = {}


def reset() -> None:
    with _LOCK:
        _PORTS.clear()
        _PORTS[DEFAULT_PORT.lower()] = InboundPort(DEFAULT_PORT, _all_services())


def register(port: InboundPort) -> InboundPort:
    """Add or replace a port (services default to every service with all its operations)."""
    if not port.services:
        port = replace(port, services=_all_services())
    with _LOCK:
        _PORTS[port.name.lower()] = port
    return port


def get(name: str) -> InboundPort | None:
    with _LOCK:
        return _PORTS.get(name.lower())


def update(name: str, **changes) -> InboundPort:
    port = get(name)
    if port is None:
        raise KeyError(name)
    return register(replace(port, **changes))


def all_ports() -> list[InboundPort]:
    with _LOCK:
        return sorted(_PORTS.values(), key=lambda p: p.name.lower())


reset()
