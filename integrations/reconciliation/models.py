"""A reconciliation run: its life cycle in our own row (never only in the broker), and what it found."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReconciliationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        CLEAN = "clean"  # no difference a person has not already been given a reason for
        DIFFERENCES = "differences"
        FAILED = "failed"  # could not read one of the systems

    class Trigger(models.TextChoices):
        MANUAL = "manual"
        SCHEDULED = "scheduled"
        COMMAND = "command"

    FINISHED = (Status.CLEAN, Status.DIFFERENCES, Status.FAILED)

    pair = models.ForeignKey("integrations.IntegrationPair", on_delete=models.CASCADE, related_name="+")
    entities = models.JSONField(default=list, blank=True)  # the flows' entities compared; [] = every one
    since = models.DateField(null=True, blank=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    documents = models.PositiveIntegerField(default=0)
    unexplained_count = models.PositiveIntegerField(default=0)
    explained_count = models.PositiveIntegerField(default=0)
    # {"entities": [{"entity", "documents", "ax_documents", "unexplained", "explained"}], "totals": [...]}
    summary = models.JSONField(default=dict, blank=True)
    differences = models.JSONField(default=list, blank=True)  # the first MAX_STORED, unexplained first
    differences_truncated = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")

    MAX_STORED = 2000

    class Meta:
        ordering = ["-queued_at", "-pk"]

    def __str__(self) -> str:
        return f"Reconciliation {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def clean(self) -> bool:
        return self.status == self.Status.CLEAN
