from __future__ import annotations

from django.db import models


class System(models.TextChoices):
    KASHFLOW = "kashflow", "KashFlow"
    DYNAMICS_AX = "dynamics_ax", "Microsoft Dynamics AX"


class Connection(models.Model):
    """How to reach one remote system. Secrets live encrypted in ``credentials_encrypted``.

    ``settings`` holds the connector's non-secret config fields (username, service user, ...);
    secret fields (password, memorable word) are only ever written through
    ``integrations.credentials`` and never rendered back.
    """

    name = models.CharField(max_length=100, unique=True)
    system = models.CharField(max_length=20, choices=System.choices)
    base_url = models.URLField(max_length=300)
    company = models.CharField(max_length=10, blank=True, default="", help_text="AX company (DataAreaId)")
    settings = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True, default="", editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)
    timeout_seconds = models.FloatField(default=30.0)
    # Plain http:// to a host other than this machine sends the credentials unencrypted: only when ticked.
    allow_insecure_http = models.BooleanField(
        default=False,
        help_text="Send the credentials over plain http:// to a host other than this machine (audited).",
    )
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True, default="")
    # Set when the remote system refused the login (wrong password or memorable word, locked user): no login is
    # tried again until credentials are entered again (integrations/login_gate.py; update_connection clears it).
    login_stopped_reason = models.TextField(blank=True, default="", editable=False)
    login_stopped_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IntegrationPair(models.Model):
    """One KashFlow account kept in step with one AX company."""

    name = models.CharField(max_length=100, unique=True)
    kashflow = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="kashflow_pairs", limit_choices_to={"system": "kashflow"}
    )
    dynamics_ax = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="ax_pairs", limit_choices_to={"system": "dynamics_ax"}
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
