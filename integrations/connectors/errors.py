"""The one error hierarchy every connector raises. The sync engine never sees httpx or zeep errors.

Attributes say what the caller must do, so the engine classifies in one place:
- ``permanent``: retrying the same request cannot succeed (validation, auth, not found).
- ``retry_after``: seconds the remote system asked us to wait (429 Retry-After).
- ``ambiguous``: the write may or may not have been committed (time-out after the request was
  sent, dropped connection, AX duplicate-message answer). Look the record up before writing again.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FaultMessage:
    """One message of a remote fault, in the remote system's own words."""

    message: str
    code: str = ""
    field: str = ""
    xpath: str = ""


class ConnectorError(Exception):
    permanent: bool = False
    ambiguous: bool = False
    kind: str = "error"

    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        code: str = "",
        messages: list[FaultMessage] | None = None,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.code = code
        self.messages = messages or []
        self.retry_after = retry_after
        self.status = status

    def __str__(self) -> str:
        return self.message


class TransientError(ConnectorError):
    """5xx, a time-out before the request was sent, a refused connection: retry with backoff."""

    kind = "transient"


class RateLimitedError(TransientError):
    """429: wait ``retry_after`` seconds, then retry."""

    kind = "rate_limited"


class AmbiguousError(TransientError):
    """The request reached the remote system but its answer was lost: the write may have committed."""

    ambiguous = True
    kind = "ambiguous"


class DuplicateMessageError(AmbiguousError):
    """AX refused a MessageId it had already processed: the first write committed; find its key."""

    kind = "duplicate_message"


class ValidationError(ConnectorError):
    """The remote system refused the document (KashFlow 400, an AX validation fault)."""

    permanent = True
    kind = "validation"


class AuthError(ConnectorError):
    """Wrong credentials or a session that cannot be renewed."""

    permanent = True
    kind = "auth"


class NotFoundError(ConnectorError):
    permanent = True
    kind = "not_found"


class ProtocolError(ConnectorError):
    """The other end did not answer like the system it should be (wrong URL, not SOAP, not JSON)."""

    permanent = True
    kind = "protocol"


@dataclass
class ConnectionTestResult:
    ok: bool
    message: str
    details: dict = field(default_factory=dict)
