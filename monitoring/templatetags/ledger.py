"""Template filters for the monitoring pages: money as accountants write it."""

from __future__ import annotations

from typing import Any

from django import template

from monitoring.business import money

register = template.Library()


@register.filter(name="money")
def money_filter(amount: Any, currency: str = "") -> str:
    """``{{ item.amount|money:item.currency }}`` -> ``£1,234.00`` (``1,234.00 AUD`` without a symbol)."""
    if amount in (None, ""):
        return ""
    from decimal import Decimal

    return money(Decimal(str(amount)), currency or "")
