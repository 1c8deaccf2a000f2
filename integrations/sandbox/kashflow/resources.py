"""What each KashFlow resource does: checks, computed fields (totals, Status, balances) and storage.

Objects are stored exactly as they are served (see ``integrations/sandbox/models.py``), in the shapes of
``shapes.py``. Sales invoices and purchases compute their amounts from ``LineItems`` and ``TotalPaidAmount`` /
``Status`` from their ``PaymentLines``; payments are written only through the bulk payment endpoints, as on
KashFlow (its Swagger operation list has no ``invoices/{number}/payments``: hcs-sync ``docs/API-Swagger.md``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from integrations.sandbox.kashflow import shapes, store, validation
from integrations.sandbox.kashflow.errors import ApiError, invalid, not_found
from integrations.sandbox.kashflow.numbering import code_from_name, next_document_number
from integrations.sandbox.kashflow.validation import clean, decimal, money
from integrations.sandbox.models import KashFlowAccount


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
    payments: str = ""  # documents: the entity of their payment lines
    bare_list: bool = False  # the list is a bare JSON array, not {Data, MetaData}
    routed: bool = True  # served by the generic /<resource> and /<resource>/<key> views


RESOURCES = {
    r.name: r
    for r in (
        Resource("customers", "Customer", "Code", validation.CUSTOMER, deletable=True),
        Resource("suppliers", "Supplier", "Code", validation.SUPPLIER),
        # Single products live at /products/{nominalCode}/{code} (hcs-sync docs/API-Swagger.md).
        Resource("products", "Product", "Code", validation.PRODUCT, deletable=True, routed=False),
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
        # /nominals answers a plain array on some accounts (CappyTech/KashFlowAPI-CRON-ts docs/apiFetchingGuide.md);
        # the simulator answers the array so clients prove they read it.
        Resource("nominals", "Nominal code", "Code", bare_list=True),
        # /bankaccounts: a plain list keyed by the numeric Id (hcs-sync src/kashflow/client.js).
        Resource("bankaccounts", "Bank account", "Id", bare_list=True),
        # /projects answers a bare array (hcs-sync docs/API-Swagger.md; KashFlowAPI-CRON-ts fetchers).
        Resource("projects", "Project", "Number", bare_list=True),
        # Quotes are read-only here: no flow writes them (their list is paginated, QuotesRESTExample's source).
        Resource("quotes", "Quote", "Number"),
    )
}
DOCUMENTS = {"invoices", "purchases"}
NUMERIC_KEYS = {"invoices", "purchases", "journals", "nominals", "bankaccounts", "projects", "quotes"}
OVERPAYMENT_LIMIT = Decimal("1000000")


def resource(name: str) -> Resource:
    try:
        return RESOURCES[name]
    except KeyError:
        raise ApiError(404, "NotFound", f"There is no resource called {name!r}.") from None


def account_key(account: KashFlowAccount) -> str:
    return f"{account.pk}:{account.username}"


# ---------------------------------------------------------------- reading


def served(res: Resource, data: dict) -> dict:
    return shapes.served_document(res.name, data) if res.name in DOCUMENTS else data


def list_objects(
    account: KashFlowAccount, res: Resource, query: store.ListQuery, *, include_archived: bool = True
) -> tuple[list[dict], int]:
    if res.bare_list:
        items = [served(res, d) for d in store.all_data(account, res.name, numeric=res.name in NUMERIC_KEYS)]
        if not include_archived:
            items = [d for d in items if not d.get("IsArchived")]
        return items, len(items)
    items, total = store.list_page(
        account, res.name, query, key_field=res.key_field, numeric_key=res.name in NUMERIC_KEYS
    )
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
    if res.name == "products":
        return _save_product(account, body, existing=None)
    return _save_master(account, res, body, existing=None)


def update_object(account: KashFlowAccount, res: Resource, key: str, body: dict) -> dict:
    if res.rules is None or not res.updatable:
        raise method_not_allowed("PUT", res.name)
    record = store.get(account, res.name, key)
    if record is None:
        raise not_found(f"{res.label} {key}")
    if res.name in DOCUMENTS:
        return _save_document(account, res, body, existing=record.data)
    if res.name == "products":
        return _save_product(account, body, existing=record.data)
    return _save_master(account, res, body, existing=record.data)


def delete_object(account: KashFlowAccount, res: Resource, key: str) -> None:
    if not res.deletable:
        raise method_not_allowed("DELETE", res.name)
    record = store.get(account, res.name, key)
    if record is None:
        raise not_found(f"{res.label} {key}")
    if res.name == "customers" and store.records(account, "invoices").filter(data__CustomerCode=key).exists():
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
    data = clean(body, res.rules, errors, partial=existing is not None)
    if existing is None:
        code = data.get("Code") or (code_from_name(account, res.name, data["Name"]) if data.get("Name") else "")
        if code and store.get(account, res.name, code) is not None:
            errors["Code"] = f"{res.label} code {code} is already used"
    if errors:
        raise invalid(errors)
    stamp = shapes.kf_stamp()
    if existing is None:
        data = {**_party_defaults(account, res.name), **data, "Code": code, "CreatedDate": stamp}
    else:
        data = {**existing, **data}
    if "Currency" in body:
        given = data["Currency"]
        data["Currency"] = shapes.currency(
            given.get("Code") or "GBP", given.get("ExchangeRate") or 1.0, customer=res.name == "customers"
        )
    if res.name == "customers":
        data["DisplayName"] = data.get("DisplayName") or data["Name"]
    data["LastUpdatedDate"] = stamp
    store.save(account, res.name, data["Code"], data)
    return data


def _party_defaults(account: KashFlowAccount, entity: str) -> dict:
    common = {
        "Id": store.next_id(account, entity),
        "Name": "",
        "Note": "",
        "IsArchived": False,
        "Currency": shapes.currency("GBP"),
        "PaymentTerms": {"Days": 30, "Type": "AfterIssuedDate"},
        "Contacts": [],
        "OutstandingBalance": 0.0,
        "TotalPaidAmount": 0.0,
    }
    if entity == "suppliers":
        return {
            **common,
            "Address": {"Line1": "", "Line2": "", "Line3": "", "Line4": "", "PostCode": ""},
            "VatNumber": "",
            "DefaultNominalCode": 0,
            "BankAccount": {"Name": "", "Number": "", "SortCode": ""},
        }
    return {
        **common,
        "Currency": shapes.currency("GBP", customer=True),
        "Email": "",
        "Website": "",
        "DisplayName": "",
        "TelephoneNumber": "",
        "MobileNumber": "",
        "FaxNumber": "",
        "VATNumber": "",
        "DiscountRate": 0.0,
        "Source": 0,
        "Addresses": [],
        "DeliveryAddresses": [],
        "CustomTextBoxes": [],
        "CustomCheckBoxes": [],
        "DefaultNominalCode": 0,
    }


# ---------------------------------------------------------------- products


def product_key(nominal_code: object, code: object) -> str:
    return f"{nominal_code}/{code}"


def _save_product(account: KashFlowAccount, body: dict, existing: dict | None) -> dict:
    errors: dict[str, str] = {}
    if existing is not None:
        for name in ("Code", "NominalCode"):
            if name in body and str(body[name]).strip() != str(existing[name]):
                errors[name] = f"{name} cannot be changed"
        body = {**{k: v for k, v in existing.items() if k in validation.PRODUCT}, **body}
    data = clean(body, validation.PRODUCT, errors)
    _check_nominals(account, [data] if "NominalCode" in data else [], "", errors)
    key = product_key(data.get("NominalCode"), data.get("Code"))
    if existing is None and store.get(account, "products", key) is not None:
        errors["Code"] = f"Product {data['Code']} already exists under nominal code {data['NominalCode']}"
    if errors:
        raise invalid(errors)
    base = existing or {
        "Id": store.next_id(account, "products"),
        "Description": "",
        "Price": 0.0,
        "WholesalePrice": 0.0,
        "VATRate": 0.0,
        "ManagesStock": False,
        "QuantityInStock": 0.0,
        "IsArchived": False,
    }
    product = {**base, **data}
    nominal = store.get(account, "nominals", str(product["NominalCode"]))
    product["NominalId"] = nominal.data.get("Id", 0) if nominal else 0
    store.save(account, "products", key, product)
    return product


# ---------------------------------------------------------------- invoices and purchases


def _input_of(existing: dict, res: Resource) -> dict:
    """The writable part of a stored document (so a PUT can send only what changes)."""
    data = {k: v for k, v in existing.items() if k in res.rules}
    data[f"{res.party_field}Code"] = existing.get(f"{res.party_field}Code", "")
    data["Currency"] = {k: existing["Currency"][k] for k in ("Code", "ExchangeRate")}
    return data


def _check_nominals(account: KashFlowAccount, lines: list[dict], path: str, errors: dict[str, str]) -> None:
    known = set(store.records(account, "nominals").values_list("key", flat=True))
    if not known:  # an account without a chart of accounts accepts any code
        return
    for i, line in enumerate(lines):
        code = line.get("NominalCode")
        if code is not None and str(code) not in known:
            errors[f"{path}[{i}].NominalCode" if path else "NominalCode"] = f"Nominal code {code} does not exist"


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
    party_currency = party.get("Currency") or {}
    given = data.get("Currency") or {}
    code = given.get("Code") or party_currency.get("Code") or "GBP"
    same = code == party_currency.get("Code")
    rate = given.get("ExchangeRate") or (party_currency.get("ExchangeRate") if same else 0)
    kind = "invoice" if res.name == "invoices" else "purchase"
    doc = {
        "Id": doc_id,
        "Number": number,
        f"{prefix}Id": party.get("Id", 0),
        f"{prefix}Code": party["Code"],
        f"{prefix}Name": party.get("Name", ""),
        f"{prefix}Reference": data.get(f"{prefix}Reference", ""),
        "IssuedDate": shapes.kf_date(issued),
        "DueDate": shapes.kf_date(data.get("DueDate") or (issued + timedelta(days=int(terms or 0)))),
        "Currency": shapes.currency(code, rate or 1.0),
        "LineItems": [],
        "PaymentLines": existing.get("PaymentLines", []) if existing else [],
        "Permalink": shapes.permalink(kind, account_key(account), number),
    }
    for i, line in enumerate(data["LineItems"], start=1):
        doc["LineItems"].append(
            shapes.line_item(
                res.name,
                i,
                description=line.get("Description", ""),
                quantity=line["Quantity"],
                rate=line["Rate"],
                vat_level=line.get("VATLevel", 0.0),
                vat_exempt=bool(line.get("VATExempt") or False),
                nominal_code=line["NominalCode"],
                product_code=line.get("ProductCode", ""),
                product_name=line.get("ProductName", ""),
                project_number=line.get("ProjectNumber", 0),
            )
        )
    return shapes.compute_totals(res.name, doc)


def _store_document(account: KashFlowAccount, res: Resource, doc: dict, *, new: bool = False) -> None:
    if new:
        store.insert(account, res.name, str(doc["Number"]), doc)
    else:
        store.save(account, res.name, str(doc["Number"]), doc)
    if res.name == "invoices":
        refresh_balance(account, "customers", doc["CustomerCode"])
    else:
        refresh_balance(account, "suppliers", doc["SupplierCode"])


def refresh_balance(account: KashFlowAccount, entity: str, code: str) -> None:
    """A party's OutstandingBalance follows its documents; it is derived, so LastUpdatedDate stays."""
    record = store.get(account, entity, code)
    if record is None:
        return
    field = "CustomerCode" if entity == "customers" else "SupplierCode"
    documents = "invoices" if entity == "customers" else "purchases"
    balance = Decimal(0)
    for data in store.records(account, documents).filter(**{f"data__{field}": code}).values_list("data", flat=True):
        balance += decimal(data.get("GrossAmount", 0)) - decimal(data.get("TotalPaidAmount", 0))
    record.data["OutstandingBalance"] = money(balance)
    type(record).objects.filter(pk=record.pk).update(data=record.data)


