"""Windows authentication of the simulated AX port: the NTLM handshake over HTTP, with pyspnego as the server.

A default AX 2012 HTTP port runs in IIS with Windows authentication (the real WSDL's policy is
``NegotiateAuthentication``; the client binding Visual Studio generates is ``TransportCredentialOnly`` +
``Windows``). IIS answers an anonymous request with ``401`` and ``WWW-Authenticate: Negotiate`` / ``NTLM``; the
client sends an NTLM NEGOTIATE token, gets a CHALLENGE in a second 401, and answers with AUTHENTICATE
(MS-NLMP; requests-ntlm does this on the client side).

HTTP/NTLM authenticates a TCP connection, and WSGI has no connection object, so the simulator keeps the
challenges it issued (for a minute) and accepts an AUTHENTICATE that answers any of them. Where the server tells the
client's port (gunicorn sets ``REMOTE_PORT``), the connection stays authenticated afterwards, as IIS keeps an NTLM
connection by default; where it does not (Django's test server), every request needs the handshake (like IIS with
``authPersistSingleRequest``). Both are inferred from IIS's documented settings, not observed on an AX host.

pyspnego's NTLM acceptor reads the accounts from the file named by ``NTLM_USER_FILE`` (``DOMAIN:USER:PASSWORD``
lines); the simulator writes that file from the ``AxCompany`` service accounts.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
import time

import spnego
import spnego.exceptions

_LOCK = threading.Lock()
_PENDING: list[tuple[float, object]] = []
_TTL = 60.0
_MAX_PENDING = 256
_USER_FILE = os.path.join(tempfile.gettempdir(), f"ledgerbridge-ax-ntlm-{os.getpid()}.txt")
_written: tuple[tuple[str, str], ...] = ()


def _write_accounts(accounts: list[tuple[str, str]]) -> None:
    """(user, password) pairs -> the NTLM_USER_FILE pyspnego's acceptor reads. ``DOMAIN\\user`` or ``user``."""
    global _written
    key = tuple(sorted(accounts))
    if key == _written and os.path.exists(_USER_FILE):
        os.environ["NTLM_USER_FILE"] = _USER_FILE
        return
    lines = []
    for user, password in accounts:
        domain, _, name = user.rpartition("\\")
        lines.append(f"{domain}:{name}:{password}")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(_USER_FILE))
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, _USER_FILE)
    os.environ["NTLM_USER_FILE"] = _USER_FILE
    _written = key


def token(header: str) -> bytes | None:
    """The NTLM token of an ``Authorization: NTLM …`` or ``Negotiate …`` header, or None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() not in ("ntlm", "negotiate") or not value.strip():
        return None
    try:
        return base64.b64decode(value.strip())
    except ValueError:
        return None


def challenge(negotiate: bytes, accounts: list[tuple[str, str]]) -> bytes | None:
    """Answer a NEGOTIATE token with a CHALLENGE (None when the token is not NTLM NEGOTIATE)."""
    _write_accounts(accounts)
    server = spnego.server(protocol="ntlm")
    try:
        out = server.step(negotiate)
    except spnego.exceptions.SpnegoError:
        return None
    if not out:
        return None
    now = time.monotonic()
    with _LOCK:
        _PENDING[:] = [(t, s) for t, s in _PENDING if now - t < _TTL][-_MAX_PENDING:]
        _PENDING.append((now, server))
    return out


def authenticate(auth_token: bytes, accounts: list[tuple[str, str]]) -> str | None:
    """The user name (``DOMAIN\\user`` or ``user``) an AUTHENTICATE token proves, or None."""
    _write_accounts(accounts)
    with _LOCK:
        pending = list(_PENDING)
    for _stamp, server in reversed(pending):
        try:
            server.step(auth_token)
        except (spnego.exceptions.SpnegoError, ValueError, KeyError):
            continue
        if getattr(server, "complete", False):
            with _LOCK:
                _PENDING[:] = [(t, s) for t, s in _PENDING if s is not server]
            return str(server.client_principal or "")
    return None


_CONNECTIONS: dict[tuple[str, str], tuple[float, str]] = {}
_CONNECTION_TTL = 30.0


def connection_user(addr: str, port: str) -> str | None:
    """The user an earlier handshake authenticated on this TCP connection (client address and port), if recent."""
    if not port:
        return None
    with _LOCK:
        found = _CONNECTIONS.get((addr, port))
        if found is None or time.monotonic() - found[0] > _CONNECTION_TTL:
            _CONNECTIONS.pop((addr, port), None)
            return None
        _CONNECTIONS[(addr, port)] = (time.monotonic(), found[1])
        return found[1]


def remember_connection(addr: str, port: str, user: str) -> None:
    if not port:
        return
    now = time.monotonic()
    with _LOCK:
        if len(_CONNECTIONS) > 1024:
            for key in [k for k, (t, _u) in _CONNECTIONS.items() if now - t > _CONNECTION_TTL]:
                del _CONNECTIONS[key]
        _CONNECTIONS[(addr, port)] = (now, user)
