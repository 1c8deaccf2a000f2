"""The bank matching rules page: Viewer reads, Accountant edits."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from mappings.banking import selectors, services
from mappings.banking.forms import BankMatchRuleForm
from mappings.banking.models import BankFlowSetting, BankMatchRule


def _page(request: HttpRequest, form: BankMatchRuleForm | None = None, errors: list[str] | None = None, status=200):
    return render(
        request,
        "banking/bankrule_list.html",
        {
            "rules": selectors.all_rules(),
            "can_edit": has_role(request.user, ACCOUNTANT),
            "form": form or BankMatchRuleForm(),
            "errors": errors or [],
            "directions": BankMatchRule.Direction.choices,
            "counter_types": BankMatchRule.CounterType.choices,
            "flow_settings": selectors.flow_settings(),
            "modes": BankFlowSetting.Mode.choices,
        },
        status=status,
    )


@role_required(VIEWER)
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(ACCOUNTANT)
@require_POST
def save_rule(request: HttpRequest) -> HttpResponse:
    rule_id = request.POST.get("rule_id") or None
    form = BankMatchRuleForm(request.POST)
    if not form.is_valid():
        errors = [f"{k}: {' '.join(v)}" for k, v in form.errors.items()]
        return _page(request, form, errors, status=400)
    try:
        services.save_rule(actor=request.user, rule_id=int(rule_id) if rule_id else None, **form.cleaned_data)
    except (services.RuleError, BankMatchRule.DoesNotExist) as exc:
        return _page(request, form, [str(exc)], status=400)
    return redirect("banking:list")


@role_required(ACCOUNTANT)
@require_POST
def delete_rule(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_rule(actor=request.user, rule_id=pk)
    return redirect("banking:list")


@role_required(ACCOUNTANT)
@require_POST
def set_flow_mode(request: HttpRequest) -> HttpResponse:
    try:
        services.set_flow_mode(
            actor=request.user, flow_slug=request.POST.get("flow_slug", ""), mode=request.POST.get("mode", "")
        )
    except services.RuleError as exc:
        return _page(request, errors=[str(exc)], status=400)
    return redirect("banking:list")
