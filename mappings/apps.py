from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "mappings"
    default_auto_field = "django.db.models.BigAutoField"
