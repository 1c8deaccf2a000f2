"""A stored reconciliation run as lines of text (the ``reconcile`` command prints them)."""

from __future__ import annotations

from integrations.reconciliation.models import ReconciliationRun

KIND_LABELS = {
    "missing_in_ax": "missing in AX",
    "duplicated_in_ax": "duplicated in AX",
    "not_linked": "in AX but not linked",
    "unexpected_in_ax": "in AX but should not be",
    "unposted_in_ax": "in AX as an unposted draft",
    "written_back": "written into KashFlow by the integration",
    "party": "customer/supplier",
    "currency": "currency",
    "exchange_rate": "exchange rate",
    "date": "date",
    "net": "net amount",
    "vat": "VAT amount",
    "gross": "gross amount",
    "accounts": "GL accounts",
    "bank_account": "bank account",
    "counter_account": "counter-account",
    "dimensions": "financial dimensions",
    "tax_group": "sales tax group",
    "tax_item_group": "item sales tax group",
    "settlement": "settlement",
    "status": "status",
}
UNPOSTED = "unposted_in_ax"
ENTITY_LABELS = {
    "sales_invoice": "sales invoice",
    "payment": "payment",
    "purchase_invoice": "purchase invoice",
    "supplier_payment": "supplier payment",
    "journal": "journal",
    "bank_transaction": "bank line",
}


def difference_line(d: dict) -> str:
    where = f" [AX {', '.join(d['ax_keys'])}]" if d.get("ax_keys") else ""
    return (
        f"{ENTITY_LABELS.get(d['entity'], d['entity'])} {d['key']}{where}: {KIND_LABELS.get(d['kind'], d['kind'])}"
        f" — KashFlow {d['kashflow']} | AX {d['ax']}"
    )


def total_line(t: dict) -> str:
    label = {"currency": f"{t['name']} in {t['currency']}", "party": f"{t['name']} ({t['currency']})"}.get(
        t["by"], f"account {t['name']} ({t['currency']})"
    )
    entity = ENTITY_LABELS.get(t["entity"], t["entity"])
    if t["agrees"]:
        return f"{entity} {label}: {t['kashflow']} both sides"
    return f"{entity} {label}: KashFlow {t['kashflow']} | AX {t['ax']}"


def text_report(run: ReconciliationRun) -> list[str]:
    if run.status == ReconciliationRun.Status.FAILED:
        return [f"Reconciliation {run.pk} could not finish: {run.error}"]
    unexplained = [d for d in run.differences if not d.get("explained_by")]
    unposted = [d for d in run.differences if d.get("explained_by") and d["kind"] == UNPOSTED]
    explained = [d for d in run.differences if d.get("explained_by") and d["kind"] != UNPOSTED]
    totals = (run.summary or {}).get("totals", [])
    lines = []
    for entity in (run.summary or {}).get("entities", []):
        lines.append(
            f"{ENTITY_LABELS.get(entity['entity'], entity['entity'])}s: {entity['documents']} KashFlow documents, "
            f"{entity['ax_documents']} in AX, {entity['unexplained']} unexplained and {entity['explained']} "
            "explained differences" + ("" if entity.get("ax_listed", True) else f" ({entity.get('ax_read', '')})")
        )
    if unexplained:
        lines += ["", f"Unexplained differences ({run.unexplained_count}):"]
        lines += [f"  {difference_line(d)}" for d in unexplained]
    if unposted:
        lines += ["", f"Waiting to be posted in AX ({len(unposted)}):"]
        lines += [f"  {difference_line(d)} — {d['explained_by']}" for d in unposted]
    if explained:
        lines += ["", f"Explained by the exception queue ({len(explained)}):"]
        lines += [f"  {difference_line(d)} — {d['explained_by']}" for d in explained]
    if run.differences_truncated:
        lines.append(f"  ... the first {ReconciliationRun.MAX_STORED} differences are shown")
    disagree = [t for t in totals if not t["agrees"]]
    if disagree:
        lines += ["", "Totals that differ:"] + [f"  {total_line(t)}" for t in disagree]
    lines += ["", "Totals that agree:"] + [f"  {total_line(t)}" for t in totals if t["agrees"]]
    lines.append("")
    if run.clean:
        lines.append(f"Clean: {run.documents} documents agree in both systems.")
    else:
        lines.append(f"{run.unexplained_count} unexplained differences in {run.documents} documents.")
    return lines
