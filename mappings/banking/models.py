"""A bank matching rule: conditions on a KashFlow bank line, and the AX counter-account it is posted against."""

from __future__ import annotations

from django.db import models


class BankMatchRule(models.Model):
    """The first active rule (by position) whose every condition holds gives a line its counter-account.

    A rule needs at least one condition: a rule that matches every line would be a guess, and a line no rule
    matches is an exception for a person (issue 13, defect 5).
    """

    class Direction(models.TextChoices):
        ANY = "any", "Money in or out"
        IN = "in", "Money in (PaidIn)"
        OUT = "out", "Money out (PaidOut)"

    class CounterType(models.TextChoices):
        LEDGER = "Ledger", "Main account"
        VEND = "Vend", "Vendor (the line's supplier when blank)"
        CUST = "Cust", "Customer (the line's customer when blank)"
        BANK = "Bank", "Bank account"

    position = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)
    bank_account_id = models.CharField(
        max_length=20, blank=True, default="", help_text="KashFlow bank account Id; blank: any account"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.ANY)
    transaction_type = models.IntegerField(
        null=True, blank=True, help_text="KashFlow TransactionType number; blank: any type"
    )
    comment_contains = models.CharField(
        max_length=60, blank=True, default="", help_text="Text the line's Comment contains (any case)"
    )
    counter_account_type = models.CharField(max_length=6, choices=CounterType.choices, default=CounterType.LEDGER)
    counter_account = models.CharField(max_length=40, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"{self.position} {self.name}"


class BankFlowSetting(models.Model):
    """How one bank flow (by its slug) brings KashFlow bank lines to AX."""

    class Mode(models.TextChoices):
        JOURNAL = "journal", "General journal lines (sites without advanced bank reconciliation)"
        STATEMENT = "statement", "Bank statements through BankStmtService (AX 2012 R2, advanced bank reconciliation)"

    flow_slug = models.SlugField(max_length=100, unique=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.JOURNAL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.flow_slug}: {self.mode}"
