"""AX's business rules for inbound documents: mandatory fields, references, balances, defaults, number
sequences and settlement. Every refusal uses the wording of AX's exception log.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.connectors.dynamics_ax.documents import (
    CUST_INVOICE_TABLE,
    JOURNAL_NAMES,
    AxDocumentService,
    AxTable,
)
from integrations.sandbox.ax import bankstmt, vendinvoice
from integrations.sandbox.ax.soap import AifError, FaultEntry
from integrations.sandbox.models import AxCompany, AxRecord

CENT = Decimal("0.01")
RELATED_TABLES = {
    "CustTable": "Customers",
    "VendTable": "Vendors",
    "MainAccount": "Main accounts",
    "BankAccountTable": "Bank accounts",
    "ProcurementCategory": "Procurement categories",
}
TABLE_LABELS = {
    "CustTable": "Customers",
    "VendTable": "Vendors",
    "InventTable": "Items",
    "CurrencyPair": "Exchange rate currency pairs",  # label inferred
}


def dec(value: object) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def money(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def line_debit(line: dict) -> Decimal:
    """A journal line's amount, debit positive (a credit is negative)."""
    return dec(line.get("AmountCurDebit")) - dec(line.get("AmountCurCredit"))


def document_hash(key: str, rec_version: int) -> str:
    return hashlib.md5(f"{key}:{rec_version}".encode(), usedforsecurity=False).hexdigest()


# --- Mandatory fields ----------------------------------------------------------------------------------------
def missing_fields(table: AxTable, record: dict, xpath: str, out: list[FaultEntry]) -> None:
    for fld in table.fields:
        if not fld.required or fld.read_only:
            continue
        value = record.get(fld.name)
        empty = value in (None, "") or (fld.type == "account" and not (value or {}).get("Account"))
        if empty:
            out.append(
                FaultEntry(
                    f"Field '{fld.label or fld.name}' must be filled in.",
                    code="MandatoryField",
                    field=fld.name,
                    xpath=f"{xpath}/{fld.name}",
                )
            )
    for child in table.children:
        for i, row in enumerate(record.get(child.name) or [], start=1):
            missing_fields(child, row, f"{xpath}/{child.name}[{i}]", out)


# --- References ----------------------------------------------------------------------------------------------
class References:
    """Collects the customers, vendors, main accounts and dimension values a document points at, checks them
    with one query per table, and reports each unknown one with its XPath."""

    def __init__(self, company: AxCompany) -> None:
        self.company = company
        self.wanted: list[tuple[str, str, str, str, str]] = []  # (entity, key, label, xpath, field)
        self.found: dict[str, dict[str, dict]] = {}

    def need(self, entity: str, key: str, *, label: str, xpath: str, field: str) -> None:
        if key:
            self.wanted.append((entity, key, label, xpath, field))

    def need_account(self, account_type: str, value: dict | None, *, label: str, xpath: str, field: str) -> None:
        if not isinstance(value, dict):
            return
        account = str(value.get("Account") or "").strip()
        # a Bank line names a bank account (BankAccountTable.AccountID), not a main account (inferred: AX's
        # LedgerJournalACType Bank resolves the account through the bank account's own posting setup)
        entity = {"Ledger": "MainAccount", "Cust": "CustTable", "Vend": "VendTable", "Bank": "BankAccountTable"}.get(
            account_type or "Ledger"
        )
        if entity and account:
            self.need(
                entity,
                account,
                label=label if entity == "MainAccount" else _account_label(entity),
                xpath=xpath,
                field=field,
            )
        self.need_dimensions(value, xpath=xpath, field=field)

    def need_dimensions(self, value: dict | None, *, xpath: str, field: str) -> None:
        if not isinstance(value, dict):
            return
        for pair in value.get("Values") or []:
            name, val = str(pair.get("Name") or ""), str(pair.get("Value") or "")
            if name or val:
                self.need("DimensionValue", f"{name}/{val}", label=name, xpath=f"{xpath}/Values", field=field)

    def check(self) -> list[FaultEntry]:
        by_entity: dict[str, set[str]] = {}
        for entity, key, *_ in self.wanted:
            by_entity.setdefault(entity, set()).add(key)
        if by_entity:  # one query for every table the document points at
            wanted = Q()
            for entity, keys in by_entity.items():
                wanted |= Q(entity=entity, key__in=keys)
                self.found[entity] = {}
            for entity, key, data in AxRecord.objects.filter(wanted, company=self.company).values_list(
                "entity", "key", "data"
            ):
                self.found[entity][key] = data
        errors: list[FaultEntry] = []
        seen: set[tuple[str, str, str]] = set()
        for entity, key, label, xpath, field in self.wanted:
            if key in self.found.get(entity, {}) or (entity, key, xpath) in seen:
                continue
            seen.add((entity, key, xpath))
            if entity == "DimensionValue":
                name, _, value = key.partition("/")
                text = f"Dimension value {value} does not exist for financial dimension {name}."
                errors.append(FaultEntry(text, code="InvalidDimensionValue", field=field, xpath=xpath))
            else:
                table = RELATED_TABLES[entity]
                text = f"The value '{key}' in field '{label}' is not found in the relating table '{table}'."
                errors.append(FaultEntry(text, code="InvalidReference", field=field, xpath=xpath))
        return errors

    def data(self, entity: str, key: str) -> dict:
        return self.found.get(entity, {}).get(key) or {}


