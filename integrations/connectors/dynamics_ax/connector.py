"""DynamicsAXConnector: our entities on top of AX 2012 AIF document services (see README.md for the names).

Records in and out are the root-table dicts of ``AxRecord.data`` (CustTable, CustInvoiceTable,
LedgerJournalTable ...). Keys are the entity keys joined with "/" (``AccountNum``, ``InvoiceId``,
``DimensionName/Value``, ``FromCurrencyCode/ToCurrencyCode/ExchangeRateType``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from integrations.connectors.base import ConfigField, ConnectionConfig, Connector, RateLimiter
from integrations.connectors.catalog import EntityCatalog
from integrations.connectors.dynamics_ax.catalog import CATALOGS
from integrations.connectors.dynamics_ax.client import (
    AUTH_BASIC,
    AUTH_NTLM,
    SETUP_PAGE_STATUS,
    AxClient,
    Criterion,
    DiscoveredService,
    InfologEntry,
    KeyPage,
)
from integrations.connectors.dynamics_ax.documents import SERVICES
from integrations.connectors.errors import (
    AmbiguousError,
    ConnectionTestResult,
    ConnectorError,
    NotFoundError,
    TransientError,
    ValidationError,
)

PAGE_SIZE = 200
READ_BATCH = 50
# Posted documents looked up per customer-transaction find: one criterion per document, which AX ORs (D9).
POSTED_PAGE = 50
# Days of customer transactions per find when posted payments are listed from a date (``all_posted_payments``).
PAYMENT_WINDOW_DAYS = 31


@dataclass(frozen=True)
class EntityService:
    service: str
    journal_names: tuple[str, ...] = ()  # journals: only records with these JournalName values
    reference: tuple[str, str] | None = None  # (data source, field) carrying our external reference

    @property
    def definition(self):
        return SERVICES[self.service]


ENTITIES: dict[str, EntityService] = {
    "customer": EntityService("CustomerService", reference=("CustTable", "AccountNum")),
    "supplier": EntityService("VendVendTableService", reference=("VendTable", "AccountNum")),
    "product": EntityService("ItemService", reference=("InventTable", "ItemId")),
    "sales_invoice": EntityService("FreeTextInvoiceService", reference=("CustInvoiceTable", "CustomerRef")),
    "payment": EntityService("CustPaymJournalService", ("CustPay",), ("LedgerJournalTrans", "DocumentNum")),
    "purchase_invoice": EntityService(
        "LedgerGeneralJournalService", ("VendInv",), ("LedgerJournalTrans", "DocumentNum")
    ),
    "journal": EntityService("LedgerGeneralJournalService", ("GenJrn",), ("LedgerJournalTrans", "DocumentNum")),
    # No AX 2012 service creates vendor payment journals (LedgerVendorPaymentService is R only, D1): vendor
    # disbursement journals (VendPay) go through the ledger journal service.
    "supplier_payment": EntityService(
        "LedgerGeneralJournalService", ("VendPay",), ("LedgerJournalTrans", "DocumentNum")
    ),
    # AX 2012 R2 advanced bank reconciliation: one statement per bank account and period (D1: C, R, D, F, GK, GCK)
    "bank_statement": EntityService("BankStmtService", reference=("BankStmtISOAccountStatement", "Identification")),
    # AX 2012 R2 pending vendor invoices (D1: C, R, D, F, FK, GK, GCK): found again by vendor and invoice number
    "vendor_invoice": EntityService("VendVendInvoiceService", reference=("VendInvoiceInfoTable", "Num")),
    "main_account": EntityService("MainAccountService", reference=("MainAccount", "MainAccountId")),
    "dimension_value": EntityService("DimensionValueService"),
    "exchange_rate": EntityService("ExchangeRateService"),
}
# Sales invoices are read back (their settlement) as posted customer transactions: FreeTextInvoiceService only
# creates, and a draft has no settlement; CustomerTransactionService (AX 2012 R2: F, FK, R) shows what AX posted.
INVOICE_TRANSACTIONS = "CustomerTransactionService"
PAYMENT_FIELDS = (
    "Voucher",
    "AccountNum",
    "TransDate",
    "CurrencyCode",
    "ExchRate",
    "AmountCur",
    "SettleAmountCur",
    "DocumentNum",
    "PaymReference",
    "Txt",
)
DEFAULT_JOURNAL_NAMES = {
    "payment": "CustPay",
    "purchase_invoice": "VendInv",
    "journal": "GenJrn",
    "supplier_payment": "VendPay",
}
# The port name used when a connection names none (the demo company's port). A customer's AX administrator names
# the port; the connection form's "discover" step shows what a port exposes.
DEFAULT_PORT = "LedgerBridge"
PROBE_KEY = "LEDGERBRIDGE-CONNECTION-TEST"
# Main accounts and dimension values have no standard AX 2012 service (standard-document-services.md lists none):
# they are read only through a customer-specific custom service the admin switches on.
REFERENCE_CUSTOM = "custom"
REFERENCE_ENTITIES = ("main_account", "dimension_value")
OPTIONAL_ENTITIES = ("bank_statement", "vendor_invoice")
_YES = {"1", "true", "yes", "on", "y"}
# The exchange rate type read when the connection names none, and the currencies whose pairs are read (AX's rate
# service has no find or getKeys: the pairs must be named). Both are the demo company's; a customer's ledger
# names its own default type (Ledger::defaultExchangeRateType).
DEFAULT_RATE_TYPE = "Default"
DEFAULT_RATE_CURRENCIES = ("GBP", "EUR", "USD")
# AX's sales tax calculation methods (General ledger parameters): the connection says which one the site uses
TAX_LINE = "line"
TAX_TOTAL = "total"
RATE_UNIT = Decimal(100)  # AX keeps ExchangeRate per 100 units of the from currency (documents.EXCHANGE_RATE)


def parse_service_ports(text: str) -> dict[str, str]:
    """``CustomerService=CustPort`` lines (or ``;``/``,`` separated) -> {service: port name or URL}."""
    out: dict[str, str] = {}
    for part in (text or "").replace(";", "\n").replace(",", "\n").splitlines():
        name, sep, port = part.partition("=")
        if sep and name.strip() and port.strip():
            out[name.strip()] = port.strip()
    return out


@dataclass(frozen=True)
class PortDiscovery:
    """What the configured port(s) expose, against what LedgerBridge's entities need."""

    services: list[DiscoveredService]
    missing: dict[str, list[str]]  # entity -> problems ("FreeTextInvoiceService is not exposed", "… lacks find")
    settings: list[str] = field(default_factory=list)  # connection settings AX's answers contradict (rate type)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.settings