# ---------------------------------------------------------------- payments (bulk only)


def bulk_payment(account: KashFlowAccount, res: Resource, body: dict) -> dict:
    """``POST /{invoices|purchases}/bulk/payments``: one payment line on each document of ``PaymentItems``.

    Overpayment is accepted (the document then reads ``Overpaid``, as KashFlow's purchase statuses show).
    The bulk ``Comment`` becomes each line's ``Note`` (inferred: no source shows where it lands).
    """
    if res.name not in DOCUMENTS:
        raise not_found(f"Bulk payments of {res.name}")
    errors: dict[str, str] = {}
    data = clean(body, validation.BULK_PAYMENT, errors)
    if "PaymentItems" in data and not data["PaymentItems"] and "PaymentItems" not in errors:
        errors["PaymentItems"] = "at least one payment item is required"
    if "Method" in data and data["Method"] not in shapes.PAYMENT_METHOD_IDS:
        errors["Method"] = f"Payment method {data['Method']} does not exist"
    if "AccountId" in data and store.get(account, "bankaccounts", str(data["AccountId"])) is None:
        errors["AccountId"] = f"Bank account {data['AccountId']} does not exist"
    with transaction.atomic():
        records = []
        for i, item in enumerate(data.get("PaymentItems", [])):
            record = store.get(account, res.name, str(item.get("ObjectNumber")))
            if record is None:
                errors[f"PaymentItems[{i}].ObjectNumber"] = f"{res.label} {item.get('ObjectNumber')} does not exist"
            elif decimal(item["Amount"]) > OVERPAYMENT_LIMIT:
                errors[f"PaymentItems[{i}].Amount"] = "is too large"
            records.append(record)
        if errors:
            raise invalid(errors)
        bulk_number = store.next_number(account, f"{res.name}bulkpayments")
        lines = []
        for item, record in zip(data["PaymentItems"], records, strict=True):
            payment_id = store.next_number(account, res.payments)
            line = shapes.payment_line(
                res.name,
                payment_id,
                paid_on=data["Date"],
                amount=item["Amount"],
                method=data["Method"],
                note=data.get("Comment", ""),
                account_id=data["AccountId"],
                account_key=account_key(account),
                bulk_number=bulk_number,
            )
            store.save(account, res.payments, str(payment_id), line, parent_key=str(item["ObjectNumber"]))
            doc = record.data
            doc["PaymentLines"] = [*doc.get("PaymentLines", []), line]
            _store_document(account, res, shapes.compute_totals(res.name, doc))
            lines.append({**line, "ObjectNumber": item["ObjectNumber"]})
        bulk = {
            "Number": bulk_number,
            "Date": shapes.kf_date(data["Date"]),
            "AccountId": data["AccountId"],
            "Method": data["Method"],
            "Comment": data.get("Comment", ""),
            "Reconciled": False,
            "PaymentItems": lines,
            "Permalink": shapes.permalink(f"{res.name}/bulkpayment", account_key(account), bulk_number),
        }
        store.save(account, f"{res.name}bulkpayments", str(bulk_number), bulk)
        _bank_line_of(account, res, bulk, data)
    return bulk


