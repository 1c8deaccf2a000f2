"""DRF permission on top of the portal roles (integrations.roles)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from integrations.roles import has_role


class HasRole(BasePermission):
    """``permission_classes = [HasRole(INTEGRATION_ADMIN)]``, or ``HasRole(ACCOUNTANT, read=VIEWER)`` to let a
    lower role read (GET/HEAD/OPTIONS). An instance stands in for a class: DRF calls it to get the
    permission for one request."""

    def __init__(self, role: str, *, read: str | None = None) -> None:
        self.role = role
        self.read_role = read or role
        self.message = f"This needs the {role} role."

    def __call__(self) -> HasRole:
        # A fresh instance per request: has_permission sets ``message``.
        return HasRole(self.role, read=self.read_role)

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        needed = self.read_role if request.method in SAFE_METHODS else self.role
        if not has_role(user, needed):
            self.message = f"This needs the {needed} role."
            return False
        return True
