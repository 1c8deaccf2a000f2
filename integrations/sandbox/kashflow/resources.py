"""What each KashFlow resource does: checks, computed fields (totals, Status, balances) and storage.

Objects are stored exactly as they are served (see ``integrations/sandbox/models.py``). Sales invoices and
purchases compute their amounts from ``LineItems`` and their ``AmountPaid``/``Status`` from their payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction

from integrations.sandbox.kashflow import store, validation
from integrations.sandbox.kashflow.errors import ApiError, invalid, not_found
from integrations.sandbox.kashflow.numbering import code_from_name, next_document_number
from integrations.sandbox.kashflow.validation import clean, decimal, money
from integrations.sandbox.models import KashFlowAccount

CENT = Decimal("0.01")
DEFAULT_CURRENCY = {"Code": "GBP", "ExchangeRate": 1.0}


@dataclass(frozen=True)
class Resource:
    name: str  # URL segment and KashFlowRecord.entity
    label: str
    key_field: str
    rules: dict | None = None  # None: read-only
    deletable: bool = False
    updatable: bool = True
    party: str = ""  # documents: the resource of their customer/supplier
    party_field: str = ""
    payments: str = ""  # documents: the entity of their payments


RESOURCES = {
    r.name: r
    for r in (
        Resource("customers", "Customer", "Code", validation.CUSTOMER, deletable=True),
        Resource("suppliers", "Supplier", "Code", validation.SUPPLIER),
        Resource("products", "Product", "Code", validation.PRODUCT),
        Resource(
            "invoices",
            "Invoice",
            "Number",
            validation.INVOICE,
            party="customers",
            party_field="Customer",
            payments="payments",
        ),
        Resource(
            "purchases",
            "Purchase",
            "Number",
            validation.PURCHASE,
            party="suppliers",
            party_field="Supplier",
            payments="purchasepayments",
        ),
        Resource("journals", "Journal", "Number", validation.JOURNAL, updatable=False),
        Resource("nominals", "Nominal code", "Code"),
        Resource("bankaccounts", "Bank account", "Code"),
    )
}
DOCUMENTS = {"invoices", "purchases"}


def resource(name: str) -> Resource:
    try:
        return RESOURCES[name]
    except KeyError:
        raise ApiError(404, "NotFound", f"There is no resource called {name!r}.") from None


# ---------------------------------------------------------------- reading


def served(res: Resource, data: dict) -> dict:
    """The object as answered now: an unpaid document past its due date reads Overdue."""
    if (
        res.name in DOCUMENTS
        and data.get("Status") == "Unpaid"
        and str(data.get("DueDate") or "9999") < date.today().isoformat()
    ):
        return {**data, "Status": "Overdue"}
    return data


def list_objects(account: KashFlowAccount, res: Resource, query: store.ListQuery) -> tuple[list[dict], int]:
    numeric = res.key_field == "Number" or res.name in ("nominals", "bankaccounts")
    items, total = store.list_page(account, res.name, query, key_field=res.key_field, numeric_key=numeric)
    return [served(res, d) for d in items], total


def get_object(account: KashFlowAccount, res: Resource, key: str) -> dict:
    record = store.get(account, res.name, key)
    if record is None:
        raise not_found(f"{res.label} {key}")
    return served(res, record.data)


# ---------------------------------------------------------------- writing


def create_object(account: KashFlowAccount, res: Resource, body: dict) -> dict:
    if res.rules is None:
        raise method_not_allowed("POST", res.name)
    if res.name in DOCUMENTS:
        return _save_document(account, res, body, existing=None)
    if res.name == "journals":
        return _create_journal(account, body)
    return _save_master(account, res, body, existing=None)


def update_object(account: KashFlowAccount, res: Resource, key: str, body: dict) -> dict:
    if res.rules is None or not res.updatable:
        raise method_not_allowed("PUT", res.name)
    record = store.get(account, res.name, key)
    if record is None:
        raise not_found(f"{res.label} {key}")
    if res.name in DOCUMENTS:
        return _save_document(account, res, body, existing=record.data)
    return _save_master(account, res, body, existing=record.data)


def delete_object(account: KashFlowAccount, res: Resource, key: str) -> None:
    if not res.deletable:
        raise method_not_allowed("DELETE", res.name)
    record = store.get(account, res.name, key)
    if record is None:
        raise not_found(f"{res.label} {key}")
    if store.records(account, "invoices").filter(data__CustomerCode=key).exists():
        raise ApiError(400, "ValidationError", f"Customer {key} has invoices and cannot be deleted.")
    record.delete()


def method_not_allowed(method: str, name: str) -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", f"The requested resource does not support http method '{method}' on {name}."
    )


def _save_master(account: KashFlowAccount, res: Resource, body: dict, existing: dict | None) -> dict:
    errors: dict[str, str] = {}
    if existing is not None and "Code" in body and str(body["Code"]).strip() != existing["Code"]:
        errors["Code"] = "Code cannot be changed"
    merged = {**existing, **body} if existing else body
    data = clean(merged, res.rules, errors)
    if existing is None:
        code = data.get("Code") or (code_from_name(account, res.name, data["Name"]) if data.get("Name") else "")
        if code and store.get(account, res.name, code) is not None:
            errors["Code"] = f"{res.label} code {code} is already used"
    if errors:
        raise invalid(errors)
    stamp = store.now_iso()
    if existing is None:
        data = {"Id": store.next_id(account, res.name), "Code": code, **data}
        if res.name in ("customers", "suppliers"):
            data.setdefault("Currency", DEFAULT_CURRENCY)
            data.setdefault("PaymentTerms", {"Days": 30, "Type": "Days"})
            data.setdefault("IsArchived", False)
            for name in ("Contacts", "Addresses", "DeliveryAddresses", "CustomTextBoxes", "CustomCheckBoxes"):
                data.setdefault(name, [])
            if res.name == "customers":
                data["OutstandingBalance"] = 0.0
        data["CreatedDate"] = stamp
    else:
        kept = {k: existing[k] for k in ("Id", "Code", "OutstandingBalance", "CreatedDate") if k in existing}
        data = {**kept, **data}
    data["LastUpdatedDate"] = stamp
    store.save(account, res.name, data["Code"], data)
    return data


# ---------------------------------------------------------------- invoices and purchases


def _input_of(existing: dict, res: Resource) -> dict:
    """The writable part of a stored document (so a PUT can send only what changes)."""
    data = {k: v for k, v in existing.items() if k in res.rules}
    data[f"{res.party_field}Code"] = existing.get(f"{res.party_field}Code", "")
    if data.get("Status") != "Draft":
        data.pop("Status", None)
    return data


def _check_nominals(account: KashFlowAccount, lines: list[dict], path: str, errors: dict[str, str]) -> None:
    known = set(store.records(account, "nominals").values_list("key", flat=True))
    if not known:  # an account without a chart of accounts accepts any code
        return
    for i, line in enumerate(lines):
        code = line.get("NominalCode")
        if code is not None and str(code) not in known:
            errors[f"{path}[{i}].NominalCode"] = f"Nominal code {code} does not exist"


def _save_document(account: KashFlowAccount, res: Resource, body: dict, existing: dict | None) -> dict:
    errors: dict[str, str] = {}
    code_field = f"{res.party_field}Code"
    if existing is not None:
        if "Number" in body and str(body["Number"]) != str(existing["Number"]):
            errors["Number"] = "Number cannot be changed"
        body = {**_input_of(existing, res), **body}
    data = clean(body, res.rules, errors)
    party = None
    if data.get(code_field):
        party_record = store.get(account, res.party, data[code_field])
        if party_record is None:
            errors[code_field] = f"{res.party_field} {data[code_field]} does not exist"
        else:
            party = party_record.data
    if "LineItems" in data and not data["LineItems"] and "LineItems" not in errors:
        errors["LineItems"] = "at least one line item is required"
    _check_nominals(account, data.get("LineItems", []), "LineItems", errors)
    number = existing["Number"] if existing else data.get("Number")
    if existing is None and number is not None and store.get(account, res.name, str(number)) is not None:
        errors["Number"] = f"{res.label} number {number} is already used"
    if errors:
        raise invalid(errors)

    for _attempt in range(5):
        if existing is None and "Number" not in data:
            number = next_document_number(account, res.name)
        doc = _document(account, res, data, party, number, existing)
        try:
            with transaction.atomic():
                _store_document(account, res, doc, new=existing is None)
            return doc
        except IntegrityError:  # another request took this number meanwhile
            if "Number" in data:
                raise invalid({"Number": f"{res.label} number {number} is already used"}) from None
    raise ApiError(503, "ServiceUnavailable", "Could not allocate a document number; try again.")


def _document(
    account: KashFlowAccount, res: Resource, data: dict, party: dict, number: int, existing: dict | None
) -> dict:
    prefix = res.party_field
    issued = date.fromisoformat(data["IssuedDate"])
    terms = (party.get("PaymentTerms") or {}).get("Days", 30) if party else 30
    doc_id = existing["Id"] if existing else store.next_id(account, res.name)
    doc = {
        "Id": doc_id,
        "Number": number,
        f"{prefix}Id": party.get("Id", 0),
        f"{prefix}Code": party["Code"],
        f"{prefix}Name": party.get("Name", ""),
        f"{prefix}Reference": data.get(f"{prefix}Reference", ""),
        "IssuedDate": data["IssuedDate"],
        "DueDate": data.get("DueDate") or (issued + timedelta(days=int(terms or 0))).isoformat(),
        "Currency": {**DEFAULT_CURRENCY, **(party.get("Currency") or {}), **data.get("Currency", {})},
        "LineItems": [],
        "PaymentLines": existing.get("PaymentLines", []) if existing else [],
        "Permalink": f"documents/{res.name[:-1]}/{doc_id}",
    }
    if data.get("Status") == "Draft":
        doc["Status"] = "Draft"
    for i, line in enumerate(data["LineItems"], start=1):
        doc["LineItems"].append(
            {
                "Id": doc_id * 1000 + i,
                "Description": line.get("Description", ""),
                "Quantity": line["Quantity"],
                "Rate": line["Rate"],
                "VATRate": line.get("VATRate", 0.0),
                "VATAmount": 0.0,
                "NominalCode": line["NominalCode"],
                "ProductCode": line.get("ProductCode", ""),
                "ProjectNumber": line.get("ProjectNumber", 0),
                "Sort": line.get("Sort", i),
            }
        )
    return compute_totals(doc)


def compute_totals(doc: dict) -> dict:
    """Amounts from the lines, AmountPaid from PaymentLines, Status from both (KashFlow rounds per line)."""
    net = vat = Decimal(0)
    for line in doc["LineItems"]:
        line_net = (decimal(line["Quantity"]) * decimal(line["Rate"])).quantize(CENT, ROUND_HALF_UP)
        line_vat = (line_net * decimal(line.get("VATRate") or 0) / 100).quantize(CENT, ROUND_HALF_UP)
        line["VATAmount"] = float(line_vat)
        net += line_net
        vat += line_vat
    gross = net + vat
    paid = sum((decimal(p["Amount"]) for p in doc.get("PaymentLines", [])), Decimal(0))
    doc.update(
        NetAmount=money(net),
        VATAmount=money(vat),
        GrossAmount=money(gross),
        AmountPaid=money(paid),
        TotalPaidAmount=money(paid),
        Paid=bool(gross > 0 and paid >= gross),
        LastPaymentDate=max((p["Date"] for p in doc.get("PaymentLines", [])), default=None),
    )
    if doc.get("Status") == "Draft" and not paid:
        return doc
    if doc["Paid"]:
        doc["Status"] = "Paid"
    elif paid > 0:
        doc["Status"] = "PartiallyPaid"
    else:
        doc["Status"] = "Overdue" if str(doc.get("DueDate") or "9999") < date.today().isoformat() else "Unpaid"
    return doc


def _store_document(account: KashFlowAccount, res: Resource, doc: dict, *, new: bool = False) -> None:
    doc["LastUpdatedDate"] = store.now_iso()
    if new:
        store.insert(account, res.name, str(doc["Number"]), doc)
    else:
        store.save(account, res.name, str(doc["Number"]), doc)
    if res.name == "invoices":
        refresh_balance(account, doc["CustomerCode"])


def refresh_balance(account: KashFlowAccount, customer_code: str) -> None:
    """A customer's OutstandingBalance follows its invoices; it is derived, so LastUpdatedDate stays."""
    record = store.get(account, "customers", customer_code)
    if record is None:
        return
    balance = Decimal(0)
    for data in (
        store.records(account, "invoices").filter(data__CustomerCode=customer_code).values_list("data", flat=True)
    ):
        if data.get("Status") != "Draft":
            balance += decimal(data.get("GrossAmount", 0)) - decimal(data.get("AmountPaid", 0))
    record.data["OutstandingBalance"] = money(balance)
    type(record).objects.filter(pk=record.pk).update(data=record.data)


