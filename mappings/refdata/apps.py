from django.apps import AppConfig


class RefdataConfig(AppConfig):
    name = "mappings.refdata"
    label = "refdata"
    verbose_name = "AX reference data"
    default_auto_field = "django.db.models.BigAutoField"
