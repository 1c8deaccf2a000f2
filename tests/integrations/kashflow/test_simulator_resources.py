"""The simulator's resources as KashFlow serves them: envelopes and bare arrays, computed totals, bulk payments,
bank feeds, errors."""

from __future__ import annotations

from datetime import timedelta

import httpx
from django.utils import timezone

from integrations.sandbox.kashflow import shapes, store
from integrations.sandbox.models import KashFlowRecord
from tests.integrations.kashflow.conftest import BANK_ID, SANDBOX_DB, invoice_body

pytestmark = SANDBOX_DB


def test_customers_crud_with_generated_code(api):
    created = api.post("customers", json={"Name": "Gamma Trading", "Email": "g@example.com"})
    assert created.status_code == 201
    code = created.json()["Code"]
    assert code == "GAMMAT01"
    assert created.json()["OutstandingBalance"] == 0.0

    updated = api.put(f"customers/{code}", json={"TelephoneNumber": "0113 000"})
    assert updated.status_code == 200
    assert updated.json()["TelephoneNumber"] == "0113 000" and updated.json()["Email"] == "g@example.com"
    assert api.get(f"customers/{code}").json()["TelephoneNumber"] == "0113 000"
    # A field KashFlow does not have is ignored, as a .NET API ignores unknown members: the phone is lost.
    ignored = api.put(f"customers/{code}", json={"Telephone": "0113 999"}).json()
    assert ignored["TelephoneNumber"] == "0113 000" and "Telephone" not in ignored
    refused = api.put(f"customers/{code}", json={"PaymentTerms": {"Days": 30, "Type": "Days"}})
    assert refused.status_code == 400 and refused.json()["ValidationErrors"][0]["Field"] == "PaymentTerms.Type"

    assert api.delete(f"customers/{code}").status_code == 204
    assert api.get(f"customers/{code}").status_code == 404


def test_duplicate_code_and_customer_with_invoices_are_refused(api):
    duplicate = api.post("customers", json={"Code": "ACME01", "Name": "Again"})
    assert duplicate.status_code == 400
    assert duplicate.json()["ValidationErrors"][0]["Field"] == "Code"

    assert api.post("invoices", json=invoice_body()).status_code == 201
    refused = api.delete("customers/ACME01")
    assert refused.status_code == 400 and "has invoices" in refused.json()["Message"]


def test_suppliers_and_products_create_read_update(api):
    supplier = api.post(
        "suppliers",
        json={"Code": "INK01", "Name": "Ink Ltd", "DefaultNominalCode": 5000, "VatNumber": "GB1",
              "Address": {"Line1": "1 Ink Row", "PostCode": "LS2 2BB"}},
    )  # fmt: skip
    assert supplier.status_code == 201
    assert supplier.json()["Address"]["Line1"] == "1 Ink Row" and supplier.json()["VatNumber"] == "GB1"
    assert "Addresses" not in supplier.json() and "VATNumber" not in supplier.json()
    assert api.put("suppliers/INK01", json={"Name": "Ink Limited"}).json()["Name"] == "Ink Limited"
    product = api.post(
        "products", json={"Code": "GADGET", "Name": "Gadget", "Price": "12.50", "VATRate": 20, "NominalCode": 4000}
    )
    assert product.status_code == 201 and product.json()["Price"] == 12.5
    assert api.put("products/4000/GADGET", json={"Price": 13}).json()["Price"] == 13
    assert api.get("products/4000/GADGET").json()["NominalId"] == 4000
    assert api.get("products/GADGET").status_code == 404  # single products live under their nominal code
    assert api.get("products/5000/GADGET").status_code == 404
    assert api.get("products").json()["MetaData"]["TotalRecords"] == 2
    assert api.delete("products/4000/GADGET").status_code == 204


def pay(api, kind: str, number: int, amount, *, comment: str = "", method: int = 409844, account_id: int = BANK_ID):
    return api.post(
        f"{kind}/bulk/payments",
        json={"Date": "2030-01-20", "AccountId": account_id, "Method": method, "Comment": comment,
              "PaymentItems": [{"ObjectNumber": number, "Amount": amount}]},
    )  # fmt: skip


