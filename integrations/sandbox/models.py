"""The sandbox's own tables: what the simulated KashFlow account and AX company hold.

Records are stored as the remote system represents them, so the simulators serve them as-is:
- ``KashFlowRecord.data`` is the REST JSON object exactly as ``GET /v2/<resource>/<key>`` answers it
  (PascalCase fields, lines nested as ``LineItems`` / ``Lines``).
- ``AxRecord.data`` is an AX document as a dict: the root table's fields, with child tables as lists
  under their table names (``{"AccountNum": ..., "DirParty": [{"DirPartyPostalAddressView": [...]}]}``).
"""

from __future__ import annotations

from django.db import models

from integrations.sandbox import demo_credentials


class KashFlowAccount(models.Model):
    """A simulated KashFlow login: username, password and memorable word."""

    username = models.CharField(max_length=100, unique=True)
    password = models.CharField(max_length=100)
    memorable_word = models.CharField(max_length=50)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    session_ttl_seconds = models.PositiveIntegerField(default=1200)
    # KashFlow locks a login after repeated failures: 401 {"Error": "AccountLocked"} (kashflow.com
    # developers/rest-api/authentication/). How many failures lock it is not published (inferred: 3).
    failed_logins = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.username


class KashFlowSession(models.Model):
    class Kind(models.TextChoices):
        TEMPORARY = "temporary"
        SESSION = "session"

    account = models.ForeignKey(KashFlowAccount, on_delete=models.CASCADE, related_name="sessions")
    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    requested_positions = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)


class KashFlowRecord(models.Model):
    """One object of the simulated KashFlow account (customer, invoice, payment, ...)."""

    account = models.ForeignKey(KashFlowAccount, on_delete=models.CASCADE, related_name="records")
    entity = models.CharField(max_length=30)  # customers, suppliers, products, invoices, payments, ...
    key = models.CharField(max_length=60)
    parent_key = models.CharField(max_length=60, blank=True, default="")  # invoice number of a payment, ...
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "entity", "key"], name="kf_record_unique_key")]
        indexes = [models.Index(fields=["account", "entity", "modified_at"], name="kf_record_changed")]

    def __str__(self) -> str:
        return f"{self.entity}/{self.key}"


class AxCompany(models.Model):
    """A simulated AX legal entity (DataAreaId) with the service account AIF authenticates."""

    data_area_id = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=100)
    service_user = models.CharField(max_length=100, default=demo_credentials.AX_SERVICE_USER)
    service_password = models.CharField(max_length=100, default=demo_credentials.AX_SERVICE_PASSWORD)

    class Meta:
        verbose_name_plural = "AX companies"

    def __str__(self) -> str:
        return self.data_area_id


class AxRecord(models.Model):
    """One AX document (CustTable, VendTable, InventTable, CustInvoiceTable, LedgerJournalTable, MainAccount, ...)."""

    company = models.ForeignKey(AxCompany, on_delete=models.CASCADE, related_name="records")
    entity = models.CharField(max_length=40)
    key = models.CharField(max_length=60)
    data = models.JSONField()
    rec_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "entity", "key"], name="ax_record_unique_key")]
        indexes = [models.Index(fields=["company", "entity", "modified_at"], name="ax_record_changed")]

    def __str__(self) -> str:
        return f"{self.entity}/{self.key}"


class AxMessage(models.Model):
    """Every AIF message the simulator processed, for duplicate detection and the control API."""

    company = models.ForeignKey(AxCompany, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=100, blank=True, default="")
    service = models.CharField(max_length=60)
    operation = models.CharField(max_length=30)
    succeeded = models.BooleanField(default=True)
    keys = models.JSONField(default=list, blank=True)
    fault = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["company", "message_id"], name="ax_message_id")]


class FaultRule(models.Model):
    """A fault the control API asked for: on matching calls, either with a probability or the next N times."""

    class System(models.TextChoices):
        KASHFLOW = "kashflow"
        DYNAMICS_AX = "dynamics_ax"

    class Kind(models.TextChoices):
        LATENCY = "latency"
        RATE_LIMIT = "rate_limit"  # 429 with Retry-After
        SERVER_ERROR = "server_error"  # 500
        TIMEOUT_BEFORE_COMMIT = "timeout_before_commit"
        TIMEOUT_AFTER_COMMIT = "timeout_after_commit"  # the ambiguous case
        DROP_CONNECTION = "drop_connection"
        # KashFlow only: its SQL time-out, answered as HTTP 400 {"Error": "-2146232060", ...}.
        SQL_TIMEOUT = "sql_timeout"

    system = models.CharField(max_length=20, choices=System.choices)
    operation = models.CharField(max_length=60, default="*")  # e.g. "create", "CustomerService.create", "GET /invoices"
    kind = models.CharField(max_length=30, choices=Kind.choices)
    probability = models.FloatField(null=True, blank=True)
    remaining = models.PositiveIntegerField(null=True, blank=True)  # next N calls
    latency_ms = models.PositiveIntegerField(default=0)
    retry_after = models.PositiveIntegerField(default=1)
    hits = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.system} {self.operation} {self.kind}"
