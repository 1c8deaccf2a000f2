"""The last good copy of one kind of AX reference data, and where it came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReferenceSnapshot(models.Model):
    class Kind(models.TextChoices):
        MAIN_ACCOUNTS = "main_accounts", "Main accounts"
        DIMENSION_VALUES = "dimension_values", "Financial dimension values"

    class Source(models.TextChoices):
        UPLOAD = "upload", "CSV upload"
        SERVICE = "service", "AX custom service"

    kind = models.CharField(max_length=30, choices=Kind.choices, unique=True)
    rows = models.JSONField(
        default=list
    )  # main accounts: [id, name, type]; dimension values: [dimension, value, description]
    source = models.CharField(max_length=10, choices=Source.choices)
    source_name = models.CharField(max_length=200, blank=True, default="")  # file name or service name
    refreshed_at = models.DateTimeField()
    refreshed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({len(self.rows)})"