def test_invoice_totals_and_status_follow_lines_and_bulk_payments(api):
    created = api.post("invoices", json=invoice_body())
    assert created.status_code == 201
    invoice = created.json()
    assert invoice["Number"] == 1001
    assert (invoice["NetAmount"], invoice["VATAmount"], invoice["GrossAmount"]) == (35.55, 6.0, 41.55)
    assert invoice["Status"] == "Unpaid" and invoice["DueDate"] == "2030-02-09 12:00:00"
    assert invoice["IssuedDate"] == "2030-01-10 12:00:00" and invoice["CustomerName"] == "Acme Ltd"
    assert [line["VATLevel"] for line in invoice["LineItems"]] == [20.0, 0.0]

    part = pay(api, "invoices", 1001, 20, comment="R1")
    assert part.status_code == 201
    assert part.json()["PaymentItems"][0]["ObjectNumber"] == 1001
    assert api.get("invoices/1001").json()["Status"] == "Unpaid"  # part paid is still Unpaid in KashFlow
    assert api.get("invoices/1001").json()["TotalPaidAmount"] == 20.0
    assert api.get("customers/ACME01").json()["OutstandingBalance"] == 21.55

    bad = pay(api, "invoices", 1001, 1, method=1)
    assert bad.status_code == 400 and bad.json()["ValidationErrors"][0]["Field"] == "Method"
    assert pay(api, "invoices", 1001, 1, account_id=1200).status_code == 400  # a Code is not an Id
    assert pay(api, "invoices", 9999, 1).json()["ValidationErrors"][0]["Field"] == "PaymentItems[0].ObjectNumber"

    rest = pay(api, "invoices", 1001, 21.55, comment="R2").json()["PaymentItems"][0]
    assert rest["Note"] == "R2" and rest["AccountId"] == BANK_ID and rest["InvoiceNumber"] == 0
    paid = api.get("invoices/1001").json()
    assert paid["Status"] == "Paid" and paid["TotalPaidAmount"] == 41.55 and paid["PaidDate"] == "2030-01-20 12:00:00"
    assert [(p["Amount"], p["Method"]) for p in paid["PaymentLines"]] == [(20.0, 409844), (21.55, 409844)]

    over = pay(api, "invoices", 1001, 5, comment="twice")  # KashFlow accepts overpayment
    assert over.status_code == 201
    overpaid = api.get("invoices/1001").json()
    assert overpaid["Status"] == "Overpaid" and overpaid["TotalPaidAmount"] == 46.55
    assert api.get("customers/ACME01").json()["OutstandingBalance"] == -5.0
    bulk_number = over.json()["Number"]
    assert api.get(f"invoices/bulk/payments/{bulk_number}").json()["Comment"] == "twice"
    # Each bulk payment lands in the bank account's feed as one line linked to it.
    feed = api.get(f"bankaccounts/{BANK_ID}/transactions", params={"perpage": 100}).json()["Data"]
    line = next(t for t in feed if t["ResourceNumber"] == bulk_number)
    assert (line["EntityName"], line["PaidIn"], line["Reconciled"]) == ("invoicebatchpayment", 5.0, False)
    assert len(feed) == 3 and api.get(f"bankaccounts/{BANK_ID}").json()["BankBalance"] == 46.55
    for gone in ("invoices/1001/payments", "invoices/payments", f"invoices/1001/payments/{rest['Id']}"):
        assert api.get(gone).status_code == 404, gone
        assert api.post(gone, json={"Date": "2030-01-21", "Amount": 1}).status_code in (404, 405), gone


def test_invoice_update_recomputes_and_overdue_is_served_for_past_due_dates(api):
    api.post("invoices", json=invoice_body(IssuedDate="2020-01-01", DueDate="2020-01-31"))
    assert api.get("invoices/1001").json()["Status"] == "Overdue"
    changed = api.put("invoices/1001", json={"LineItems": [{"Quantity": 2, "Rate": 100, "NominalCode": 4000}]})
    assert changed.status_code == 200
    assert changed.json()["GrossAmount"] == 200.0 and changed.json()["CustomerReference"] == "PO-1"
    assert api.put("invoices/1001", json={"Number": 7}).status_code == 400


def test_purchases_and_their_payments(api):
    created = api.post(
        "purchases",
        json={
            "SupplierCode": "PAPER01",
            "IssuedDate": "2030-03-01",
            "SupplierReference": "INV-77",
            "Currency": {"Code": "AUD", "ExchangeRate": 2.0},
            "LineItems": [{"Quantity": 1, "Rate": 100, "VATLevel": 20, "NominalCode": 5000}],
        },
    )
    assert created.status_code == 201
    purchase = created.json()
    assert purchase["Number"] == 5001 and purchase["GrossAmount"] == 120.0
    assert purchase["HomeCurrencyGrossAmount"] == 60.0  # ExchangeRate is foreign units per pound
    line = purchase["LineItems"][0]
    assert (line["VATLevel"], line["HomeCurrencyRate"], line["HomeCurrencyVATAmount"]) == (20.0, 50.0, 10.0)
    assert "VATRate" not in line
    assert pay(api, "purchases", 5001, 120).status_code == 201
    paid = api.get("purchases/5001").json()
    assert paid["Status"] == "Paid" and paid["PaymentLines"][0]["Amount"] == 120.0
    assert api.get("suppliers/PAPER01").json()["OutstandingBalance"] == 0.0


