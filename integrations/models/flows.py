from __future__ import annotations

from django.db import models

from integrations.models.connections import IntegrationPair


class Entity(models.TextChoices):
    CUSTOMER = "customer", "Customers"
    SUPPLIER = "supplier", "Suppliers"
    PRODUCT = "product", "Products"
    SALES_INVOICE = "sales_invoice", "Sales invoices"
    PAYMENT = "payment", "Payments"
    PURCHASE_INVOICE = "purchase_invoice", "Purchase invoices"
    JOURNAL = "journal", "Journals"
    BANK_TRANSACTION = "bank_transaction", "Bank reconciliation"
    INVOICE_STATUS = "invoice_status", "Invoice status"
    SUPPLIER_PAYMENT = "supplier_payment", "Supplier payments"


class Direction(models.TextChoices):
    KF_TO_AX = "kf_to_ax", "KashFlow → AX"
    AX_TO_KF = "ax_to_kf", "AX → KashFlow"

    @property
    def slug(self) -> str:
        return self.value.replace("_", "-")

    @property
    def source_system(self) -> str:
        return "kashflow" if self == Direction.KF_TO_AX else "dynamics_ax"

    @property
    def target_system(self) -> str:
        return "dynamics_ax" if self == Direction.KF_TO_AX else "kashflow"


class Trigger(models.TextChoices):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    POLLING = "polling"
    WEBHOOK = "webhook"


class Flow(models.Model):
    class Health(models.TextChoices):
        OK = "ok"
        DEGRADED = "degraded"
        FAILING = "failing"
        PAUSED = "paused"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    pair = models.ForeignKey(IntegrationPair, on_delete=models.PROTECT, related_name="flows")
    entity = models.CharField(max_length=30, choices=Entity.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    schedule_minutes = models.PositiveIntegerField(null=True, blank=True)
    mapping_set = models.ForeignKey(
        "mappings.MappingSet", on_delete=models.PROTECT, null=True, blank=True, related_name="flows"
    )
    batch_size = models.PositiveIntegerField(default=100)
    enabled = models.BooleanField(default=True)
    # Where polling resumes: the newest source modification time already processed.
    watermark = models.DateTimeField(null=True, blank=True)
    # Circuit breaker: set while the flow is paused because its connection keeps failing.
    paused_until = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(default=0)
    batched_writes = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # --- what the flow answers (one place each) ---

    @property
    def spec(self):
        """The flow's plug-in: everything special about its entity and direction (integrations.sync.flows)."""
        # The flow registry imports the sync stages, which import these models: a real cycle.
        from integrations.sync.flows import spec_for

        spec = spec_for(self.entity, self.direction)
        return (spec.variant(self) if spec.variant else None) or spec

    @property
    def source_system(self) -> str:
        return Direction(self.direction).source_system

    @property
    def target_system(self) -> str:
        return Direction(self.direction).target_system

    def connections(self) -> tuple:
        """(source connection, target connection) of the flow's pair, in the flow's direction."""
        pair = self.pair
        if self.direction == Direction.KF_TO_AX:
            return pair.kashflow, pair.dynamics_ax
        return pair.dynamics_ax, pair.kashflow

    def published_mapping_set(self):
        """The mapping version runs, previews, edits and fixes of this flow map with.

        The one rule: the published version of the flow's mapping (a flow may point at any version
        of it, draft or archived); None when the flow has no mapping or none of it is published.
        """
        chosen = self.mapping_set
        if chosen is None:
            return None
        published = type(chosen).Status.PUBLISHED
        if chosen.status == published:
            return chosen
        return type(chosen).objects.filter(key=chosen.key, status=published).first()


class SyncRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        PARTIAL = "partial"  # finished, some records went to the exception queue
        FAILED = "failed"
        CANCELLED = "cancelled"

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    full = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    mapping_version = models.PositiveIntegerField(null=True, blank=True)
    mapping_set = models.ForeignKey(
        "mappings.MappingSet", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    watermark_from = models.DateTimeField(null=True, blank=True)
    watermark_to = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    read_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    # What the run found worth saying besides its counters (a full run's check of its links against the target).
    notes = models.TextField(blank=True, default="")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)
    worker = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["flow", "-queued_at"], name="run_flow_recent")]
        constraints = [
            # One run per flow at a time: the database refuses a second active run.
            models.UniqueConstraint(
                fields=["flow"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_run_per_flow",
            )
        ]

    def __str__(self) -> str:
        return f"{self.flow} run {self.pk}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class RecordLink(models.Model):
    """Source key <-> target key for one record of one flow, with the hash of what was last written."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="links")
    source_key = models.CharField(max_length=100)
    target_key = models.CharField(max_length=100, blank=True, default="")
    content_hash = models.CharField(max_length=64, blank=True, default="")
    mapping_version = models.PositiveIntegerField(null=True, blank=True)
    source_modified_at = models.DateTimeField(null=True, blank=True)
    # The record on each side as it was when the two last agreed (volatile fields left out): a side whose
    # record no longer has this hash changed since the last sync (echo suppression, AX-wins conflicts).
    source_hash = models.CharField(max_length=64, blank=True, default="")
    target_hash = models.CharField(max_length=64, blank=True, default="")
    # Set, and committed, before a write is sent; cleared with the outcome. Still set on entry means a
    # worker died mid-write: look the record up in the target before writing again.
    pending_message_id = models.CharField(max_length=64, blank=True, default="")
    # Created, AX key to be confirmed: AX answered "Duplicate message" to a re-sent create on a service without
    # find (free text invoices, payment journals), so the document exists but its key is not known yet.
    # pending_message_id keeps the MessageId that created it; reconciliation confirms the key.
    key_unconfirmed_since = models.DateTimeField(null=True, blank=True)
    # When AX showed the document posted (a customer transaction, a journal read with Posted = Yes); empty while it
    # is a draft in AX as far as LedgerBridge can tell (integrations.sync.confirm).
    ax_posted_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "source_key"], name="one_link_per_source_record")]
        indexes = [models.Index(fields=["flow", "target_key"], name="link_target")]


class RecordClaim(models.Model):
    """One writer per record at a time, whichever flow's run writes it (its own, or another syncing it as a
    dependency): taken with one INSERT, or a conditional UPDATE of a claim whose holder is gone, and deleted
    when the record's link and outcome are committed. A claim whose holder's run is no longer held by that
    worker, or whose lease ran out without being renewed by the holder's heartbeat, may be taken over."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="claims")
    source_key = models.CharField(max_length=100)
    holder = models.CharField(max_length=100)  # the worker identity of the run that writes the record
    run_id = models.BigIntegerField(null=True, blank=True)  # that run (no foreign key: a claim outlives nothing)
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "source_key"], name="one_writer_per_record")]
        indexes = [models.Index(fields=["holder"], name="claim_holder")]