def _account_label(entity: str) -> str:
    return {"CustTable": "Customer account", "VendTable": "Vendor account", "BankAccountTable": "Bank account"}[entity]


def display_value(value: dict) -> str:
    parts = [str(value.get("Account") or "")] + [str(p.get("Value") or "") for p in value.get("Values") or []]
    return "-".join(p for p in parts if p)


# --- Number sequences ----------------------------------------------------------------------------------------
def next_number(company: AxCompany, prefix: str, entity: str) -> str:
    """The next key of an AX number sequence (FTI-000001), kept in an AxRecord so it survives restarts.
    Must run inside the caller's transaction: the row lock serialises concurrent creates."""
    for _attempt in range(3):
        row = AxRecord.objects.select_for_update().filter(company=company, entity="NumberSequence", key=prefix).first()
        if row is None:
            start = _highest_used(company, prefix, entity)
            try:
                with transaction.atomic():
                    row = AxRecord.objects.create(
                        company=company,
                        entity="NumberSequence",
                        key=prefix,
                        data={"Next": start + 1},
                        modified_at=timezone.now(),
                    )
            except IntegrityError:
                continue
            row = AxRecord.objects.select_for_update().get(pk=row.pk)
        number = int(row.data.get("Next", 1))
        row.data = {"Next": number + 1}
        row.modified_at = timezone.now()
        row.save(update_fields=["data", "modified_at"])
        return f"{prefix}{number:06d}"
    raise AifError("Number sequence could not be allocated.", code="NumberSequence")


def _highest_used(company: AxCompany, prefix: str, entity: str) -> int:
    highest = 0
    for key in AxRecord.objects.filter(company=company, entity=entity, key__startswith=prefix).values_list(
        "key", flat=True
    ):
        digits = key[len(prefix) :]
        if digits.isdigit():
            highest = max(highest, int(digits))
    return highest


# --- Per-document rules --------------------------------------------------------------------------------------
def prepare(
    svc: AxDocumentService, company: AxCompany, record: dict, *, xpath: str, is_create: bool
) -> list[FaultEntry]:
    """Validate ``record`` in place and fill AX's defaults; returns the refusals (empty when valid)."""
    errors: list[FaultEntry] = []
    missing_fields(svc.root, record, xpath, errors)
    refs = References(company)
    table = svc.root.name
    if table == "CustInvoiceTable":
        _invoice_references(record, refs, xpath)
    elif table == "LedgerJournalTable":
        errors.extend(_journal_rules(svc, record, refs, xpath))
    elif table == bankstmt.STATEMENT:
        errors.extend(bankstmt.statement_rules(company, record, xpath, is_create=is_create))
    elif table == vendinvoice.INVOICE:
        vendinvoice.invoice_references(record, refs, xpath)
        errors.extend(vendinvoice.no_lines_error(record, xpath))
    errors.extend(refs.check())
    if is_create and table in TABLE_LABELS:
        key = svc.key_of(record)
        if key and AxRecord.objects.filter(company=company, entity=table, key=key).exists():
            fld = svc.root.field(svc.key_fields[0])
            errors.append(
                FaultEntry(
                    f"Cannot create a record in {TABLE_LABELS[table]} ({table}). {fld.label}: {key}. "
                    "The record already exists.",
                    code="DuplicateKey",
                    field=fld.name,
                    xpath=f"{xpath}/{fld.name}",
                )
            )
    if errors:
        return errors
    if table == "CustInvoiceTable":
        _invoice_defaults(record, refs)
    elif table == "LedgerJournalTable":
        _journal_defaults(record)
    elif table == vendinvoice.INVOICE:
        vendinvoice.invoice_defaults(record, refs)
    return []