def test_journals_must_balance(api):
    lines = [{"NominalCode": 1200, "Debit": 50}, {"NominalCode": 4000, "Credit": 50, "Narrative": "cash sale"}]
    created = api.post("journals", json={"Date": "2030-01-01", "Description": "Cash", "Lines": lines})
    assert created.status_code == 201 and created.json()["Number"] == 1
    assert created.json()["Description"] == "Cash" and created.json()["Date"] == "2030-01-01 12:00:00"
    assert api.get("journals/1").json()["Lines"][1]["Credit"] == 50.0

    unbalanced = api.post("journals", json={"Date": "2030-01-01", "Lines": [lines[0], {**lines[1], "Credit": 40}]})
    assert unbalanced.status_code == 400
    assert unbalanced.json()["ValidationErrors"] == [
        {"Field": "Lines", "Message": "debits (50.00) must equal credits (40.00)"}
    ]
    assert api.put("journals/1", json={"Narrative": "x"}).status_code == 405


def test_nominals_bank_accounts_and_bank_transactions(api, account):
    assert [n["Code"] for n in api.get("nominals").json()] == [1200, 4000, 5000]  # a bare array
    assert api.post("nominals", json={"Code": 1}).status_code == 405
    accounts = api.get("bankaccounts", params={"includeArchivedAccounts": "true"}).json()
    assert [(a["Id"], a["Code"], a["AccountName"]) for a in accounts] == [(BANK_ID, 1200, "Current")]
    assert api.get(f"bankaccounts/{BANK_ID}").json()["AccountName"] == "Current"
    assert api.get("bankaccounts/1200").status_code == 404  # keyed by Id, not by Code

    created = api.post(
        f"bankaccounts/{BANK_ID}/transactions", json={"Date": "2030-01-02", "PaidOut": 12.5, "Comment": "FEE"}
    )
    assert created.status_code == 201
    line = created.json()
    assert (line["PaidIn"], line["PaidOut"], line["TransactionType"], line["Type"]) == (0.0, 12.5, 1, "Payment")
    assert line["AccountId"] == BANK_ID and line["Reconciled"] is False and line["Date"] == "2030-01-02 12:00:00"
    assert {"Amount", "Reference", "Description", "BankAccountCode"}.isdisjoint(line)
    listed = api.get(f"bankaccounts/{BANK_ID}/transactions").json()
    assert listed["Data"][0]["Comment"] == "FEE"
    assert api.get(f"bankaccounts/{BANK_ID}/transactions/{line['Id']}").json() == line
    assert api.get("bankaccounts/9999/transactions").status_code == 404
    both = api.post(f"bankaccounts/{BANK_ID}/transactions", json={"Date": "2030-01-02", "PaidIn": 1, "PaidOut": 1})
    assert both.status_code == 400
    assert api.get("projects").json() == [] and api.get("vat/settings/vatrates").json()[0]["VATRate"] == 20.0
    assert {m["Name"] for m in api.get("paymentmethods").json()} >= {"BACS", "Cheque"}


def test_bank_transaction_paging_is_unstable_within_a_date_as_on_kashflow(api, account):
    for i in range(12):
        store.save(
            account,
            "banktransactions",
            f"{BANK_ID}-{i + 1}",
            shapes.bank_transaction(
                i + 1, BANK_ID, on="2030-01-01", amount=i + 1, comment=f"L{i}", transaction_type=0, reconciled=True
            ),
            parent_key=str(BANK_ID),
        )
    orders = set()
    for _ in range(8):
        pages = [
            api.get(f"bankaccounts/{BANK_ID}/transactions", params={"page": p, "perpage": 5}).json() for p in (1, 2, 3)
        ]
        assert {page["MetaData"]["TotalRecords"] for page in pages} == {12}
        orders.add(tuple(t["Id"] for page in pages for t in page["Data"]))
    assert len(orders) > 1  # the same request pages differently: no tie-break on equal dates


def test_paging_walks_every_page_in_a_stable_order(api, account):
    for i in range(7):
        api.post("customers", json={"Code": f"C{i:02d}", "Name": f"Customer {i}"})
    seen, page = [], 1
    while True:
        body = api.get("customers", params={"page": page, "perpage": 4}).json()
        seen += [c["Code"] for c in body["Data"]]
        assert body["MetaData"]["TotalRecords"] == 9
        if not body["MetaData"]["NextPageUrl"]:
            break
        page += 1
    assert page == 3
    assert seen == sorted(seen) and len(set(seen)) == 9
    desc = api.get("customers", params={"sortby": "Name", "order": "Desc", "perpage": 2}).json()["Data"]
    assert [c["Name"] for c in desc] == ["Customer 6", "Customer 5"]