# ---------------------------------------------------------------- payments


def document_payments(account: KashFlowAccount, res: Resource, number: str) -> list[dict]:
    if res.name not in DOCUMENTS:
        raise not_found(f"Payments of {res.name}")
    get_object(account, res, number)
    rows = store.records(account, res.payments, parent_key=number).values_list("data", flat=True)
    return sorted(rows, key=lambda p: (p.get("Date", ""), p.get("Id", 0)))


def add_payment(account: KashFlowAccount, res: Resource, number: str, body: dict) -> dict:
    if res.name not in DOCUMENTS:
        raise not_found(f"Payments of {res.name}")
    errors: dict[str, str] = {}
    data = clean(body, validation.PAYMENT, errors)
    with transaction.atomic():
        record = store.get(account, res.name, number)
        if record is None:
            raise not_found(f"{res.label} {number}")
        doc = record.data
        outstanding = decimal(doc.get("GrossAmount", 0)) - decimal(doc.get("AmountPaid", 0))
        if "Amount" in data and decimal(data["Amount"]) > outstanding + Decimal("0.005"):
            errors["Amount"] = f"must not exceed the outstanding amount {money(outstanding):.2f}"
        banks = list(store.records(account, "bankaccounts").order_by("key").values_list("key", flat=True))
        if banks and "AccountId" in data and str(data["AccountId"]) not in banks:
            errors["AccountId"] = f"Bank account {data['AccountId']} does not exist"
        if errors:
            raise invalid(errors)
        payment = {
            "Id": store.next_id(account, res.payments),
            f"{'Invoice' if res.name == 'invoices' else 'Purchase'}Number": int(number),
            "Date": data["Date"],
            "Amount": money(data["Amount"]),
            "Method": data.get("Method", ""),
            "Reference": data.get("Reference", ""),
            "AccountId": data.get("AccountId", _default_bank(banks)),
            "LastUpdatedDate": store.now_iso(),
        }
        store.save(account, res.payments, str(payment["Id"]), payment, parent_key=number)
        _refresh_payments(account, res, doc)
    return payment


