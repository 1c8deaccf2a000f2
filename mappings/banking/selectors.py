"""Reads of the bank matching rules."""

from __future__ import annotations

from mappings.banking.models import BankMatchRule


def active_rules() -> list[BankMatchRule]:
    return list(BankMatchRule.objects.filter(active=True).order_by("position", "id"))


def all_rules() -> list[BankMatchRule]:
    return list(BankMatchRule.objects.order_by("position", "id"))
