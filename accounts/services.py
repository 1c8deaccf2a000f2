"""API tokens: one person's tokens, created, listed and revoked by that person.

Tokens are django-rest-knox's: only a SHA-512 digest is stored (a database dump holds no usable token), the
token itself is shown once, when it is made, and every token expires (``REST_KNOX["TOKEN_TTL"]``).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from monitoring import audit


def user_tokens(user: AbstractBaseUser) -> QuerySet[AuthToken]:
    """The user's tokens still in force, newest first (expired ones are removed as they are found)."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return AuthToken.objects.filter(user=user).order_by("-created")


@transaction.atomic
def create_token(*, user: AbstractBaseUser) -> tuple[AuthToken, str]:
    """A new token for ``user``: (its row, the token text, shown to the user this once)."""
    token, text = AuthToken.objects.create(user=user)
    audit.record(
        actor=user,
        action="api_token.created",
        object_type="knox.authtoken",
        object_id=token.token_key,
        object_repr=f"API token {token.token_key}…",
        changes={"expires": token.expiry.isoformat() if token.expiry else None},
    )
    return token, text


@transaction.atomic
def revoke_token(*, user: AbstractBaseUser, token_key: str) -> bool:
    """Revoke one of ``user``'s own tokens by its visible start; False when there is none."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if deleted:
        audit.record(
            actor=user,
            action="api_token.revoked",
            object_type="knox.authtoken",
            object_id=token_key,
            object_repr=f"API token {token_key}…",
        )
    return bool(deleted)