def _default_bank(codes: list[str]) -> int:
    numeric = sorted(int(c) for c in codes if c.isdigit())
    return numeric[0] if numeric else 0


def delete_payment(account: KashFlowAccount, res: Resource, number: str, payment_id: str) -> None:
    with transaction.atomic():
        record = store.get(account, res.name, number)
        if record is None:
            raise not_found(f"{res.label} {number}")
        deleted, _ = store.records(account, res.payments, parent_key=number).filter(key=payment_id).delete()
        if not deleted:
            raise not_found(f"Payment {payment_id} of {res.label.lower()} {number}")
        _refresh_payments(account, res, record.data)


def _refresh_payments(account: KashFlowAccount, res: Resource, doc: dict) -> None:
    doc["PaymentLines"] = document_payments(account, res, str(doc["Number"]))
    _store_document(account, res, compute_totals(doc))


def all_payments(account: KashFlowAccount, res: Resource, query: store.ListQuery) -> tuple[list[dict], int]:
    if res.name not in DOCUMENTS:
        raise not_found(f"Payments of {res.name}")
    return store.list_page(account, res.payments, query, key_field="Id", numeric_key=True)


# ---------------------------------------------------------------- journals


def _create_journal(account: KashFlowAccount, body: dict) -> dict:
    errors: dict[str, str] = {}
    data = clean(body, validation.JOURNAL, errors)
    lines = data.get("Lines", [])
    if "Lines" in data and len(lines) < 2 and "Lines" not in errors:
        errors["Lines"] = "a journal needs at least two lines"
    debit = credit = Decimal(0)
    for i, line in enumerate(lines):
        d, c = decimal(line.get("Debit", 0)), decimal(line.get("Credit", 0))
        if (d > 0) == (c > 0):
            errors[f"Lines[{i}]"] = "each line needs either a Debit or a Credit"
        debit, credit = debit + d, credit + c
    if lines and debit.quantize(CENT, ROUND_HALF_UP) != credit.quantize(CENT, ROUND_HALF_UP) and "Lines" not in errors:
        errors["Lines"] = f"debits ({money(debit):.2f}) must equal credits ({money(credit):.2f})"
    _check_nominals(account, lines, "Lines", errors)
    number = data.get("Number")
    if number is not None and store.get(account, "journals", str(number)) is not None:
        errors["Number"] = f"Journal number {number} is already used"
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        number = number or next_document_number(account, "journals")
        journal = {
            "Id": store.next_id(account, "journals"),
            "Number": number,
            "Date": data["Date"],
            "Narrative": data.get("Narrative", ""),
            "Lines": [
                {
                    "NominalCode": line["NominalCode"],
                    "Debit": money(line.get("Debit", 0)),
                    "Credit": money(line.get("Credit", 0)),
                    "Narrative": line.get("Narrative", ""),
                    "VATRate": line.get("VATRate", 0.0),
                    "ProjectNumber": line.get("ProjectNumber", 0),
                }
                for line in lines
            ],
            "LastUpdatedDate": store.now_iso(),
        }
        store.save(account, "journals", str(number), journal)
    return journal