# The operations each entity's flow uses (discover reports what a port lacks). Documents AX numbers itself are
# written with ``create`` only: free text invoices and payment journals are create-only services, the ledger
# journal service adds ``read`` (Microsoft's "Standard Document Services" list); exactly-once rests on the
# MessageId, never on a lookup.
NEEDED_OPERATIONS: dict[str, tuple[str, ...]] = {
    "customer": ("create", "read", "update", "find", "getKeys", "getChangedKeys"),
    "supplier": ("create", "read", "update", "find", "getKeys", "getChangedKeys"),
    "product": ("create", "read", "update", "find", "getKeys"),
    "sales_invoice": ("create",),
    "payment": ("create",),
    "purchase_invoice": ("create", "read"),
    "journal": ("create", "read"),
    "supplier_payment": ("create", "read"),
    "bank_statement": ("create", "read", "find"),
    "vendor_invoice": ("create", "read", "find"),
    "main_account": ("find",),
    "dimension_value": ("find",),
    # LedgerExchangeRatesService is CR (D1): a currency pair's rates are read by the pair's key, never found
    "exchange_rate": ("read",),
}


class DynamicsAXConnector(Connector):
    system: ClassVar[str] = "dynamics_ax"
    label: ClassVar[str] = "Microsoft Dynamics AX 2012 (AIF)"
    config_fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "service_user",
            "Service user",
            help_text="The Windows account the AIF inbound port accepts, as DOMAIN\\user",
        ),
        ConfigField("service_password", "Service password", secret=True),
        ConfigField(
            "auth_mode",
            "Authentication",
            required=False,
            help_text="Windows (NTLM) is what an AX HTTP port uses by default; Basic only if IIS and the port were "
            "reconfigured for it",
            choices=((AUTH_NTLM, "Windows (NTLM)"), (AUTH_BASIC, "Basic")),
        ),
        ConfigField(
            "inbound_port",
            "Inbound port",
            required=False,
            help_text="The name of the AX enhanced HTTP inbound port (the segment after /MicrosoftDynamicsAXAif60/), "
            f"or its full URL; {DEFAULT_PORT} when empty",
        ),
        ConfigField(
            "service_ports",
            "Port per service",
            required=False,
            help_text="Only when services are on different ports: lines like FreeTextInvoiceService=InvoicePort",
        ),
        ConfigField(
            "reference_service",
            "Reference data service",
            required=False,
            help_text="AX 2012 ships no service for main accounts or dimension values. Choose the custom service "
            "only where your AX has one deployed to LedgerBridge's contract (MainAccountService and "
            "DimensionValueService, on the port or in Port per service); otherwise accountants upload CSV exports "
            "on the Reference data page",
            choices=(("", "None: CSV uploads"), (REFERENCE_CUSTOM, "Custom service (LedgerBridge contract)")),
        ),
        ConfigField(
            "exchange_rate_type",
            "Exchange rate type",
            required=False,
            help_text=f"The AX exchange rate type whose rates convert amounts (the ledger's default type); "
            f"{DEFAULT_RATE_TYPE} when empty (the demo company's name: yours may differ). Test and Discover say "
            "when AX holds no rates of this type",
        ),
        ConfigField(
            "rate_currencies",
            "Currencies with exchange rates",
            required=False,
            help_text="The currency codes whose AX exchange rates LedgerBridge reads, e.g. GBP, EUR, USD (AX's "
            f"exchange rate service reads one currency pair at a time); {', '.join(DEFAULT_RATE_CURRENCIES)} "
            "when empty (the demo company's)",
        ),
        ConfigField(
            "tax_calculation_method",
            "Sales tax calculation method",
            required=False,
            help_text="As set in AX's General ledger parameters: Line rounds each line's tax, Total rounds once per "
            "sales tax code over the invoice. Vendor invoices (AX computes their tax) are sent only when KashFlow's "
            "VAT is what this method gives; when not known, only when both methods give it",
            choices=(("", "Not known: both must agree"), (TAX_LINE, "Line"), (TAX_TOTAL, "Total")),
        ),
        ConfigField(
            "allow_basic_over_http",
            "Allow Basic over http",
            required=False,
            help_text="Send a Basic password over plain http:// (clear text on the network; not recommended)",
            choices=(("", "No"), ("yes", "Yes")),
        ),
    )

    def __init__(self, config: ConnectionConfig, *, rate_limiter: RateLimiter | None = None) -> None:
        super().__init__(config, rate_limiter=rate_limiter)
        settings = config.credentials
        auth = (settings.get("auth_mode") or AUTH_NTLM).strip().lower()
        base = config.base_url.split("?", 1)[0].rstrip("/")
        port = (settings.get("inbound_port") or "").strip()
        if not port and not base.lower().endswith(".svc"):
            port = DEFAULT_PORT
        self.client = AxClient(
            config.base_url,
            user=settings.get("service_user", ""),
            password=settings.get("service_password", ""),
            company=config.company,
            timeout=config.timeout,
            auth=AUTH_BASIC if auth == AUTH_BASIC else AUTH_NTLM,
            port=port,
            service_ports=parse_service_ports(settings.get("service_ports", "")),
            allow_basic_over_http=(settings.get("allow_basic_over_http") or "").strip().lower() in _YES,
        )
        self.reference_custom = (settings.get("reference_service") or "").strip().lower() == REFERENCE_CUSTOM
        self.rate_type = (settings.get("exchange_rate_type") or "").strip() or DEFAULT_RATE_TYPE
        method = (settings.get("tax_calculation_method") or "").strip().lower()
        self.tax_calculation_method = method if method in (TAX_LINE, TAX_TOTAL) else ""
        codes = (settings.get("rate_currencies") or "").replace(";", ",").replace(" ", ",").split(",")
        self.rate_currencies = tuple(dict.fromkeys(c.strip().upper() for c in codes if c.strip())) or (
            DEFAULT_RATE_CURRENCIES
        )

    def close(self) -> None:
        self.client.close()

    def entities(self) -> tuple[str, ...]:
        return tuple(ENTITIES)

    def catalog(self, entity: str) -> EntityCatalog:
        self._entity(entity)
        return CATALOGS[entity]

    # --- Helpers -----------------------------------------------------------------------------------------------
    def _entity(self, entity: str) -> EntityService:
        try:
            return ENTITIES[entity]
        except KeyError:
            raise ValidationError(
                f"Dynamics AX has no entity {entity!r}; known: {', '.join(ENTITIES)}", system=self.system
            ) from None

    def _acquire(self) -> None:
        self.rate_limiter.acquire()

    @staticmethod
    def _wanted(spec: EntityService, record: dict) -> bool:
        return not spec.journal_names or record.get("JournalName") in spec.journal_names

    @staticmethod
    def _clean(record: dict) -> dict:
        record.pop("_DocumentHash", None)
        return record

    def _read_many(self, spec: EntityService, keys: list[str]) -> Iterator[dict]:
        for start in range(0, len(keys), READ_BATCH):
            self._acquire()
            for record in self.client.read(spec.service, keys[start : start + READ_BATCH]):
                if self._wanted(spec, record):
                    yield self._clean(record)

    @property
    def last_warnings(self) -> list[InfologEntry]:
        """Warnings of the Infolog SOAP header of this thread's last AX answer (kept on the record's outcome)."""
        return self.client.last_warnings

    def discover(self) -> PortDiscovery:
        """Read the configured port(s)' WSDL again (refreshing the cached one) and list the services and operations
        they really expose, with what each of our entities would miss."""
        services = self.client.discover(refresh=True)
        exposed = {s.name: set(s.operations) for s in services}
        missing: dict[str, list[str]] = {}
        for entity, spec in ENTITIES.items():
            if entity in REFERENCE_ENTITIES and not self.reference_custom:
                continue  # not a standard service: needed only where the admin says a custom one is deployed
            if entity in OPTIONAL_ENTITIES:
                continue  # needed only by a flow on an AX 2012 R2 path (bank statements, vendor invoices)
            needed = NEEDED_OPERATIONS.get(entity, ("read",))
            problems: list[str] = []
            if spec.service not in exposed:
                problems.append(f"{spec.service} is not exposed")
            else:
                lacking = [op for op in needed if op not in exposed[spec.service]]
                if lacking:
                    problems.append(f"{spec.service} lacks {', '.join(lacking)}")
            if entity == "sales_invoice" and "find" not in exposed.get(INVOICE_TRANSACTIONS, set()):
                problems.append(f"{INVOICE_TRANSACTIONS} (find) is not exposed: invoice settlement cannot be read")
            if problems:
                missing[entity] = problems
        rates = ENTITIES["exchange_rate"].service
        problem = self.rate_type_problem() if "read" in exposed.get(rates, set()) else ""
        return PortDiscovery(services, missing, [problem] if problem else [])

    def rate_type_problem(self) -> str:
        """ "" when AX holds rates of the connection's exchange rate type for at least one pair of its currencies
        (read pair by pair, stopping at the first with rates); else what to check. AX answers a pair it does not
        hold like a pair without rates, so a mistyped rate type would otherwise look exactly like "AX has no rate"
        on every foreign currency record."""
        pairs = [(a, b) for a in self.rate_currencies for b in self.rate_currencies if a != b]
        for src, dst in pairs:
            if self.exchange_rates(src, dst):
                return ""
        if not pairs:
            return ""
        shown = ", ".join(f"{a}/{b}" for a, b in pairs)
        return (
            f"AX has no exchange rates of type {self.rate_type} for {shown}: check the exchange rate type setting "
            "(AX's default type is the ledger's, Ledger::defaultExchangeRateType) and the currencies with exchange "
            "rates. Until then no foreign currency amount can be converted."
        )

    # --- Connector interface -----------------------------------------------------------------------------------
    def test_connection(self) -> ConnectionTestResult:
        """Load the port's WSDL, then read a customer that does not exist: AX answering "No valid document
        identified" proves the account, the company and the port, and shows that faults carry AX's messages."""
        company = self.config.company or "the default company"
        try:
            self.client.load("CustomerService")
            self._acquire()
            self.client.read("CustomerService", [PROBE_KEY])
        except NotFoundError:
            connected = (
                f"Connected to Dynamics AX company {company} as {self.client.user} through "
                f"{self.client.service_url('CustomerService')}."
            )
            try:
                problem = self.rate_type_problem()
            except ConnectorError:  # the port lacks the rate service: Discover names what it lacks
                problem = ""
            if problem:
                return ConnectionTestResult(True, f"{connected} But {problem}", {"kind": "warning"})
            return ConnectionTestResult(True, connected, {"port": self.client.service_url("CustomerService")})
        except (AmbiguousError, TransientError) as exc:
            if exc.code == "AifFault":
                return ConnectionTestResult(
                    True,
                    f"Connected to Dynamics AX company {company} as {self.client.user}, but the port does not "
                    f"include exceptions in faults. {exc}",
                    {"kind": "warning", "include_exceptions_in_fault": False},
                )
            return ConnectionTestResult(False, str(exc), {"kind": exc.kind})
        except ConnectorError as exc:
            return ConnectionTestResult(False, str(exc), {"kind": exc.kind})
        except Exception as exc:  # the contract: never raises
            return ConnectionTestResult(False, f"Unexpected error: {exc}", {"kind": "error"})
        return ConnectionTestResult(True, f"Connected to Dynamics AX company {company} as {self.client.user}.", {})

    def list_changed(self, entity: str, since: datetime | None = None) -> Iterator[dict]:
        """Every record changed at or after ``since`` (getChangedKeys), or all (getKeys), read in batches.
        Sales invoices: the posted ones, from customer transactions (posted or settled on or after ``since``)."""
        spec = self._entity(entity)
        if entity == "sales_invoice":
            yield from self.posted_invoices(since)
            return
        if "getKeys" not in spec.definition.operations:
            raise ValidationError(
                f"Dynamics AX cannot list {entity} records: {spec.service} offers only "
                f"{', '.join(spec.definition.operations)} (Microsoft's list of standard document services).",
                system=self.system,
                code="operation_not_offered",
            )
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        # what the port exposes, not what the service could offer: an administrator selects operations per port
        supports_changes = since is not None and "getChangedKeys" in self.client.operations(spec.service)
        bookmark = ""
        while True:
            self._acquire()
            if since is not None and supports_changes:
                page = self.client.get_changed_keys(spec.service, since, page_size=PAGE_SIZE, bookmark=bookmark)
            else:
                page = self.client.get_keys(spec.service, page_size=PAGE_SIZE, bookmark=bookmark)
            self._check_page(spec.service, page)
            if page.keys:
                yield from self._read_many(spec, page.keys)
            if not page.bookmark or not page.keys:
                return
            bookmark = page.bookmark

    @staticmethod
    def _check_page(service: str, page: KeyPage) -> None:
        """A Failure page is a setup problem in AX (change tracking off, filters changed), never "nothing changed"."""
        if page.status == "Failure" or page.details in SETUP_PAGE_STATUS:
            text = SETUP_PAGE_STATUS.get(page.details, "AX could not list the keys of {service} ({details}).")
            raise ValidationError(
                text.format(service=service, details=page.details), system="dynamics_ax", code=page.details
            )

    def existing_keys(self, entity: str, keys: list[str]) -> set[str]:
        """Which of ``keys`` AX still holds (drafts and posted documents alike): ``read_held``."""
        return set(self.read_held(entity, keys))

    def read_held(self, entity: str, keys: list[str]) -> dict[str, dict]:
        """The documents of ``keys`` that AX holds, by key, read ``READ_BATCH`` keys per ``read``. AX answers a read
        naming a key it does not hold with "No valid document identified" for the whole call (the simulator does
        so; inferred for real AX from AxdBase reading key by key), so a refused batch is halved until each missing
        key stands alone: one missing key among 50 costs about a dozen reads more, never a guess (at worst, when
        AX lost everything, about two reads per key). Journals are read whatever their JournalName: the key is the
        JournalNum, unique across journal names, and the name is whatever the mapping posts. Only services
        with ``read`` (customers, vendors, the ledger journal service, bank statements); sales invoices and payment
        journals are create-only."""
        spec = self._entity(entity)
        if entity == "sales_invoice" or "read" not in spec.definition.operations:
            raise ValidationError(
                f"Dynamics AX cannot read {entity} records back: {spec.service} offers only "
                f"{', '.join(spec.definition.operations)} (Microsoft's list of standard document services).",
                system=self.system,
                code="operation_not_offered",
            )
        wanted = list(dict.fromkeys(k for k in keys if k))
        held: dict[str, dict] = {}
        for start in range(0, len(wanted), READ_BATCH):
            held.update(self._held(spec, wanted[start : start + READ_BATCH]))
        return held

    def _held(self, spec: EntityService, keys: list[str]) -> dict[str, dict]:
        self._acquire()
        try:
            records = self.client.read(spec.service, keys)
        except NotFoundError:
            if len(keys) == 1:
                return {}
            middle = len(keys) // 2
            return {**self._held(spec, keys[:middle]), **self._held(spec, keys[middle:])}
        # No journal name filter here: a read names JournalNums the links hold, and a JournalNum is unique across
        # journal names (the number sequence of LedgerJournalTable), while the name is the mapping's (a customer's
        # own journal names, not the demo's). The filter belongs to ``find`` and to listing, where it scopes a search.
        found = {spec.definition.key_of(r): self._clean(r) for r in records}
        return {key: record for key, record in found.items() if key in set(keys)}

    def posted_invoice_keys(self, invoice_ids: list[str]) -> set[str]:
        """Which of ``invoice_ids`` AX shows posted: customer transactions carrying them (CustomerTransactionService
        ``find``, ``POSTED_PAGE`` invoice ids per call). A draft shows nothing: FreeTextInvoiceService cannot read."""
        return self._posted("Invoice", invoice_ids)

    def posted_payment_references(self, references: list[str]) -> set[str]:
        """Which payment references (the journal lines' DocumentNum) AX shows posted: the customer transactions
        that posting a payment journal makes carry the line's DocumentNum. CustPaymJournalService only creates,
        so a payment journal AX holds as a draft cannot be seen at all."""
        return set(self.posted_payments(references))

    def posted_payments(self, references: list[str]) -> dict[str, list[dict]]:
        """The payment customer transactions AX has posted for ``references`` (the payment journal lines'
        DocumentNum: our KashFlow payment Id), by reference: the CustTrans rows (Voucher, AccountNum, TransDate,
        DocumentNum, PaymReference, PaymMode, CurrencyCode, AmountCur negative for money received,
        SettleAmountCur ...) of payments, never of invoices (a payment's CustTrans carries no Invoice). Looked up
        ``POSTED_PAGE`` references per CustomerTransactionService ``find``, so each request stays bounded however
        many payments wait. Several rows for one reference mean AX posted that document more than once, or a person
        typed the same document number: the caller decides."""
        out: dict[str, list[dict]] = {}
        for row in self._posted_rows("DocumentNum", references):
            if row.get("Invoice") or row.get("TransType") not in (None, "", "Payment"):
                continue  # an invoice (or another kind of transaction) that happens to carry the document number
            out.setdefault(str(row.get("DocumentNum") or ""), []).append(row)
        return out

    def _posted(self, field: str, values: list[str]) -> set[str]:
        return {str(r.get(field) or "") for r in self._posted_rows(field, values)}

    def _posted_rows(self, field: str, values: list[str]) -> list[dict]:
        wanted = list(dict.fromkeys(str(v) for v in values if v))
        found: list[dict] = []
        for start in range(0, len(wanted), POSTED_PAGE):
            page = wanted[start : start + POSTED_PAGE]
            self._acquire()
            criteria = [Criterion("CustTrans", field, "Equal", v) for v in page]
            rows = self.client.find_any(INVOICE_TRANSACTIONS, criteria)
            found.extend(r for r in rows if str(r.get(field) or "") in set(page))
        return found

    def read(self, entity: str, key: str) -> dict:
        spec = self._entity(entity)
        if entity == "sales_invoice":
            found = self._invoice_transactions([Criterion("CustTrans", "Invoice", "Equal", key)])
            if not found:
                raise NotFoundError(
                    f"Invoice {key} is not posted in Dynamics AX (no customer transaction): a draft shows nothing "
                    "settled until it is posted",
                    system=self.system,
                )
            return found[0]
        self._acquire()
        records = self.client.read(spec.service, [key])
        if not records:  # read by key: any journal name (see ``_held``)
            raise NotFoundError(f"{entity} {key} was not found in Dynamics AX", system=self.system)
        return self._clean(records[0])

    def posted_invoices(self, since: datetime | None = None) -> Iterator[dict]:
        """Posted free text invoices as CustInvoiceTable-shaped dicts (InvoiceId, CustomerRef, OrderAccount,
        InvoiceDate, CurrencyCode, InvoiceAmount, SettledAmount, PaymentStatus) from CustomerTransactionService
        ``find``; with ``since``, those posted or settled on or after its date. AX ORs query criteria (D9), so one
        criterion goes to AX and the date filter is applied here."""
        rows = self._invoice_transactions([Criterion("CustTrans", "Invoice", "NotEqual", "")])
        if since is None:
            yield from rows
            return
        day = since.date().isoformat()
        for row in rows:
            if max(row.get("InvoiceDate") or "", row.get("_LastSettleDate") or "") >= day:
                yield row

    def all_posted_payments(self, since: date | None = None) -> list[dict]:
        """Every posted customer payment (with ``since``: dated on or after it), one per customer transaction of type
        Payment (CustomerTransactionService ``find``), so that payments AX holds with no KashFlow counterpart are seen
        too (``posted_payments`` looks up the references one already holds): Voucher, AccountNum, TransDate,
        CurrencyCode, ExchRate, AmountCur (negative: money received), SettleAmountCur, DocumentNum (the journal
        line's, our external reference), PaymReference, Txt. The payment journal service is create-only, so this is
        the only way AX shows a payment back; an unposted payment journal shows nothing here, and no transaction
        says which journal it came from.

        AX ORs query criteria (D9: query-criteria-overview.md), so each find sends one criterion and the rest is
        checked here. Without ``since``: TransType = Payment, the whole history in one answer. With ``since``:
        TransDate windows of ``PAYMENT_WINDOW_DAYS`` (one Range criterion each, ">= && <=" in D9's operator table;
        the last one GreaterOrEqual, for transactions dated ahead), invoices' transactions dropped here: find takes
        no DocumentPaging (only getKeys and getChangedKeys do, and this service offers F, FK, R), so the window is
        what bounds each answer, to one window's customer transactions."""
        if since is None:
            queries = [[Criterion("CustTrans", "TransType", "Equal", "Payment")]]
        else:
            start = since.date() if isinstance(since, datetime) else since
            today = datetime.now(UTC).date()
            queries = []
            while start + timedelta(days=PAYMENT_WINDOW_DAYS) <= today:
                end = start + timedelta(days=PAYMENT_WINDOW_DAYS - 1)
                queries.append([Criterion("CustTrans", "TransDate", "Range", start.isoformat(), end.isoformat())])
                start = end + timedelta(days=1)
            queries.append([Criterion("CustTrans", "TransDate", "GreaterOrEqual", start.isoformat())])
        rows = []
        for criteria in queries:
            self._acquire()
            rows.extend(
                {name: trans.get(name, "") for name in PAYMENT_FIELDS}
                for trans in self.client.find(INVOICE_TRANSACTIONS, criteria)
                if not trans.get("Invoice") and trans.get("TransType") == "Payment"
            )
        return sorted(rows, key=lambda r: (r["Voucher"], r["DocumentNum"]))

    def _invoice_transactions(self, criteria: list[Criterion]) -> list[dict]:
        self._acquire()
        out = []
        for trans in self.client.find(INVOICE_TRANSACTIONS, criteria):
            if not trans.get("Invoice") or trans.get("TransType") == "Payment":
                continue  # invoices only: a payment's customer transaction carries no Invoice
            amount = _decimal(trans.get("AmountCur"))
            settled = _decimal(trans.get("SettleAmountCur"))
            status = "Paid" if settled > 0 and settled >= amount else ("PartlyPaid" if settled > 0 else "None")
            out.append(
                {
                    "InvoiceId": trans.get("Invoice", ""),
                    "CustomerRef": trans.get("Txt", ""),
                    "OrderAccount": trans.get("AccountNum", ""),
                    "InvoiceDate": trans.get("TransDate", ""),
                    "CurrencyCode": trans.get("CurrencyCode", ""),
                    "InvoiceAmount": trans.get("AmountCur", "0"),
                    "SettledAmount": trans.get("SettleAmountCur", "0"),
                    "PaymentStatus": status,
                    "_LastSettleDate": trans.get("LastSettleDate", ""),
                }
            )
        return sorted(out, key=lambda r: r["InvoiceId"])

    def supports(self, entity: str, operation: str) -> bool:
        """Whether AX ships ``operation`` on the entity's service (Microsoft's list; the port may offer less)."""
        return operation in self._entity(entity).definition.operations

    def find_by_reference(self, entity: str, reference: str) -> dict | None:
        """The record carrying ``reference``; None when AX has none, or when the service has no ``find`` at all
        (free text invoices, payment and general journals): the caller relies on the MessageId instead."""
        spec = self._entity(entity)
        if spec.reference is None or not reference or not self.supports(entity, "find"):
            return None
        if entity == "vendor_invoice":
            return self._vendor_invoice(reference)
        data_source, field = spec.reference
        criteria = [Criterion(data_source, field, "Equal", str(reference))]
        if spec.journal_names:
            criteria.append(Criterion("LedgerJournalTable", "JournalName", "Equal", spec.journal_names[0]))
        self._acquire()
        for record in self.client.find(spec.service, criteria):
            if self._wanted(spec, record):
                return self._clean(record)
        return None

    def _vendor_invoice(self, reference: str) -> dict | None:
        """The pending or posted vendor invoice ``"<vendor account>/<invoice number>"``: AX keeps invoice numbers
        unique per vendor (Accounts payable parameters, VendReuseInvoice), so the number alone could find another
        vendor's invoice. One criterion goes to AX (it ORs criteria, D9); the vendor is checked here. AX checks the
        number for reuse only at posting, so a pending invoice found here may be someone else's: the vendor invoice
        flow compares its currency and net with the document sent before adopting it (``FlowSpec.adopt``)."""
        vendor, _, number = reference.partition("/")
        if not number:
            vendor, number = "", vendor
        self._acquire()
        for record in self.client.find(
            "VendVendInvoiceService", [Criterion("VendInvoiceInfoTable", "Num", "Equal", number)]
        ):
            if not vendor or str(record.get("OrderAccount") or "") == vendor:
                return self._clean(record)
        return None

    def create(self, entity: str, document: dict, *, message_id: str | None = None) -> str:
        spec = self._entity(entity)
        document = dict(document)
        if entity in DEFAULT_JOURNAL_NAMES:
            document.setdefault("JournalName", DEFAULT_JOURNAL_NAMES[entity])
        self._acquire()
        keys = self.client.create(spec.service, [document], message_id=message_id)
        if not keys:
            raise ValidationError(f"Dynamics AX created no {entity} and returned no key", system=self.system)
        return keys[0]

    def create_many(self, entity: str, documents: list[dict], *, message_id: str | None = None) -> list[str]:
        """Create several records in one AIF message (one document with several root entities): all or none.
        Returns their keys in order. One MessageId covers the whole batch."""
        spec = self._entity(entity)
        batch = [dict(d) for d in documents]
        if entity in DEFAULT_JOURNAL_NAMES:
            for document in batch:
                document.setdefault("JournalName", DEFAULT_JOURNAL_NAMES[entity])
        if not batch:
            return []
        self._acquire()
        keys = self.client.create(spec.service, batch, message_id=message_id)
        if len(keys) != len(batch):
            raise ValidationError(
                f"Dynamics AX returned {len(keys)} keys for {len(batch)} {entity} records", system=self.system
            )
        return keys

    def update(self, entity: str, key: str, document: dict, *, message_id: str | None = None) -> None:
        """A partial update: read the current document for its ``_DocumentHash`` (D5, AX's optimistic concurrency),
        then send only the fields of ``document`` with ``action="update"`` (and explicit actions on child rows), so
        AX never clears a field the mapping does not send (D6 vs D7)."""
        spec = self._entity(entity)
        self._acquire()
        current = self.client.read(spec.service, [key])
        if not current:
            raise NotFoundError(f"{entity} {key} was not found in Dynamics AX", system=self.system)
        document = {**document, "_DocumentHash": current[0].get("_DocumentHash", "")}
        for name, value in spec.definition.key_values(key).items():
            document[name] = value
        self._acquire()
        self.client.update(spec.service, [key], [document], message_id=message_id, current=current)

    def delete(self, entity: str, key: str, *, message_id: str | None = None) -> None:
        spec = self._entity(entity)
        self._acquire()
        self.client.delete(spec.service, [key], message_id=message_id)

    # --- Reference data for the engine ------------------------------------------------------------------------
    def _all(self, entity: str) -> list[dict]:
        spec = self._entity(entity)
        key_field = spec.definition.key_fields[0]
        self._acquire()
        return [
            self._clean(r)
            for r in self.client.find(spec.service, [Criterion(spec.definition.root.name, key_field, "NotEqual", "")])
        ]

    @property
    def reference_service(self) -> str:
        """The custom services reference data is read through, or "" (none: CSV uploads)."""
        if not self.reference_custom:
            return ""
        return ", ".join(ENTITIES[e].service for e in REFERENCE_ENTITIES)

    def _reference(self, entity: str) -> list[dict]:
        if not self.reference_custom:
            raise ValidationError(
                "This AX connection names no reference data service (AX 2012 ships none): upload CSV exports of "
                "the chart of accounts and dimension values on the Reference data page.",
                system=self.system,
                code="no_reference_service",
            )
        return self._all(entity)

    def main_accounts(self) -> list[dict]:
        """Every main account: ``{"MainAccountId", "Name", "Type"}``, through the custom reference service."""
        return self._reference("main_account")

    def dimension_values(self) -> list[dict]:
        """Every financial dimension value: ``{"DimensionName", "Value", "Description"}``, through the custom
        reference service."""
        return self._reference("dimension_value")

    def exchange_rates(self, from_currency: str, to_currency: str) -> list[dict]:
        """The rates of one currency pair of the connection's exchange rate type, oldest first, flattened:
        ``{"FromCurrency", "ToCurrency", "ValidFrom", "ValidTo", "Rate"}`` with ``Rate`` in units of ToCurrency per
        1 FromCurrency (AX's ExchangeRate divided by 100). One ``read`` of the CurrencyPair document by its key;
        a pair AX does not hold reads as no rates."""
        key = f"{from_currency.upper()}/{to_currency.upper()}/{self.rate_type}"
        self._acquire()
        try:
            documents = self.client.read(ENTITIES["exchange_rate"].service, [key])
        except NotFoundError:
            return []
        return flatten_rates(documents)

    def all_exchange_rates(self) -> list[dict]:
        """The rates of every ordered pair of the connection's currencies (``rate_currencies``), flattened as
        ``exchange_rates`` returns them: one ``read`` per pair."""
        out: list[dict] = []
        for src in self.rate_currencies:
            for dst in self.rate_currencies:
                if src != dst:
                    out.extend(self.exchange_rates(src, dst))
        return out

    def exchange_rate(self, from_currency: str, to_currency: str, on_date: date) -> Decimal | None:
        """Units of ``to_currency`` per 1 ``from_currency`` valid on ``on_date`` (``rate_on``); the inverse pair is
        used when only that one is kept; None when AX has no rate."""
        if from_currency.upper() == to_currency.upper():
            return Decimal(1)
        for src, dst, invert in ((from_currency, to_currency, False), (to_currency, from_currency, True)):
            rate = rate_on(self.exchange_rates(src, dst), on_date)
            if rate is not None and rate != 0:
                return (Decimal(1) / rate) if invert else rate
        return None


