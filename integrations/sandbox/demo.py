"""The demo company in both simulated systems, drawn from a seed and written straight into the sandbox tables.

KashFlow holds the day-to-day books: ~50 customers, 20 suppliers, 30 products, nominal codes, sales invoices in
mixed states and currencies with their payments, purchases, journals and two bank accounts. AX holds the master
and reference data: the chart of accounts, financial dimensions, exchange rates, 40 of the customers (the other
ten exist only in KashFlow, as if created there), every vendor and item. Records take the shapes the simulators
serve (see ``integrations/sandbox/models.py``), so the demo needs neither simulator to load.

The same seed on the same day gives the same data (dates are relative to today so that some invoices are
overdue and others not yet due); only the timestamps of the load differ.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.sandbox import demo_data as data
from integrations.sandbox.ax import bankstmt, vendinvoice
from integrations.sandbox.demo_credentials import (
    AX_COMPANY,
    AX_SERVICE_PASSWORD,
    AX_SERVICE_USER,
    KASHFLOW_MEMORABLE_WORD,
    KASHFLOW_PASSWORD,
    KASHFLOW_USERNAME,
)
from integrations.sandbox.kashflow import shapes
from integrations.sandbox.models import AxCompany, AxMessage, AxRecord, FaultRule, KashFlowAccount, KashFlowRecord

AX_COMPANY_NAME = "LedgerBridge Demo Ltd"

FIRST_INVOICE_NUMBER = 1001
FIRST_PURCHASE_NUMBER = 5001
MAX_INVOICES = 100_000
SUNDRY_EVERY = 40  # every 40th invoice carries a line on the unmapped nominal code 4900

CENT = Decimal("0.01")
BANK_GBP, BANK_EUR = 1200, 1210  # the bank accounts' nominal codes (KashFlow's bank account Code)
# KashFlow keys bank accounts by a numeric Id apart from their Code; payments name the Id (InvoicesRESTExample
# shows AccountId 55166), so the demo uses Ids that cannot be mistaken for a code.
BANK_ACCOUNT_IDS = {BANK_GBP: 55166, BANK_EUR: 55167}
METHOD_IDS = {m["Name"]: m["Id"] for m in shapes.PAYMENT_METHODS}


# --- Public API -------------------------------------------------------------------------------------------------


def reset_sandbox() -> None:
    """Empties both simulated systems: records, processed AIF messages and fault rules.

    The KashFlow login and the AX company stay (with their sessions), so configured connections keep working.
    """
    with transaction.atomic():
        KashFlowRecord.objects.all().delete()
        AxRecord.objects.all().delete()
        AxMessage.objects.all().delete()
        FaultRule.objects.all().delete()


def ensure_demo_account() -> KashFlowAccount:
    rate_limit = getattr(settings, "SANDBOX_KASHFLOW_RATE_LIMIT", 600)
    account, _ = KashFlowAccount.objects.update_or_create(
        username=KASHFLOW_USERNAME,
        defaults={
            "password": KASHFLOW_PASSWORD,
            "memorable_word": KASHFLOW_MEMORABLE_WORD,
            "rate_limit_per_minute": rate_limit,
            # A reseed is a fresh demo: a login locked by earlier wrong memorable words is unlocked.
            "failed_logins": 0,
            "locked": False,
        },
    )
    return account


def ensure_demo_company() -> AxCompany:
    company, _ = AxCompany.objects.update_or_create(
        data_area_id=AX_COMPANY,
        defaults={
            "name": AX_COMPANY_NAME,
            "service_user": AX_SERVICE_USER,
            "service_password": AX_SERVICE_PASSWORD,
        },
    )
    return company


def is_seeded() -> bool:
    return KashFlowRecord.objects.filter(account__username=KASHFLOW_USERNAME).exists()


def seed_sandbox(*, seed: int = 42, invoices: int = 200, reset: bool = True) -> dict[str, int]:
    """Writes the demo company; answers how many records of each kind it wrote ("kashflow.invoices": 200, ...).

    ``invoices`` scales the transactions (purchases, journals and bank transactions follow). Without ``reset``
    existing records are kept and only missing keys are added.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be an integer")
    if isinstance(invoices, bool) or not isinstance(invoices, int) or not 0 <= invoices <= MAX_INVOICES:
        raise ValueError(f"invoices must be an integer from 0 to {MAX_INVOICES}")
    builder = DemoBuilder(seed=seed, today=timezone.localdate())
    builder.build(invoices)
    with transaction.atomic():
        if reset:
            reset_sandbox()
        account, company = ensure_demo_account(), ensure_demo_company()
        now = timezone.now()
        KashFlowRecord.objects.bulk_create(
            [
                KashFlowRecord(account=account, entity=e, key=k, parent_key=p, data=d, modified_at=now)
                for e, k, p, d in builder.kashflow
            ],
            batch_size=500,
            ignore_conflicts=not reset,
        )
        AxRecord.objects.bulk_create(
            [AxRecord(company=company, entity=e, key=k, data=d, modified_at=now) for e, k, d in builder.ax],
            batch_size=500,
            ignore_conflicts=not reset,
        )
    return builder.counts()


