"""KashFlow's own representation of every object the simulator serves: one place for field names and formats.

Both the simulator's resources and the demo seeding build their objects here, so what the sandbox answers is
what KashFlow answers. Sources (see ``integrations/connectors/kashflow/README.md`` for the full table):

- Field names, nesting and JSON types: KashFlow's published example bodies (GitHub ``CappyTech/hcs-sync``
  ``docs/*RESTExample.json``; the same bodies are in the project's shared reference folder). Invoice lines carry
  ``VATLevel`` (not ``VATRate``); the paid amount is ``TotalPaidAmount``; payments are ``PaymentLines`` with an
  integer ``Method`` and the bank account's numeric ``Id`` as ``AccountId``; a payment line's ``InvoiceNumber``
  is ``0``; a supplier has one ``Address`` object and ``VatNumber``.
- Dates: ``"2012-10-09 12:00:00 +05:30"`` / ``"2014-01-10 12:00:00"`` (no ``T``; a document date is noon).
  The simulator answers the second form (a UK account, no offset).
- ``Currency.ExchangeRate`` is foreign units per pound: ``HomeCurrencyGrossAmount = GrossAmount / ExchangeRate``
  (PurchasesRESTExample: 195.08 AUD at 2.0 -> 97.54 GBP).
- Statuses ``Unpaid, Paid, Overpaid, Overdue, NA`` (kashflow.com/developers/rest-api/api-purchases/). Which
  documents read ``NA`` is not documented: a zero-value document reading ``NA`` is inferred.
- Bank accounts (``Id``, ``Code`` int, ``AccountName``, ``BankBalance`` ...) and bank transactions (``Id``,
  ``AccountId``, ``PaidIn``/``PaidOut``, ``Comment``, numeric ``TransactionType`` plus ``Type``, ``Reconciled``
  bool): GitHub ``CappyTech/hcs-schemas`` ``lib/bankAccount.js``, ``lib/bankTransaction.js``. The numbers of
  ``TransactionType`` are not published: ``TRANSACTION_TYPES`` is inferred.
- Payment methods are integers (KashFlow SOAP ``GetInvPayMethods``; REST example ``Method: 409844``). The list
  endpoint's shape is not published: ``PAYMENT_METHODS`` is inferred.
- Journals: ``Id, Number, Date, Description, Lines`` (hcs-schemas ``lib/journal.js``); the line shape is
  undocumented there, so ``journal_line`` is inferred.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

CENT = Decimal("0.01")

CURRENCIES = {
    "GBP": ("British Pounds", "£"),
    "EUR": ("Euros", "€"),
    "USD": ("US Dollars", "$"),
    "AUD": ("Australian Dollars", "$"),
    "INR": ("Indian Rupees", "Rs"),
}

# Inferred: KashFlow publishes no list of payment method ids; 409844 is the one its invoice example shows.
PAYMENT_METHODS = (
    {"Id": 409844, "Name": "BACS"},
    {"Id": 409845, "Name": "Cheque"},
    {"Id": 409846, "Name": "Card"},
    {"Id": 409847, "Name": "Cash"},
    {"Id": 409848, "Name": "Direct Debit"},
)
PAYMENT_METHOD_IDS = frozenset(m["Id"] for m in PAYMENT_METHODS)

# Inferred numbering (the field is numeric 0-6 on live accounts; its meanings are not published).
TRANSACTION_TYPES = {
    0: "Receipt",
    1: "Payment",
    2: "Customer receipt",
    3: "Supplier payment",
    4: "Transfer",
    5: "VAT",
    6: "Bank charge",
}

# /vat/settings/vatrates answers a bare array of these (hcs-sync src/kashflow/client.js; hcs-schemas vatRate.js).
VAT_RATES = (
    {"VATId": 1, "VATRate": 20.0, "VATText": "Standard 20%"},
    {"VATId": 2, "VATRate": 5.0, "VATText": "Reduced 5%"},
    {"VATId": 3, "VATRate": 0.0, "VATText": "Zero rated"},
)


# GET /countries answers a bare array of these (hcs-schemas lib/country.js; hcs-sync client.js normalizeList).
COUNTRIES = (
    {"Id": 1, "Code": "GB", "Name": "United Kingdom", "IsEU": False},
    {"Id": 2, "Code": "IE", "Name": "Ireland", "IsEU": True},
    {"Id": 3, "Code": "FR", "Name": "France", "IsEU": True},
    {"Id": 4, "Code": "DE", "Name": "Germany", "IsEU": True},
    {"Id": 5, "Code": "NL", "Name": "Netherlands", "IsEU": True},
    {"Id": 6, "Code": "US", "Name": "United States", "IsEU": False},
)


def money(value: float | int | Decimal | str) -> float:
    return float(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def dec(value: object) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0))


def kf_date(value: date | str | None) -> str | None:
    """A document date as KashFlow writes it: ``2014-01-10 12:00:00``."""
    if value in (None, ""):
        return None
    text = value.isoformat() if isinstance(value, date) else str(value)
    return f"{text[:10]} 12:00:00"


def kf_stamp(moment: datetime | None = None) -> str:
    """A moment (CreatedDate, LastUpdatedDate) in KashFlow's form: ``2013-10-17 14:05:09``, UK time."""
    moment = timezone.localtime(moment or timezone.now())
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def day_of(value: object) -> str:
    """``YYYY-MM-DD`` of a KashFlow date text (or '' when there is none)."""
    return str(value or "")[:10]


