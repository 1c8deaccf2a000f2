"""Writes of the bank matching rules: each change is audited."""

from __future__ import annotations

from django.db import transaction

from mappings.banking.matching import has_condition
from mappings.banking.models import BankFlowSetting, BankMatchRule
from monitoring import audit

FIELDS = (
    "position",
    "name",
    "active",
    "bank_account_id",
    "direction",
    "transaction_type",
    "comment_contains",
    "counter_account_type",
    "counter_account",
)


class RuleError(ValueError):
    """A rule an accountant cannot save, with the reason to show."""


def _check(rule: BankMatchRule) -> None:
    if not has_condition(rule):
        raise RuleError("A rule needs at least one condition; a rule that matches every line would be a guess.")
    if rule.counter_account_type in ("Ledger", "Bank") and not rule.counter_account.strip():
        raise RuleError("Name the main account (or bank account) the matched lines are posted against.")


@transaction.atomic
def save_rule(*, actor, rule_id: int | None = None, **values) -> BankMatchRule:
    rule = BankMatchRule.objects.select_for_update().get(pk=rule_id) if rule_id else BankMatchRule()
    before = {f: getattr(rule, f) for f in FIELDS} if rule_id else {}
    for field in FIELDS:
        if field in values:
            setattr(rule, field, values[field])
    _check(rule)
    rule.save()
    after = {f: getattr(rule, f) for f in FIELDS}
    audit.record(actor=actor, action="bank_rule_saved", obj=rule, changes=audit.diff(before, after))
    return rule


@transaction.atomic
def delete_rule(*, actor, rule_id: int) -> None:
    rule = BankMatchRule.objects.filter(pk=rule_id).first()
    if rule is None:
        return
    audit.record(actor=actor, action="bank_rule_deleted", obj=rule, changes={"name": [rule.name, None]})
    rule.delete()


@transaction.atomic
def set_flow_mode(*, actor, flow_slug: str, mode: str) -> BankFlowSetting:
    if mode not in BankFlowSetting.Mode.values:
        raise RuleError(f"Unknown posting path {mode!r}.")
    if not flow_slug.strip():
        raise RuleError("Name the bank flow (its slug, as on the Flows page).")
    setting, created = BankFlowSetting.objects.select_for_update().get_or_create(flow_slug=flow_slug.strip())
    before = None if created else setting.mode
    setting.mode = mode
    setting.save()
    audit.record(actor=actor, action="bank_flow_mode_set", obj=setting, changes={"mode": [before, mode]})
    return setting