class WriteIntent(models.Model):
    """A batched AX write in flight: the MessageId it goes out under and exactly what it carries, committed before
    the AIF message is sent and deleted once its members' links and outcomes are.

    On a create-only service the MessageId is AX's only duplicate guard, and a batch is one AIF message (all or
    nothing): after a worker dies between AX's commit and the links, the members must go again as that same
    message, under that same MessageId, for AX to answer "Duplicate message" to all of them at once. Re-sending
    them one by one (under their own MessageIds, or one member under the batch's) would post them again, or mark
    members created that AX never saw. Each member's link names the batch by its ``pending_message_id``."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="write_intents")
    message_id = models.CharField(max_length=64)
    # [{"key", "record", "document", "digest", "src_hash"}] in the order they were sent; documents in their wire form
    members = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "message_id"], name="one_intent_per_message")]


class RecordOutcome(models.Model):
    """Lineage: what happened to one record in one run."""

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        SKIPPED = "skipped"
        FAILED = "failed"
        WAITING = "waiting"  # a reference it needs is not in the target yet
        VALIDATED = "validated"  # dry run

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="outcomes")
    # Set only for a prerequisite synced inside another flow's run (an invoice the Payments flow posts before
    # its payment): the flow whose record it is. Empty means the run's own flow. One record, one key.
    flow = models.ForeignKey(
        Flow, on_delete=models.CASCADE, null=True, blank=True, related_name="prerequisite_outcomes"
    )
    source_key = models.CharField(max_length=100)
    action = models.CharField(max_length=10, choices=Action.choices)
    target_key = models.CharField(max_length=100, blank=True, default="")
    message_id = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveIntegerField(default=1)
    duration_ms = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=20, blank=True, default="")
    error = models.TextField(blank=True, default="")
    source_payload = models.JSONField(null=True, blank=True)
    mapped_document = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["run", "id"], name="outcome_run"),
            models.Index(fields=["source_key"], name="outcome_source_key"),
        ]


class WebhookEvent(models.Model):
    """The inbox: every signed push is stored before the endpoint answers 2xx, then processed by a worker."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        FAILED = "failed"

    source = models.CharField(max_length=30, default="kashflow")
    event_type = models.CharField(max_length=60, blank=True, default="")
    entity = models.CharField(max_length=30, blank=True, default="")
    object_key = models.CharField(max_length=100, blank=True, default="")
    body = models.TextField()
    payload = models.JSONField(null=True, blank=True)
    signature = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)


class PendingRecord(models.Model):
    """A source record a later run must take up again: its reference is missing, the remote system kept
    failing, or a webhook announced it. Never dropped: deleted only when the record has an outcome."""

    class Reason(models.TextChoices):
        WAITING = "waiting"  # a record it needs is not in the target yet
        TRANSIENT = "transient"  # retries ran out on a transient failure
        WEBHOOK = "webhook"  # announced by a push
        RETRY = "retry"  # sent again from the exception queue

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="pending")
    source_key = models.CharField(max_length=100)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    detail = models.TextField(blank=True, default="")
    # A record delivered with its push or edited in the exception queue; else it is read from the source.
    payload = models.JSONField(null=True, blank=True)
    # A record sent again from the exception queue: the item it retries (settled by the run that takes it).
    retry_of = models.ForeignKey(
        "monitoring.ExceptionItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="pending_retries"
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["flow", "source_key"], name="one_pending_per_record")]
