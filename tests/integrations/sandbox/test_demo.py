import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from integrations.sandbox import demo_credentials as creds
from integrations.sandbox import demo_data
from integrations.sandbox.demo import reset_sandbox, seed_sandbox
from integrations.sandbox.models import AxCompany, AxRecord, FaultRule, KashFlowAccount, KashFlowRecord

pytestmark = pytest.mark.django_db

TIMESTAMPS = {"CreatedDate", "LastUpdatedDate"}


def kf(entity: str) -> list[dict]:
    return [r.data for r in KashFlowRecord.objects.filter(entity=entity).order_by("pk")]


def ax(entity: str) -> list[dict]:
    return [r.data for r in AxRecord.objects.filter(entity=entity).order_by("pk")]


def dec(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def seeded() -> dict[str, int]:
    return seed_sandbox(seed=42)


def test_it_creates_the_demo_login_and_company(seeded):
    account = KashFlowAccount.objects.get(username=creds.KASHFLOW_USERNAME)
    assert (account.password, account.memorable_word, account.rate_limit_per_minute) == (
        creds.KASHFLOW_PASSWORD,
        creds.KASHFLOW_MEMORABLE_WORD,
        600,
    )
    company = AxCompany.objects.get(data_area_id=creds.AX_COMPANY)
    assert (company.name, company.service_user, company.service_password) == (
        "LedgerBridge Demo Ltd",
        creds.AX_SERVICE_USER,
        creds.AX_SERVICE_PASSWORD,
    )


def test_counts_of_the_demo_company(seeded):
    assert seeded["kashflow.customers"] == 50
    assert seeded["dynamics_ax.CustTable"] == 40
    assert seeded["kashflow.suppliers"] == seeded["dynamics_ax.VendTable"] == 20
    assert seeded["kashflow.products"] == seeded["dynamics_ax.InventTable"] == 30
    assert seeded["kashflow.invoices"] == 200
    assert seeded["kashflow.purchases"] == 40
    assert seeded["kashflow.journals"] == 20
    assert seeded["kashflow.bankaccounts"] == 2
    assert 120 <= seeded["kashflow.banktransactions"] <= 200
    assert 38 <= seeded["dynamics_ax.MainAccount"] <= 45
    assert seeded == {
        **Counter(f"kashflow.{e}" for e in KashFlowRecord.objects.values_list("entity", flat=True)),
        **Counter(f"dynamics_ax.{e}" for e in AxRecord.objects.values_list("entity", flat=True)),
    }


def test_ax_has_three_dimensions_with_values_and_rates_both_ways(seeded):
    values = ax("DimensionValue")
    assert {v["DimensionName"] for v in values} == {"Department", "CostCenter", "BusinessUnit"}
    assert {"010", "022", "OU_6", "BU_ONLINE"} <= {v["Value"] for v in values}
    pairs = {(r["FromCurrencyCode"], r["ToCurrencyCode"]): r for r in ax("CurrencyPair")}
    assert set(pairs) == {("EUR", "GBP"), ("GBP", "EUR"), ("USD", "GBP"), ("GBP", "USD")}
    assert {r["ExchangeRateType"] for r in pairs.values()} == {"Default"}
    assert len({r["ValidFrom"] for r in pairs["EUR", "GBP"]["ExchangeRate"]}) >= 6
    # AX keeps a rate per 100 units: 100 euros are worth some 85 pounds
    assert all(80 < float(r["ExchangeRate"]) < 90 for r in pairs["EUR", "GBP"]["ExchangeRate"])
    keys = set(AxRecord.objects.filter(entity="DimensionValue").values_list("key", flat=True))
    assert "Department/022" in keys


def test_customers_missing_from_ax_exist_only_in_kashflow(seeded):
    kf_codes = {c["Code"] for c in kf("customers")}
    ax_codes = {c["AccountNum"] for c in ax("CustTable")}
    assert ax_codes < kf_codes
    assert len(kf_codes - ax_codes) == 10
    groups = {c["CustGroup"] for c in ax("CustTable")}
    assert groups == {"RETAIL", "WHOLESALE", "EU", "EXPORT"}
    customer = next(c for c in kf("customers") if c["Code"] == "ACME01")
    assert customer["CustomTextBoxes"][0]["Name"] == "CustomerGroup"
    assert customer["Addresses"][0]["PostCode"]


def test_invoices_come_in_mixed_states_and_currencies(seeded):
    invoices = kf("invoices")
    assert {i["Status"] for i in invoices} == {"Paid", "Unpaid", "Overdue", "Overpaid"}  # KashFlow's statuses
    assert any(i["Status"] == "Unpaid" and 0 < i["TotalPaidAmount"] < i["GrossAmount"] for i in invoices)
    currencies = Counter(i["Currency"]["Code"] for i in invoices)
    assert set(currencies) == {"GBP", "EUR", "USD"}
    assert currencies["GBP"] > currencies["EUR"] + currencies["USD"]
    assert all(1 <= len(i["LineItems"]) <= 11 for i in invoices)
    assert {i["Number"] for i in invoices} == set(range(1001, 1201))


def test_invoice_totals_and_payments_are_consistent(seeded):
    payments = Counter()
    lines_by_id = {p["Id"]: p for p in kf("payments")}
    for invoice in kf("invoices"):
        for p in invoice["PaymentLines"]:
            assert p["InvoiceNumber"] == 0 and lines_by_id[p["Id"]] == p  # as KashFlow's example shows them
            payments[invoice["Number"]] += dec(p["Amount"])
    for invoice in kf("invoices"):
        net = sum(dec(ln["Quantity"]) * dec(ln["Rate"]) for ln in invoice["LineItems"])
        vat = sum(dec(ln["VATAmount"]) for ln in invoice["LineItems"])
        assert dec(invoice["NetAmount"]) == net.quantize(Decimal("0.01"))
        assert dec(invoice["VATAmount"]) == vat
        assert dec(invoice["GrossAmount"]) == dec(invoice["NetAmount"]) + vat
        assert dec(invoice["TotalPaidAmount"]) == payments[invoice["Number"]]
        assert "AmountPaid" not in invoice and "Paid" not in invoice and "LastUpdatedDate" not in invoice
        if invoice["Status"] == "Paid":
            assert invoice["TotalPaidAmount"] == invoice["GrossAmount"]
        if invoice["Status"] == "Overpaid":
            assert invoice["TotalPaidAmount"] > invoice["GrossAmount"]
        if invoice["Status"] in ("Unpaid", "Overdue"):
            assert invoice["TotalPaidAmount"] < invoice["GrossAmount"]
        if invoice["Status"] == "Overdue":
            assert invoice["DueDate"][:10] < date.today().isoformat()
        rate = dec(invoice["Currency"]["ExchangeRate"])
        assert dec(invoice["HomeCurrencyGrossAmount"]) == (dec(invoice["GrossAmount"]) / rate).quantize(Decimal("0.01"))


def test_vat_rates_and_the_unmapped_nominal_code(seeded):
    lines = [ln for i in kf("invoices") for ln in i["LineItems"]]
    assert {ln["VATLevel"] for ln in lines} == {20.0, 5.0, 0.0}
    sundry = [i for i in kf("invoices") if any(ln["NominalCode"] == 4900 for ln in i["LineItems"])]
    assert 3 <= len(sundry) <= 10
    nominal_codes = {n["Code"] for n in kf("nominals")}
    used = {ln["NominalCode"] for ln in lines} | {ln["NominalCode"] for p in kf("purchases") for ln in p["LineItems"]}
    assert used <= nominal_codes
    assert set(demo_data.NOMINAL_TO_MAIN_ACCOUNT) | set(demo_data.UNMAPPED_NOMINALS) == nominal_codes
    main_accounts = {a["MainAccountId"] for a in ax("MainAccount")}
    assert set(demo_data.NOMINAL_TO_MAIN_ACCOUNT.values()) <= main_accounts


def test_journals_balance(seeded):
    for journal in kf("journals"):
        debit = sum(dec(ln["Debit"]) for ln in journal["Lines"])
        credit = sum(dec(ln["Credit"]) for ln in journal["Lines"])
        assert debit == credit > 0


def test_bank_transactions_mostly_match_payments(seeded):
    transactions = kf("banktransactions")
    documents = {("invoice", i["Number"]) for i in kf("invoices")} | {
        ("purchase", p["Number"]) for p in kf("purchases")
    }
    matched = [t for t in transactions if (t["EntityName"], t["ResourceNumber"]) in documents]
    assert len(transactions) * 0.6 < len(matched) < len(transactions)
    accounts = {b["Id"]: b["Code"] for b in kf("bankaccounts")}
    assert {t["AccountId"] for t in transactions} == set(accounts) and set(accounts.values()) == {1200, 1210}
    assert all((t["PaidIn"] > 0) != (t["PaidOut"] > 0) for t in transactions)
    # A transfer shows in both accounts' feeds under one Id, as on KashFlow.
    by_id = Counter(t["Id"] for t in transactions)
    transfers = [i for i, n in by_id.items() if n == 2]
    assert transfers and all({t["AccountId"] for t in transactions if t["Id"] == i} == set(accounts) for i in transfers)


def test_ax_values_fit_the_document_fields(seeded):
    from integrations.connectors.dynamics_ax.documents import SERVICES

    too_long = []
    for record in AxRecord.objects.all():
        service = next((s for s in SERVICES.values() if s.entity == record.entity), None)
        if service is None:  # AX setup no LedgerBridge service writes: bank accounts, procurement categories
            assert record.entity in ("BankAccountTable", "ProcurementCategory"), record.entity
            continue

        def check(table, row):
            for f in table.fields:
                value = row.get(f.name)
                if f.max_length and isinstance(value, str) and len(value) > f.max_length:
                    too_long.append((record.key, f.name, value))
            for child in table.children:
                for item in row.get(child.name, []):
                    check(child, item)

        check(service.root, record.data)
    assert too_long == []


def without_timestamps(value):
    """The data minus when it was loaded (LastUpdatedDate/CreatedDate, also inside nested payments)."""
    if isinstance(value, dict):
        return {k: without_timestamps(v) for k, v in value.items() if k not in TIMESTAMPS}
    if isinstance(value, list):
        return [without_timestamps(v) for v in value]
    return value


def test_same_seed_same_data_and_other_seed_other_data():
    def snapshot():
        return sorted(
            (r.entity, r.key, repr(without_timestamps(r.data))) for r in KashFlowRecord.objects.all()
        ) + sorted((r.entity, r.key, repr(r.data)) for r in AxRecord.objects.all())

    seed_sandbox(seed=7)
    first = snapshot()
    seed_sandbox(seed=7)
    assert snapshot() == first
    seed_sandbox(seed=8)
    assert snapshot() != first


def test_reset_empties_both_systems_but_keeps_the_logins(seeded):
    FaultRule.objects.create(system="kashflow", kind="server_error")
    reset_sandbox()
    assert not KashFlowRecord.objects.exists()
    assert not AxRecord.objects.exists()
    assert not FaultRule.objects.exists()
    assert KashFlowAccount.objects.filter(username=creds.KASHFLOW_USERNAME).exists()


def test_seed_without_reset_only_adds_what_is_missing(seeded):
    KashFlowRecord.objects.filter(entity="customers", key="ACME01").update(data={"Code": "ACME01", "Name": "Kept"})
    seed_sandbox(seed=42, reset=False)
    assert KashFlowRecord.objects.get(entity="customers", key="ACME01").data["Name"] == "Kept"
    assert KashFlowRecord.objects.filter(entity="invoices").count() == 200


def test_scaled_seed_is_fast():
    started = time.monotonic()
    counts = seed_sandbox(seed=1, invoices=2000)
    assert counts["kashflow.invoices"] == 2000
    assert counts["kashflow.purchases"] == 400
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("kwargs", [{"seed": "x"}, {"invoices": -1}, {"invoices": 10**9}, {"invoices": True}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        seed_sandbox(**kwargs)
