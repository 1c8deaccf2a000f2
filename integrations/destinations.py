"""Where the portal may send credentials and alerts: the checks on a connection's or an alert rule's URL.

Three rules, each a finding of the red-team pass:

- A connection's stored secrets belong to the hosts they were entered for. ``new_destinations`` tells a
  service that a change points the connection somewhere new (a different scheme, host or port in the base
  URL or in any URL-valued setting), so it clears the secrets or requires them again in the same request.
- Credentials never travel over plain ``http://`` to a host other than this machine, unless the admin ticked
  "allow insecure http" (audited): ``check_transport``.
- No server-side request forgery: a URL whose host resolves to a loopback, link-local (169.254.0.0/16, the
  cloud metadata service), private, multicast or otherwise reserved address is refused unless the host (or
  the address, or a network containing it) is listed in ``settings.ALLOWED_PRIVATE_HOSTS`` (an on-premises AX
  lives on a private network: that setting is how a site allows it; the demo allows the sandbox).
  ``check_destination`` runs when a URL is saved and again right before each connection is made, so a DNS
  answer changed since saving is caught. A host that does not resolve is left to fail on its own.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from integrations.connectors.errors import ConnectorError

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


class UnsafeDestination(ConnectorError, ValueError):
    """A URL the portal will not send to; the message says why and what to do. Permanent: retrying the same
    request cannot help until an admin changes the URL or the settings."""

    permanent = True
    kind = "configuration"


def origin(url: str) -> Origin:
    """(scheme, host, port) of an http(s) URL, with the scheme's default port filled in."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower().rstrip("."), parts.port or DEFAULT_PORTS.get(scheme, 0)


def url_settings(values: Mapping[str, Any] | None) -> dict[str, str]:
    """The settings whose values are http(s) URLs (per-service URLs, a WSDL location ...)."""
    return {
        k: v.strip()
        for k, v in (values or {}).items()
        if isinstance(v, str) and v.strip().lower().startswith(("http://", "https://"))
    }


def destinations(base_url: str, values: Mapping[str, Any] | None = None) -> set[Origin]:
    return {origin(base_url), *(origin(u) for u in url_settings(values).values())}


def new_destinations(
    before_url: str, before_settings: Mapping[str, Any] | None, after_url: str, after_settings: Mapping[str, Any] | None
) -> set[Origin]:
    """The origins the changed connection would reach that it did not reach before (empty: same places)."""
    return destinations(after_url, after_settings) - destinations(before_url, before_settings)


def is_local_host(host: str) -> bool:
    """This machine: ``localhost`` or a loopback address."""
    host = (host or "").lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str, *, allow_insecure: bool) -> None:
    """Refuse plain http to anywhere but this machine unless ``allow_insecure``."""
    scheme, host, _ = origin(url)
    if scheme == "http" and not is_local_host(host) and not allow_insecure:
        raise UnsafeDestination(
            f"{url} is plain http:// to {host}: the credentials would cross the network unencrypted. "
            'Use https://, or tick "Allow insecure http" (recorded in the audit trail).'
        )


def _refused_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    for attribute, kind in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(address, attribute):
            return kind
    return ""


def _allowed(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed: Iterable[str]) -> bool:
    for entry in allowed:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        if entry == host:
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve(host: str, port: int) -> list[str]:
    try:
        answers = socket.getaddrinfo(host, port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({a[4][0] for a in answers})


def check_destination(
    url: str,
    *,
    allowed_private_hosts: Iterable[str] | None = None,
    resolver: Callable[[str, int], list[str]] | None = None,
) -> None:
    """Refuse a URL whose host is, or resolves to, an address inside the network unless it is allowed."""
    _, host, port = origin(url)
    if not host:
        raise UnsafeDestination(f"{url!r} names no host.")
    allowed = list(
        allowed_private_hosts if allowed_private_hosts is not None else getattr(settings, "ALLOWED_PRIVATE_HOSTS", [])
    )
    literal = host.strip("[]")
    try:
        ipaddress.ip_address(literal)
        addresses = [literal]
    except ValueError:
        addresses = (resolver or resolve)(host, port)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        kind = _refused_kind(address)
        if kind and not _allowed(host, address, allowed):
            raise UnsafeDestination(
                f"{host} resolves to {address}, a {kind} address: the portal does not send requests inside "
                "its own network unless the host is listed in ALLOWED_PRIVATE_HOSTS."
            )
