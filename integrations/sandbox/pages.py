"""The sandbox's HTML pages (the JSON control API is ``views``): AX's drafts, posted at the press of a button.

A document LedgerBridge creates through AIF is a draft in AX until someone posts it (``ax.posting``). This page
plays that accountant: it lists the drafts of each AX company per kind, with their age, and posts them all or one
kind at a time. Behind the portal login (Accountant), with Django's CSRF check; the sandbox's URL resolver answers
404 while the sandbox is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_POST

from integrations.roles import ACCOUNTANT, role_required
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany

KIND_LABELS = {
    "sales_invoice": "Free text invoices",
    "vendor_invoice": "Pending vendor invoices (VendInvoiceService)",
    "payment": "Customer payment journals (CustPay)",
    "journal": "General journals (GenJrn)",
    "purchase_invoice": "Vendor invoice journals (VendInv)",
    "supplier_payment": "Vendor disbursement journals (VendPay)",
}
SHOWN_DRAFTS = 50


@dataclass(frozen=True)
class Draft:
    key: str
    reference: str
    created_at: datetime
    age: str


@dataclass(frozen=True)
class KindDrafts:
    kind: str
    label: str
    count: int
    oldest_age: str
    drafts: list[Draft]


def _reference(kind: str, data: dict) -> str:
    if kind == "sales_invoice":
        return str(data.get("CustomerRef") or "")
    if kind == "vendor_invoice":
        return f"{data.get('OrderAccount', '')} {data.get('Num', '')}".strip()
    lines = data.get("LedgerJournalTrans") or []
    refs = sorted({str(line.get("DocumentNum")) for line in lines if line.get("DocumentNum")})
    return ", ".join(refs[:5]) + (f" (+{len(refs) - 5})" if len(refs) > 5 else "")


def company_drafts(company: AxCompany, now: datetime | None = None) -> list[KindDrafts]:
    """Per kind: how many drafts wait, how old the oldest is, and the first ``SHOWN_DRAFTS`` of them."""
    now = now or timezone.now()
    out = []
    for kind in posting.KINDS:
        rows = posting.drafts(company, kind)
        shown = [
            Draft(r.key, _reference(kind, r.data), r.created_at, timesince(r.created_at, now))
            for r in rows[:SHOWN_DRAFTS]
        ]
        count = rows.count()
        out.append(KindDrafts(kind, KIND_LABELS[kind], count, shown[0].age if shown else "", shown))
    return out


@role_required(ACCOUNTANT)
@require_GET
def ax_drafts(request: HttpRequest) -> HttpResponse:
    companies = [(c, company_drafts(c)) for c in AxCompany.objects.order_by("data_area_id")]
    total = sum(k.count for _, kinds in companies for k in kinds)
    return render(request, "sandbox/ax_drafts.html", {"companies": companies, "total": total})


@role_required(ACCOUNTANT)
@require_POST
def ax_drafts_post(request: HttpRequest) -> HttpResponse:
    """Post the drafts of one company, one kind or all (``kind`` empty), then back to the list."""
    company = AxCompany.objects.filter(data_area_id=request.POST.get("company", "")).first()
    kind = request.POST.get("kind", "")
    if company is None or (kind and kind not in posting.KINDS):
        messages.error(request, "Nothing was posted: unknown company or kind of document.")
        return redirect("sandbox:ax-drafts")
    result = posting.post(company, kinds=[kind] if kind else None)
    count = sum(len(keys) for keys in result.posted.values())
    messages.success(request, f"Posted {count} document{'s' if count != 1 else ''} in AX company {company}.")
    for key, why in result.refused.items():
        messages.warning(request, f"{key} stays a draft: {why}")
    return redirect("sandbox:ax-drafts")
