"""The wire to KashFlow's REST API v2: the only module that speaks HTTP.

- Login is KashFlow's two steps (``POST sessiontoken`` -> temporary token and the memorable-word positions
  it wants; ``PUT sessiontoken`` with exactly those characters, one each -> session token), sent as
  ``Authorization: KfToken <token>`` (kashflow.com/developers/rest-api/sessiontoken/). A 401 on a request
  logs in again once and repeats it.
- A refused login (wrong username, password or memorable word, ``AccountLocked``) is recorded in the
  ``LoginGate``: no further login is tried for that connection until someone enters the credentials again,
  because KashFlow locks the user after repeated failures (kashflow.com/developers/rest-api/authentication/)
  and that user is the customer's own login.
- Every failure becomes one of ``integrations.connectors.errors``; no httpx exception leaves this module.
  A 400 whose ``Error`` is a number is KashFlow's SQL time-out (``-2146232060``, "Execution Timeout
  Expired"), which is transient (hcs-sync ``src/kashflow/client.js``), not a validation error.
- Lists are ``{"Data": [...], "MetaData": {"NextPageUrl", "TotalRecords", ...}}`` or, for some resources, a
  bare JSON array (projects, VAT rates, bank accounts, nominals on some accounts); ``iterate`` reads both.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

import httpx

from integrations.connectors.base import NoRateLimit, RateLimiter
from integrations.connectors.errors import (
    AmbiguousError,
    AuthError,
    ConnectorError,
    FaultMessage,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TransientError,
    ValidationError,
)

SYSTEM = "kashflow"
WRITES = frozenset({"POST", "PUT", "DELETE"})
PAGE_SIZE = 100
# Login answers that mean "these credentials are refused": never retried on their own.
LOGIN_REFUSALS = frozenset(
    {"InvalidCredentials", "InvalidMemorableWord", "AccountLocked", "PasswordExpired", "InvalidUserNameOrPassword"}
)


class LoginGate(Protocol):
    """Remembers that KashFlow refused this connection's login, across runs and workers."""

    def refused(self) -> str | None:
        """Why logins are stopped, or None when a login may be tried."""
        ...

    def refuse(self, reason: str) -> None: ...


