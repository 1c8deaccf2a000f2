"""HTMX conventions shared by every app's views."""

from __future__ import annotations

from django.http import HttpRequest


def htmx_partial(request: HttpRequest) -> bool:
    """True when the request wants only a fragment: an HTMX request that is not a boosted navigation."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
