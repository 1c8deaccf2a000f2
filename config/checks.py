"""Deploy checks: refuse to call a production configuration safe while it runs on development secrets."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

DEV_CREDENTIALS_KEY = "kTqV8N1xv0Vb6mK3yJm3l0a8c7xWm1bJ0e3s9Zt2Q5c="


@register(Tags.security, deploy=True)
def development_secrets(app_configs, **kwargs) -> list:
    problems = []
    if DEV_CREDENTIALS_KEY in settings.CREDENTIALS_KEYS:
        problems.append(
            Warning(
                "CREDENTIALS_KEYS uses the development key: connection credentials are not protected.",
                hint="Generate a key with cryptography's Fernet.generate_key() and set CREDENTIALS_KEYS.",
                id="ledgerbridge.W001",
            )
        )
    if settings.SECRET_KEY.startswith("insecure-dev-only"):
        problems.append(Warning("SECRET_KEY is the development key.", id="ledgerbridge.W004"))
    if settings.WEBHOOK_SECRET == "dev-webhook-secret":
        problems.append(Warning("WEBHOOK_SECRET is the development secret.", id="ledgerbridge.W002"))
    if settings.SANDBOX_ENABLED:
        problems.append(
            Warning("SANDBOX_ENABLED is on: the simulators and their control API are served.", id="ledgerbridge.W003")
        )
    return problems