# --- Building the records ---------------------------------------------------------------------------------------


def _money(value: Decimal | str | float) -> float:
    return float(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def _ax_decimal(value: Decimal | str | float, places: str = "0.01") -> str:
    return str(Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


@dataclass
class Party:
    code: str
    name: str
    market: str  # UK | EU | US
    group: str
    currency: str
    terms: str
    record_id: int
    in_ax: bool = True
    default_nominal: int = 0
    address: dict = field(default_factory=dict)
    kf_record: dict = field(default_factory=dict)


@dataclass
class DemoBuilder:
    seed: int
    today: date
    kashflow: list[tuple[str, str, str, dict]] = field(default_factory=list)  # (entity, key, parent_key, data)
    ax: list[tuple[str, str, dict]] = field(default_factory=list)  # (entity, key, data)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.stamp = shapes.kf_stamp()
        self.account_key = "demo"
        self.rates: dict[tuple[str, date], Decimal] = {}  # (currency, month start) -> GBP per unit
        self.customers: list[Party] = []
        self.suppliers: list[Party] = []
        self.payment_id = 0
        self.purchase_payment_id = 0
        self.bank_txn_id = 0
        self.bank_balance: dict[int, Decimal] = {BANK_GBP: Decimal("25000.00"), BANK_EUR: Decimal("8000.00")}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for entity, *_ in self.kashflow:
            out[f"kashflow.{entity}"] = out.get(f"kashflow.{entity}", 0) + 1
        for entity, *_ in self.ax:
            out[f"dynamics_ax.{entity}"] = out.get(f"dynamics_ax.{entity}", 0) + 1
        return out

    def build(self, invoices: int) -> None:
        self._reference_data()
        self._customers()
        self._suppliers()
        self._products()
        self._sales_invoices(invoices)
        self._purchases(max(40, invoices // 5) if invoices else 0)
        self._journals(max(20, invoices // 10) if invoices else 0)
        self._bank_noise(max(15, invoices // 13) if invoices else 0)
        self._bank_accounts()
        self._quotes(max(3, invoices // 50) if invoices else 0)

    # --- reference data ---------------------------------------------------------------------------------------

    def _reference_data(self) -> None:
        for code, name, kind in data.NOMINALS:
            self.kashflow.append(("nominals", str(code), "", {"Id": code, "Code": code, "Name": name, "Type": kind}))
        for account_id, name, kind in data.MAIN_ACCOUNTS:
            self.ax.append(("MainAccount", account_id, {"MainAccountId": account_id, "Name": name, "Type": kind}))
        self.ax.extend(bankstmt.demo_records())  # AX bank accounts with advanced bank reconciliation
        self.ax.extend(vendinvoice.demo_records())  # procurement categories of vendor invoice lines
        for dimension, value, description in data.DIMENSION_VALUES:
            self.ax.append(
                (
                    "DimensionValue",
                    f"{dimension}/{value}",
                    {"DimensionName": dimension, "Value": value, "Description": description},
                )
            )
        pairs: dict[tuple[str, str], list[dict]] = {}
        for month in self._rate_months():
            for currency, base in data.BASE_RATES_TO_GBP.items():
                rate = (Decimal(str(base)) * Decimal(str(1 + self.rng.uniform(-0.03, 0.03)))).quantize(
                    Decimal("0.000001")
                )
                self.rates[(currency, month)] = rate
                inverse = (1 / rate).quantize(Decimal("0.000001"))
                for src, dst, value in ((currency, "GBP", rate), ("GBP", currency, inverse)):
                    # AX keeps a rate per 100 units of the from currency (documents.EXCHANGE_RATE)
                    pairs.setdefault((src, dst), []).append(
                        {"ValidFrom": month.isoformat(), "ExchangeRate": str((value * 100).quantize(Decimal("0.0001")))}
                    )
        for (src, dst), rows in pairs.items():
            key = f"{src}/{dst}/{data.EXCHANGE_RATE_TYPE}"
            pair = {
                "FromCurrencyCode": src,
                "ToCurrencyCode": dst,
                "ExchangeRateType": data.EXCHANGE_RATE_TYPE,
                "ExchangeRateDisplayFactor": "One",
                "ExchangeRate": rows,
            }
            self.ax.append(("CurrencyPair", key, pair))

    def _rate_months(self) -> list[date]:
        """The first of each of the last twelve months, and of January this year: rates for every demo date."""
        months = {date(self.today.year, 1, 1)}
        year, month = self.today.year, self.today.month
        for _ in range(12):
            months.add(date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return sorted(months)

    def gbp_per_unit(self, currency: str, on: date) -> Decimal:
        if currency == "GBP":
            return Decimal(1)
        valid = [m for (c, m) in self.rates if c == currency and m <= on]
        return self.rates[(currency, max(valid) if valid else min(m for (c, m) in self.rates if c == currency))]

    def units_per_gbp(self, currency: str, on: date) -> Decimal:
        """KashFlow's ExchangeRate: units of the document currency per pound."""
        return (1 / self.gbp_per_unit(currency, on)).quantize(Decimal("0.0001"))

    # --- parties ----------------------------------------------------------------------------------------------

    def _address(self, market: str) -> dict:
        rng = self.rng
        if market == "UK":
            place = rng.choice(data.UK_PLACES)
            return {
                "number": str(rng.randint(1, 240)),
                "street": rng.choice(data.UK_STREETS),
                "building": rng.choice(data.UK_BUILDINGS) if rng.random() < 0.3 else "",
                "district": rng.choice(data.UK_DISTRICTS) if rng.random() < 0.2 else "",
                "place": place,
                "postcode": rng.choice(place.postcodes),
                "with_county": bool(place.county) and rng.random() < 0.6,
            }
        places, streets = (data.EU_PLACES, data.EU_STREETS) if market == "EU" else (data.US_PLACES, data.US_STREETS)
        place = rng.choice(places)
        return {
            "number": str(rng.randint(1, 400)),
            "street": rng.choice(streets),
            "building": "",
            "district": "",
            "place": place,
            "postcode": rng.choice(place.postcodes),
            "with_county": False,
        }

    @staticmethod
    def _street_line(address: dict) -> str:
        place = address["place"]
        if place.country_code in ("DE", "NL", "ES", "IT"):
            return f"{address['street']} {address['number']}"
        if place.country_code == "FR":
            return f"{address['number']} {address['street']}"
        return f"{address['number']} {address['street']}"

    def _kashflow_address(self, name: str, address: dict) -> dict:
        """Free-form lines as people type them: the town may be in Line2, Line3 or Line4, a county or not."""
        place = address["place"]
        lines = [address["building"], self._street_line(address), address["district"], place.town]
        if address["with_county"]:
            lines.append(place.county)
        if place.state:
            lines[-1] = f"{place.town}, {place.state}"
        lines = [line for line in lines if line]
        while len(lines) < 4:
            lines.append("")
        return {
            "Name": name,
            "Line1": lines[0],
            "Line2": lines[1],
            "Line3": lines[2],
            "Line4": lines[3],
            "PostCode": address["postcode"],
            "CountryName": place.country,
            "CountryCode": place.country_code,
        }

    def _ax_address(self, address: dict, roles: str) -> dict:
        place = address["place"]
        street = "\n".join(line for line in (address["building"], self._street_line(address)) if line)
        return {
            "LocationName": "Invoice address" if "Invoice" in roles else "Business address",
            "Street": street,
            "City": place.town,
            "County": place.county_code if address["with_county"] else "",
            "State": place.state,
            "ZipCode": address["postcode"],
            "CountryRegionId": data.ISO3[place.country_code],
            "Roles": roles,
            "IsPrimary": "Yes",
        }

    def _contact(self, party: Party) -> dict:
        rng = self.rng
        slug = re.sub(r"[^a-z0-9]", "", party.name.lower().replace("&", "and"))[:18]
        tld = {"UK": "co.uk", "EU": party.address["place"].country_code.lower(), "US": "com"}
        domain = f"{slug}.{tld[party.market]}"
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        phone = (
            f"01632 960{rng.randint(0, 999):03d}"
            if party.market == "UK"
            else f"+{rng.randint(1, 49)} 555 0{rng.randint(100, 199)}"
        )
        return {
            "email": f"accounts@{domain}",
            "website": f"https://www.{domain}",
            "phone": phone,
            "mobile": f"07700 900{rng.randint(0, 999):03d}" if party.market == "UK" else "",
            "first": first,
            "last": last,
            "person_email": f"{first.lower()}.{last.lower()}@{domain}",
        }

    def _vat_number(self, party: Party) -> str:
        country = party.address["place"].country_code
        if country == "US":
            return ""
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(9))
        return f"{country}{digits}"

    def _party_records(self, party: Party, entity: str) -> tuple[dict, dict]:
        contact = self._contact(party)
        vat = self._vat_number(party)
        kf_address = self._kashflow_address(party.name, party.address)
        rate = float(self.units_per_gbp(party.currency, self.today))
        # Field names and types as in KashFlow's CustomersRESTExample / SuppliersRESTExample.
        kf = {
            "Id": party.record_id,
            "Code": party.code,
            "Name": party.name,
            "Currency": shapes.currency(party.currency, rate, customer=entity == "customers"),
            "PaymentTerms": {"Days": data.PAYMENT_TERMS[party.terms], "Type": "AfterIssuedDate"},
            "Note": "",
            "IsArchived": False,
            "Contacts": [
                {
                    "Title": "",
                    "Firstname": contact["first"],
                    "LastName": contact["last"],
                    "Name": f"{contact['first']} {contact['last']}",
                    "Email": contact["person_email"] if entity == "customers" else contact["email"],
                    "Telephone": contact["phone"],
                    "Mobile": contact["mobile"],
                    "Fax": "",
                    "Website": "",
                }
            ],
            "OutstandingBalance": 0.0,
            "TotalPaidAmount": 0.0,
            "CreatedDate": self.stamp,
            "LastUpdatedDate": self.stamp,
        }
        address = {k: v for k, v in kf_address.items() if k != "Name"}
        if entity == "customers":
            kf.update(
                Email=contact["email"],
                Website=contact["website"],
                DisplayName=party.name,
                TelephoneNumber=contact["phone"],
                MobileNumber=contact["mobile"],
                FaxNumber="",
                VATNumber=vat,
                DiscountRate=0.0,
                Source=self.rng.choice((0, 43400, 43401)),
                Addresses=[address],
                DeliveryAddresses=[address] if self.rng.random() < 0.3 else [],
                CustomTextBoxes=[{"Name": "CustomerGroup", "Value": party.group}],
                CustomCheckBoxes=[{"Name": "Key account", "Value": "1" if self.rng.random() < 0.2 else "0"}],
                DefaultNominalCode=0,
            )
        else:
            kf.update(
                Address={k: address[k] for k in ("Line1", "Line2", "Line3", "Line4", "PostCode")},
                VatNumber=vat,
                DefaultNominalCode=party.default_nominal,
                BankAccount={"Name": "", "Number": "", "SortCode": ""},
            )
        contacts = [
            {"LocationName": "Accounts", "Type": "Email", "Locator": contact["email"], "IsPrimary": "Yes"},
            {"LocationName": "Office", "Type": "Phone", "Locator": contact["phone"], "IsPrimary": "Yes"},
            {"LocationName": "Website", "Type": "URL", "Locator": contact["website"], "IsPrimary": "No"},
        ]
        ax = {
            "AccountNum": party.code,
            ("CustGroup" if entity == "customers" else "VendGroup"): party.group,
            "Currency": party.currency,
            "PaymTermId": party.terms,
            "VATNum": vat,
            "CreditMax": _ax_decimal(self.rng.choice((2500, 5000, 10000, 25000))),
            "DirParty": [
                {
                    "Name": party.name,
                    "NameAlias": re.sub(r"[^A-Za-z0-9 ]", "", party.name)[:20].strip(),
                    "LanguageId": "en-gb" if party.market != "EU" else "en-us",
                    # the global address book's party id lives on DirParty (example-read-action.md)
                    "PartyNumber": f"{party.record_id + (0 if entity == 'customers' else 500):09d}",
                    "DirPartyPostalAddressView": [self._ax_address(party.address, "Invoice;Business")],
                    "DirPartyContactInfoView": contacts,
                }
            ],
        }
        return kf, ax

    def _customers(self) -> None:
        for i, (code, name, market) in enumerate(data.CUSTOMERS):
            group = {"EU": "EU", "US": "EXPORT"}.get(market, "WHOLESALE" if i % 3 == 0 else "RETAIL")
            party = Party(
                code=code,
                name=name,
                market=market,
                group=group,
                currency={"EU": "EUR", "US": "USD"}.get(market, "GBP"),
                terms="Net60" if group == "WHOLESALE" else ("Net14" if i % 7 == 3 else "Net30"),
                record_id=i + 1,
                in_ax=i < data.AX_CUSTOMER_COUNT,
                address=self._address(market),
            )
            kf, ax = self._party_records(party, "customers")
            party.kf_record = kf
            self.customers.append(party)
            self.kashflow.append(("customers", code, "", kf))
            if party.in_ax:
                self.ax.append(("CustTable", code, ax))

    def _suppliers(self) -> None:
        for i, (code, name, market, nominal) in enumerate(data.SUPPLIERS):
            party = Party(
                code=code,
                name=name,
                market=market,
                group={"EU": "EU", "US": "OVERSEAS"}.get(market, "DOMESTIC"),
                currency={"EU": "EUR", "US": "USD"}.get(market, "GBP"),
                terms="Net30",
                record_id=i + 1,
                default_nominal=nominal,
                address=self._address(market),
            )
            kf, ax = self._party_records(party, "suppliers")
            self.suppliers.append(party)
            self.kashflow.append(("suppliers", code, "", kf))
            self.ax.append(("VendTable", code, ax))

    def _products(self) -> None:
        for i, p in enumerate(data.PRODUCTS, start=1):
            self.kashflow.append(
                (
                    "products",
                    f"{p.nominal}/{p.code}",
                    "",
                    {  # hcs-schemas lib/product.js
                        "Id": i,
                        "Code": p.code,
                        "Name": p.name,
                        "Description": p.name,
                        "Price": float(p.price),
                        "WholesalePrice": 0.0,
                        "NominalCode": p.nominal,
                        "NominalId": p.nominal,
                        "VATRate": p.vat_rate,
                        "ManagesStock": False,
                        "QuantityInStock": 0.0,
                        "IsArchived": False,
                    },
                )
            )
            self.ax.append(
                (
                    "InventTable",
                    p.code,
                    {
                        "ItemId": p.code,
                        "NameAlias": p.code[:20],
                        "Name": p.name,
                        "ItemGroupId": p.item_group,
                        "ItemType": p.item_type,
                        "SalesPrice": p.price,
                        "UnitId": p.unit,
                        "Description": p.name,
                    },
                )
            )

    # --- documents --------------------------------------------------------------------------------------------

    def _document_dates(self, status: str, terms_days: int) -> tuple[date, date]:
        rng = self.rng
        if status == "Unpaid":
            ago = rng.randint(0, max(terms_days - 1, 0))
        elif status == "Overdue":
            ago = rng.randint(terms_days + 1, terms_days + 150)
        else:
            ago = rng.randint(5, 200)
        issued = self.today - timedelta(days=ago)
        return issued, issued + timedelta(days=terms_days)

    def _payment_date(self, issued: date) -> date:
        latest = (self.today - issued).days
        if latest <= 0:
            return self.today
        return issued + timedelta(days=self.rng.randint(1, min(latest, 60)))

    def _sales_lines(self, customer: Party, doc_id: int, rate: Decimal, number_index: int) -> list[dict]:
        rng = self.rng
        count = rng.choices(range(1, 11), weights=(20, 18, 15, 12, 10, 8, 6, 5, 3, 3))[0]
        lines = []
        for sort in range(1, count + 1):
            product = rng.choice(data.PRODUCTS)
            nominal = product.nominal
            if customer.market != "UK" and nominal == 4000:
                nominal = 4020 if customer.market == "EU" else 4030
            quantity = rng.randint(1, 16) if product.item_type == "Service" else rng.randint(1, 25)
            lines.append(
                shapes.line_item(
                    "invoices",
                    sort,
                    description=product.name,
                    quantity=quantity,
                    rate=_money(Decimal(product.price) * rate),
                    vat_level=product.vat_rate if customer.market == "UK" else 0.0,
                    nominal_code=nominal,
                    product_code=product.code,
                    product_name=product.name,
                )
            )
        if number_index % SUNDRY_EVERY == 7:
            lines.append(
                shapes.line_item(
                    "invoices",
                    count + 1,
                    description="Sundry recharge - returnable pallets",
                    quantity=1,
                    rate=_money(Decimal("25.00") * rate),
                    vat_level=20.0 if customer.market == "UK" else 0.0,
                    nominal_code=4900,
                )
            )
        return lines

    def _payments_for(self, status: str, gross: Decimal, issued: date) -> list[tuple[date, Decimal]]:
        rng = self.rng
        if status == "Paid":
            if gross > 100 and rng.random() < 0.15:
                first = (gross * Decimal(str(rng.uniform(0.3, 0.6)))).quantize(CENT)
                d1 = self._payment_date(issued)
                d2 = min(d1 + timedelta(days=rng.randint(1, 20)), self.today)
                return [(d1, first), (d2, gross - first)]
            return [(self._payment_date(issued), gross)]
        if status == "PartiallyPaid":
            part = (gross * Decimal(str(rng.uniform(0.3, 0.7)))).quantize(CENT)
            return [(self._payment_date(issued), part)] if 0 < part < gross else []
        if status == "Overpaid":  # a customer paying twice, or rounding up: KashFlow accepts it
            d1 = self._payment_date(issued)
            return [(d1, gross), (min(d1 + timedelta(days=rng.randint(1, 9)), self.today), Decimal("10.00"))]
        return []

    def _document(
        self, kind: str, doc_id: int, number: int, party: Party, issued: date, due: date, rate: Decimal
    ) -> dict:
        prefix = "Customer" if kind == "invoices" else "Supplier"
        return {
            "Id": doc_id,
            "Number": number,
            f"{prefix}Id": party.record_id,
            f"{prefix}Code": party.code,
            f"{prefix}Name": party.name,
            f"{prefix}Reference": "",
            "IssuedDate": shapes.kf_date(issued),
            "DueDate": shapes.kf_date(due),
            "Currency": shapes.currency(party.currency, rate),
            "LineItems": [],
            "PaymentLines": [],
            "Permalink": shapes.permalink(kind[:-1], self.account_key, number),
        }

    def _sales_invoices(self, count: int) -> None:
        rng = self.rng
        statuses = ("Paid", "Unpaid", "Overdue", "PartiallyPaid", "Overpaid")
        weights = (47, 22, 18, 11, 2)
        balances: dict[str, Decimal] = {}
        for i in range(count):
            number, doc_id = FIRST_INVOICE_NUMBER + i, i + 1
            customer = (
                self.customers[i % len(self.customers)] if i < len(self.customers) else rng.choice(self.customers)
            )
            wanted = rng.choices(statuses, weights=weights)[0]
            terms_days = data.PAYMENT_TERMS[customer.terms]
            issued, due = self._document_dates(wanted, terms_days)
            rate = self.units_per_gbp(customer.currency, issued)
            doc = self._document("invoices", doc_id, number, customer, issued, due, rate)
            doc["CustomerReference"] = f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.5 else ""
            doc["LineItems"] = self._sales_lines(customer, doc_id, rate, i)
            gross = Decimal(str(shapes.compute_totals("invoices", doc, today=self.today)["GrossAmount"]))
            for paid_on, amount in self._payments_for(wanted, gross, issued):
                doc["PaymentLines"].append(self._invoice_payment(number, customer, paid_on, amount))
            shapes.compute_totals("invoices", doc, today=self.today)
            self.kashflow.append(("invoices", str(number), "", doc))
            balances[customer.code] = (
                balances.get(customer.code, Decimal(0)) + gross - Decimal(str(doc["TotalPaidAmount"]))
            )
        for customer in self.customers:
            customer.kf_record["OutstandingBalance"] = _money(balances.get(customer.code, Decimal(0)))

    def _invoice_payment(self, number: int, customer: Party, paid_on: date, amount: Decimal) -> dict:
        self.payment_id += 1
        bank = BANK_EUR if customer.currency == "EUR" else BANK_GBP
        reference = f"INV{number}" if self.rng.random() < 0.8 else customer.code
        method = self.rng.choice(("BACS", "BACS", "Card", "Cheque", "Direct Debit"))
        payment = shapes.payment_line(
            "invoices",
            self.payment_id,
            paid_on=paid_on,
            amount=amount,
            method=METHOD_IDS[method],
            note=reference,
            account_id=BANK_ACCOUNT_IDS[bank],
            account_key=self.account_key,
        )
        self.kashflow.append(("payments", str(payment["Id"]), str(number), payment))
        received = amount if customer.currency != "USD" else amount * self.gbp_per_unit("USD", paid_on)
        self._bank_transaction(
            bank,
            paid_on,
            received,
            f"{reference} {customer.name} - invoice {number}",
            2,
            customer_code=customer.code,
            entity_name="invoice",
            resource_number=number,
        )
        return payment

    def _purchases(self, count: int) -> None:
        rng = self.rng
        statuses = ("Paid", "Unpaid", "Overdue", "PartiallyPaid")
        names = {c: n for c, n, _ in data.NOMINALS}
        for i in range(count):
            number, doc_id = FIRST_PURCHASE_NUMBER + i, i + 1
            supplier = (
                self.suppliers[i % len(self.suppliers)] if i < len(self.suppliers) else rng.choice(self.suppliers)
            )
            wanted = rng.choices(statuses, weights=(50, 25, 15, 10))[0]
            issued, due = self._document_dates(wanted, 30)
            rate = self.units_per_gbp(supplier.currency, issued)
            doc = self._document("purchases", doc_id, number, supplier, issued, due, rate)
            doc["SupplierReference"] = f"SI-{rng.randint(1000, 99999)}"
            for sort in range(1, rng.randint(1, 4) + 1):
                nominal = supplier.default_nominal if sort == 1 or rng.random() < 0.7 else rng.choice((5200, 7500))
                doc["LineItems"].append(
                    shapes.line_item(
                        "purchases",
                        sort,
                        description=f"{names[nominal]} - {issued:%B %Y}",
                        quantity=rng.randint(1, 10),
                        rate=_money(Decimal(str(rng.uniform(12, 900))) * rate),
                        vat_level=(5.0 if nominal == 7200 else 20.0) if supplier.market == "UK" else 0.0,
                        nominal_code=nominal,
                    )
                )
            gross = Decimal(str(shapes.compute_totals("purchases", doc, today=self.today)["GrossAmount"]))
            for paid_on, amount in self._payments_for(wanted, gross, issued):
                doc["PaymentLines"].append(self._purchase_payment(number, supplier, paid_on, amount))
            shapes.compute_totals("purchases", doc, today=self.today)
            self.kashflow.append(("purchases", str(number), "", doc))

    def _purchase_payment(self, number: int, supplier: Party, paid_on: date, amount: Decimal) -> dict:
        self.purchase_payment_id += 1
        bank = BANK_EUR if supplier.currency == "EUR" else BANK_GBP
        payment = shapes.payment_line(
            "purchases",
            self.purchase_payment_id,
            paid_on=paid_on,
            amount=amount,
            method=METHOD_IDS["BACS"],
            note=f"PUR{number}",
            account_id=BANK_ACCOUNT_IDS[bank],
            account_key=self.account_key,
        )
        self.kashflow.append(("purchasepayments", str(payment["Id"]), str(number), payment))
        paid_out = amount if supplier.currency != "USD" else amount * self.gbp_per_unit("USD", paid_on)
        self._bank_transaction(
            bank,
            paid_on,
            -paid_out,
            f"PUR{number} {supplier.name} - purchase {number}",
            3,
            supplier_code=supplier.code,
            entity_name="purchase",
            resource_number=number,
        )
        return payment

    # --- journals ---------------------------------------------------------------------------------------------

    JOURNAL_KINDS = (
        ("Monthly payroll", ((7000, "D", 1.0), (7006, "D", 0.138), (2210, "C", 0.35), (1200, "C", 0.788))),
        ("Electricity accrual", ((7200, "D", 1.0), (2201, "D", 0.05), (2100, "C", 1.05))),
        ("VAT return payment to HMRC", ((2200, "D", 1.0), (2201, "C", 0.4), (1200, "C", 0.6))),
        ("Transfer to euro account", ((1210, "D", 1.0), (1200, "C", 1.0))),
        ("Petty cash top-up", ((1230, "D", 1.0), (1200, "C", 1.0))),
        ("Rent prepayment release", ((7100, "D", 1.0), (1100, "C", 1.0))),
        ("Software subscriptions reclass", ((7700, "D", 1.0), (7500, "C", 1.0))),
        ("Bank loan repayment", ((2300, "D", 0.85), (7900, "D", 0.15), (1200, "C", 1.0))),
    )

    def _journals(self, count: int) -> None:
        rng = self.rng
        for number in range(1, count + 1):
            narrative, legs = self.JOURNAL_KINDS[(number - 1) % len(self.JOURNAL_KINDS)]
            if number == 4:
                narrative, legs = "Charity golf day sponsorship", ((8200, "D", 1.0), (1200, "C", 1.0))
            on = self.today - timedelta(days=rng.randint(1, 180))
            base = Decimal(str(rng.uniform(150, 6000))).quantize(CENT)
            lines = [
                self._journal_line(code, side, base * Decimal(str(share)), narrative) for code, side, share in legs
            ]
            self._balance(lines)
            self.kashflow.append(
                (
                    "journals",
                    str(number),
                    "",
                    {  # hcs-schemas lib/journal.js: Id, Number, Date, Description, Lines
                        "Id": number,
                        "Number": number,
                        "Date": shapes.kf_date(on),
                        "Description": narrative,
                        "Lines": lines,
                    },
                )
            )

    @staticmethod
    def _journal_line(code: int, side: str, amount: Decimal, narrative: str) -> dict:
        amount = amount.quantize(CENT, ROUND_HALF_UP)
        return shapes.journal_line(code, amount if side == "D" else 0, amount if side == "C" else 0, narrative)

    @staticmethod
    def _balance(lines: list[dict]) -> None:
        """Puts any rounding difference on the last credit line, so debits equal credits to the penny."""
        debit = sum(Decimal(str(line["Debit"])) for line in lines)
        credit = sum(Decimal(str(line["Credit"])) for line in lines)
        last_credit = next(line for line in reversed(lines) if line["Credit"])
        last_credit["Credit"] = float(Decimal(str(last_credit["Credit"])) + debit - credit)

    # --- bank -------------------------------------------------------------------------------------------------

    def _bank_transaction(
        self,
        bank: int,
        on: date,
        amount: Decimal,
        comment: str,
        transaction_type: int,
        *,
        customer_code: str = "",
        supplier_code: str = "",
        entity_name: str = "banktransaction",
        resource_number: int = 0,
    ) -> None:
        self.bank_txn_id += 1
        amount = Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)
        self.bank_balance[bank] += amount
        account_id = BANK_ACCOUNT_IDS[bank]
        txn = shapes.bank_transaction(
            self.bank_txn_id,
            account_id,
            on=on,
            amount=amount,
            comment=comment,
            transaction_type=transaction_type,
            reconciled=(self.today - on).days > 14,
            customer_code=customer_code,
            supplier_code=supplier_code,
            entity_name=entity_name,
            resource_number=resource_number,
        )
        self.kashflow.append(("banktransactions", f"{account_id}-{txn['Id']}", str(account_id), txn))

    def _transfer(self, on: date, amount: Decimal) -> None:
        """A transfer between the two accounts: KashFlow shows it in both feeds under ONE Id (hcs-sync
        tests/bankReconciliation.test.js, CHANGELOG 0.11.x), so (AccountId, Id) is the only unique key."""
        self.bank_txn_id += 1
        reconciled = (self.today - on).days > 14
        for bank, signed in ((BANK_GBP, -amount), (BANK_EUR, amount)):
            self.bank_balance[bank] += signed
            account_id = BANK_ACCOUNT_IDS[bank]
            txn = shapes.bank_transaction(
                self.bank_txn_id,
                account_id,
                on=on,
                amount=signed,
                comment="Transfer between accounts",
                transaction_type=4,
                reconciled=reconciled,
            )
            self.kashflow.append(("banktransactions", f"{account_id}-{txn['Id']}", str(account_id), txn))

    NOISE = (  # (comment, TransactionType, low, high): see shapes.TRANSACTION_TYPES
        ("Monthly account fee", 6, -8.50, -25.0),
        ("Card payment - Amazon Business", 1, -15.0, -240.0),
        ("HMRC VAT", 5, -800.0, -4500.0),
        ("Salaries", 1, -2000.0, -9000.0),
        ("Interest received", 0, 0.5, 12.0),
        ("Unidentified receipt", 0, 20.0, 900.0),
        ("Transfer from savings", 0, 500.0, 3000.0),
    )

    def _bank_noise(self, count: int) -> None:
        """Bank lines that match no invoice or purchase payment: fees, wages, taxes, stray receipts."""
        rng = self.rng
        for i in range(count):
            description, kind, low, high = self.NOISE[i % len(self.NOISE)]
            on = self.today - timedelta(days=rng.randint(0, 180))
            amount = Decimal(str(rng.uniform(low, high))).quantize(CENT)
            bank = BANK_EUR if i % 9 == 8 else BANK_GBP
            self._bank_transaction(bank, on, amount, f"REF{rng.randint(100000, 999999)} {description}", kind)
        for _ in range(max(1, count // 20)):
            self._transfer(self.today - timedelta(days=rng.randint(0, 120)), Decimal(rng.randint(5, 40) * 100))

    def _bank_accounts(self) -> None:
        for code, name in ((BANK_GBP, "Business Current Account"), (BANK_EUR, "Euro Account")):
            account = shapes.bank_account(
                BANK_ACCOUNT_IDS[code], code, name, balance=self.bank_balance[code], default=code == BANK_GBP
            )
            self.kashflow.append(("bankaccounts", str(account["Id"]), "", account))
        if len(self.customers) >= 2:
            for number, (name, customer) in enumerate(
                (("Warehouse fit-out", self.customers[0]), ("Annual service contract", self.customers[1])), start=1
            ):
                self.kashflow.append(("projects", str(number), "", self._project(number, name, customer)))

    def _quotes(self, count: int) -> None:
        rng = self.rng
        for i in range(count):
            customer = self.customers[i % len(self.customers)]
            on = self.today - timedelta(days=rng.randint(0, 30))
            rate = self.units_per_gbp(customer.currency, on)
            product = rng.choice(data.PRODUCTS)
            line = shapes.line_item(
                "purchases",  # quote lines carry VATExempt true/false and HomeCurrency amounts, like purchases
                1,
                description=product.name,
                quantity=rng.randint(1, 20),
                rate=_money(Decimal(product.price) * rate),
                vat_level=product.vat_rate if customer.market == "UK" else 0.0,
                nominal_code=product.nominal,
                product_code=product.code,
                product_name=product.name,
            )
            line["TaxCode"] = ""
            del line["ProjectNumber"]  # QuotesRESTExample lines have none
            doc = shapes.quote(
                i + 1,
                i + 1,
                customer=customer.kf_record,
                on=on,
                rate=rate,
                lines=[line],
                account_key=self.account_key,
                reference=f"RFQ-{rng.randint(100, 999)}",
            )
            self.kashflow.append(("quotes", str(doc["Number"]), "", doc))

    def _project(self, number: int, name: str, customer: Party) -> dict:
        """ProjectsRESTExample's fields; amounts left at zero (the simulator does not total projects)."""
        start = self.today - timedelta(days=90)
        return {
            "Number": number,
            "Name": name,
            "Reference": f"PRJ-{number:03d}",
            "Description": name,
            "CustomerCode": customer.code,
            "CustomerName": customer.name,
            "StartDate": shapes.kf_date(start),
            "EndDate": shapes.kf_date(start + timedelta(days=365)),
            "Status": 1,
            "StatusName": "Active",
            "Note": "",
            "ExcludeVAT": 0,
            "AssociatedQuotesCount": 0,
            "TargetSalesAmount": 0.0,
            "TargetPurchasesAmount": 0.0,
            "ActualSalesAmount": 0.0,
            "ActualPurchasesAmount": 0.0,
            "ActualJournalsAmount": 0.0,
            "ActualSalesVATAmount": 0.0,
            "ActualPurchasesVATAmount": 0.0,
            "WorkInProgressAmount": 0.0,
        }
