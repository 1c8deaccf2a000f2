"""The three portal roles, as Django groups: Viewer < Accountant < Integration admin.

A higher role can do everything a lower one can. Superusers pass every check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

VIEWER = "Viewer"
ACCOUNTANT = "Accountant"
INTEGRATION_ADMIN = "Integration admin"
ROLES = (VIEWER, ACCOUNTANT, INTEGRATION_ADMIN)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ROLES)
    cached = getattr(user, "_ledgerbridge_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._ledgerbridge_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    """True when ``user`` holds ``role`` or a higher one."""
    held = user_roles(user)
    return any(r in held for r in ROLES[ROLES.index(role) :])


def role_required(role: str) -> Callable:
    """View decorator: login first, then 403 unless the user holds ``role`` or a higher one."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_role(request.user, role):
                raise PermissionDenied(f"This page needs the {role} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