def _invoice_references(record: dict, refs: References, xpath: str) -> None:
    for name in ("OrderAccount", "InvoiceAccount"):
        label = CUST_INVOICE_TABLE.field(name).label
        refs.need("CustTable", str(record.get(name) or ""), label=label, xpath=f"{xpath}/{name}", field=name)
    refs.need_dimensions(record.get("DefaultDimension"), xpath=f"{xpath}/DefaultDimension", field="DefaultDimension")
    for i, line in enumerate(record.get("CustInvoiceLine") or [], start=1):
        line_xpath = f"{xpath}/CustInvoiceLine[{i}]"
        refs.need_account(
            "Ledger",
            line.get("LedgerDimension"),
            label="Main account",
            xpath=f"{line_xpath}/LedgerDimension",
            field="LedgerDimension",
        )
        refs.need_dimensions(
            line.get("DefaultDimension"), xpath=f"{line_xpath}/DefaultDimension", field="DefaultDimension"
        )


def _invoice_defaults(record: dict, refs: References) -> None:
    customer = refs.data("CustTable", str(record.get("OrderAccount") or ""))
    record.setdefault("InvoiceAccount", record.get("OrderAccount"))
    if not record.get("CurrencyCode"):
        record["CurrencyCode"] = customer.get("Currency") or "GBP"
    today = timezone.localdate().isoformat()
    record.setdefault("InvoiceDate", today)
    record.setdefault("DocumentDate", record["InvoiceDate"])
    record.setdefault("DueDate", record["InvoiceDate"])
    total = tax = Decimal(0)
    for i, line in enumerate(record.get("CustInvoiceLine") or [], start=1):
        line.setdefault("LineNum", f"{i}.0000")
        if not line.get("AmountCur"):
            quantity = dec(line.get("Quantity")) if line.get("Quantity") not in (None, "") else Decimal(1)
            line["AmountCur"] = money(quantity * dec(line.get("UnitPrice")))
        ledger = line.get("LedgerDimension")
        if isinstance(ledger, dict) and not ledger.get("DisplayValue"):
            ledger["DisplayValue"] = display_value(ledger)
        total += dec(line["AmountCur"])
        tax += line_tax(line)
    record["SumTax"] = money(tax)
    record["InvoiceAmount"] = money(total + tax)
    record["SettledAmount"] = money(dec(record.get("SettledAmount")))
    record["PaymentStatus"] = payment_status(total + tax, dec(record["SettledAmount"]))


# The sandbox's item sales tax groups and their rates. AX intersects the line's sales tax group with its item
# sales tax group to find tax codes; the sandbox simplifies that to the item group's rate (a group named by a
# number is that percentage), rounded half up per line as AX rounds tax per transaction.
ITEM_TAX_RATES = {"STD": Decimal(20), "RED": Decimal(5), "ZERO": Decimal(0), "EXEMPT": Decimal(0)}


