"""Load: every remote call goes through here, with retries, and every write is exactly-once.

- Transient failures are retried with exponential backoff and jitter, honouring Retry-After.
- After an ambiguous failure (time-out after commit, dropped connection) the record is looked up in the
  target by its external reference before it is written again; AX's duplicate-message answer is the same
  case. The retried write carries the same MessageId, so AX refuses a second posting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from integrations.connectors import errors as connector_errors
from integrations.sync.errors import AMBIGUOUS, classify, describe

log = logging.getLogger(__name__)
T = TypeVar("T")


class RetriesExhausted(Exception):
    """A transient failure outlasted the retry policy: the record waits for a later run."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(f"Gave up after {attempts} attempts: {describe(last)}")
        self.last = last
        self.attempts = attempts


@dataclass
class WriteResult:
    key: Any  # the target key (a list of keys for a batch)
    attempts: int
    recovered: bool = False  # found in the target after an ambiguous failure: not written again


def call(ctx, fn: Callable[[], T], *, what: str = "") -> T:
    """Call ``fn`` (a read), retrying transient failures. Permanent errors propagate at once."""
    policy = ctx.policy
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except connector_errors.ConnectorError as exc:
            c = classify(exc, target_system=ctx.spec.target_system)
            if c.permanent:
                raise
            if c.timeout:
                ctx.note_timeout()
            if attempt == policy.attempts:
                raise RetriesExhausted(exc, attempt) from exc
            log.info("retrying %s after %s (attempt %s)", what or "call", exc.kind, attempt)
            ctx.heartbeat.sleep(policy.delay(attempt, c.retry_after))
    raise AssertionError("unreachable")


def write(ctx, fn: Callable[[], Any], *, lookup: Callable[[], Any], recheck_first: bool = False) -> WriteResult:
    """Write once, whatever happens on the wire.

    ``fn`` performs the write (carrying a deterministic MessageId) and returns the target key;
    ``lookup`` finds the record by its external reference and returns its key or None.
    ``recheck_first``: a previous attempt (maybe by a worker that died) may have committed.
    """
    policy = ctx.policy
    ambiguous = recheck_first
    for attempt in range(1, policy.attempts + 1):
        if ambiguous:
            found = call(ctx, lookup, what="lookup by reference")
            if found:
                return WriteResult(found, attempt, recovered=True)
        try:
            return WriteResult(fn() or "", attempt)
        except connector_errors.ConnectorError as exc:
            c = classify(exc, target_system=ctx.spec.target_system)
            if c.permanent:
                raise
            if c.timeout:
                ctx.note_timeout()
            if c.kind == AMBIGUOUS:
                ambiguous = True
                if isinstance(exc, connector_errors.DuplicateMessageError):
                    # AX processed this very message before: its document exists, find it now.
                    found = call(ctx, lookup, what="lookup after duplicate message")
                    if found:
                        return WriteResult(found, attempt, recovered=True)
            if attempt == policy.attempts:
                raise RetriesExhausted(exc, attempt) from exc
            log.info("retrying write after %s (attempt %s)", exc.kind, attempt)
            ctx.heartbeat.sleep(policy.delay(attempt, c.retry_after))
    raise AssertionError("unreachable")
