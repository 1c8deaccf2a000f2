"""One declarative definition of every AX 2012 AIF document service LedgerBridge uses.

The sandbox simulator (WSDL/XSD generation, parsing, validation), the zeep client (dict <-> document
conversion) and the field catalog are all derived from these definitions, so they cannot drift apart.

A document travels as a dict shaped like ``AxRecord.data``: the root table's fields, child tables as lists
under their table names, a ledger account (``AxdType_MultiTypeAccount``) as
``{"Account", "DisplayValue", "Values": [{"Name", "Value"}]}`` and a default dimension
(``AxdType_DimensionAttributeValueSet``) as ``{"Values": [{"Name", "Value"}]}``. Decimals travel as strings.

Plain Python: no Django, no zeep.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Namespaces ----------------------------------------------------------------------------------------------
NS_SERVICES = "http://schemas.microsoft.com/dynamics/2008/01/services"
NS_DOCUMENTS = "http://schemas.microsoft.com/dynamics/2008/01/documents/"
NS_SHARED = "http://schemas.microsoft.com/dynamics/2008/01/sharedtypes"
NS_CONTEXT = "http://schemas.microsoft.com/dynamics/2010/01/datacontracts"
NS_FAULT = "http://schemas.microsoft.com/dynamics/2008/01/documents/Fault"
NS_ENTITY_KEY = "http://schemas.microsoft.com/dynamics/2006/02/documents/EntityKey"
NS_ENTITY_KEY_LIST = "http://schemas.microsoft.com/dynamics/2006/02/documents/EntityKeyList"
NS_QUERY_CRITERIA = "http://schemas.microsoft.com/dynamics/2006/02/documents/QueryCriteria"
# Paging arrived with AX 2012 and lives in the 2011/02 namespaces (real HTTP-port WSDL set, xsd=xsd1 / xsd=xsd5).
NS_ENTITY_KEY_PAGE = "http://schemas.microsoft.com/dynamics/2011/02/documents/EntityKeyPage"
NS_DOCUMENT_PAGING = "http://schemas.microsoft.com/dynamics/2011/02/documents/DocumentPaging"
# AifFault.InfologMessageList is a WCF data contract array in this namespace (real set, xsd=xsd15).
NS_INFOLOG = "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.AX.Framework.Services"
NS_ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
NS_SERIALIZATION = "http://schemas.microsoft.com/2003/10/Serialization/"
# The root WSDL of every AX 2012 port: service RoutingService, bindings BasicHttpBinding_<ExternalName>.
NS_TEMPURI = "http://tempuri.org/"
NS_ROUTING = "http://schemas.microsoft.com/netfx/2009/05/routing"

DOCUMENT_OPERATIONS = ("create", "read", "update", "delete", "find", "findKeys", "getKeys", "getChangedKeys")
READ_OPERATIONS = ("read", "find", "findKeys", "getKeys")
WRITE_OPERATIONS = ("create", "update", "delete")
# The operations AX ships per standard document service: Microsoft's list "Standard Document Services"
# (MicrosoftDocs/DynamicsAX2012-technet, dynamicsax2012-technet/standard-document-services.md): free text invoice
# C, customer payment journal C, ledger journal CR, exchange rates CR. A service outside these keeps every
# operation (customer, vendor and item: see the connector README).
CREATE_ONLY = ("create",)
CREATE_READ = ("create", "read")
QUERY_OPERATORS = ("Equal", "NotEqual", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Range")

# Field types: string | decimal | integer | date | datetime | enum | account (AxdType_MultiTypeAccount) |
# dimensions (AxdType_DimensionAttributeValueSet)
SIMPLE_TYPES = ("string", "decimal", "integer", "date", "datetime", "enum")


@dataclass(frozen=True)
class AxEnum:
    name: str  # the AX base enum, e.g. LedgerJournalACType; the XSD type is AxdEnum_<name>
    values: tuple[str, ...]


@dataclass(frozen=True)
class AxField:
    name: str
    type: str = "string"
    label: str = ""  # AX's field label, used in AX's own fault texts ("Field 'Customer account' must be filled in.")
    required: bool = False
    max_length: int | None = None
    enum: AxEnum | None = None
    read_only: bool = False  # computed by AX; ignored on create/update
    description: str = ""

    @property
    def xsd_type_name(self) -> str:
        if self.type == "enum" and self.enum:
            return f"AxdEnum_{self.enum.name}"
        if self.type == "string" and self.max_length:
            return f"AxdExtType_String{self.max_length}"
        return ""


@dataclass(frozen=True)
class AxTable:
    name: str
    fields: tuple[AxField, ...]
    children: tuple[AxTable, ...] = ()
    label: str = ""
    polymorphic: str = ""  # e.g. DirParty entities are AxdEntity_DirParty_DirPartyTable
    # Concrete subtypes a polymorphic entity is sent as (xsi:type), e.g. DirOrganization / DirPerson; the first is
    # the default. AX refuses the abstract base type (example-read-action.md shows
    # ``<DirParty xsi:type="AxdEntity_DirParty_DirOrganization" class="entity">``).
    subtypes: tuple[str, ...] = ()

    def field(self, name: str) -> AxField | None:
        return self._fields().get(name)

    def child(self, name: str) -> AxTable | None:
        for table in self.children:
            if table.name == name:
                return table
        return None

    def _fields(self) -> dict[str, AxField]:
        cache = self.__dict__.get("_index")
        if cache is None:
            cache = {f.name: f for f in self.fields}
            object.__setattr__(self, "_index", cache)
        return cache

    def walk(self, prefix: str = ""):
        """(path, table) for this table and every child table below it; paths like ``DirParty[]``."""
        yield prefix, self
        for child in self.children:
            yield from child.walk(f"{prefix}{child.name}[].")

    @property
    def entity_type(self) -> str:
        return self.polymorphic or f"AxdEntity_{self.name}"


@dataclass(frozen=True)
class AxDocumentService:
    name: str  # the service's external name: URL segment, message prefix (CustomerService)
    service_class: str  # the AOT service class (CustCustomerService)
    document: str  # the document element and namespace suffix (Customer)
    axd: str  # the Axd document class (AxdCustomer)
    root: AxTable
    key_fields: tuple[str, ...]
    operations: tuple[str, ...] = DOCUMENT_OPERATIONS
    journal_names: tuple[str, ...] = ()  # LedgerJournalTable services: the journal names this service accepts
    number_sequence: str = ""  # prefix of keys AX assigns on create ("FTI-", "JNL-")
    confirmed: str = ""  # what the archived AX 2012 documentation confirms about this service

    @property
    def namespace(self) -> str:
        return NS_DOCUMENTS + self.document

    @property
    def entity(self) -> str:
        """The ``AxRecord.entity`` this service stores its documents under: the root table name."""
        return self.root.name

    def key_of(self, record: dict) -> str:
        return "/".join(str(record.get(name, "")) for name in self.key_fields)

    def key_values(self, key: str) -> dict[str, str]:
        parts = key.split("/", len(self.key_fields) - 1) if len(self.key_fields) > 1 else [key]
        return dict(zip(self.key_fields, parts, strict=False))


# --- Enums -----------------------------------------------------------------------------------------------------
NO_YES = AxEnum("NoYes", ("No", "Yes"))
ELECTRONIC_ADDRESS_TYPE = AxEnum("LogisticsElectronicAddressMethodType", ("Phone", "Email", "URL", "Telex", "Fax"))
ITEM_TYPE = AxEnum("ItemType", ("Item", "BOM", "Service"))
JOURNAL_ACCOUNT_TYPE = AxEnum("LedgerJournalACType", ("Ledger", "Cust", "Vend", "Bank"))
PAYMENT_STATUS = AxEnum("CustVendPaymStatus", ("None", "PartlyPaid", "Paid"))
MAIN_ACCOUNT_TYPE = AxEnum(
    "DimensionLedgerAccountType",
    ("ProfitAndLoss", "Revenue", "Expense", "BalanceSheet", "Asset", "Liability", "Equity", "Total", "Reporting"),
)
DIMENSION_NAME = AxEnum("FinancialDimension", ("Department", "CostCenter", "BusinessUnit"))


def _text(name: str, length: int, label: str, **kw) -> AxField:
    return AxField(name, "string", label=label, max_length=length, **kw)


def _amount(name: str, label: str, **kw) -> AxField:
    return AxField(name, "decimal", label=label, **kw)


def _date(name: str, label: str, **kw) -> AxField:
    return AxField(name, "date", label=label, **kw)


def _enum(name: str, enum: AxEnum, label: str, **kw) -> AxField:
    return AxField(name, "enum", label=label, enum=enum, **kw)


# --- Parties (customers and vendors share the global address book) ----------------------------------------------
POSTAL_ADDRESS = AxTable(
    "DirPartyPostalAddressView",
    (
        _text("LocationName", 60, "Name or description"),
        _text("Street", 250, "Street"),
        _text("City", 60, "City"),
        _text("County", 10, "County"),
        _text("State", 10, "State"),
        _text("ZipCode", 10, "ZIP/postal code"),
        _text("CountryRegionId", 10, "Country/region"),
        _text("Roles", 255, "Purpose", description="Address purposes separated by ';' (Invoice, Delivery, Business)"),
        _enum("IsPrimary", NO_YES, "Primary"),
    ),
    label="Addresses",
)
CONTACT_INFO = AxTable(
    "DirPartyContactInfoView",
    (
        _text("LocationName", 60, "Description"),
        _enum("Type", ELECTRONIC_ADDRESS_TYPE, "Type", required=True),
        _text("Locator", 255, "Contact number/address", required=True),
        _enum("IsPrimary", NO_YES, "Primary"),
    ),
    label="Contact information",
)
DIR_PARTY = AxTable(
    "DirParty",
    (
        _text("Name", 100, "Name", required=True),
        _text("NameAlias", 20, "Search name"),
        _text("LanguageId", 7, "Language"),
        # on DirParty, not CustTable/VendTable: D8 example-read-action.md, and the JAXB classes of W3
        _text("PartyNumber", 40, "Party ID"),
    ),
    children=(POSTAL_ADDRESS, CONTACT_INFO),
    label="Party",
    polymorphic="AxdEntity_DirParty_DirPartyTable",
    subtypes=("DirOrganization", "DirPerson"),
)
# The reserved key of a DirParty row choosing its subtype; absent means DirOrganization.
PARTY_TYPE_KEY = "_type"


def subtype_name(table: AxTable, subtype: str) -> str:
    """``AxdEntity_DirParty_DirOrganization`` for DirParty / DirOrganization."""
    return f"AxdEntity_{table.name}_{subtype}"


def _party_table(name: str, account_label: str, group_field: str, group_label: str) -> AxTable:
    return AxTable(
        name,
        (
            _text("AccountNum", 20, account_label, required=True),
            _text(group_field, 10, group_label, required=True),
            _text("Currency", 3, "Currency", required=True),
            _text("PaymTermId", 10, "Terms of payment"),
            _text("VATNum", 20, "Tax exempt number"),
            _amount("CreditMax", "Credit limit"),
        ),
        children=(DIR_PARTY,),
        label=account_label,
    )


CUST_TABLE = _party_table("CustTable", "Customer account", "CustGroup", "Customer group")
VEND_TABLE = _party_table("VendTable", "Vendor account", "VendGroup", "Vendor group")

INVENT_TABLE = AxTable(
    "InventTable",
    (
        _text("ItemId", 20, "Item number", required=True),
        _text("Name", 60, "Product name", required=True),
        _text("NameAlias", 20, "Search name"),
        _text("ItemGroupId", 10, "Item group"),
        _enum("ItemType", ITEM_TYPE, "Item type"),
        _amount("SalesPrice", "Price"),
        _text("UnitId", 10, "Unit"),
        _text("Description", 1000, "Description"),
    ),
    label="Released products",
)

# --- Free text invoices -----------------------------------------------------------------------------------------
CUST_INVOICE_LINE = AxTable(
    "CustInvoiceLine",
    (
        _amount("LineNum", "Line number"),
        _text("Description", 1000, "Description"),
        _amount("Quantity", "Quantity"),
        _amount("UnitPrice", "Unit price"),
        _amount("AmountCur", "Amount"),
        AxField("LedgerDimension", "account", label="Main account", required=True),
        _text("TaxGroup", 10, "Sales tax group"),
        _text("TaxItemGroup", 10, "Item sales tax group"),
        AxField("DefaultDimension", "dimensions", label="Financial dimensions"),
    ),
    label="Invoice lines",
)
CUST_INVOICE_TABLE = AxTable(
    "CustInvoiceTable",
    (
        _text("InvoiceId", 20, "Invoice", description="Assigned by AX from the free text invoice number sequence"),
        _text("OrderAccount", 20, "Customer account", required=True),
        _text("InvoiceAccount", 20, "Invoice account"),
        _date("InvoiceDate", "Invoice date"),
        _date("DueDate", "Due date"),
        _date("DocumentDate", "Document date"),
        _text("CurrencyCode", 3, "Currency"),
        _text("CustomerRef", 60, "Customer reference", description="The external reference (KashFlow invoice number)"),
        _text("PurchOrderFormNum", 20, "Customer requisition"),
        AxField("DefaultDimension", "dimensions", label="Financial dimensions"),
        _amount("SumTax", "Sales tax amount", read_only=True),
        _amount("InvoiceAmount", "Invoice amount", read_only=True, description="Lines plus sales tax"),
        _amount("SettledAmount", "Settled amount", read_only=True),
        _enum("PaymentStatus", PAYMENT_STATUS, "Payment status", read_only=True),
    ),
    children=(CUST_INVOICE_LINE,),
    label="Free text invoice",
)

# --- Journals (general, vendor invoice and customer payment journals) -------------------------------------------
LEDGER_JOURNAL_TRANS = AxTable(
    "LedgerJournalTrans",
    (
        _amount("LineNum", "Line number"),
        _date("TransDate", "Date", required=True),
        _text("Voucher", 20, "Voucher"),
        _enum("AccountType", JOURNAL_ACCOUNT_TYPE, "Account type"),
        AxField("LedgerDimension", "account", label="Account", required=True),
        _amount("AmountCurDebit", "Debit"),
        _amount("AmountCurCredit", "Credit"),
        _text("CurrencyCode", 3, "Currency", required=True),
        _amount("ExchRate", "Exchange rate"),
        _text("Txt", 60, "Description"),
        _text("DocumentNum", 20, "Document", description="The external reference (KashFlow number)"),
        _text("Invoice", 20, "Invoice"),
        _text(
            "MarkedInvoice", 20, "Marked invoice", description="InvoiceId of the free text invoice this line settles"
        ),
        _text("PaymReference", 20, "Payment reference"),
        _text("PaymMode", 10, "Method of payment"),
        _enum("OffsetAccountType", JOURNAL_ACCOUNT_TYPE, "Offset account type"),
        AxField("OffsetLedgerDimension", "account", label="Offset account"),
        AxField("DefaultDimension", "dimensions", label="Financial dimensions"),
        _text("TaxGroup", 10, "Sales tax group"),
        _text("TaxItemGroup", 10, "Item sales tax group"),
    ),
    label="Journal lines",
)
LEDGER_JOURNAL_TABLE = AxTable(
    "LedgerJournalTable",
    (
        _text("JournalNum", 10, "Journal batch number", description="Assigned by AX from the journal number sequence"),
        _text("JournalName", 10, "Name", required=True),
        _text("Name", 60, "Description"),
        # A journal created through AIF is a draft until someone validates and posts it in AX (audit row 20, P2).
        _enum("Posted", NO_YES, "Posted", read_only=True, description="Yes once the journal is posted in AX"),
    ),
    children=(LEDGER_JOURNAL_TRANS,),
    label="Journal",
)

# --- Customer transactions (AX 2012 R2 CustomerTransactionService, operations F, FK, R: Microsoft's list of
# standard document services). What AX has posted: one CustTrans row per posted invoice or payment, with what is
# settled on it. The fields are CustTrans's own; the document's exact layout is not public (inferred), and the
# sandbox puts the free text invoice's CustomerRef in Txt (inferred). A posted payment line's DocumentNum is
# carried onto its customer transaction (CustTrans.DocumentNum, inferred: the field exists on CustTrans, that
# posting copies the journal line's value into it is not shown by any public source).
# Sources for the payment fields: AX 2012's "Customer transactions marked for settlement (form)" (TechNet
# aa590546) shows a customer transaction's Voucher, Method of payment (PaymMode), Invoice and Payment reference
# (PaymReference); "Customer payment management transactions (form)" (aa616116) its Document ("the identifier of
# the document that generated the transaction"); "Customer transactions (form)" (aa634902) lists invoice and
# payment transactions side by side. Warehouse models over the AX 2012 database select CustTrans.TransType,
# PaymMode, LastSettleVoucher, Invoice (empty on payments) and Closed by these names. TransType is the
# LedgerTransType base enum; the sandbox uses two of its values, Cust for a posted free text invoice and Payment
# for a posted payment line (which value AX gives a free text invoice is inferred; the enum's other values are
# left out). That the PaymReference and PaymMode of the journal line are copied onto the payment's CustTrans
# row is inferred, as for DocumentNum.
LEDGER_TRANS_TYPE = AxEnum("LedgerTransType", ("None", "Cust", "Payment"))
CUST_TRANS = AxTable(
    "CustTrans",
    (
        _text("Voucher", 20, "Voucher"),
        _text("AccountNum", 20, "Customer account"),
        _text("Invoice", 20, "Invoice"),
        _date("TransDate", "Date"),
        _text("Txt", 60, "Transaction text"),
        _text("DocumentNum", 20, "Document"),
        _enum("TransType", LEDGER_TRANS_TYPE, "Transaction type"),
        _text("PaymReference", 20, "Payment reference"),
        _text("PaymMode", 10, "Method of payment"),
        _text("CurrencyCode", 3, "Currency"),
        # ExchRate is CustTrans's too (microsoft/CDM, schemaDocuments/core/operationsCommon/Tables/Finance/
        # AccountsReceivable/Transaction/CustTrans.cdm.json); that posting copies the payment line's rate is inferred
        _amount("ExchRate", "Exchange rate"),
        _amount("AmountCur", "Amount in transaction currency"),
        _amount("SettleAmountCur", "Settled amount in transaction currency"),
        _date("LastSettleDate", "Last settlement date"),
        _date("Closed", "Closed"),
    ),
    label="Customer transactions",
)

# --- Bank statements (AX 2012 R2 advanced bank reconciliation) ---------------------------------------------------
# D1 standard-document-services.md: BankStmtService / AxdBankStmt (R2), operations C, R, D, F, GK, GCK; the bank
# account must have "Advanced bank reconciliation" selected. The tables BankStmtISOAccountStatement (a statement)
# and BankStmtISOReportEntry (its lines) and the line fields below are AX's own (the ReleaseUpdateDB41_Bank
# upgrade scripts in the same archive name BankStmtISOReportEntry; Microsoft's Common Data Model page
# BankStatementLineEntity lists EntryReference, BookingDateTime, AmountCreditDebitIndicator,
# AdditionalEntryInformation, BankDocumentNumber, ReferenceNumber over that table). The nesting, the field order,
# which fields are mandatory and the statement fields (Identification, BankAccountTable, FromDateTime,
# ToDateTime, Currency) are inferred: no public copy of the AxdBankStmt schema was found.
CREDIT_DEBIT = AxEnum("DebitCredit", ("Debit", "Credit"))
BANK_STMT_ENTRY = AxTable(
    "BankStmtISOReportEntry",
    (
        _text(
            "EntryReference",
            35,
            "Entry reference",
            required=True,
            description="The external reference: KashFlow's bank transaction Id",
        ),
        _date("BookingDateTime", "Booking date", required=True),
        _amount("Amount", "Amount", required=True),
        _enum("AmountCreditDebitIndicator", CREDIT_DEBIT, "Credit/debit", required=True),
        _text("AdditionalEntryInformation", 250, "Additional entry information"),
        _text("BankDocumentNumber", 35, "Bank document number"),
        _text("ReferenceNumber", 35, "Reference number"),
    ),
    label="Bank statement lines",
)
BANK_STMT = AxTable(
    "BankStmtISOAccountStatement",
    (
        _text("Identification", 35, "Statement ID", required=True),
        _text("BankAccountTable", 10, "Bank account", required=True),
        _date("FromDateTime", "From date", required=True),
        _date("ToDateTime", "To date", required=True),
        _text("Currency", 3, "Currency", required=True),
    ),
    children=(BANK_STMT_ENTRY,),
    label="Bank statements",
)

# --- Vendor invoices (AX 2012 R2 VendInvoiceService / AxdVendInvoice) -------------------------------------------
# D1 standard-document-services.md: "Vendor invoice", AxdVendInvoice, VendInvoiceService, AX 2012 R2, "Creates a new
# Vendor invoice", operations C, R, D, F, FK, GK, GCK; "You must provide the InventTransId value for the desired
# Purchase Order line on VendInvoiceInfoLine if receiving against Purchase Order" (an invoice without a purchase
# order, as LedgerBridge sends, has none). The entity names AxdEntity_VendInvoiceInfoTable / _VendInvoiceInfoLine
# and the header fields Num, OrderAccount, InvoiceAccount, CurrencyCode come from the AX support team's AIF example
# ("How to link the Purchase order line with a Vendor invoice line in the AIF VendVendInvoiceService service",
# Microsoft Dynamics AX Support blog, 2015-08-16), which also names the service VendVendInvoiceService. The line
# fields are VendInvoiceInfoLine's own (Microsoft's Common Data Model page TransactionLine/VendInvoiceInfoLine:
# LineNum, Description, ProcurementCategory, LineAmount, PurchPrice, ReceiveNow, TaxGroup, TaxItemGroup,
# DefaultDimension); the line has no ledger account: the expense account comes from its procurement category's
# posting setup. Inferred, as no public copy of the AxdVendInvoice schema was found: the nesting (lines directly
# under the header, VendInvoiceInfoSubTable left out), the mandatory flags, the key (TableRefId, numbered by AX),
# ProcurementCategory sent by the category's name, and ParmJobStatus showing a posted invoice.
PARM_JOB_STATUS = AxEnum("ParmJobStatus", ("Waiting", "Executed", "ContainErrors"))
VEND_INVOICE_LINE = AxTable(
    "VendInvoiceInfoLine",
    (
        _amount("LineNum", "Line number"),
        _text("Description", 1000, "Description"),
        _text("ProcurementCategory", 254, "Procurement category", required=True),
        _amount("ReceiveNow", "Quantity"),
        _amount("PurchPrice", "Unit price"),
        _amount("LineAmount", "Net amount", required=True),
        _text("CurrencyCode", 3, "Currency"),
        _text("TaxGroup", 10, "Sales tax group"),
        _text("TaxItemGroup", 10, "Item sales tax group"),
        AxField("DefaultDimension", "dimensions", label="Financial dimensions"),
    ),
    label="Invoice lines",
)
VEND_INVOICE_TABLE = AxTable(
    "VendInvoiceInfoTable",
    (
        _text("TableRefId", 20, "Internal id", description="Assigned by AX when the pending invoice is created"),
        _text("Num", 20, "Invoice", required=True, description="The vendor's invoice number"),
        _text("OrderAccount", 20, "Vendor account", required=True),
        _text("InvoiceAccount", 20, "Invoice account"),
        _date("DocumentDate", "Invoice date"),
        _date("TransDate", "Posting date"),
        _date("FixedDueDate", "Due date"),
        _text("CurrencyCode", 3, "Currency"),
        _text("Description", 60, "Invoice description"),
        _text("PaymMode", 10, "Method of payment"),
        AxField("DefaultDimension", "dimensions", label="Financial dimensions"),
        _enum("ParmJobStatus", PARM_JOB_STATUS, "Posted", read_only=True, description="Executed once AX posted it"),
    ),
    children=(VEND_INVOICE_LINE,),
    label="Pending vendor invoice",
)

# --- Reference data ---------------------------------------------------------------------------------------------
MAIN_ACCOUNT = AxTable(
    "MainAccount",
    (
        _text("MainAccountId", 20, "Main account", required=True),
        _text("Name", 60, "Name"),
        _enum("Type", MAIN_ACCOUNT_TYPE, "Main account type"),
    ),
    label="Main accounts",
)
DIMENSION_VALUE = AxTable(
    "DimensionValue",
    (
        _enum("DimensionName", DIMENSION_NAME, "Dimension", required=True),
        _text("Value", 30, "Dimension value", required=True),
        _text("Description", 60, "Description"),
    ),
    label="Financial dimension values",
)
# Exchange rates: LedgerExchangeRatesService, document AxdExchangeRates, operations CR (D1,
# standard-document-services.md). The document nests the rates of a currency pair under the pair: data source
# ``CurrencyPair`` (table ExchangeRateCurrencyPair; a Microsoft support sample queries FromCurrencyCode and
# ToCurrencyCode on DataSourceName "CurrencyPair": blogs.msdn.microsoft.com/axsupport 2015/02/07 "Adding Exchange
# Rates using the AIF LedgerExchangeRateService Service"; ``AxdEntity_CurrencyPair`` and ``AxdEntity_ExchangeRate``
# in the public C# sample gist fraga/1072951) holding ``ExchangeRate`` rows (table ExchangeRate: ExchangeRate,
# ValidFrom, ValidTo; its pair is a RefRecId, ExchangeRate::findByDate(pair, date) in the AX 2012 reference). The
# types exist in the real sharedtypes (xsd=xsd4): AxdExtType_ExchangeRateTypeName (20 characters),
# AxdEnum_ExchangeRateDisplayFactor (One .. TenThousand, "Quotation unit"), AxdExtType_CurrencyExchangeRate
# (12 decimals), AxdExtType_ValidFromDate / ValidToDate (dates). Inferred: the exact field list and order, that
# the pair's rate type travels by name (ConnExchRate_CurrencyPair.parmExchangeRateType is an
# ExchangeRateTypeName), and that the key of a document is the pair's FromCurrencyCode + ToCurrencyCode +
# ExchangeRateType (the pair's unique fields).
EXCHANGE_RATE_DISPLAY_FACTOR = AxEnum("ExchangeRateDisplayFactor", ("One", "Ten", "Hundred", "Thousand", "TenThousand"))
EXCHANGE_RATE = AxTable(
    "ExchangeRate",
    (
        _date("ValidFrom", "Effective", required=True),
        _date("ValidTo", "Expiration"),
        # AX keeps the rate per 100 units of the from currency whatever the quotation unit shows (a warehouse
        # model over AX 2012's ExchangeRate table divides ExchangeRate by 100); that AIF carries the stored
        # value is inferred
        _amount(
            "ExchangeRate",
            "Exchange rate",
            required=True,
            description="Units of ToCurrencyCode per 100 FromCurrencyCode, as AX stores it",
        ),
    ),
    label="Exchange rates",
)
CURRENCY_PAIR = AxTable(
    "CurrencyPair",
    (
        _text("FromCurrencyCode", 3, "From currency", required=True),
        _text("ToCurrencyCode", 3, "To currency", required=True),
        _text("ExchangeRateType", 20, "Exchange rate type", required=True),
        _enum("ExchangeRateDisplayFactor", EXCHANGE_RATE_DISPLAY_FACTOR, "Quotation unit"),
    ),
    children=(EXCHANGE_RATE,),
    label="Exchange rate currency pairs",
)

# --- The services -----------------------------------------------------------------------------------------------
SERVICES: dict[str, AxDocumentService] = {
    s.name: s
    for s in (
        AxDocumentService(
            "CustomerService",
            "CustCustomerService",
            "Customer",
            "AxdCustomer",
            CUST_TABLE,
            ("AccountNum",),
            confirmed="external name, class and document",
        ),
        AxDocumentService(
            "VendVendTableService",
            "VendVendTableService",
            # D1 standard-document-services.md: VendVendTableService's document is AxdVendor (element Vendor, by
            # the AxdCustomer -> Customer pattern); the external name is not documented (inferred)
            "Vendor",
            "AxdVendor",
            VEND_TABLE,
            ("AccountNum",),
            confirmed="class name and Axd document",
        ),
        AxDocumentService(
            "ItemService",
            "InventItemService",
            "Item",
            "AxdItem",
            INVENT_TABLE,
            ("ItemId",),
            confirmed="class, document",
        ),
        AxDocumentService(
            "FreeTextInvoiceService",
            "CustFreeTextInvoiceService",
            "FreeTextInvoice",
            "AxdFreeTextInvoice",
            CUST_INVOICE_TABLE,
            ("InvoiceId",),
            number_sequence="FTI-",
            operations=CREATE_ONLY,
            confirmed="external name, class and document; operations C",
        ),
        AxDocumentService(
            "LedgerGeneralJournalService",
            "LedgerGeneralJournalService",
            "LedgerGeneralJournal",
            "AxdLedgerGeneralJournal",
            LEDGER_JOURNAL_TABLE,
            ("JournalNum",),
            # VendPay: D1 lists no vendor payment journal service that creates (LedgerVendorPaymentService,
            # AxdVendorPayment, is R only: "Delivers payment information for a specific vendor"), so vendor
            # disbursements go through this service under a journal name of type Payment (inferred)
            journal_names=("GenJrn", "VendInv", "VendPay"),
            number_sequence="JNL-",
            operations=CREATE_READ,
            confirmed="class and document; operations CR",
        ),
        AxDocumentService(
            "CustPaymJournalService",
            "LedgerCustPaymJournalService",
            "CustPaymJournal",
            "AxdCustPaymJournal",
            LEDGER_JOURNAL_TABLE,
            ("JournalNum",),
            journal_names=("CustPay",),
            number_sequence="JNL-",
            operations=CREATE_ONLY,
            confirmed="class and document; operations C",
        ),
        AxDocumentService(
            "CustomerTransactionService",
            "CustomerTransactionService",
            "CustomerTransaction",
            "AxdCustomerTransaction",
            CUST_TRANS,
            ("Voucher",),
            operations=("find", "findKeys", "read"),
            confirmed="class, document and operations F, FK, R (AX 2012 R2)",
        ),
        AxDocumentService(
            "BankStmtService",
            "BankStmtService",
            "BankStmt",
            "AxdBankStmt",
            BANK_STMT,
            ("Identification",),
            # D1: C, R, D, F, GK, GCK (no update, no findKeys); the external name is inferred from the class name
            operations=("create", "read", "delete", "find", "getKeys", "getChangedKeys"),
            confirmed="class, document and operations",
        ),
        AxDocumentService(
            "VendVendInvoiceService",
            "VendInvoiceService",
            "VendInvoice",
            "AxdVendInvoice",
            VEND_INVOICE_TABLE,
            ("TableRefId",),
            # D1: C, R, D, F, FK, GK, GCK (no update); the external name is the AX support blog's
            operations=("create", "read", "delete", "find", "findKeys", "getKeys", "getChangedKeys"),
            number_sequence="VIN-",
            confirmed="class, document and operations (AX 2012 R2); external name from Microsoft's AIF example",
        ),
        AxDocumentService(
            "MainAccountService",
            "MainAccountService",
            "MainAccount",
            "AxdMainAccount",
            MAIN_ACCOUNT,
            ("MainAccountId",),
            operations=READ_OPERATIONS,
        ),
        AxDocumentService(
            "DimensionValueService",
            "DimensionValueService",
            "DimensionValue",
            "AxdDimensionValue",
            DIMENSION_VALUE,
            ("DimensionName", "Value"),
            operations=READ_OPERATIONS,
        ),
        AxDocumentService(
            # the external name: the WCF client of both public samples is ExchangeRateServiceClient
            "ExchangeRateService",
            "LedgerExchangeRatesService",
            "ExchangeRates",
            "AxdExchangeRates",
            CURRENCY_PAIR,
            ("FromCurrencyCode", "ToCurrencyCode", "ExchangeRateType"),
            operations=CREATE_READ,
            confirmed="class, document and operations CR; external name and the CurrencyPair data source",
        ),
    )
}

# Journal names of the demo company and the journal type AX gives them.
# VendPay: LedgerJournalType Payment, AX's "Vendor disbursement" journal type (inferred: the enum is not in the
# published service schemas).
JOURNAL_NAMES = {"GenJrn": "Daily", "VendInv": "Daily", "CustPay": "CustPayment", "VendPay": "Payment"}


def service(name: str) -> AxDocumentService:
    return SERVICES[name]


@dataclass(frozen=True)
class FieldPath:
    path: str  # DirParty[].DirPartyPostalAddressView[].ZipCode
    field: AxField
    table: AxTable


def field_paths(table: AxTable) -> list[FieldPath]:
    """Every leaf field of a document, with its catalog path."""
    out: list[FieldPath] = []
    for prefix, tbl in table.walk():
        for f in tbl.fields:
            out.append(FieldPath(prefix + f.name, f, tbl))
    return out