def _bank_line_of(account: KashFlowAccount, res: Resource, bulk: dict, data: dict) -> None:
    """The money lands in (or leaves) the bank account as one line for the bulk payment, linked to it by
    ``EntityName`` ``invoicebatchpayment``/``purchasebatchpayment`` and ``ResourceNumber`` = the bulk number
    (hcs-schemas lib/bankTransaction.js). Not reconciled until someone reconciles it."""
    total = sum((decimal(i["Amount"]) for i in data["PaymentItems"]), Decimal(0))
    sales = res.name == "invoices"
    bank = store.get(account, "bankaccounts", str(data["AccountId"]))
    txn_id = store.next_id(account, "banktransactions")
    txn = shapes.bank_transaction(
        txn_id,
        data["AccountId"],
        on=data["Date"],
        amount=total if sales else -total,
        comment=data.get("Comment", ""),
        transaction_type=2 if sales else 3,
        reconciled=False,
        entity_name="invoicebatchpayment" if sales else "purchasebatchpayment",
        resource_number=bulk["Number"],
    )
    store.save(account, "banktransactions", f"{data['AccountId']}-{txn_id}", txn, parent_key=str(data["AccountId"]))
    bank.data["BankBalance"] = money(decimal(bank.data.get("BankBalance", 0)) + (total if sales else -total))
    type(bank).objects.filter(pk=bank.pk).update(data=bank.data)


