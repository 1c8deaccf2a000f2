"""Every flow against the sandbox over real HTTP and SOAP, run in-process (the worker tests are separate)."""

from __future__ import annotations

from decimal import Decimal

from integrations.models import PendingRecord, RecordLink, RecordOutcome
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxCompany, AxMessage, AxRecord, KashFlowRecord
from integrations.sync.runs import run_flow
from monitoring.models import ExceptionItem
from tests.integrations.sync.conftest import edit_kashflow, flow, invoice_refs, journal_refs


def test_sales_invoices_reach_ax_with_their_customers_and_a_rerun_creates_nothing(demo):
    run = run_flow(flow("sales_invoice"))
    assert run.status in ("succeeded", "partial"), run.error
    refs = invoice_refs()
    assert run.created_count == len(refs) > 0
    assert set(refs.values()) == {1}
    customers = set(AxRecord.objects.filter(entity="CustTable").values_list("key", flat=True))
    for record in AxRecord.objects.filter(entity="CustInvoiceTable"):
        assert record.data["OrderAccount"] in customers
    creates = AxMessage.objects.filter(operation="create", succeeded=True).count()

    again = run_flow(flow("sales_invoice"), full=True)
    assert again.created_count == 0
    assert again.skipped_count >= len(refs)
    assert invoice_refs() == refs
    assert AxMessage.objects.filter(operation="create", succeeded=True).count() == creates
    assert RecordLink.objects.filter(flow=flow("sales_invoice")).exclude(target_key="").count() == len(refs)


def test_a_value_missing_from_a_value_map_goes_to_the_queue_with_a_fix_and_the_run_goes_on(demo):
    run = run_flow(flow("sales_invoice"))
    failed = RecordOutcome.objects.filter(run=run, action="failed")
    assert failed.exists()  # the demo's sundry nominal code 4900 is not mapped
    item = ExceptionItem.objects.get(flow=flow("sales_invoice"), source_key=failed.first().source_key)
    assert item.error_class == "value_not_mapped"
    assert item.suggested_fix["value_map"] and item.suggested_fix["value"] == "4900"
    assert item.source_payload["Number"] == int(item.source_key)
    assert run.created_count > 0 and run.status == "partial"


def test_payments_settle_the_ax_invoice_they_pay_syncing_the_invoice_first(demo):
    run = run_flow(flow("payment"))
    assert run.status in ("succeeded", "partial"), run.error
    # A payment line's own InvoiceNumber is 0 on KashFlow: the invoice it belongs to is the one holding it.
    payments = {
        str(line["Id"]): {**line, "InvoiceNumber": r.data["Number"]}
        for r in KashFlowRecord.objects.filter(entity="invoices")
        for line in r.data["PaymentLines"]
    }
    refs = journal_refs("CustPay")
    assert refs and set(refs.values()) == {1}
    # created through AIF, the journals settle nothing until the accountant posts them (with their invoices)
    assert all(Decimal(r.data["SettledAmount"]) == 0 for r in AxRecord.objects.filter(entity="CustInvoiceTable"))
    for company in AxCompany.objects.all():
        posting.post(company)
    invoices = {r.data["CustomerRef"]: r for r in AxRecord.objects.filter(entity="CustInvoiceTable")}
    for journal in AxRecord.objects.filter(entity="LedgerJournalTable"):
        if journal.data.get("JournalName") != "CustPay":
            continue
        line = journal.data["LedgerJournalTrans"][0]
        payment = payments[str(line["DocumentNum"])]
        invoice = invoices[str(payment["InvoiceNumber"])]
        assert line["MarkedInvoice"] == invoice.key
        assert Decimal(invoice.data["SettledAmount"]) > 0
    # A payment whose invoice cannot reach AX waits, it is never dropped.
    waiting = RecordOutcome.objects.filter(run=run, action="waiting").values_list("source_key", flat=True)
    assert set(waiting) <= set(PendingRecord.objects.filter(flow=flow("payment")).values_list("source_key", flat=True))


def test_purchase_invoices_and_journals_become_ax_journals_once(demo):
    purchases = run_flow(flow("purchase_invoice"))
    journals = run_flow(flow("journal"))
    assert purchases.created_count > 0 and journals.created_count > 0
    vend, gen = journal_refs("VendInv"), journal_refs("GenJrn")
    assert len(vend) == purchases.created_count and set(vend.values()) == {1}
    # Posted at KashFlow's own rate (foreign units per pound -> AX's pounds per 100 units): sterling agrees.
    rates = {
        str(r.data["Number"]): r.data["Currency"]["ExchangeRate"]
        for r in KashFlowRecord.objects.filter(entity="purchases")
    }
    for journal in AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="VendInv"):
        for line in journal.data["LedgerJournalTrans"]:
            expected = Decimal(100) / Decimal(str(rates[str(line["DocumentNum"])]))
            assert abs(Decimal(str(line["ExchRate"])) - expected) < Decimal("0.000001")
    assert len(gen) == journals.created_count and set(gen.values()) == {1}
    assert run_flow(flow("journal"), full=True).created_count == 0
    assert journal_refs("GenJrn") == gen


