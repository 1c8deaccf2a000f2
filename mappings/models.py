from __future__ import annotations

from django.conf import settings
from django.db import models


class MappingSet(models.Model):
    """One version of the mapping (source system, entity) -> (target system, entity).

    All versions of one mapping share ``key``. A published version is immutable: editing makes a
    new draft (``based_on`` the published one); publishing archives the previous published version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        ARCHIVED = "archived"

    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=150)
    source_system = models.CharField(max_length=20)
    source_entity = models.CharField(max_length=30)
    target_system = models.CharField(max_length=20)
    target_entity = models.CharField(max_length=30)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # Set-level options: line aggregation / splitting, currency conversion date rule, ...
    options = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True, default="")
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="mapping_version_unique"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(status="published"), name="one_published_version_per_mapping"
            ),
            models.UniqueConstraint(fields=["key"], condition=models.Q(status="draft"), name="one_draft_per_mapping"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.status})"


class FieldRule(models.Model):
    """target_path <- source (a path, a constant or a safe expression) through a chain of transforms.

    Paths use dots for nesting and ``[]`` for list items (``CustInvoiceLine[].Quantity``).
    ``transforms`` is a list of ``{"name": ..., "params": {...}}``.
    """

    class SourceKind(models.TextChoices):
        PATH = "path"
        CONSTANT = "constant"
        EXPRESSION = "expression"

    mapping_set = models.ForeignKey(MappingSet, on_delete=models.CASCADE, related_name="rules")
    target_path = models.CharField(max_length=200)
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices, default=SourceKind.PATH)
    source = models.TextField(blank=True, default="")
    transforms = models.JSONField(default=list, blank=True)
    default = models.JSONField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # An accountant's explanation of the rule: as long as it needs to be (PostgreSQL enforces a CharField's length).
    notes = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["mapping_set", "target_path"], name="one_rule_per_target_field")]

    def __str__(self) -> str:
        return f"{self.target_path} <- {self.source}"


class ValueMap(models.Model):
    """A lookup table an accountant keeps: nominal code -> main account, VAT rate -> tax group, ..."""

    class Kind(models.TextChoices):
        NOMINAL_TO_MAIN_ACCOUNT = "nominal_to_main_account", "Nominal code → main account"
        TAX_GROUP = "tax_group", "VAT rate → sales tax group"
        ITEM_TAX_GROUP = "item_tax_group", "VAT rate → item tax group"
        STATUS = "status", "Invoice status"
        CURRENCY = "currency", "Currency code"
        CUSTOMER_GROUP = "customer_group", "Customer group"
        PAYMENT_TERMS = "payment_terms", "Payment terms"
        GENERIC = "generic", "Other"

    mapping_set = models.ForeignKey(MappingSet, on_delete=models.CASCADE, related_name="value_maps")
    name = models.SlugField(max_length=60)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.GENERIC)
    # Used when neither an exact code nor a range matches; empty means "report an issue".
    default_value = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["mapping_set", "name"], name="value_map_name_unique")]

    def __str__(self) -> str:
        return self.name


class ValueMapEntry(models.Model):
    """An exact source value, or a numeric range ``source_value``..``source_to``, and its target value."""

    value_map = models.ForeignKey(ValueMap, on_delete=models.CASCADE, related_name="entries")
    source_value = models.CharField(max_length=100)
    source_to = models.CharField(max_length=100, blank=True, default="")
    target_value = models.CharField(max_length=100)

    class Meta:
        ordering = ["source_value"]
        constraints = [
            models.UniqueConstraint(fields=["value_map", "source_value", "source_to"], name="value_map_entry_unique")
        ]


class DimensionRule(models.Model):
    """Ordered conditions over the source record that set AX financial dimension values.

    ``conditions``: list of ``{"field": path, "op": ..., "value": ..., "value_to": ...}`` (op: eq, ne, in,
    range, startswith, contains),
    all of which must hold. ``dimensions``: ``{"Department": "022", "CostCenter": "OU_4"}``.
    ``level`` says whether the values go on the header DefaultDimension or on each line.
    ``stop`` makes this a first-match rule: when it matches, later rules of the same level are skipped.
    """

    class Level(models.TextChoices):
        HEADER = "header"
        LINE = "line"

    mapping_set = models.ForeignKey(MappingSet, on_delete=models.CASCADE, related_name="dimension_rules")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.LINE)
    conditions = models.JSONField(default=list, blank=True)
    dimensions = models.JSONField(default=dict)
    stop = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