def currency(code: str, rate: float | Decimal | str = 1.0, *, customer: bool = False) -> dict:
    """A ``Currency`` object. Customers name the last flag ``DisplayOnRight`` (CustomersRESTExample); invoices,
    purchases, quotes and suppliers ``DisplaySymbolOnRight``."""
    name, symbol = CURRENCIES.get(code, (code, code))
    return {
        "Code": code,
        "ExchangeRate": float(Decimal(str(rate))),
        "Name": name,
        "Symbol": symbol,
        "DisplayOnRight" if customer else "DisplaySymbolOnRight": False,
    }


def permalink(kind: str, account_key: str, number: object) -> str:
    return f"/v2/documents/{kind}/{uuid.uuid5(uuid.NAMESPACE_URL, f'{account_key}/{kind}/{number}')}"


# ---------------------------------------------------------------- documents


def line_item(
    kind: str,
    number: int,
    *,
    description: str,
    quantity: float,
    rate: float,
    vat_level: float,
    nominal_code: int,
    product_code: str = "",
    product_name: str = "",
    project_number: int = 0,
    vat_exempt: bool = False,
) -> dict:
    """One ``LineItems`` entry. Sales lines show ``VATExempt`` as 0/1 (InvoicesRESTExample), purchase lines as
    true/false (PurchasesRESTExample); purchase lines add the ``HomeCurrency*`` amounts (filled by totals)."""
    line = {
        "Number": number,
        "Description": description,
        "Quantity": float(quantity),
        "Rate": float(rate),
        "VATLevel": float(vat_level),
        "VATAmount": 0.0,
        "VATExempt": int(bool(vat_exempt)) if kind == "invoices" else bool(vat_exempt),
        "NominalCode": int(nominal_code),
        "ProductCode": product_code,
        "ProductName": product_name,
        "ProjectNumber": int(project_number),
    }
    if kind == "purchases":
        line.update(HomeCurrencyRate=float(rate), HomeCurrencyVATAmount=0.0)
    return line


def payment_line(
    kind: str,
    payment_id: int,
    *,
    paid_on: date | str,
    amount: float | Decimal,
    method: int,
    note: str,
    account_id: int,
    account_key: str,
    bulk_number: int | None = None,
) -> dict:
    """One ``PaymentLines`` entry as the invoice example shows it: ``InvoiceNumber`` is 0 there."""
    line = {
        "Id": payment_id,
        "Date": kf_date(paid_on),
        "Amount": money(amount),
        "Method": int(method),
        "Note": note,
        "AccountId": int(account_id),
        "InvoiceNumber": 0,
        "Permalink": permalink(f"{kind[:-1]}/payment", account_key, payment_id),
    }
    if bulk_number is not None:
        line["BulkPaymentNumber"] = bulk_number  # tipstrade KashFlowApiClient v2/Model/Payment.cs PaymentItem
    return line


def compute_totals(kind: str, doc: dict, *, today: date | None = None) -> dict:
    """Amounts from the lines (KashFlow rounds per line), paid amount and Status from PaymentLines."""
    today = today or timezone.localdate()
    rate = dec((doc.get("Currency") or {}).get("ExchangeRate") or 1) or Decimal(1)
    net = vat = Decimal(0)
    for line in doc["LineItems"]:
        line_net = (dec(line["Quantity"]) * dec(line["Rate"])).quantize(CENT, ROUND_HALF_UP)
        line_vat = (line_net * dec(line.get("VATLevel")) / 100).quantize(CENT, ROUND_HALF_UP)
        line["VATAmount"] = float(line_vat)
        if kind == "purchases":
            line["HomeCurrencyRate"] = money(dec(line["Rate"]) / rate)
            line["HomeCurrencyVATAmount"] = money(line_vat / rate)
        net += line_net
        vat += line_vat
    gross = net + vat
    payments = doc.get("PaymentLines") or []
    paid = sum((dec(p["Amount"]) for p in payments), Decimal(0))
    last = max((p["Date"] for p in payments), default=None)
    due = day_of(doc.get("DueDate")) or "9999"
    if gross == 0:
        status = "NA"
    elif paid > gross:
        status = "Overpaid"
    elif paid == gross:
        status = "Paid"
    else:
        status = "Overdue" if due < today.isoformat() else "Unpaid"
    overdue = (today - date.fromisoformat(due)).days if status == "Overdue" else 0
    if kind == "invoices":  # InvoicesRESTExample has LastPaymentDate; PurchasesRESTExample does not
        doc["LastPaymentDate"] = last
    doc.update(
        NetAmount=money(net),
        VATAmount=money(vat),
        GrossAmount=money(gross),
        HomeCurrencyGrossAmount=money(gross / rate),
        TotalPaidAmount=money(paid),
        PaidDate=last if status in ("Paid", "Overpaid") else None,
        OverdueDays=overdue,
        Status=status,
    )
    return doc


