"""What every reader shares: the reference data a KashFlow document is translated with, and AX's shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from integrations.reconciliation.core import ZERO, money, rate

# EU member states by ISO 3166 alpha-2 (GB left on 31 January 2020).
EU_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT"}
    | {"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)
# The customer's sales tax group follows where the customer is, never the invoice's currency (issue 13, defect 7).
# The group names are the demo company's (DOM, EU) plus EXPORT for customers outside the UK and the EU: inferred,
# AX tax groups are the customer's own set-up; an installation with other names passes its own to ``Reference``.
TAX_GROUP_BY_REGION = {"domestic": "DOM", "eu": "EU", "export": "EXPORT"}


@dataclass
class Reference:
    """Everything needed to say what AX should hold for a KashFlow document; built once per reconciliation.

    ``chart``: KashFlow nominal code -> AX main account (the accountant's chart correspondence).
    ``vat_item_groups``: KashFlow VAT rate ("20") -> AX item sales tax group.
    ``vat_nominals``: the KashFlow nominal codes of VAT (sales and purchases); ``purchase_vat_nominal`` the one
    purchase VAT goes to. ``customer_countries`` / ``invoices`` / ``bank_accounts`` / ``unposted_payments`` are
    read from the two systems. ``expected``: (entity, key) -> the document the published mapping makes of the
    KashFlow record, the reference for financial dimensions (they come from the accountant's dimension rules).
    """

    chart: dict[str, str] = field(default_factory=dict)
    vat_item_groups: dict[str, str] = field(default_factory=dict)
    vat_nominals: frozenset[str] = frozenset({"2200", "2201"})
    purchase_vat_nominal: str = "2201"
    debtors_nominal: str = "1100"
    creditors_nominal: str = "2100"
    tax_groups: dict[str, str] = field(default_factory=lambda: dict(TAX_GROUP_BY_REGION))
    customer_countries: dict[str, str] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)  # KashFlow invoice number -> the invoice
    bank_accounts: dict[str, dict] = field(default_factory=dict)  # KashFlow bank account code -> the account
    payment_references: dict[tuple[str, str], str] = field(default_factory=dict)  # (reference, date) -> payment
    purchase_payment_references: frozenset[str] = frozenset()
    supplier_payments_flow: bool = False  # the pair posts supplier payments itself, not through bank lines
    # KashFlow invoice number -> the money of its KashFlow payments that AX holds as unposted payment journals
    # (linked, no posted customer transaction yet): not settled in AX until someone posts them.
    unposted_payments: dict[str, Decimal] = field(default_factory=dict)
    bank_account_currencies: dict[str, str] = field(default_factory=dict)  # KashFlow bank account Id -> currency
    bank_account_main: dict[str, str] = field(default_factory=dict)  # KashFlow bank account Id -> AX main account
    # The bank flow's statement path (AX bank statements, not journal lines): KashFlow bank account Id -> the Ids
    # of its lines whose statement is due (its month over, every line of it reconciled).
    purchase_vendor_invoices: bool = False  # the purchase flow posts pending vendor invoices, not journals
    bank_statement_mode: bool = False
    bank_statement_of: dict[str, frozenset[str]] = field(default_factory=dict)
    expected: dict[tuple[str, str], dict] = field(default_factory=dict)

    def account(self, nominal: object) -> str:
        """The AX main account of a KashFlow nominal code; unmapped codes show as ``KF:<code>`` so they differ."""
        code = _code(nominal)
        return self.chart.get(code, f"KF:{code}")

    @property
    def vat_accounts(self) -> frozenset[str]:
        return frozenset(self.account(code) for code in self.vat_nominals)

    def tax_item_group(self, vat_rate: object) -> str:
        return self.vat_item_groups.get(rate_text(vat_rate), f"VAT {rate_text(vat_rate)}%")

    def customer_tax_group(self, customer_code: str) -> str:
        country = self.customer_countries.get(customer_code.strip().upper(), "")
        if country in ("GB", "UK", ""):
            return self.tax_groups["domestic"]
        return self.tax_groups["eu" if country in EU_COUNTRIES else "export"]

    def bank_account_code(self, account_id: object) -> str:
        """KashFlow names a bank account by its nominal code (1200) or, on some bodies, its Id (1)."""
        code = _code(account_id)
        if code in self.bank_accounts:
            return code
        for bank_code, account in self.bank_accounts.items():
            if _code(account.get("Id")) == code:
                return bank_code
        return code


def _code(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def rate_text(value: object) -> str:
    try:
        number = Decimal(str(value if value not in (None, "") else 0)).normalize()
    except ArithmeticError:
        return str(value)
    return format(number, "f")


def code(value: object) -> str:
    return _code(value)


def currency_of(record: dict, default: str = "GBP") -> str:
    value = record.get("Currency")
    if isinstance(value, dict):
        value = value.get("Code")
    return str(value or default).strip().upper()


def currency_rate(record: dict):
    value = record.get("Currency")
    return value.get("ExchangeRate") if isinstance(value, dict) else record.get("ExchangeRate")


def ax_units_per_pound(exch_rate: object):
    """AX's ExchRate (pounds per 100 foreign units) in KashFlow's terms (foreign units per pound), so the two
    sides compare: the flows post ``100 / Currency.ExchangeRate``. Six places, as the flows round it."""
    from decimal import Decimal, InvalidOperation

    if exch_rate in (None, ""):
        return None
    try:
        value = Decimal(str(exch_rate))
    except (InvalidOperation, ValueError):
        return None
    return (Decimal(100) / value).quantize(Decimal("0.000001")) if value else None


def ax_account(dimension: object) -> str:
    return str((dimension or {}).get("Account") or "").strip() if isinstance(dimension, dict) else ""


def ax_dimensions(dimension: object) -> tuple[tuple[str, str], ...]:
    """A LedgerDimension / DefaultDimension's financial dimension values, sorted by name."""
    if not isinstance(dimension, dict):
        return ()
    values = dimension.get("Values") or []
    return tuple(
        sorted(
            (str(v.get("Name")), str(v.get("Value")))
            for v in values
            if isinstance(v, dict) and v.get("Name") and v.get("Value") not in (None, "")
        )
    )


def signed(line: dict) -> Decimal:
    """A journal line's amount, debit positive."""
    return money(line.get("AmountCurDebit")) - money(line.get("AmountCurCredit"))


def journal_header(record: dict, head: dict) -> dict:
    """The Document fields every AX journal reader takes from the journal and its first line. A journal created
    through AIF is a draft until someone posts it in AX: its Posted field says Yes only then."""
    return {
        "ax_key": str(record.get("JournalNum") or ""),
        "posted": str(record.get("Posted") or "No") == "Yes",
        "currency": str(head.get("CurrencyCode") or "").strip().upper(),
        "date": str(head.get("TransDate") or "")[:10],
    }


def vendor_journal_head(record: dict, lines: list[dict]) -> tuple[list[dict], dict, dict]:
    """One document of a vendor journal (vendor invoice or vendor payment): its vendor lines, the line that speaks
    for it (the first vendor line, else its first line) and the Document fields taken from that line and the
    journal (number, posted, currency, date, vendor, rate)."""
    vendor = [line for line in lines if (line.get("AccountType") or "") == "Vend"]
    head = (vendor or lines)[0]
    fields = {
        **journal_header(record, head),
        "party": ax_account(head.get("LedgerDimension")).upper(),
        "rate": rate(ax_units_per_pound(head.get("ExchRate"))),
    }
    return vendor, head, fields


def journal_lines_by_document(record: dict) -> dict[str, list[dict]]:
    """An AX journal's lines grouped by their DocumentNum (our external reference); a batch may hold several."""
    grouped: dict[str, list[dict]] = {}
    for line in record.get("LedgerJournalTrans") or []:
        if isinstance(line, dict):
            grouped.setdefault(str(line.get("DocumentNum") or "").strip(), []).append(line)
    return grouped


def first(values, default=ZERO):
    return next(iter(values), default)
