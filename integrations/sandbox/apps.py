from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "integrations.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox (KashFlow and Dynamics AX simulators)"
    default_auto_field = "django.db.models.BigAutoField"
