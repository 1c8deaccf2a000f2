"""Vendor disbursement journals in the simulated AX: marking a vendor invoice, and settling it on posting.

AX 2012 ships no vendor payment journal service that creates (standard-document-services.md: LedgerVendorPaymentService
is R only), so vendor payments are ledger journals (LedgerGeneralJournalService) under the journal name VendPay.
"""

from __future__ import annotations

import pytest

from integrations.connectors.errors import ValidationError
from integrations.sandbox.ax import posting
from integrations.sandbox.models import AxRecord
from tests.integrations.ax.conftest import _put

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]

SERVICE = "LedgerGeneralJournalService"


def _vendor_invoice(invoice: str, gross: str, vendor: str = "V0001") -> dict:
    return {
        "JournalName": "VendInv",
        "LedgerJournalTrans": [
            {
                "TransDate": "2024-03-01",
                "AccountType": "Vend",
                "LedgerDimension": {"Account": vendor},
                "AmountCurCredit": gross,
                "CurrencyCode": "EUR",
                "ExchRate": "86.956522",
                "DocumentNum": "3001",
                "Invoice": invoice,
                "OffsetAccountType": "Ledger",
                "OffsetLedgerDimension": {"Account": "600100"},
            }
        ],
    }


def _vendor_payment(invoice: str, amount: str, reference: str, vendor: str = "V0001") -> dict:
    return {
        "JournalName": "VendPay",
        "LedgerJournalTrans": [
            {
                "TransDate": "2024-03-20",
                "AccountType": "Vend",
                "LedgerDimension": {"Account": vendor},
                "AmountCurDebit": amount,
                "CurrencyCode": "EUR",
                "ExchRate": "86.956522",
                "DocumentNum": reference,
                "MarkedInvoice": invoice,
                "OffsetAccountType": "Bank",
                "OffsetLedgerDimension": {"Account": "BANK-EUR"},
            }
        ],
    }


def _vend_trans(invoice: str) -> dict:
    return AxRecord.objects.get(entity="VendTrans", data__Invoice=invoice).data


@pytest.fixture
def company(ax_company):
    _put(ax_company, "BankAccountTable", "BANK-EUR", {"AccountID": "BANK-EUR", "CurrencyCode": "EUR"})
    return ax_company


def test_a_vendor_payment_settles_the_marked_vendor_invoice_partly_then_fully_when_posted(ax_client, company):
    [invoice_journal] = ax_client.create(SERVICE, [_vendor_invoice("SI-501", "300.00")])
    [first] = ax_client.create(SERVICE, [_vendor_payment("SI-501", "100.00", "3001/1")])

    held = posting.post(company, kinds=["supplier_payment"])  # the invoice is a draft: nothing to settle yet
    posting.post(company, kinds=["purchase_invoice"])
    open_invoice = _vend_trans("SI-501")
    posting.post(company, kinds=["supplier_payment"])
    partly = _vend_trans("SI-501")
    ax_client.create(SERVICE, [_vendor_payment("SI-501", "200.00", "3001/2")])
    posting.post(company)
    paid = _vend_trans("SI-501")

    assert first in held.refused and "not posted" in held.refused[first]
    # A vendor invoice is a credit to the vendor: AmountCur negative, settlement too.
    assert (open_invoice["AmountCur"], open_invoice["SettleAmountCur"], open_invoice["CurrencyCode"]) == (
        "-300.00",
        "0.00",
        "EUR",
    )
    assert partly["SettleAmountCur"] == "-100.00" and "Closed" not in partly
    assert paid["SettleAmountCur"] == "-300.00" and paid["Closed"]
    payments = sorted(
        (r.data["AmountCur"], r.data["SettleAmountCur"], r.data["MarkedInvoice"])
        for r in AxRecord.objects.filter(entity="VendTrans")
        if not r.data["Invoice"]
    )
    assert payments == [("100.00", "100.00", "SI-501"), ("200.00", "200.00", "SI-501")]
    assert AxRecord.objects.get(entity="LedgerJournalTable", key=invoice_journal).data["Posted"] == "Yes"


def test_a_vendor_payment_cannot_mark_another_vendors_invoice(ax_client, company):
    _put(company, "VendTable", "V0002", {"AccountNum": "V0002", "VendGroup": "SUPPLIERS", "Currency": "GBP"})
    ax_client.create(SERVICE, [_vendor_invoice("SI-777", "50.00", vendor="V0002")])
    with pytest.raises(ValidationError) as refused:
        ax_client.create(SERVICE, [_vendor_payment("SI-777", "50.00", "3002/1", vendor="V0001")])
    assert "SI-777 is not an open transaction of vendor account V0001" in str(refused.value)
    assert not AxRecord.objects.filter(entity="LedgerJournalTable", data__JournalName="VendPay").exists()


def test_an_overpayment_settles_only_what_is_open_and_stays_open_on_the_payment(ax_client, company):
    ax_client.create(SERVICE, [_vendor_invoice("SI-900", "80.00")])
    ax_client.create(SERVICE, [_vendor_payment("SI-900", "100.00", "3003/1")])
    posting.post(company)
    invoice = _vend_trans("SI-900")
    [payment] = [r.data for r in AxRecord.objects.filter(entity="VendTrans") if not r.data["Invoice"]]
    assert invoice["SettleAmountCur"] == "-80.00" and invoice["Closed"]
    assert (payment["AmountCur"], payment["SettleAmountCur"]) == ("100.00", "80.00")
