"""Deploy checks: a production configuration on a development or example secret is an error, not a warning.

`manage.py check --deploy` exits non-zero on any of them, so a deployment script that runs it stops there.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEV_CREDENTIALS_KEY = "kTqV8N1xv0Vb6mK3yJm3l0a8c7xWm1bJ0e3s9Zt2Q5c="
# Secrets that appear in our own files (defaults, .env.example, documentation): never secret.
EXAMPLE_SECRETS = frozenset({"change-me", "changeme", "dev-webhook-secret", "secret", "password", "<key>"})
MIN_SECRET_LENGTH = 32


def weak_secret(value: str, *, min_length: int = MIN_SECRET_LENGTH, quote: bool = True) -> str:
    """Why ``value`` cannot be a production secret ("" when it can); ``quote`` names an example value."""
    value = value or ""
    if not value.strip():
        return "it is empty"
    if value.strip().lower() in EXAMPLE_SECRETS or value.startswith("insecure-dev-only"):
        return f"it is the example value {value!r}" if quote else "it is an example value"
    if len(value) < min_length:
        return f"it is {len(value)} characters long; use at least {min_length} random characters"
    return ""


@register(Tags.security, deploy=True)
def development_secrets(app_configs, **kwargs) -> list:
    problems = []
    keys = settings.CREDENTIALS_KEYS
    if DEV_CREDENTIALS_KEY in keys or not keys:
        problems.append(
            Error(
                "CREDENTIALS_KEYS uses the development key: connection credentials are not protected.",
                hint="Generate a key with cryptography's Fernet.generate_key() and set CREDENTIALS_KEYS.",
                id="ledgerbridge.E001",
            )
        )
    for name, min_length, check_id in (
        ("WEBHOOK_SECRET", MIN_SECRET_LENGTH, "ledgerbridge.E002"),
        ("SECRET_KEY", 50, "ledgerbridge.E003"),
    ):
        reason = weak_secret(str(getattr(settings, name, "")), min_length=min_length)
        if reason:
            hint = f'python -c "import secrets; print(secrets.token_urlsafe({min_length}))"'
            problems.append(Error(f"{name} is not a production secret: {reason}.", hint=hint, id=check_id))
    if settings.SANDBOX_ENABLED:
        problems.append(
            Warning("SANDBOX_ENABLED is on: the simulators and their control API are served.", id="ledgerbridge.W003")
        )
        if not settings.SANDBOX_CONTROL_TOKEN:
            problems.append(
                Warning(
                    "The sandbox is on without SANDBOX_CONTROL_TOKEN: its control API answers no one.",
                    id="ledgerbridge.W005",
                )
            )
    return problems
