from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "mappings.banking"
    label = "banking"
    verbose_name = "Bank matching rules"
    default_auto_field = "django.db.models.BigAutoField"