def test_a_changed_kashflow_customer_updates_ax_and_an_unchanged_one_is_skipped(demo):
    first = run_flow(flow("customer"))
    created = RecordOutcome.objects.filter(run=first, action="created").values_list("source_key", flat=True)
    code = sorted(created)[0]
    edit_kashflow("customers", code, Name="Renamed Trading Ltd", VATNumber="GB999999973")

    second = run_flow(flow("customer"))
    outcome = RecordOutcome.objects.get(run=second, source_key=code)
    assert outcome.action == "updated", outcome.error
    ax = AxRecord.objects.get(entity="CustTable", key=code).data
    assert ax["DirParty"][0]["Name"] == "Renamed Trading Ltd"
    assert ax["VATNum"] == "GB999999973"
    assert second.created_count == 0


def test_dry_run_maps_and_validates_without_writing(demo):
    before = (AxRecord.objects.count(), AxMessage.objects.count())
    run = run_flow(flow("sales_invoice"), dry_run=True)
    assert run.dry_run and run.status in ("succeeded", "partial")
    assert RecordOutcome.objects.filter(run=run, action="validated").count() > 0
    assert (AxRecord.objects.filter(entity="CustInvoiceTable").count(), RecordLink.objects.count()) == (0, 0)
    assert AxRecord.objects.count() == before[0]
    assert not ExceptionItem.objects.exists()
    assert flow("sales_invoice").watermark is None


def _edit_ax_customer(code: str, name: str) -> None:
    from django.utils import timezone

    record = AxRecord.objects.get(entity="CustTable", key=code)
    data = record.data
    data["DirParty"][0]["Name"] = name
    AxRecord.objects.filter(pk=record.pk).update(
        data=data, modified_at=timezone.now(), rec_version=record.rec_version + 1
    )


def test_customers_go_both_ways_and_ax_wins_a_conflict_keeping_kashflow_values_in_the_audit_trail(demo):
    from monitoring.models import AuditEvent

    first = run_flow(flow("customer", "ax_to_kf"))
    assert first.status == "succeeded" and first.updated_count > 0
    assert run_flow(flow("customer")).updated_count == 0  # the echo of AX's writes is not sent back
    assert run_flow(flow("customer", "ax_to_kf")).updated_count == 0

    # Only KashFlow changed: the edit reaches AX.
    edit_kashflow("customers", "DALE01", Name="Dales Outdoor (KF edit)")
    assert RecordOutcome.objects.get(run=run_flow(flow("customer")), source_key="DALE01").action == "updated"
    assert (
        AxRecord.objects.get(entity="CustTable", key="DALE01").data["DirParty"][0]["Name"] == "Dales Outdoor (KF edit)"
    )
    assert run_flow(flow("customer", "ax_to_kf")).updated_count == 0

    # Both changed: AX wins in both directions, and KashFlow's overwritten name is in the audit trail.
    edit_kashflow("customers", "ACME01", Name="Acme (KF edit)")
    _edit_ax_customer("ACME01", "Acme (AX edit)")
    kf_to_ax = RecordOutcome.objects.get(run=run_flow(flow("customer")), source_key="ACME01")
    assert kf_to_ax.action == "skipped" and "AX wins" in kf_to_ax.error
    assert AxRecord.objects.get(entity="CustTable", key="ACME01").data["DirParty"][0]["Name"] == "Acme (AX edit)"
    ax_to_kf = RecordOutcome.objects.get(run=run_flow(flow("customer", "ax_to_kf")), source_key="ACME01")
    assert ax_to_kf.action == "updated" and "AX wins" in ax_to_kf.error
    assert KashFlowRecord.objects.get(entity="customers", key="ACME01").data["Name"] == "Acme (AX edit)"
    event = AuditEvent.objects.filter(action="sync_conflict_resolved", object_id="ACME01").get()
    assert event.changes["overwritten"]["Name"] == ["Acme (KF edit)", "Acme (AX edit)"]
    assert event.changes["winner"] == "dynamics_ax"


def test_suppliers_go_both_ways_with_ax_as_master(demo):
    assert run_flow(flow("supplier", "ax_to_kf")).status == "succeeded"
    assert run_flow(flow("supplier")).created_count == run_flow(flow("supplier")).updated_count == 0
    code = KashFlowRecord.objects.filter(entity="suppliers").order_by("key").first().key
    edit_kashflow("suppliers", code, Name="Renamed Supplies Ltd")
    assert RecordOutcome.objects.get(run=run_flow(flow("supplier")), source_key=code).action == "updated"
    assert AxRecord.objects.get(entity="VendTable", key=code).data["DirParty"][0]["Name"] == "Renamed Supplies Ltd"
    assert run_flow(flow("supplier", "ax_to_kf")).updated_count == 0  # AX's new state is KashFlow's already