def flatten_rates(documents: list[dict]) -> list[dict]:
    """CurrencyPair documents (pair fields, ``ExchangeRate`` rows) -> one flat row per rate, oldest first; rows
    without a date or a readable rate are left out."""
    out: list[dict] = []
    for pair in documents:
        for row in pair.get("ExchangeRate") or []:
            try:
                rate = Decimal(str(row["ExchangeRate"])) / RATE_UNIT
            except (InvalidOperation, KeyError):
                continue
            if not row.get("ValidFrom"):
                continue
            out.append(
                {
                    "FromCurrency": pair.get("FromCurrencyCode", ""),
                    "ToCurrency": pair.get("ToCurrencyCode", ""),
                    "ValidFrom": str(row["ValidFrom"])[:10],
                    "ValidTo": str(row.get("ValidTo") or "")[:10],
                    "Rate": format(rate.normalize(), "f"),
                }
            )
    return sorted(out, key=lambda r: (r["FromCurrency"], r["ToCurrency"], r["ValidFrom"]))


# AX stores "no date" as 1900-01-01 (dateNull()); an ExchangeRate row without an end date is open-ended. As a
# valid-time-state table its open end may also read as the latest date AX knows (2154-12-31), which is simply
# later than any document. Inferred: how AIF serializes an empty ValidTo (omitted, empty or 1900-01-01) -- all
# three read as open-ended here.
NO_DATE = "1900-01-01"


def rate_expired(row: dict, day: str) -> bool:
    """Whether the rate row ended before ``day`` (``YYYY-MM-DD``): its ValidTo is set and earlier."""
    valid_to = str(row.get("ValidTo") or "")[:10]
    return bool(valid_to) and valid_to != NO_DATE and valid_to < day


def rate_on(rates: list[dict], on_date: date) -> Decimal | None:
    """The rate for a date: the one with the latest ValidFrom on or before it (ExchangeRate::findByDate's rule),
    unless its ValidTo is before the date: AX does not apply an expired rate, so the gap after a ValidTo has no
    rate (and the record is refused as having none). An earlier row never fills the gap: AX's rows of a pair do
    not overlap, so a later ValidFrom ends the earlier rows whatever ValidTo they show. None when every rate starts
    later."""
    day = on_date.isoformat()
    valid = [r for r in rates if r.get("ValidFrom") and str(r.get("ValidFrom") or "")[:10] <= day]
    if not valid:
        return None
    best = max(valid, key=lambda r: str(r["ValidFrom"])[:10])
    if rate_expired(best, day):
        return None
    try:
        return Decimal(str(best["Rate"]))
    except (InvalidOperation, KeyError):
        return None


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)