def get_bulk_payment(account: KashFlowAccount, res: Resource, number: str) -> dict:
    record = store.get(account, f"{res.name}bulkpayments", number)
    if record is None or res.name not in DOCUMENTS:
        raise not_found(f"Bulk payment {number}")
    return record.data


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
    if lines and money(debit) != money(credit) and "Lines" not in errors:
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
            "Date": shapes.kf_date(data["Date"]),
            "Description": data.get("Description", ""),
            "Lines": [
                {
                    **shapes.journal_line(
                        line["NominalCode"], line.get("Debit", 0), line.get("Credit", 0), line.get("Narrative", "")
                    ),
                    "VATRate": line.get("VATRate", 0.0),
                    "ProjectNumber": line.get("ProjectNumber", 0),
                }
                for line in lines
            ],
        }
        store.save(account, "journals", str(number), journal)
    return journal


# ---------------------------------------------------------------- bank transactions


def bank_transactions(account: KashFlowAccount, account_id: str, query: store.ListQuery) -> tuple[list[dict], int]:
    """One page of an account's lines, sorted by ``Date`` with NO tie-break, as KashFlow does.

    Lines of one date come back in a different order on every request, so paging through a feed can show a
    line twice and skip another (hcs-sync CHANGELOG 0.11.2 and src/sync/run.js, seen on live accounts).
    """
    get_object(account, RESOURCES["bankaccounts"], account_id)
    rows = list(store.records(account, "banktransactions", parent_key=account_id).values_list("data", flat=True))
    random.shuffle(rows)
    rows.sort(key=lambda t: shapes.day_of(t.get("Date")), reverse=query.descending)
    start = (query.page - 1) * query.perpage
    return rows[start : start + query.perpage], len(rows)