def served_document(kind: str, doc: dict, *, today: date | None = None) -> dict:
    """A stored document as answered today: an unpaid one past its due date reads Overdue."""
    today = today or timezone.localdate()
    if doc.get("Status") == "Unpaid" and (day_of(doc.get("DueDate")) or "9999") < today.isoformat():
        due = date.fromisoformat(day_of(doc["DueDate"]))
        return {**doc, "Status": "Overdue", "OverdueDays": (today - due).days}
    return doc


def quote(
    quote_id: int,
    number: int,
    *,
    customer: dict,
    on: date | str,
    rate: float | Decimal,
    lines: list[dict],
    account_key: str,
    reference: str = "",
) -> dict:
    """A quote as QuotesRESTExample shows it: ``Date`` (not IssuedDate), lines with ``HomeCurrency*`` amounts,
    ``VATExempt`` true/false, no payments and no status."""
    code = (customer.get("Currency") or {}).get("Code") or "GBP"
    doc = {
        "Id": quote_id,
        "Number": number,
        "CustomerId": customer.get("Id", 0),
        "CustomerCode": customer["Code"],
        "CustomerName": customer.get("Name", ""),
        "CustomerReference": reference,
        "Date": kf_date(on),
        "Currency": currency(code, rate),
        "ProjectNumber": 0,
        "LineItems": lines,
        "Permalink": permalink("quote", account_key, number),
    }
    exchange = dec(rate) or Decimal(1)
    net = vat = Decimal(0)
    for line in lines:
        line_net = (dec(line["Quantity"]) * dec(line["Rate"])).quantize(CENT, ROUND_HALF_UP)
        line_vat = (line_net * dec(line.get("VATLevel")) / 100).quantize(CENT, ROUND_HALF_UP)
        line.update(
            VATAmount=float(line_vat),
            VATExempt=bool(line.get("VATExempt")),
            HomeCurrencyRate=money(dec(line["Rate"]) / exchange),
            HomeCurrencyVATAmount=money(line_vat / exchange),
        )
        net, vat = net + line_net, vat + line_vat
    doc.update(NetAmount=money(net), VATAmount=money(vat), GrossAmount=money(net + vat))
    return doc


# ---------------------------------------------------------------- bank


def bank_account(account_id: int, code: int, name: str, *, balance: float | Decimal = 0, default: bool = False) -> dict:
    return {
        "Id": int(account_id),
        "Code": int(code),
        "AccountName": name,
        "BankBalance": money(balance),
        "IsDefaultAccount": default,
        "IsArchived": False,
        "Order": 0,
    }


def bank_transaction(
    txn_id: int,
    account_id: int,
    *,
    on: date | str,
    amount: float | Decimal,
    comment: str,
    transaction_type: int,
    reconciled: bool,
    customer_code: str = "",
    supplier_code: str = "",
    entity_name: str = "banktransaction",
    resource_number: int = 0,
) -> dict:
    """A bank line: money in is ``PaidIn``, money out ``PaidOut`` (both positive), never a signed amount."""
    value = dec(amount)
    return {
        "Id": int(txn_id),
        "AccountId": int(account_id),
        "Date": kf_date(on),
        "PaidIn": money(value) if value > 0 else 0.0,
        "PaidOut": money(-value) if value < 0 else 0.0,
        "Comment": comment,
        "TransactionType": int(transaction_type),
        "Type": TRANSACTION_TYPES.get(int(transaction_type), "Other"),
        "Reconciled": bool(reconciled),
        "VATRate": 0.0,
        "VATAmount": 0.0,
        "EntityName": entity_name,
        "ResourceNumber": int(resource_number),
        "CustomerCode": customer_code,
        "SupplierCode": supplier_code,
    }


# ---------------------------------------------------------------- journals


def journal_line(nominal_code: int, debit: float | Decimal, credit: float | Decimal, description: str) -> dict:
    """Inferred line shape: no public source shows a REST journal line."""
    return {
        "NominalCode": int(nominal_code),
        "Debit": money(debit),
        "Credit": money(credit),
        "Narrative": description,
        "VATRate": 0.0,
        "ProjectNumber": 0,
    }