class MemoryLoginGate:
    """A gate for one connector instance (tests, the connection test): the real one is stored on the Connection."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def refused(self) -> str | None:
        return self.reason

    def refuse(self, reason: str) -> None:
        self.reason = reason


@dataclass(frozen=True)
class Page:
    items: list[dict]
    total: int | None  # MetaData.TotalRecords (None when not given)


class KashFlowClient:
    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        memorable_word: str,
        timeout: float = 30.0,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        login_gate: LoginGate | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.login_gate = login_gate or MemoryLoginGate()
        self.requests_sent = 0
        self.username = username
        self.password = password
        self.memorable_word = memorable_word
        self.rate_limiter = rate_limiter or NoRateLimit()
        self.session_token: str | None = None
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json", "User-Agent": "LedgerBridge"},
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------ session

    def login(self) -> str:
        """Both login steps; raises AuthError for a wrong username, password or memorable word.

        After one refusal no login is sent again until the gate is cleared (the credentials re-entered).
        """
        self.session_token = None
        reason = self.login_gate.refused()
        if reason:
            raise AuthError(
                f"KashFlow refused this connection's login earlier ({reason}). No further login is tried, so "
                "the KashFlow user is not locked out: enter the credentials again on the connection to resume.",
                system=SYSTEM,
                code="LoginStopped",
            )
        try:
            return self._login()
        except AuthError as error:
            if error.code in LOGIN_REFUSALS or error.code == "MemorableWordTooShort":
                self.login_gate.refuse(f"{error.code}: {error.message}")
            raise

    def _login(self) -> str:
        first = self._send("POST", "sessiontoken", json_body={"UserName": self.username, "Password": self.password})
        temporary = first.get("TemporaryToken") if isinstance(first, dict) else None
        wanted = first.get("MemorableWordList") if isinstance(first, dict) else None
        if not isinstance(temporary, str) or not isinstance(wanted, list):
            raise ProtocolError(
                f"The server at {self.base_url} answered the login without a TemporaryToken and "
                "MemorableWordList: it does not look like the KashFlow API.",
                system=SYSTEM,
            )
        answers = []
        for item in wanted:  # only the positions asked for, in the order asked, one character each
            position = item.get("Position") if isinstance(item, dict) else item
            if not isinstance(position, int) or not 1 <= position <= len(self.memorable_word):
                raise AuthError(
                    f"KashFlow asked for character {position} of the memorable word, which is only "
                    f"{len(self.memorable_word)} characters long: check the memorable word.",
                    system=SYSTEM,
                    code="MemorableWordTooShort",
                )
            answers.append({"Position": position, "Value": self.memorable_word[position - 1]})
        second = self._send(
            "PUT", "sessiontoken", json_body={"TemporaryToken": temporary, "MemorableWordList": answers}
        )
        token = second.get("SessionToken") if isinstance(second, dict) else None
        if not isinstance(token, str) or not token:
            raise ProtocolError(
                f"The server at {self.base_url} answered the login without a SessionToken.", system=SYSTEM
            )
        self.session_token = token
        return token

    def logout(self) -> None:
        """``DELETE /sessiontoken/{sessionToken}``, as KashFlow's Swagger lists it."""
        if self.session_token:
            with contextlib.suppress(ConnectorError):
                self._send("DELETE", f"sessiontoken/{self.session_token}", authenticated=True)
            self.session_token = None

    # ------------------------------------------------------------ requests

    def request(self, method: str, path: str, *, params: dict | None = None, json_body: object = None) -> object:
        """One authenticated call; logs in first if needed and once more after a 401."""
        if self.session_token is None:
            self.login()
        try:
            return self._send(method, path, params=params, json_body=json_body, authenticated=True)
        except AuthError as error:
            if error.status != 401:
                raise
        self.login()
        return self._send(method, path, params=params, json_body=json_body, authenticated=True)

    def get(self, path: str, params: dict | None = None) -> object:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: object) -> object:
        return self.request("POST", path, json_body=body)

    def put(self, path: str, body: object) -> object:
        return self.request("PUT", path, json_body=body)

    def delete(self, path: str) -> object:
        return self.request("DELETE", path)

    # Set by a caller that reads long lists under a retry policy (the sync engine's extract stage): called with
    # the fetch of one page, it retries that page alone, so a failed page costs that page, not the pages read.
    page_retry: Callable[[Callable[[], object]], object] | None = None

    def get_page(self, path: str, params: dict) -> object:
        def fetch() -> object:
            return self.get(path, params)

        return self.page_retry(fetch) if self.page_retry is not None else fetch()

    def iterate(self, path: str, params: dict | None = None, *, perpage: int = PAGE_SIZE) -> Iterator[dict]:
        """Every object of a list, page after page, until ``MetaData.NextPageUrl`` is empty.

        A bare JSON array is the whole list (KashFlow answers some lists so, with no paging).
        """
        for page in self.pages(path, params, perpage=perpage):
            yield from page.items

    def pages(self, path: str, params: dict | None = None, *, perpage: int = PAGE_SIZE) -> Iterator[Page]:
        page = 1
        while True:
            answer = self.get_page(path, {**(params or {}), "page": page, "perpage": perpage})
            if isinstance(answer, list):
                yield Page([item for item in answer if isinstance(item, dict)], len(answer))
                return
            if not isinstance(answer, dict) or not isinstance(answer.get("Data"), list):
                raise ProtocolError(
                    f"The list at {self.base_url}{path} answered neither a JSON array nor KashFlow's "
                    "{Data, MetaData} envelope.",
                    system=SYSTEM,
                )
            meta = answer.get("MetaData") or {}
            total = meta.get("TotalRecords")
            yield Page(answer["Data"], total if isinstance(total, int) else None)
            if not meta.get("NextPageUrl") or not answer["Data"]:
                return
            page += 1

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body: object = None,
        authenticated: bool = False,
    ) -> object:
        headers = {"Authorization": f"KfToken {self.session_token}"} if authenticated and self.session_token else {}
        url = urljoin(self.base_url, path.lstrip("/"))
        self.rate_limiter.acquire()
        self.requests_sent += 1
        try:
            response = self.http.request(method, url, params=params, json=json_body, headers=headers)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ProtocolError(
                f"The KashFlow base URL {self.base_url!r} is not a valid http(s) address ({exc}).", system=SYSTEM
            ) from exc
        except httpx.ConnectTimeout as exc:
            raise TransientError(f"Connecting to KashFlow at {self.base_url} timed out.", system=SYSTEM) from exc
        except httpx.ConnectError as exc:
            raise TransientError(
                f"Could not connect to KashFlow at {self.base_url} ({_reason(exc)}).", system=SYSTEM
            ) from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            what = "timed out" if isinstance(exc, httpx.TimeoutException) else "dropped the connection"
            if method in WRITES and path != "sessiontoken":
                raise AmbiguousError(
                    f"KashFlow {what} after {method} {path} was sent: the change may or may not have been made.",
                    system=SYSTEM,
                ) from exc
            raise TransientError(f"KashFlow {what} during {method} {path}.", system=SYSTEM) from exc
        except httpx.HTTPError as exc:
            raise TransientError(f"The request to KashFlow failed: {exc}", system=SYSTEM) from exc
        return _answer(response, method, path, self.base_url)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "name" in text.lower() and ("resolve" in text.lower() or "known" in text.lower()):
        return "host name not found"
    return text or exc.__class__.__name__


