"""How the KashFlow simulator plays a fault the control API asked for (see ``integrations.sandbox.faults``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from integrations.sandbox import faults
from integrations.sandbox.kashflow.errors import ApiError

DEFAULT_TIMEOUT_MS = 3000
SQL_TIMEOUT_CODE = "-2146232060"


def pick(operation: str) -> object | None:
    return faults.pick_fault("kashflow", operation)


def drop(request: HttpRequest) -> None:
    faults.drop_connection(request)


def apply(fault: object | None, request: HttpRequest, work: Callable[[], HttpResponse], *, write: bool) -> HttpResponse:
    """Answer ``request`` by running ``work`` as the picked fault says (or normally when there is none)."""
    if fault is None:
        return work()
    kind = fault.kind
    latency = (fault.latency_ms or 0) / 1000
    if kind == "latency":
        time.sleep(latency)
        return work()
    if kind == "rate_limit":
        retry_after = max(1, int(fault.retry_after or 1))
        return ApiError(
            429,
            "TooManyRequests",
            f"Too many requests; retry after {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        ).response()
    if kind == "sql_timeout":
        # KashFlow's SQL layer timing out comes back as a 400 with a numeric Error (hcs-sync
        # src/kashflow/client.js, CHANGELOG 0.11.1): transient, though the status says client error.
        return ApiError(
            400,
            SQL_TIMEOUT_CODE,
            "Execution Timeout Expired.  The timeout period elapsed prior to completion of the operation or "
            "the server is not responding.",
        ).response()
    if kind == "server_error":
        return ApiError(500, "ServerError", "An error has occurred.").response()
    if kind == "timeout_before_commit":
        time.sleep(latency or DEFAULT_TIMEOUT_MS / 1000)
        return ApiError(504, "GatewayTimeout", "The request timed out.").response()
    if kind == "timeout_after_commit":
        response = work()
        time.sleep(latency or DEFAULT_TIMEOUT_MS / 1000)
        return response
    if kind == "drop_connection":
        response = work() if write else HttpResponse(status=204)
        drop(request)
        return response
    return work()
