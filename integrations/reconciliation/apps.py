from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "integrations.reconciliation"
    label = "reconciliation"
    verbose_name = "Reconciliation (KashFlow against Dynamics AX, money by money)"
    default_auto_field = "django.db.models.BigAutoField"