def _body(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _NOT_JSON


_NOT_JSON = object()


def _answer(response: httpx.Response, method: str, path: str, base_url: str) -> object:
    status = response.status_code
    body = _body(response)
    if body is _NOT_JSON or (body is not None and 400 <= status < 500 and not isinstance(body, dict)):
        if status >= 500:
            raise TransientError(f"KashFlow answered {status} to {method} {path}.", system=SYSTEM, status=status)
        kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "a non-JSON answer"
        raise ProtocolError(
            f"The server at {base_url} did not answer like the KashFlow API ({kind}, status {status}). "
            "Check the base URL (it ends in /v2/).",
            system=SYSTEM,
            status=status,
        )
    if status < 400:
        return body
    error = body.get("Error", "") if isinstance(body, dict) else ""
    message = (body.get("Message") if isinstance(body, dict) else "") or f"KashFlow answered {status}"
    fields = [
        FaultMessage(message=str(item.get("Message", "")), field=str(item.get("Field", "")), code=error)
        for item in (body.get("ValidationErrors") or [] if isinstance(body, dict) else [])
        if isinstance(item, dict)
    ]
    common = {"system": SYSTEM, "code": error, "status": status, "messages": fields}
    if status == 429:
        raise RateLimitedError(message, retry_after=_retry_after(response), **common)
    if status == 400 and _numeric(error):
        # KashFlow's SQL time-out surfaces as 400 {"Error": "-2146232060", "Message": "Execution Timeout
        # Expired..."}: a .NET SqlException code, server-side and transient (hcs-sync src/kashflow/client.js).
        raise TransientError(f"KashFlow's database timed out on {method} {path} ({error}): {message}", **common)
    if status == 401:
        raise AuthError(message, **common)
    if status == 400 and (error in LOGIN_REFUSALS or error == "InvalidTemporaryToken"):
        raise AuthError(message, **common)
    if status == 404:
        raise NotFoundError(message, **common)
    if status in (400, 409, 422):
        detail = "; ".join(f"{m.field}: {m.message}" for m in fields)
        raise ValidationError(f"{message} {detail}".strip(), **common)
    if status >= 500 or status == 408:
        raise TransientError(f"KashFlow answered {status} to {method} {path}: {message}", **common)
    raise ProtocolError(f"KashFlow answered {status} to {method} {path}: {message}", **common)


def _numeric(error: object) -> bool:
    text = str(error).strip()
    return bool(text) and text.lstrip("-").isdigit()


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0