def line_tax(line: dict) -> Decimal:
    group = str(line.get("TaxItemGroup") or "").strip().upper()
    rate = ITEM_TAX_RATES.get(group)
    if rate is None:
        try:
            rate = Decimal(group) if group else Decimal(0)
        except ArithmeticError:
            rate = Decimal(0)
    return (dec(line.get("AmountCur")) * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def payment_status(amount: Decimal, settled: Decimal) -> str:
    if settled > 0 and settled >= amount:
        return "Paid"
    if settled > 0:
        return "PartlyPaid"
    return "None"


def _journal_rules(svc: AxDocumentService, record: dict, refs: References, xpath: str) -> list[FaultEntry]:
    errors: list[FaultEntry] = []
    journal_name = str(record.get("JournalName") or "")
    if journal_name and journal_name not in svc.journal_names:
        if journal_name in JOURNAL_NAMES:
            text = (
                f"Journal name {journal_name} is of the journal type {JOURNAL_NAMES[journal_name]}, which the "
                f"{svc.name} service does not accept."
            )
        else:
            text = f"The value '{journal_name}' in field 'Name' is not found in the relating table 'Journal names'."
        errors.append(FaultEntry(text, code="InvalidReference", field="JournalName", xpath=f"{xpath}/JournalName"))
    lines = record.get("LedgerJournalTrans") or []
    marked: list[tuple[str, str, str]] = []
    vendor_marked: list[tuple[str, str, str]] = []
    for i, line in enumerate(lines, start=1):
        line_xpath = f"{xpath}/LedgerJournalTrans[{i}]"
        account_type = line.get("AccountType") or "Ledger"
        refs.need_account(
            account_type,
            line.get("LedgerDimension"),
            label="Main account",
            xpath=f"{line_xpath}/LedgerDimension",
            field="LedgerDimension",
        )
        if line.get("OffsetLedgerDimension"):
            refs.need_account(
                line.get("OffsetAccountType") or "Ledger",
                line.get("OffsetLedgerDimension"),
                label="Main account",
                xpath=f"{line_xpath}/OffsetLedgerDimension",
                field="OffsetLedgerDimension",
            )
        refs.need_dimensions(
            line.get("DefaultDimension"), xpath=f"{line_xpath}/DefaultDimension", field="DefaultDimension"
        )
        if svc.journal_names == ("CustPay",) and account_type != "Cust":
            errors.append(
                FaultEntry(
                    "The account type of a customer payment journal line must be Customer.",
                    code="InvalidAccountType",
                    field="AccountType",
                    xpath=f"{line_xpath}/AccountType",
                )
            )
        if line.get("MarkedInvoice"):
            account = str((line.get("LedgerDimension") or {}).get("Account") or "")
            target = vendor_marked if account_type == "Vend" else marked
            target.append((str(line["MarkedInvoice"]), account, f"{line_xpath}/MarkedInvoice"))
    if marked:
        errors.extend(_marked_invoice_errors(refs.company, marked))
    if vendor_marked:
        errors.extend(_marked_vendor_invoice_errors(refs.company, vendor_marked))
    errors.extend(_balance_errors(lines, xpath))
    return errors


def _marked_invoice_errors(company: AxCompany, marked: list[tuple[str, str, str]]) -> list[FaultEntry]:
    invoices = dict(
        AxRecord.objects.filter(company=company, entity="CustInvoiceTable", key__in={m[0] for m in marked}).values_list(
            "key", "data"
        )
    )
    errors = []
    for invoice_id, account, xpath in marked:
        invoice = invoices.get(invoice_id)
        if invoice is None or account not in (invoice.get("InvoiceAccount"), invoice.get("OrderAccount")):
            errors.append(
                FaultEntry(
                    f"Invoice {invoice_id} is not an open transaction of customer account {account} and cannot be "
                    "marked for settlement.",
                    code="InvalidMarkedInvoice",
                    field="MarkedInvoice",
                    xpath=xpath,
                )
            )
    return errors


VEND_TRANS = "VendTrans"
VENDOR_INVOICE_JOURNAL = "VendInv"


def create_vend_trans(
    company: AxCompany,
    key: str,
    *,
    voucher: str,
    account: str,
    invoice: str,
    date: str,
    text: str,
    currency: str,
    amount: Decimal,
    settled: Decimal = Decimal(0),
    **extra: str,
) -> AxRecord:
    """One posted vendor transaction (VendTrans): a vendor invoice (negative, a credit to the vendor) or a payment
    (positive), with what is settled on it."""
    return AxRecord.objects.create(
        company=company,
        entity=VEND_TRANS,
        key=key,
        data={
            "Voucher": voucher,
            "AccountNum": account,
            "Invoice": invoice,
            "TransDate": date,
            "Txt": text,
            "CurrencyCode": currency,
            "AmountCur": money(amount),
            "SettleAmountCur": money(settled),
            **extra,
        },
        modified_at=timezone.now(),
    )


def vendor_invoices(company: AxCompany, account: str) -> set[str]:
    """The vendor invoice numbers of ``account`` AX knows: posted (VendTrans), or still to be posted on a vendor
    invoice journal line or a pending vendor invoice (VendInvoiceInfoTable); a draft may be marked, but posting the
    payment waits for it, as for customers."""
    found = {
        str(data.get("Invoice"))
        for data in AxRecord.objects.filter(company=company, entity=VEND_TRANS, data__AccountNum=account).values_list(
            "data", flat=True
        )
        if data.get("Invoice")
    }
    journals = AxRecord.objects.filter(
        company=company, entity="LedgerJournalTable", data__JournalName=VENDOR_INVOICE_JOURNAL
    ).values_list("data", flat=True)
    for journal in journals:
        for line in journal.get("LedgerJournalTrans") or []:
            vendor = (line.get("LedgerDimension") or {}).get("Account")
            if line.get("AccountType") == "Vend" and vendor == account and line.get("Invoice"):
                found.add(str(line["Invoice"]))
    pending = AxRecord.objects.filter(company=company, entity="VendInvoiceInfoTable", data__OrderAccount=account)
    found |= {str(data.get("Num")) for data in pending.values_list("data", flat=True) if data.get("Num")}
    return found


def _marked_vendor_invoice_errors(company: AxCompany, marked: list[tuple[str, str, str]]) -> list[FaultEntry]:
    """A vendor line marks one of its own vendor's invoices (the wording mirrors the customer refusal: inferred)."""
    known: dict[str, set[str]] = {}
    errors = []
    for invoice_id, account, xpath in marked:
        if account not in known:
            known[account] = vendor_invoices(company, account)
        if invoice_id not in known[account]:
            errors.append(
                FaultEntry(
                    f"Invoice {invoice_id} is not an open transaction of vendor account {account} and cannot be "
                    "marked for settlement.",
                    code="InvalidMarkedInvoice",
                    field="MarkedInvoice",
                    xpath=xpath,
                )
            )
    return errors


def _balance_errors(lines: list[dict], xpath: str) -> list[FaultEntry]:
    vouchers: dict[str, tuple[Decimal, str]] = {}
    for line in lines:
        if line.get("OffsetLedgerDimension") and (line["OffsetLedgerDimension"].get("Account")):
            continue  # a line with an offset account balances itself
        voucher = str(line.get("Voucher") or "")
        balance, when = vouchers.get(voucher, (Decimal(0), str(line.get("TransDate") or "")))
        vouchers[voucher] = (balance + line_debit(line), when)
    errors = []
    for voucher, (balance, when) in vouchers.items():
        if balance != 0:
            name = voucher or "(new voucher)"
            diff = money(balance)
            errors.append(
                FaultEntry(
                    f"The transactions on voucher {name} do not balance as per {when}. "
                    f"(accounting currency: {diff} - reporting currency: {diff})",
                    code="VoucherNotBalanced",
                    field="AmountCurDebit",
                    xpath=f"{xpath}/LedgerJournalTrans",
                )
            )
    return errors


def _journal_defaults(record: dict) -> None:
    for i, line in enumerate(record.get("LedgerJournalTrans") or [], start=1):
        line.setdefault("LineNum", f"{i}.0000")
        line.setdefault("AccountType", "Ledger")
        for name in ("LedgerDimension", "OffsetLedgerDimension"):
            value = line.get(name)
            if isinstance(value, dict) and value.get("Account") and not value.get("DisplayValue"):
                value["DisplayValue"] = display_value(value)


def assign_vouchers(record: dict, journal_num: str) -> None:
    voucher = "VCH-" + journal_num.rsplit("-", 1)[-1]
    for line in record.get("LedgerJournalTrans") or []:
        if not line.get("Voucher"):
            line["Voucher"] = voucher


def settle_marked_invoices(company: AxCompany, record: dict) -> None:
    """A customer payment line with MarkedInvoice settles that free text invoice (partly or fully)."""
    amounts: dict[str, Decimal] = {}
    for line in record.get("LedgerJournalTrans") or []:
        if line.get("MarkedInvoice") and line.get("AccountType") != "Vend":  # vendor lines: posting.py
            paid = -line_debit(line)
            amounts[line["MarkedInvoice"]] = amounts.get(line["MarkedInvoice"], Decimal(0)) + paid
    if not amounts:
        return
    now = timezone.now()
    for invoice in AxRecord.objects.select_for_update().filter(
        company=company, entity="CustInvoiceTable", key__in=list(amounts)
    ):
        data = dict(invoice.data)
        settled = dec(data.get("SettledAmount")) + amounts[invoice.key]
        data["SettledAmount"] = money(settled)
        data["PaymentStatus"] = payment_status(dec(data.get("InvoiceAmount")), settled)
        invoice.data = data
        invoice.rec_version += 1
        invoice.modified_at = now
        invoice.save(update_fields=["data", "rec_version", "modified_at"])
