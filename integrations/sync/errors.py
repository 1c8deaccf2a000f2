"""Every failure the engine meets is classified here, in one place: transient, ambiguous or permanent.

- transient: retry the same request later (429, 5xx, a time-out before the request was sent,
  a refused connection), with backoff, honouring Retry-After.
- ambiguous: the write may have committed (time-out after commit, dropped connection, AX's
  duplicate-message answer). Look the record up by its external reference before writing again.
- permanent: retrying cannot help (mapping issues, AX/KashFlow validation, auth): the record goes
  to the exception queue and the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError

from integrations.connectors import errors as connector_errors

TRANSIENT = "transient"
AMBIGUOUS = "ambiguous"
PERMANENT = "permanent"


class SyncError(Exception):
    """A record-level failure raised by the engine itself (not by a connector)."""

    permanent = True
    stage = "load"
    error_class = "mapping"
    error_code = ""

    def __init__(self, message: str, *, suggested_fix: dict | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.suggested_fix = suggested_fix
        if code:
            self.error_code = code


class MappingFailed(SyncError):
    """The mapping engine reported issues: a required field is empty, a value is not mapped, ..."""

    stage = "map"
    error_class = "mapping"

    def __init__(self, message: str, *, issues: list | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.issues = issues or []
        codes = {getattr(i, "code", "") for i in self.issues}
        if "value_not_mapped" in codes:
            self.error_class = "value_not_mapped"
            self.error_code = "value_not_mapped"
        elif codes:
            self.error_code = sorted(codes)[0]


class ValidationFailed(SyncError):
    """The mapped document breaks a rule we can check before sending it (journal does not balance...)."""

    stage = "validate"
    error_class = "ax_validation"


class MissingReference(SyncError):
    """A record this one needs (its customer, its invoice) is not in the target yet: wait and retry."""

    permanent = False
    stage = "resolve"
    error_class = "missing_reference"
    error_code = "missing_reference"

    def __init__(self, message: str, *, entity: str, key: str, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.entity = entity
        self.key = key


class BadSourceRecord(SyncError):
    """The source record (or a webhook payload) cannot be read as the entity it claims to be."""

    stage = "extract"
    error_class = "parse"
    error_code = "bad_source_record"


@dataclass(frozen=True)
class Classification:
    kind: str  # TRANSIENT | AMBIGUOUS | PERMANENT
    retry_after: float | None
    stage: str
    error_class: str  # monitoring ExceptionItem.ErrorClass value
    error_code: str
    timeout: bool = False

    @property
    def permanent(self) -> bool:
        return self.kind == PERMANENT

    @property
    def ambiguous(self) -> bool:
        return self.kind == AMBIGUOUS


def classify(exc: BaseException, *, target_system: str = "dynamics_ax") -> Classification:
    """The one place that decides what a failure means for the engine."""
    if isinstance(exc, SyncError):
        kind = PERMANENT if exc.permanent else TRANSIENT
        return Classification(kind, None, exc.stage, exc.error_class, exc.error_code or exc.error_class)
    if isinstance(exc, connector_errors.ConnectorError):
        code = exc.code or exc.kind
        text = str(exc).lower()
        timeout = (
            exc.status == 504
            or "timeout" in code.lower()
            or any(words in text for words in ("timed out", "time-out", "did not answer"))
        )
        if exc.ambiguous:
            return Classification(AMBIGUOUS, exc.retry_after, "load", "connection", code, timeout=timeout)
        if isinstance(exc, connector_errors.RateLimitedError) or exc.status == 429:
            return Classification(TRANSIENT, exc.retry_after, "load", "rate_limit", code)
        if not exc.permanent:
            return Classification(TRANSIENT, exc.retry_after, "load", "connection", code, timeout=timeout)
        if isinstance(exc, connector_errors.ValidationError):
            error_class = "kf_validation" if exc.system == "kashflow" else "ax_validation"
            if not exc.system:
                error_class = "ax_validation" if target_system == "dynamics_ax" else "kf_validation"
            return Classification(PERMANENT, None, "load", error_class, code)
        if isinstance(exc, connector_errors.NotFoundError):
            return Classification(PERMANENT, None, "load", "missing_reference", code)
        if isinstance(exc, connector_errors.ProtocolError):
            return Classification(PERMANENT, None, "load", "parse", code)
        return Classification(PERMANENT, None, "load", "connection", code)
    if isinstance(exc, DatabaseError):
        # Our own database: a lock held by another worker, a lost race on a unique row. Try again later.
        return Classification(TRANSIENT, None, "load", "connection", "database")
    if isinstance(exc, TimeoutError | ConnectionError):
        return Classification(TRANSIENT, None, "load", "connection", type(exc).__name__, timeout=True)
    # Anything else is a bug or bad data in this record: never retry it blindly, never stop the run.
    return Classification(PERMANENT, None, "load", "parse", type(exc).__name__)


def describe(exc: BaseException) -> str:
    """The error as a person reads it, with the remote system's own fault messages."""
    text = str(exc) or type(exc).__name__
    messages = getattr(exc, "messages", None) or []
    extra = [m.message for m in messages if getattr(m, "message", "") and m.message not in text]
    if extra:
        text += " — " + "; ".join(extra)
    return text