# ---------------------------------------------------------------- bank transactions


def bank_transactions(account: KashFlowAccount, code: str, query: store.ListQuery) -> tuple[list[dict], int]:
    get_object(account, RESOURCES["bankaccounts"], code)
    return store.list_page(account, "banktransactions", query, key_field="Id", numeric_key=True, parent_key=code)


def add_bank_transaction(account: KashFlowAccount, code: str, body: dict) -> dict:
    bank = get_object(account, RESOURCES["bankaccounts"], code)
    errors: dict[str, str] = {}
    data = clean(body, validation.BANK_TRANSACTION, errors)
    if "Amount" in data and not data["Amount"]:
        errors["Amount"] = "must not be zero"
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        txn = {
            "Id": store.next_id(account, "banktransactions"),
            "Date": data["Date"],
            "Amount": money(data["Amount"]),
            "Reference": data.get("Reference", ""),
            "Description": data.get("Description", ""),
            "TransactionType": data.get("TransactionType") or ("Receipt" if data["Amount"] > 0 else "Payment"),
            "BankAccountCode": bank["Code"],
            "Reconciled": data.get("Reconciled", False),
            "LastUpdatedDate": store.now_iso(),
        }
        store.save(account, "banktransactions", str(txn["Id"]), txn, parent_key=str(bank["Code"]))
    return txn
