"""Reads of the bank matching rules."""

from __future__ import annotations

from mappings.banking.models import BankFlowSetting, BankMatchRule


def active_rules() -> list[BankMatchRule]:
    return list(BankMatchRule.objects.filter(active=True).order_by("position", "id"))


def all_rules() -> list[BankMatchRule]:
    return list(BankMatchRule.objects.order_by("position", "id"))


def flow_mode(flow_slug: str) -> str:
    """ "statement" or "journal" (the default) for the bank flow ``flow_slug``."""
    setting = BankFlowSetting.objects.filter(flow_slug=flow_slug).only("mode").first()
    return setting.mode if setting else BankFlowSetting.Mode.JOURNAL


def flow_settings() -> list[BankFlowSetting]:
    return list(BankFlowSetting.objects.order_by("flow_slug"))
