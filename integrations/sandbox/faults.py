"""Fault injection for the simulators: which fault, if any, the next matching call suffers.

A ``FaultRule`` matches calls of one system whose operation matches its fnmatch pattern (case-insensitive):
KashFlow operations are ``"<METHOD> <resource>"`` (``"POST invoices"``), AX operations ``"<Service>.<op>"``
(``"FreeTextInvoiceService.create"``). A rule fires with its ``probability`` (1 when unset) and, when it has
a ``remaining`` count, only while the count lasts: the count is consumed by a conditional UPDATE, so two
workers never both take the last one. Every firing counts a hit.

Each simulator calls ``pick_fault`` before doing its own work and applies the fault as the contract says
(latency, 429/503 with Retry-After, 500, time-outs before or after the commit, a dropped connection).
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.db.models import Case, F, Value, When

from integrations.sandbox.models import FaultRule

logger = logging.getLogger(__name__)

# Time-outs without an explicit latency wait this long: longer than the clients' time-outs in tests.
DEFAULT_TIMEOUT_MS = 3000
TIMEOUT_KINDS = frozenset({FaultRule.Kind.TIMEOUT_BEFORE_COMMIT, FaultRule.Kind.TIMEOUT_AFTER_COMMIT})

_random = random.SystemRandom()


@dataclass
class Fault:
    kind: str  # FaultRule.Kind value
    latency_ms: int
    retry_after: int

    @property
    def seconds(self) -> float:
        return self.latency_ms / 1000


def normalise_operation(operation: str) -> str:
    """``"get /invoices/12"`` and ``"GET invoices/12"`` are the same operation: lower-case, no leading slash."""
    text = " ".join(operation.strip().split())
    method, sep, rest = text.partition(" ")
    if sep:
        text = f"{method} {rest.lstrip('/')}"
    return text.lower()


def operation_matches(pattern: str, operation: str) -> bool:
    return fnmatchcase(normalise_operation(operation), normalise_operation(pattern or "*"))


def pick_fault(system: str, operation: str) -> Fault | None:
    """The fault the call ``operation`` of ``system`` suffers now, or None.

    One small query when no rule is active (the table holds a handful of rows; reset and clear empty it).
    Rules are tried oldest first; the first that fires wins.
    """
    rules = list(
        FaultRule.objects.filter(system=system, active=True)
        .order_by("pk")
        .values_list("pk", "operation", "kind", "probability", "remaining", "latency_ms", "retry_after")
    )
    for pk, pattern, kind, probability, remaining, latency_ms, retry_after in rules:
        if not operation_matches(pattern, operation):
            continue
        if probability is not None and _random.random() >= probability:
            continue
        if not _consume(pk, remaining):
            continue
        if kind in TIMEOUT_KINDS and not latency_ms:
            latency_ms = DEFAULT_TIMEOUT_MS
        return Fault(kind=kind, latency_ms=latency_ms, retry_after=retry_after)
    return None


def _consume(pk: int, remaining: int | None) -> bool:
    """Counts the hit; for a next-N rule takes one from ``remaining``, True only if this call got it."""
    rules = FaultRule.objects.filter(pk=pk, active=True)
    if remaining is None:
        return rules.filter(remaining__isnull=True).update(hits=F("hits") + 1) == 1
    # One statement takes the count, counts the hit and retires the rule with its last use.
    last_use = Case(When(remaining__lte=1, then=Value(False)), default=Value(True))
    consumed = rules.filter(remaining__gt=0).update(remaining=F("remaining") - 1, hits=F("hits") + 1, active=last_use)
    return consumed == 1


# --- Dropping the connection --------------------------------------------------------------------


def drop_connection(request) -> None:
    """Shuts the client socket of ``request`` down, so the client sees the connection drop.

    Works under gunicorn (``gunicorn.socket``) and Django's runserver / live test server (the socket under
    ``wsgi.input``). The view may still return a response afterwards: the server's write fails quietly.
    Without a reachable socket (the test client) it logs a warning and does nothing.
    """
    sock = find_client_socket(request.META)
    if sock is None:
        logger.warning("sandbox: no client socket found for %s; connection not dropped", request.path)
        return
    with contextlib.suppress(OSError):  # already closed by the client
        sock.shutdown(socket.SHUT_RDWR)


def send_without_delay(request) -> None:
    """Switch Nagle's algorithm off for this request's socket.

    Django's development and live servers write the headers and the body in two sends, and the second would
    wait for the client's delayed ACK (about 40 ms a call): the simulators answer at their real speed instead.
    """
    sock = find_client_socket(request.META)
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def find_client_socket(environ: dict) -> socket.socket | None:
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    return _socket_under(environ.get("wsgi.input"))


def _socket_under(stream: object, depth: int = 0) -> socket.socket | None:
    """Follows the wrappers of a WSGI input stream down to its socket.

    Django's ``LimitedStream`` keeps the wrapped stream's bound ``read``; a ``BufferedReader`` has ``raw``
    (a ``SocketIO``), which has ``_sock``.
    """
    if stream is None or depth > 8:
        return None
    if isinstance(stream, socket.socket):
        return stream
    for attr in ("_sock", "raw", "stream", "_stream", "rfile", "sock"):
        inner = getattr(stream, attr, None)
        if inner is not None and inner is not stream:
            found = _socket_under(inner, depth + 1)
            if found is not None:
                return found
    for attr in ("_read", "read"):
        owner = getattr(getattr(stream, attr, None), "__self__", None)
        if owner is not None and owner is not stream:
            found = _socket_under(owner, depth + 1)
            if found is not None:
                return found
    return None
