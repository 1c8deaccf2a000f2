"""Field rules of each object KashFlow accepts, and the check that turns a request body into a clean object.

A wrong type, a missing required field, a too-long text or a value outside the allowed ones becomes one
field message of a 400 answer (``Field`` uses the catalog's path form: ``LineItems[0].Quantity``).
Fields the simulator computes (``Id``, totals, ``Status`` ...) are not read from the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass(frozen=True)
class Rule:
    type: str  # str | int | num | bool | date | obj | list | any
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    fields: dict[str, Rule] = field(default_factory=dict)  # of an obj, or of each item of a list
    minimum: float | None = None


def money(value: float | int | Decimal | str) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def decimal(value: float | int | str) -> Decimal:
    return Decimal(str(value))


S = Rule("str")
ADDRESS = {
    "Line1": Rule("str", max_length=60),
    "Line2": Rule("str", max_length=60),
    "Line3": Rule("str", max_length=60),
    "Line4": Rule("str", max_length=60),
    "PostCode": Rule("str", max_length=20),
    "CountryName": Rule("str", max_length=60),
    "CountryCode": Rule("str", max_length=2),
}
# CustomersRESTExample / SuppliersRESTExample: Contacts[] with "Firstname" (lower-case n).
CONTACT = {
    "Title": Rule("str", max_length=20),
    "Firstname": Rule("str", max_length=50),
    "LastName": Rule("str", max_length=50),
    "Name": Rule("str", max_length=100),
    "Email": Rule("str", max_length=100),
    "Telephone": Rule("str", max_length=30),
    "Mobile": Rule("str", max_length=30),
    "Fax": Rule("str", max_length=30),
    "Website": Rule("str", max_length=100),
}
CURRENCY = Rule("obj", fields={"Code": Rule("str", max_length=3), "ExchangeRate": Rule("num", minimum=0)})
# The two values KashFlow's examples show; no source lists others, so others are refused (inferred).
PAYMENT_TERMS_TYPES = ("AfterIssuedDate", "AfterMonthEnd")
PAYMENT_TERMS = Rule("obj", fields={"Days": Rule("int", minimum=0), "Type": Rule("str", choices=PAYMENT_TERMS_TYPES)})
NAMED_VALUES = Rule(
    "list", fields={"Name": Rule("str", required=True, max_length=50), "Value": Rule("str", max_length=250)}
)

PARTY = {
    "Code": Rule("str", max_length=20),
    "Name": Rule("str", required=True, max_length=100),
    "Currency": CURRENCY,
    "PaymentTerms": PAYMENT_TERMS,
    "Note": Rule("str", max_length=2000),
    "IsArchived": Rule("bool"),
    "Contacts": Rule("list", fields=CONTACT),
    "DefaultNominalCode": Rule("int", minimum=0),
}
CUSTOMER = {
    **PARTY,
    "Email": Rule("str", max_length=100),
    "Website": Rule("str", max_length=100),
    "DisplayName": Rule("str", max_length=200),
    "TelephoneNumber": Rule("str", max_length=30),
    "MobileNumber": Rule("str", max_length=30),
    "FaxNumber": Rule("str", max_length=30),
    "VATNumber": Rule("str", max_length=20),
    "DiscountRate": Rule("num", minimum=0),
    "Source": Rule("int", minimum=0),
    "Addresses": Rule("list", fields=ADDRESS),
    "DeliveryAddresses": Rule("list", fields=ADDRESS),
    "CustomTextBoxes": NAMED_VALUES,
    "CustomCheckBoxes": NAMED_VALUES,  # Value "1"/"0" (text) in CustomersRESTExample
}
SUPPLIER = {
    **PARTY,
    # One object with the four lines and the post code only (SuppliersRESTExample); e-mail and phone live in
    # Contacts, suppliers having no top-level Email, Website or TelephoneNumber.
    "Address": Rule("obj", fields={k: ADDRESS[k] for k in ("Line1", "Line2", "Line3", "Line4", "PostCode")}),
    "VatNumber": Rule("str", max_length=20),
    "BankAccount": Rule(
        "obj",
        fields={
            "Name": Rule("str", max_length=60),
            "Number": Rule("str", max_length=30),
            "SortCode": Rule("str", max_length=20),
        },
    ),
}
PRODUCT = {
    "Code": Rule("str", required=True, max_length=20),
    "Name": Rule("str", required=True, max_length=100),
    "Description": Rule("str", max_length=2000),
    "Price": Rule("num", minimum=0),
    "WholesalePrice": Rule("num", minimum=0),
    "NominalCode": Rule("int", required=True, minimum=1),
    "VATRate": Rule("num", minimum=0),
    "ManagesStock": Rule("bool"),
    "QuantityInStock": Rule("num"),
    "IsArchived": Rule("bool"),
}
LINE_ITEM = {
    "Description": Rule("str", max_length=1000),
    "Quantity": Rule("num", required=True),
    "Rate": Rule("num", required=True),
    "VATLevel": Rule("num", minimum=0),
    "VATExempt": Rule("any"),
    "NominalCode": Rule("int", required=True, minimum=1),
    "ProductCode": Rule("str", max_length=20),
    "ProductName": Rule("str", max_length=100),
    "ProjectNumber": Rule("int", minimum=0),
}
DOCUMENT = {
    "Number": Rule("int", minimum=1),
    "IssuedDate": Rule("date", required=True),
    "DueDate": Rule("date"),
    "Currency": CURRENCY,
    "LineItems": Rule("list", required=True, fields=LINE_ITEM),
}
INVOICE = {
    **DOCUMENT,
    "CustomerCode": Rule("str", required=True, max_length=20),
    "CustomerReference": Rule("str", max_length=50),
}
PURCHASE = {
    **DOCUMENT,
    "SupplierCode": Rule("str", required=True, max_length=20),
    "SupplierReference": Rule("str", max_length=50),
}
# POST /{invoices|purchases}/bulk/payments (chriscarlton.info/index-1802.html; tipstrade KashFlowApiClient
# v2/Model/Payment.cs BulkPayment).
BULK_PAYMENT = {
    "Date": Rule("date", required=True),
    "AccountId": Rule("int", required=True, minimum=1),
    "Method": Rule("int", required=True, minimum=1),
    "Comment": Rule("str", max_length=200),
    "PaymentItems": Rule(
        "list",
        required=True,
        fields={
            "ObjectNumber": Rule("int", required=True, minimum=1),
            "Amount": Rule("num", required=True, minimum=0.01),
        },
    ),
}
JOURNAL = {
    "Number": Rule("int", minimum=1),
    "Date": Rule("date", required=True),
    "Description": Rule("str", max_length=200),
    "Lines": Rule(
        "list",
        required=True,
        fields={
            "NominalCode": Rule("int", required=True, minimum=1),
            "Debit": Rule("num", minimum=0),
            "Credit": Rule("num", minimum=0),
            "Narrative": Rule("str", max_length=200),
            "VATRate": Rule("num", minimum=0),
            "ProjectNumber": Rule("int", minimum=0),
        },
    ),
}
BANK_TRANSACTION = {
    "Date": Rule("date", required=True),
    "PaidIn": Rule("num", minimum=0),
    "PaidOut": Rule("num", minimum=0),
    "Comment": Rule("str", max_length=200),
    "TransactionType": Rule("int", minimum=0),
    "Reconciled": Rule("bool"),
}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check(value: object, rule: Rule, path: str, errors: dict[str, str]) -> object:
    kind = rule.type
    if kind == "any":
        return value
    if kind == "str":
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            errors[path] = "must be text"
            return None
        value = value.strip()
        if rule.max_length is not None and len(value) > rule.max_length:
            errors[path] = f"must be at most {rule.max_length} characters (got {len(value)})"
        elif rule.choices and value and value not in rule.choices:
            errors[path] = f"must be one of {', '.join(rule.choices)}"
        return value
    if kind == "int":
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            errors[path] = "must be a whole number"
            return None
        if rule.minimum is not None and value < rule.minimum:
            errors[path] = f"must be at least {rule.minimum:g}"
        return value
    if kind == "num":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            errors[path] = "must be a number"
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors[path] = "must be a number"
            return None
        if not number.is_finite():
            errors[path] = "must be a number"
            return None
        if rule.minimum is not None and number < Decimal(str(rule.minimum)):
            errors[path] = f"must be at least {rule.minimum:g}"
        return float(number)
    if kind == "bool":
        if not isinstance(value, bool):
            errors[path] = "must be true or false"
            return None
        return value
    if kind == "date":
        text = value[:10] if isinstance(value, str) else None
        try:
            return date.fromisoformat(text).isoformat() if text else _bad(errors, path)
        except ValueError:
            return _bad(errors, path)
    if kind == "obj":
        if not isinstance(value, dict):
            errors[path] = "must be an object"
            return None
        return clean(value, rule.fields, errors, prefix=f"{path}.")
    if kind == "list":
        if not isinstance(value, list):
            errors[path] = "must be a list"
            return None
        items = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                errors[f"{path}[{i}]"] = "must be an object"
                continue
            items.append(clean(item, rule.fields, errors, prefix=f"{path}[{i}]."))
        return items
    raise AssertionError(kind)


def _bad(errors: dict[str, str], path: str) -> None:
    errors[path] = "must be a date (YYYY-MM-DD)"


def clean(
    body: dict, rules: dict[str, Rule], errors: dict[str, str], *, prefix: str = "", partial: bool = False
) -> dict:
    """The known fields of ``body`` checked against ``rules``; problems are added to ``errors``.

    ``partial`` (an update) does not ask for required fields that are absent.
    """
    out: dict = {}
    for name, rule in rules.items():
        path = f"{prefix}{name}"
        if name not in body or _blank(body[name]):
            if rule.required and not (partial and name not in body):
                errors[path] = f"{name} is required"
            elif name in body and rule.type == "str":
                out[name] = ""
            continue
        value = _check(body[name], rule, path, errors)
        if value is not None:
            out[name] = value
    return out
