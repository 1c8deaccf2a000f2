"""The vendor invoice document LedgerBridge sends (VendVendInvoiceService create), built by the real client from the
starter mapping's output, is valid against the sandbox port's own WSDL/XSD set (the real port sample has no
standard document, so the sandbox's schemas, whose shared types are the real ones, are the gate)."""

from __future__ import annotations

from integrations.connectors.dynamics_ax.documents import NS_SHARED, SERVICES
from tests.integrations.ax.contract.portset import sandbox_port, schema
from tests.integrations.ax.contract.test_contract import body_of, make_client, valid

SERVICE = "VendVendInvoiceService"


def test_the_vendor_invoice_create_request_is_valid_against_the_sandbox_wsdl():
    svc = SERVICES[SERVICE]
    document = {
        "Num": "SI-40021",
        "OrderAccount": "ALPH01",
        "DocumentDate": "2024-03-01",
        "TransDate": "2024-03-01",
        "FixedDueDate": "2024-03-31",
        "CurrencyCode": "GBP",
        "Description": "KashFlow purchase 5001",
        "VendInvoiceInfoLine": [
            {
                "LineNum": "1",
                "Description": "Materials purchased",
                "ProcurementCategory": "Materials",
                "ReceiveNow": "7.00",
                "PurchPrice": "93.44",
                "LineAmount": "654.08",
                "TaxItemGroup": "STD",
                "DefaultDimension": {"Values": [{"Name": "Department", "Value": "030"}]},
            }
        ],
    }
    portset = sandbox_port()
    client, adapter = make_client(portset, svc)

    client.create(SERVICE, [document])

    body, context = body_of(adapter.posts[0])
    valid(schema(portset), body)
    assert body.tag.endswith(f"}}{SERVICE}CreateRequest")
    ns = svc.namespace
    header = body.find(f".//{{{ns}}}VendInvoiceInfoTable")
    assert header is not None and header.get("class") == "entity"
    assert header.find(f"{{{ns}}}Num").text == "SI-40021"
    line = header.find(f"{{{ns}}}VendInvoiceInfoLine")
    assert line.find(f"{{{ns}}}LineAmount").text == "654.08"
    values = line.find(f"{{{ns}}}DefaultDimension").find(f"{{{NS_SHARED}}}Values")
    assert values is not None
    assert context is not None