def bank_transaction(account: KashFlowAccount, account_id: str, txn_id: str) -> dict:
    record = store.get(account, "banktransactions", f"{account_id}-{txn_id}")
    if record is None:
        raise not_found(f"Bank transaction {txn_id} of bank account {account_id}")
    return record.data


def add_bank_transaction(account: KashFlowAccount, account_id: str, body: dict) -> dict:
    bank = get_object(account, RESOURCES["bankaccounts"], account_id)
    errors: dict[str, str] = {}
    data = clean(body, validation.BANK_TRANSACTION, errors)
    paid_in, paid_out = decimal(data.get("PaidIn", 0)), decimal(data.get("PaidOut", 0))
    if not errors and (paid_in > 0) == (paid_out > 0):
        errors["PaidIn"] = "give either PaidIn or PaidOut"
    if "TransactionType" in data and data["TransactionType"] not in shapes.TRANSACTION_TYPES:
        errors["TransactionType"] = f"must be one of {', '.join(str(t) for t in shapes.TRANSACTION_TYPES)}"
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        txn_id = store.next_id(account, "banktransactions")
        txn = shapes.bank_transaction(
            txn_id,
            bank["Id"],
            on=data["Date"],
            amount=paid_in - paid_out,
            comment=data.get("Comment", ""),
            transaction_type=data.get("TransactionType", 0 if paid_in > 0 else 1),
            reconciled=data.get("Reconciled", False),
        )
        store.save(account, "banktransactions", f"{bank['Id']}-{txn_id}", txn, parent_key=str(bank["Id"]))
    return txn
