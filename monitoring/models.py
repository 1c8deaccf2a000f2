from __future__ import annotations

from django.conf import settings
from django.db import models


class ExceptionItem(models.Model):
    """A record that could not be synced: the accountants' queue. Never deleted."""

    class Status(models.TextChoices):
        OPEN = "open"
        RETRYING = "retrying"
        RESOLVED = "resolved"
        IGNORED = "ignored"

    class Stage(models.TextChoices):
        EXTRACT = "extract"
        MAP = "map"
        VALIDATE = "validate"
        RESOLVE = "resolve"
        LOAD = "load"

    class ErrorClass(models.TextChoices):
        MISSING_REFERENCE = "missing_reference", "Missing reference"
        VALUE_NOT_MAPPED = "value_not_mapped", "Value not mapped"
        AX_VALIDATION = "ax_validation", "AX validation"
        KF_VALIDATION = "kf_validation", "KashFlow validation"
        DUPLICATE = "duplicate", "Duplicate"
        RATE_LIMIT = "rate_limit", "Rate limit"
        CONNECTION = "connection", "Connection"
        PARSE = "parse", "Parse"
        MAPPING = "mapping", "Mapping"

    flow = models.ForeignKey("integrations.Flow", on_delete=models.CASCADE, related_name="exceptions")
    run = models.ForeignKey("integrations.SyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_key = models.CharField(max_length=100)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    error_class = models.CharField(max_length=20, choices=ErrorClass.choices)
    error_code = models.CharField(max_length=60, blank=True, default="")
    message = models.TextField()
    # Same cause -> same fingerprint: the queue groups and bulk-fixes by it.
    fingerprint = models.CharField(max_length=64, db_index=True)
    source_payload = models.JSONField(null=True, blank=True)
    mapped_document = models.JSONField(null=True, blank=True)
    suggested_fix = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    attempts = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by_run = models.ForeignKey(
        "integrations.SyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True, default="")
    # Business context, read from the source payload when the item is recorded (monitoring.business), so the
    # queue shows and searches it without loading the payloads.
    party = models.CharField(max_length=120, blank=True, default="")  # customer or supplier
    document_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    # The error in an accountant's words ("Line 6, Sundry income, £210.00: nominal 4900 has no AX main
    # account yet"); ``message`` keeps the technical one.
    summary = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        indexes = [
            # The queue's filter and its full ORDER BY (id breaks ties): a page's ids come off this index in
            # order, without sorting, however deep the page.
            models.Index(fields=["status", "-first_seen_at", "-id"], name="exception_queue_order"),
            models.Index(fields=["flow", "status"], name="exception_flow"),
            models.Index(fields=["flow", "source_key"], name="exception_source"),
            # Group-by-cause counts and the class filter of the queue, at 100k rows. The cause index carries
            # every group key and date, so grouping and counting groups read the index, not the rows.
            models.Index(
                fields=[
                    "status",
                    "fingerprint",
                    "flow",
                    "stage",
                    "error_class",
                    "error_code",
                    "first_seen_at",
                    "last_seen_at",
                ],
                name="exception_cause_keys",
            ),
            models.Index(fields=["status", "error_class", "-first_seen_at"], name="exception_class"),
        ]
        constraints = [
            # One open item per record per flow; a new failure of the same record updates it.
            models.UniqueConstraint(
                fields=["flow", "source_key"],
                condition=models.Q(status__in=["open", "retrying"]),
                name="one_open_exception_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.flow} {self.source_key}: {self.message[:60]}"


class ExceptionAction(models.Model):
    """Who did what to an exception, and when: retry, edit, fix, ignore, auto-resolve."""

    item = models.ForeignKey(ExceptionItem, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=30)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class AuditEvent(models.Model):
    """Read-only trail of every change: mappings (with a diff), value maps, flows, connections, exceptions."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True, default="")  # survives user deletion; "system"
    action = models.CharField(max_length=40)  # created, updated, deleted, published, restored, ...
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=60, blank=True, default="")
    object_repr = models.CharField(max_length=200, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]


class AlertRule(models.Model):
    class Kind(models.TextChoices):
        EXCEPTIONS_OVER = "exceptions_over", "Exceptions over N in M minutes"
        FLOW_FAILING = "flow_failing", "Flow failing or paused"
        CIRCUIT_OPEN = "circuit_open", "Connection circuit open"
        RECONCILIATION = "reconciliation", "Reconciliation finds unexplained differences"
        LOGIN_STOPPED = "login_stopped", "Logins stopped after a refused login"
        AX_DRAFTS = "ax_drafts", "AX drafts waiting: N or more unposted, oldest over M minutes"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    flow = models.ForeignKey("integrations.Flow", on_delete=models.CASCADE, null=True, blank=True)
    threshold = models.PositiveIntegerField(default=10)
    window_minutes = models.PositiveIntegerField(default=15)
    emails = models.TextField(blank=True, default="", help_text="Comma-separated addresses")
    # A Slack or Teams incoming-webhook URL is a bearer secret: stored encrypted like connection credentials
    # (CREDENTIALS_KEYS), written through ``webhook_url``, shown only as ``masked_webhook_url``.
    webhook_url_encrypted = models.TextField(blank=True, default="", editable=False)
    throttle_minutes = models.PositiveIntegerField(default=60)
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    @property
    def webhook_url(self) -> str:
        """The decrypted URL ("" when none is set or today's keys cannot open it)."""
        from integrations.credentials import CredentialsError, decrypt_credentials

        try:
            return decrypt_credentials(self.webhook_url_encrypted).get("url", "")
        except CredentialsError:
            return ""

    @webhook_url.setter
    def webhook_url(self, value: str) -> None:
        from integrations.credentials import encrypt_credentials

        value = (value or "").strip()
        self.webhook_url_encrypted = encrypt_credentials({"url": value}) if value else ""

    @property
    def has_webhook(self) -> bool:
        return bool(self.webhook_url_encrypted)

    @property
    def masked_webhook_url(self) -> str:
        """Scheme and host only (``https://hooks.slack.com/••••``): enough to recognise, useless to post to."""
        from urllib.parse import urlsplit

        url = self.webhook_url
        if not url:
            return "•••• (cannot be decrypted)" if self.webhook_url_encrypted else ""
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}/••••"


class Alert(models.Model):
    """One incident of a rule: sent once when it fires, once more when it recovers."""

    class State(models.TextChoices):
        FIRING = "firing"
        RESOLVED = "resolved"

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject_key = models.CharField(max_length=100)  # which flow / connection / agent
    state = models.CharField(max_length=10, choices=State.choices, default=State.FIRING)
    message = models.TextField()
    occurrences = models.PositiveIntegerField(default=1)
    fired_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    recovery_notified_at = models.DateTimeField(null=True, blank=True)
    # True when the firing notice was held back because the rule notified this subject recently.
    suppressed = models.BooleanField(default=False)
    # [{"at", "event": "firing"|"recovered", "channel": "email"|"webhook", "ok", "error"}]
    deliveries = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"], condition=models.Q(state="firing"), name="one_firing_alert_per_subject"
            )
        ]