def test_modified_since_is_ignored_as_kashflow_has_no_such_filter(api, account):
    KashFlowRecord.objects.filter(account=account).update(modified_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    api.put("customers/BETA01", json={"Note": "changed"})
    body = api.get("customers", params={"modifiedsince": since}).json()
    assert [c["Code"] for c in body["Data"]] == ["ACME01", "BETA01"]
    assert api.get("customers", params={"modifiedsince": "yesterday"}).status_code == 200


INVALID_INVOICES = [
    ({"CustomerCode": "ACME01", "LineItems": []}, "IssuedDate"),
    (invoice_body(CustomerCode="NOPE"), "CustomerCode"),
    (invoice_body(LineItems=[{"Quantity": "many", "Rate": 1, "NominalCode": 4000}]), "LineItems[0].Quantity"),
    (invoice_body(LineItems=[{"Quantity": 1, "Rate": 1, "NominalCode": 9999}]), "LineItems[0].NominalCode"),
    (invoice_body(LineItems="lines"), "LineItems"),
    (invoice_body(CustomerReference="x" * 51), "CustomerReference"),
    (invoice_body(IssuedDate="31/01/2030"), "IssuedDate"),
]


def test_invalid_invoices_answer_400_with_field_messages(api):
    for body, field in INVALID_INVOICES:
        answer = api.post("invoices", json=body)
        assert answer.status_code == 400, field
        payload = answer.json()
        assert payload["Error"] == "ValidationError"
        assert field in [e["Field"] for e in payload["ValidationErrors"]]
    assert api.get("invoices").json()["Data"] == []


def test_malformed_bodies_answer_400_in_kashflow_shape(api):
    for content in (b"{not json", b"[1, 2]", b"\xff\xfe", b"null"):
        answer = api.post("customers", content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, content
        assert set(answer.json()) >= {"Error", "Message"}


def test_wrong_types_on_a_customer_answer_400_not_500(api):
    answer = api.post("customers", json={"Name": ["a"], "IsArchived": "yes", "Addresses": [1]})
    assert answer.status_code == 400
    fields = {e["Field"] for e in answer.json()["ValidationErrors"]}
    assert fields == {"Name", "IsArchived", "Addresses[0]"}


def test_unknown_keys_resources_and_bad_query_parameters(api):
    assert api.get("invoices/424242").json()["Error"] == "NotFound"
    assert api.get("customers/NOPE").status_code == 404
    assert api.get("widgets").status_code == 404
    assert api.get("customers/ACME01/extra/bits").status_code == 404
    bad = api.get("customers", params={"page": "zero", "order": "sideways"})
    assert bad.status_code == 400
    assert {e["Field"] for e in bad.json()["ValidationErrors"]} == {"page", "order"}
    assert api.patch("customers").status_code == 405


def test_rate_limit_answers_429_with_retry_after(api, account):
    account.rate_limit_per_minute = 2
    account.save()
    statuses = [api.get("nominals").status_code for _ in range(4)]
    assert 429 in statuses
    limited = api.get("nominals")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["Error"] == "TooManyRequests"


def test_every_view_answers_404_when_the_sandbox_is_off(api, settings, base_url):
    settings.SANDBOX_ENABLED = False
    assert api.get("customers").status_code == 404
    assert httpx.post(f"{base_url}sessiontoken", json={}).status_code == 404


def test_seeded_records_in_the_contract_shape_are_served_as_stored(api, account):
    seeded = {"Id": 9, "Number": 77, "CustomerCode": "ACME01", "Status": "Paid", "LineItems": [], "GrossAmount": 1.0}
    store.save(account, "invoices", "77", seeded)
    assert api.get("invoices/77").json() == seeded


def test_an_empty_put_leaves_amounts_rounded_half_up_and_overdue_status_alone(api):
    # 0.125 and VAT 20% on 2.25 (0.45) and 17.5% on 0.10 (0.0175): half-up gives 0.13, 0.45 and 0.02.
    body = invoice_body(
        IssuedDate="2020-01-01",
        LineItems=[
            {"Quantity": 1, "Rate": 0.125, "VATLevel": 0, "NominalCode": 4000},
            {"Quantity": 1, "Rate": 2.25, "VATLevel": 20, "NominalCode": 4000},
            {"Quantity": 1, "Rate": 0.10, "VATLevel": 17.5, "NominalCode": 4000},
        ],
    )
    created = api.post("invoices", json=body).json()
    assert (created["NetAmount"], created["VATAmount"], created["Status"]) == (2.48, 0.47, "Overdue")
    again = api.put(f"invoices/{created['Number']}", json={}).json()
    assert {k: again[k] for k in ("NetAmount", "VATAmount", "GrossAmount", "Status")} == {
        k: created[k] for k in ("NetAmount", "VATAmount", "GrossAmount", "Status")
    }
