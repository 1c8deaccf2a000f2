"""VendInvoiceService (AX 2012 R2) in the simulated AX, through the real connector over real sockets: Microsoft's
operations and no others, a pending invoice that posting turns into a vendor transaction, the duplicate invoice
number check at posting, and the lookup by vendor and invoice number that exactly-once rests on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.connectors.dynamics_ax.documents import SERVICES
from integrations.connectors.errors import ValidationError
from integrations.sandbox.ax import posting, rules, vendinvoice
from integrations.sandbox.models import AxMessage, AxRecord
from tests.integrations.ax.test_validation_faults import _post

pytestmark = [
    pytest.mark.urls("tests.integrations.ax.urls"),
    pytest.mark.django_db(transaction=True, available_apps=["integrations.sandbox"]),
]

SERVICE = "VendVendInvoiceService"


@pytest.fixture
def ax(ax_company, connector):
    """The test company with a second vendor and two procurement categories."""
    now = timezone.now()
    vendor = {"AccountNum": "V0002", "VendGroup": "SUPPLIERS", "Currency": "EUR", "DirParty": [{"Name": "Euro Co"}]}
    AxRecord.objects.create(company=ax_company, entity="VendTable", key="V0002", data=vendor, modified_at=now)
    for name, account in (("Office supplies", "600100"), ("Software", "600100")):
        AxRecord.objects.create(
            company=ax_company,
            entity=vendinvoice.CATEGORY,
            key=name,
            data={"Name": name, "ExpenseAccount": account},
            modified_at=now,
        )
    return connector


def vendor_invoice(vendor: str = "V0001", number: str = "INV-1", *amounts: tuple[str, str]) -> dict:
    lines = amounts or (("100.00", "STD"), ("45.55", "RED"))
    return {
        "Num": number,
        "OrderAccount": vendor,
        "DocumentDate": "2024-03-01",
        "Description": "KashFlow purchase 5001",
        "VendInvoiceInfoLine": [
            {"Description": f"Line {i}", "ProcurementCategory": "Office supplies", "LineAmount": a, "TaxItemGroup": g}
            for i, (a, g) in enumerate(lines, start=1)
        ],
    }


def test_the_service_offers_microsofts_operations_and_no_update(ax, ax_url):
    shipped = {"create", "read", "delete", "find", "findKeys", "getKeys", "getChangedKeys"}  # C R D F FK GK GCK
    assert set(SERVICES[SERVICE].operations) == shipped
    assert set(ax.client.operations(SERVICE)) == shipped  # from the port's WSDL
    ns = "http://schemas.microsoft.com/dynamics/2008/01/services"
    body = (
        f"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
        f"<{SERVICE}UpdateRequest xmlns='{ns}'/></s:Body></s:Envelope>"
    ).encode()
    response = _post(ax_url, body, action=f"{ns}/{SERVICE}/update")
    assert response.status_code == 500 and "ContractFilter mismatch" in response.text


def test_a_created_invoice_is_pending_with_the_vendors_defaults_and_found_by_vendor_and_number(ax):
    key = ax.create("vendor_invoice", vendor_invoice("V0002", "INV-7"))

    stored = ax.read("vendor_invoice", key)
    assert key.startswith("VIN-") and stored["ParmJobStatus"] == "Waiting"
    assert (stored["InvoiceAccount"], stored["CurrencyCode"]) == ("V0002", "EUR")  # the vendor's currency
    assert [line["LineAmount"] for line in stored["VendInvoiceInfoLine"]] == ["100.00", "45.55"]
    assert ax.find_by_reference("vendor_invoice", "V0002/INV-7")["TableRefId"] == key
    assert ax.find_by_reference("vendor_invoice", "V0001/INV-7") is None  # another vendor's number is not ours
    assert AxMessage.objects.filter(service=SERVICE, operation="find").exists()


def test_an_unknown_category_or_vendor_is_refused_with_axs_relation_text(ax):
    document = vendor_invoice("V0009")
    document["VendInvoiceInfoLine"][0]["ProcurementCategory"] = "Catering"

    with pytest.raises(ValidationError) as refused:
        ax.create("vendor_invoice", document)

    text = str(refused.value)
    assert "The value 'V0009' in field 'Vendor account' is not found in the relating table 'Vendors'." in text
    assert "The value 'Catering' in field 'Procurement category' is not found" in text
    assert not AxRecord.objects.filter(entity=vendinvoice.INVOICE).exists()


def test_posting_makes_a_vendor_transaction_of_the_gross_and_refuses_a_vendors_invoice_number_twice(ax, ax_company):
    first = ax.create("vendor_invoice", vendor_invoice("V0001", "INV-1"))
    again = ax.create("vendor_invoice", vendor_invoice("V0001", "INV-1", ("10.00", "STD")))
    other_vendor = ax.create("vendor_invoice", vendor_invoice("V0002", "INV-1", ("10.00", "ZERO")))

    result = posting.post(ax_company, kinds=["vendor_invoice"])

    assert result.posted["vendor_invoice"] == [first, other_vendor]
    assert result.refused == {again: "Invoice number INV-1 is already used for vendor V0001."}
    trans = AxRecord.objects.get(entity=rules.VEND_TRANS, key=first).data
    # 100.00 at 20% = 20.00, 45.55 at 5% = 2.2775 -> 2.28 (half up per line): gross 167.83, a vendor credit
    assert (trans["AccountNum"], trans["Invoice"]) == ("V0001", "INV-1")
    assert Decimal(trans["AmountCur"]) == Decimal("-167.83")
    journal = AxRecord.objects.get(entity=vendinvoice.JOURNAL, key=first).data
    assert [(t["LineAmount"], t["TaxAmount"], t["LedgerAccount"]) for t in journal["VendInvoiceTrans"]] == [
        ("100.00", "20.00", "600100"),
        ("45.55", "2.28", "600100"),
    ]
    assert ax.read("vendor_invoice", first)["ParmJobStatus"] == "Executed"
    assert ax.read("vendor_invoice", again)["ParmJobStatus"] == "Waiting"
    assert posting.summary(ax_company)["vendor_invoice"]["count"] == 1
