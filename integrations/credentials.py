"""Encryption of connection credentials at rest (Fernet, through ``cryptography``).

The keys come from ``settings.CREDENTIALS_KEYS`` (the ``CREDENTIALS_KEYS`` environment variable),
newest first. Every key decrypts; only the first encrypts, so a key is rotated by putting a new
one in front, re-encrypting the stored credentials (``rotate_token`` / the connection service's
``rotate_all_credentials``), then dropping the old key.

Generate a key with::

    python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

Lose every key and the stored credentials are lost too: they must be entered again.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

GENERATE_HINT = (
    'Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class CredentialsError(Exception):
    """The credentials cannot be encrypted or decrypted with the configured keys."""


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in getattr(settings, "CREDENTIALS_KEYS", None) or [] if k and k.strip()]
    if not keys:
        raise CredentialsError(f"CREDENTIALS_KEYS is not set, so credentials cannot be encrypted. {GENERATE_HINT}")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            raise CredentialsError(
                f"Key number {position} in CREDENTIALS_KEYS is not a Fernet key (urlsafe base64 of 32 bytes). "
                f"{GENERATE_HINT}"
            ) from None
    return MultiFernet(fernets)


def encrypt_credentials(credentials: dict[str, str]) -> str:
    """The encrypted token for ``credentials`` (empty dict -> empty string)."""
    if not credentials:
        return ""
    payload = json.dumps(credentials, sort_keys=True).encode()
    return _fernet().encrypt(payload).decode()


def decrypt_credentials(token: str) -> dict[str, str]:
    """The credentials stored in ``token``; raises CredentialsError when no configured key opens it."""
    if not token:
        return {}
    try:
        payload = _fernet().decrypt(token.encode())
    except InvalidToken:
        raise CredentialsError(
            "The stored credentials cannot be decrypted with CREDENTIALS_KEYS: the key they were encrypted "
            "with is missing or was changed. Put the old key back (after the new one) or enter the "
            "credentials again."
        ) from None
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise CredentialsError("The stored credentials are not a set of named values.")
    return {str(k): str(v) for k, v in data.items()}


def rotate_token(token: str) -> str:
    """``token`` re-encrypted with the newest key (a no-op for an empty token)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsError("The stored credentials cannot be decrypted with any key in CREDENTIALS_KEYS.") from None