def test_an_item_created_in_ax_becomes_a_kashflow_product(demo):
    from django.utils import timezone

    assert run_flow(flow("product", "ax_to_kf")).status == "succeeded"
    template = AxRecord.objects.filter(entity="InventTable").order_by("key").first()
    data = {**template.data, "ItemId": "NEW-ITEM-1", "Name": "Brand new item", "NameAlias": "NEWITEM"}
    AxRecord.objects.create(
        company=template.company, entity="InventTable", key="NEW-ITEM-1", data=data, modified_at=timezone.now()
    )
    run = run_flow(flow("product", "ax_to_kf"))
    assert run.created_count == 1 and run.updated_count == 0
    product = KashFlowRecord.objects.get(entity="products", data__Code="NEW-ITEM-1").data  # keyed nominal/code
    assert product["Name"] == "Brand new item"


def test_a_new_mapping_version_does_not_repost_journals_but_a_changed_posted_journal_is_queued(demo, integration_admin):
    from mappings import services as mapping_services

    first = run_flow(flow("journal"))
    posted = journal_refs("GenJrn")
    draft = mapping_services.get_or_create_draft(flow("journal").mapping_set, actor=integration_admin)
    mapping_services.save_rule(draft, target_path="Name", source_kind="constant", source="From KashFlow")
    mapping_services.publish(draft, actor=integration_admin)

    again = run_flow(flow("journal"), full=True)
    assert again.created_count == 0 and again.failed_count == first.failed_count  # the unmapped one, still
    assert again.mapping_version == first.mapping_version + 1
    assert journal_refs("GenJrn") == posted
    number = RecordOutcome.objects.filter(run=first, action="created").first().source_key
    edit_kashflow("journals", number, Date="2026-01-02")
    third = run_flow(flow("journal"))
    assert RecordOutcome.objects.get(run=third, source_key=number).action == "failed"
    item = ExceptionItem.objects.get(flow=flow("journal"), source_key=number)
    assert item.error_code == "changed_after_posting" and journal_refs("GenJrn") == posted


def test_reconciled_bank_lines_not_matched_to_a_payment_become_ax_bank_journal_lines_once(demo):
    # Keyed "<AccountId>/<Id>": a transfer's two sides share one Id.
    lines = {
        f"{r.data['AccountId']}/{r.data['Id']}": r.data
        for r in KashFlowRecord.objects.filter(entity="banktransactions")
    }
    run = run_flow(flow("bank_transaction"))
    assert run.status in ("succeeded", "partial"), run.error
    outcomes = {o.source_key: o for o in RecordOutcome.objects.filter(run=run)}
    bank = {ref: n for ref, n in journal_refs("GenJrn").items() if ref.startswith("BANK-")}
    assert bank and set(bank.values()) == {1}
    assert set(outcomes) == set(lines)
    for key, line in lines.items():
        outcome = outcomes[key]
        if not line["Reconciled"]:
            assert outcome.action == "skipped" and f"BANK-{key}" not in bank
        elif line["EntityName"] == "invoice" and line["PaidIn"] > 0:
            assert outcome.action == "skipped" and "matched to payment" in outcome.error
        elif line["TransactionType"] == 4 and line["PaidIn"] > 0:
            assert outcome.action == "skipped" and "transfer" in outcome.error
        elif line["EntityName"] in ("purchase", "purchasebatchpayment") and line["PaidOut"] > 0:
            assert outcome.action == "skipped" and "supplier payments flow" in outcome.error
        else:
            assert outcome.action in ("created", "failed") and bank.get(f"BANK-{key}", 0) == (
                outcome.action == "created"
            )
    assert run_flow(flow("bank_transaction"), full=True).created_count == 0
    assert {ref: n for ref, n in journal_refs("GenJrn").items() if ref.startswith("BANK-")} == bank


def test_warnings_ax_returns_with_a_write_are_kept_on_the_records_outcome(demo):
    from integrations.sandbox.ax import ports

    ports.register(ports.InboundPort(ports.DEFAULT_PORT, infolog_warnings=("Sales tax group DOM is obsolete.",)))
    try:
        run = run_flow(flow("sales_invoice"))
    finally:
        ports.reset()
    created = RecordOutcome.objects.filter(run=run, action="created")
    assert created.exists()
    assert all("AX warning: Sales tax group DOM is obsolete." in outcome.error for outcome in created)
