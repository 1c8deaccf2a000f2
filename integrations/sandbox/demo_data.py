"""The fixed cast of the demo company: charts, parties, products and places.

``demo.py`` turns these tables into records (and draws the transactions from a seeded random generator).
The correspondence ``NOMINAL_TO_MAIN_ACCOUNT`` is what the shipped nominal-code value map should hold;
the codes in ``UNMAPPED_NOMINALS`` are deliberately left out of it, so a few records land in the exception
queue with a "value not mapped" issue.
"""

from __future__ import annotations

from typing import NamedTuple

# --- AX chart of accounts: (MainAccountId, Name, Type) ----------------------------------------------------------
MAIN_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("110110", "Bank - current account", "Asset"),
    ("110120", "Bank - euro account", "Asset"),
    ("110200", "Petty cash", "Asset"),
    ("130100", "Accounts receivable - domestic", "Asset"),
    ("130200", "Accounts receivable - foreign", "Asset"),
    ("140100", "Inventory", "Asset"),
    ("150100", "Prepayments", "Asset"),
    ("180100", "Office equipment", "Asset"),
    ("180200", "Computer equipment", "Asset"),
    ("180300", "Motor vehicles", "Asset"),
    ("200100", "Accounts payable - domestic", "Liability"),
    ("200200", "Accounts payable - foreign", "Liability"),
    ("210100", "Accruals", "Liability"),
    ("222100", "VAT payable - output tax", "Liability"),
    ("222200", "VAT receivable - input tax", "Liability"),
    ("230100", "PAYE and National Insurance", "Liability"),
    ("250100", "Bank loan", "Liability"),
    ("290100", "Share capital", "Equity"),
    ("290200", "Retained earnings", "Equity"),
    ("401100", "Sales - products", "Revenue"),
    ("401200", "Sales - services", "Revenue"),
    ("401300", "Sales - EU", "Revenue"),
    ("401400", "Sales - export", "Revenue"),
    ("401500", "Sales - consultancy", "Revenue"),
    ("450100", "Interest received", "Revenue"),
    ("500100", "Cost of goods sold", "Expense"),
    ("500200", "Subcontractors", "Expense"),
    ("500300", "Carriage inwards", "Expense"),
    ("600100", "Salaries", "Expense"),
    ("600200", "Employer's National Insurance", "Expense"),
    ("610100", "Rent", "Expense"),
    ("610200", "Business rates", "Expense"),
    ("620100", "Light and heat", "Expense"),
    ("630100", "Telephone and internet", "Expense"),
    ("640100", "Travel and subsistence", "Expense"),
    ("650100", "Advertising and marketing", "Expense"),
    ("660100", "Legal and professional fees", "Expense"),
    ("670100", "Software subscriptions", "Expense"),
    ("680100", "Bank charges", "Expense"),
    ("690000", "Sundry expenses", "Expense"),
)

# --- KashFlow nominal codes: (Code, Name, Type) -----------------------------------------------------------------
NOMINALS: tuple[tuple[int, str, str], ...] = (
    (1100, "Debtors control", "Asset"),
    (1001, "Stock", "Asset"),
    (1200, "Business current account", "Asset"),
    (1210, "Euro account", "Asset"),
    (1230, "Petty cash", "Asset"),
    (2100, "Creditors control", "Liability"),
    (2200, "VAT on sales", "Liability"),
    (2201, "VAT on purchases", "Liability"),
    (2210, "PAYE and NI", "Liability"),
    (2300, "Bank loan", "Liability"),
    (3000, "Share capital", "Equity"),
    (3200, "Retained profit", "Equity"),
    (4000, "Sales - products", "Sales"),
    (4010, "Sales - services", "Sales"),
    (4020, "Sales - EU", "Sales"),
    (4030, "Sales - export", "Sales"),
    (4100, "Consultancy fees", "Sales"),
    (4900, "Sundry income", "Sales"),
    (5000, "Materials purchased", "Expense"),
    (5100, "Subcontractors", "Expense"),
    (5200, "Carriage", "Expense"),
    (6201, "Advertising", "Expense"),
    (7000, "Gross wages", "Expense"),
    (7006, "Employer's NI", "Expense"),
    (7100, "Rent", "Expense"),
    (7103, "Business rates", "Expense"),
    (7200, "Electricity", "Expense"),
    (7400, "Travel", "Expense"),
    (7500, "Office costs", "Expense"),
    (7502, "Telephone and internet", "Expense"),
    (7600, "Legal and professional fees", "Expense"),
    (7700, "Software subscriptions", "Expense"),
    (7900, "Bank charges", "Expense"),
    (8200, "Charitable donations", "Expense"),
)

NOMINAL_TO_MAIN_ACCOUNT: dict[int, str] = {
    1100: "130100",
    1001: "140100",
    1200: "110110",
    1210: "110120",
    1230: "110200",
    2100: "200100",
    2200: "222100",
    2201: "222200",
    2210: "230100",
    2300: "250100",
    3000: "290100",
    3200: "290200",
    4000: "401100",
    4010: "401200",
    4020: "401300",
    4030: "401400",
    4100: "401500",
    5000: "500100",
    5100: "500200",
    5200: "500300",
    6201: "650100",
    7000: "600100",
    7006: "600200",
    7100: "610100",
    7103: "610200",
    7200: "620100",
    7400: "640100",
    7500: "690000",
    7502: "630100",
    7600: "660100",
    7700: "670100",
    7900: "680100",
}
UNMAPPED_NOMINALS: tuple[int, ...] = (4900, 8200)

# --- AX financial dimensions: (DimensionName, Value, Description) ----------------------------------------------
DIMENSION_VALUES: tuple[tuple[str, str, str], ...] = (
    ("Department", "010", "Administration"),
    ("Department", "020", "Sales"),
    ("Department", "022", "Sales UK"),
    ("Department", "023", "Sales EU"),
    ("Department", "030", "Operations"),
    ("Department", "040", "Finance"),
    ("Department", "050", "IT"),
    ("CostCenter", "OU_1", "Head office"),
    ("CostCenter", "OU_2", "Manchester branch"),
    ("CostCenter", "OU_3", "Leeds warehouse"),
    ("CostCenter", "OU_4", "Bristol branch"),
    ("CostCenter", "OU_5", "Online shop"),
    ("CostCenter", "OU_6", "Field service"),
    ("BusinessUnit", "BU_RETAIL", "Retail"),
    ("BusinessUnit", "BU_WHOLESALE", "Wholesale"),
    ("BusinessUnit", "BU_ONLINE", "Online"),
)

# Units of GBP per 1 unit of the currency, around which the demo rates move.
BASE_RATES_TO_GBP: dict[str, float] = {"EUR": 0.8575, "USD": 0.7890}
# The demo ledger's default exchange rate type (AX 2012 keeps rates per type: Ledger::defaultExchangeRateType);
# its name is the demo's choice.
EXCHANGE_RATE_TYPE = "Default"

PAYMENT_TERMS: dict[str, int] = {"Net14": 14, "Net30": 30, "Net60": 60}


# --- Places ---------------------------------------------------------------------------------------------------
class Place(NamedTuple):
    town: str
    county: str  # "" when addresses there rarely carry one
    county_code: str  # AX county id (at most 10 characters)
    postcodes: tuple[str, ...]
    country: str = "United Kingdom"
    country_code: str = "GB"
    state: str = ""


UK_PLACES: tuple[Place, ...] = (
    Place("London", "", "", ("EC1A 1BB", "EC2V 7HH", "SE1 9SG", "W1D 3QF", "N1 9GU", "E14 5AB")),
    Place("Manchester", "Greater Manchester", "GTRMANCH", ("M1 4BT", "M2 5DB", "M3 3EB", "M4 1HN")),
    Place("Leeds", "West Yorkshire", "WYORKS", ("LS1 5AB", "LS2 8JS", "LS11 5QN")),
    Place("Birmingham", "West Midlands", "WMIDS", ("B3 2PW", "B1 1BD", "B5 4BU")),
    Place("Bristol", "", "", ("BS1 6QF", "BS1 4DJ", "BS2 0JA")),
    Place("Edinburgh", "", "", ("EH2 2BY", "EH1 1YZ", "EH3 9WJ")),
    Place("Cardiff", "South Glamorgan", "SGLAM", ("CF10 1EP", "CF10 3AT", "CF24 0DE")),
    Place("Newcastle upon Tyne", "Tyne and Wear", "TYNEWEAR", ("NE1 7RU", "NE1 4ST")),
    Place("Glasgow", "", "", ("G2 1DY", "G1 3SL", "G3 8AZ")),
    Place("Nottingham", "Nottinghamshire", "NOTTS", ("NG1 5FW", "NG1 7FG")),
    Place("Sheffield", "South Yorkshire", "SYORKS", ("S1 2HE", "S3 8NN")),
    Place("Reading", "Berkshire", "BERKS", ("RG1 1AF", "RG1 3BE")),
    Place("Cambridge", "Cambridgeshire", "CAMBS", ("CB2 1TN", "CB1 2LA")),
    Place("Oxford", "Oxfordshire", "OXON", ("OX1 2JD", "OX4 2JY")),
    Place("York", "North Yorkshire", "NYORKS", ("YO1 7HH", "YO1 9RZ")),
    Place("Southampton", "Hampshire", "HANTS", ("SO14 7DU", "SO15 1BA")),
    Place("Leicester", "Leicestershire", "LEICS", ("LE1 5WW", "LE1 1AD")),
    Place("Norwich", "Norfolk", "NORFOLK", ("NR2 1NH", "NR1 3JU")),
    Place("Exeter", "Devon", "DEVON", ("EX1 1GE", "EX4 3SR")),
    Place("Belfast", "County Antrim", "ANTRIM", ("BT1 5GS", "BT2 7BG")),
)
EU_PLACES: tuple[Place, ...] = (
    Place("Berlin", "", "", ("10115", "10178"), "Germany", "DE"),
    Place("Paris", "", "", ("75002", "75011"), "France", "FR"),
    Place("Dublin", "", "", ("D02 X285", "D01 F5P2"), "Ireland", "IE"),
    Place("Amsterdam", "", "", ("1012 JS", "1017 CE"), "Netherlands", "NL"),
    Place("Madrid", "", "", ("28013", "28004"), "Spain", "ES"),
    Place("Milan", "", "", ("20121", "20122"), "Italy", "IT"),
)
US_PLACES: tuple[Place, ...] = (
    Place("New York", "", "", ("10118", "10001"), "United States", "US", "NY"),
    Place("Boston", "", "", ("02110", "02116"), "United States", "US", "MA"),
    Place("Chicago", "", "", ("60601", "60606"), "United States", "US", "IL"),
)
ISO3 = {"GB": "GBR", "DE": "DEU", "FR": "FRA", "IE": "IRL", "NL": "NLD", "ES": "ESP", "IT": "ITA", "US": "USA"}

UK_STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Street",
    "Mill Lane",
    "King Street",
    "Queen's Road",
    "Park Avenue",
    "Market Place",
    "Albert Road",
    "Castle Street",
    "Bridge Street",
)
UK_BUILDINGS = ("Unit 4, Riverside Park", "Suite 2, Wellington House", "The Old Forge", "3rd Floor, Albion Court")
UK_DISTRICTS = ("Enterprise Park", "Town Centre", "Riverside", "Old Town", "Business Quarter", "Westside")
EU_STREETS = ("Friedrichstraße", "Rue de Rivoli", "Grafton Street", "Keizersgracht", "Calle de Alcalá", "Via Dante")
US_STREETS = ("Fifth Avenue", "Boylston Street", "Michigan Avenue", "Broadway")

FIRST_NAMES = ("Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Jack", "Sophie", "Noah", "Priya", "Tom")
LAST_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Patel", "Wilson", "Evans", "Walker", "Khan", "Hughes", "Clarke")


# --- Customers: (Code, Name, market) where market is UK | EU | US; group follows from it -----------------------
CUSTOMERS: tuple[tuple[str, str, str], ...] = (
    ("ACME01", "Acme Trading Ltd", "UK"),
    ("BRIG01", "Bright Spark Electrical Ltd", "UK"),
    ("CAST01", "Castle Hardware Supplies", "UK"),
    ("DALE01", "Dales Outdoor Ltd", "UK"),
    ("EAST01", "Eastgate Office Interiors", "UK"),
    ("FERN01", "Fernhill Garden Centre", "UK"),
    ("GRAN01", "Granite & Slate Co", "UK"),
    ("HARB01", "Harbour Lights Hotel", "UK"),
    ("IRON01", "Ironbridge Engineering plc", "UK"),
    ("JUNI01", "Juniper Cafe Group", "UK"),
    ("KEST01", "Kestrel Logistics Ltd", "UK"),
    ("LARK01", "Larkspur Florists", "UK"),
    ("MERI01", "Meridian Dental Practice", "UK"),
    ("NORT01", "Northwind Traders UK", "UK"),
    ("OAKL01", "Oakleaf Furniture Ltd", "UK"),
    ("PENN01", "Pennine Brewing Co", "UK"),
    ("QUAY01", "Quayside Marine Services", "UK"),
    ("REDB01", "Redbrick Lettings", "UK"),
    ("SILV01", "Silverline Print & Design", "UK"),
    ("THAM01", "Thames Valley Catering", "UK"),
    ("UNIC01", "Unicorn Toys Ltd", "UK"),
    ("VALE01", "Vale of York Farms", "UK"),
    ("WILL01", "Willow & Hart Solicitors", "UK"),
    ("YEOM01", "Yeoman Security Systems", "UK"),
    ("ABBE01", "Abbey Road Studios Supplies", "UK"),
    ("BEAC01", "Beacon Health Clinics", "UK"),
    ("CLOV01", "Clover Dairy Ltd", "UK"),
    ("DOVE01", "Dovetail Joinery", "UK"),
    ("ELMS01", "Elmstead Primary Academy", "UK"),
    ("FALC01", "Falcon Couriers", "UK"),
    ("HIGH01", "Highland Wool Company", "UK"),
    ("MOOR01", "Moorland Veterinary Group", "UK"),
    ("BAUH01", "Bauhaus Handel GmbH", "EU"),
    ("LUMI01", "Lumière Distribution SARL", "EU"),
    ("SHAM01", "Shamrock Wholesale Ltd", "EU"),
    ("TULP01", "Tulpen Import BV", "EU"),
    ("SOLM01", "Sol y Mar Comercial SL", "EU"),
    ("MILA01", "Milano Moda Srl", "EU"),
    ("LIBE01", "Liberty Imports Inc", "US"),
    ("BOST01", "Boston Harbor Goods LLC", "US"),
    # Customers first created in KashFlow: AX does not know them until the customer flow creates them.
    ("COPP01", "Copperfield Books", "UK"),
    ("GLEN01", "Glenmore Estates", "UK"),
    ("HAZE01", "Hazelwood Nurseries", "UK"),
    ("NEWT01", "Newton Lab Equipment", "UK"),
    ("ORCH01", "Orchard View Care Home", "UK"),
    ("PINE01", "Pinecrest Builders", "UK"),
    ("ROWA01", "Rowan Tree Yoga Studio", "UK"),
    ("STAG01", "Stag & Hound Pub Co", "UK"),
    ("RHEI01", "Rheinland Technik AG", "EU"),
    ("WIND01", "Windy City Supply Co", "US"),
)
AX_CUSTOMER_COUNT = 40  # the first 40 exist in AX too

# --- Suppliers: (Code, Name, market, DefaultNominalCode) --------------------------------------------------------
SUPPLIERS: tuple[tuple[str, str, str, int], ...] = (
    ("ALPH01", "Alpha Components Ltd", "UK", 5000),
    ("BRIT01", "British Packaging Co", "UK", 5000),
    ("CITY01", "City Couriers Ltd", "UK", 5200),
    ("DATA01", "Datacentre Hosting Ltd", "UK", 7700),
    ("ENER01", "EnergyPlus Utilities", "UK", 7200),
    ("FAST01", "FastFix Facilities", "UK", 5100),
    ("GREA01", "Great Northern Property", "UK", 7100),
    ("HAWK01", "Hawkins & Co Accountants", "UK", 7600),
    ("INFI01", "Infinity Telecom", "UK", 7502),
    ("JETS01", "Jetstream Travel", "UK", 7400),
    ("KING01", "Kingsway Stationers", "UK", 7500),
    ("LOCA01", "Local Council Rates", "UK", 7103),
    ("MARK01", "Markham Marketing", "UK", 6201),
    ("NOVA01", "Nova Software Ltd", "UK", 7700),
    ("OMEG01", "Omega Metals Ltd", "UK", 5000),
    ("PRIM01", "Prime Timber Merchants", "UK", 5000),
    ("RHEN01", "Rhenus Teile GmbH", "EU", 5000),
    ("SEIN01", "Seine Emballage SA", "EU", 5000),
    ("DUBL01", "Dublin Freight Ltd", "EU", 5200),
    ("ATLA01", "Atlantic Electronics Inc", "US", 5000),
)


# --- Products: (Code, Name, Price GBP, NominalCode, VATRate, Category, ItemType, ItemGroupId, Unit) --------------
class Product(NamedTuple):
    code: str
    name: str
    price: str
    nominal: int
    vat_rate: float
    category: str
    item_type: str  # AX ItemType: Item | Service
    item_group: str  # AX ItemGroupId
    unit: str


PRODUCTS: tuple[Product, ...] = (
    Product("DESK-OAK", "Oak office desk", "349.00", 4000, 20.0, "Furniture", "Item", "FURN", "ea"),
    Product("DESK-STD", "Standing desk frame", "289.50", 4000, 20.0, "Furniture", "Item", "FURN", "ea"),
    Product("CHAIR-ERG", "Ergonomic office chair", "189.99", 4000, 20.0, "Furniture", "Item", "FURN", "ea"),
    Product("CAB-3DR", "Three-drawer filing cabinet", "124.00", 4000, 20.0, "Furniture", "Item", "FURN", "ea"),
    Product("SHELF-5", "Five-shelf steel unit", "79.95", 4000, 20.0, "Furniture", "Item", "FURN", "ea"),
    Product("LAMP-LED", "LED desk lamp", "34.50", 4000, 20.0, "Lighting", "Item", "LIGHT", "ea"),
    Product("PANEL-LED", "LED ceiling panel 600x600", "42.00", 4000, 20.0, "Lighting", "Item", "LIGHT", "ea"),
    Product("CABLE-CAT6", "Cat6 network cable 305m", "96.00", 4000, 20.0, "Electrical", "Item", "ELEC", "box"),
    Product("SOCK-DBL", "Double socket, white", "6.80", 4000, 20.0, "Electrical", "Item", "ELEC", "ea"),
    Product("UPS-1500", "UPS 1500VA", "265.00", 4000, 20.0, "Electrical", "Item", "ELEC", "ea"),
    Product("PAPER-A4", "A4 copier paper, box of 5 reams", "23.40", 4000, 20.0, "Consumables", "Item", "CONS", "box"),
    Product("TONER-BK", "Black toner cartridge", "58.00", 4000, 20.0, "Consumables", "Item", "CONS", "ea"),
    Product("COFFEE-1K", "Coffee beans 1kg", "14.95", 4000, 0.0, "Catering", "Item", "CATER", "kg"),
    Product("MILK-12", "UHT milk portions x120", "9.60", 4000, 0.0, "Catering", "Item", "CATER", "box"),
    Product("BOOK-H&S", "Health and safety handbook", "18.00", 4000, 0.0, "Books", "Item", "BOOKS", "ea"),
    Product("BOOK-GDPR", "GDPR practical guide", "24.00", 4000, 0.0, "Books", "Item", "BOOKS", "ea"),
    Product("SEAT-CHILD", "Child car seat", "119.00", 4000, 5.0, "Safety", "Item", "SAFETY", "ea"),
    Product("INSUL-50", "Loft insulation roll 50mm", "27.90", 4000, 5.0, "Energy saving", "Item", "ENERGY", "roll"),
    Product("SOLAR-KIT", "Solar panel starter kit", "640.00", 4000, 5.0, "Energy saving", "Item", "ENERGY", "ea"),
    Product("PPE-MASK", "FFP3 masks x20", "31.00", 4000, 20.0, "Safety", "Item", "SAFETY", "box"),
    Product("SRV-INSTALL", "Installation, per hour", "65.00", 4010, 20.0, "Services", "Service", "SERV", "hr"),
    Product("SRV-DELIV", "Delivery and assembly", "45.00", 4010, 20.0, "Services", "Service", "SERV", "ea"),
    Product("SRV-MAINT", "Annual maintenance plan", "480.00", 4010, 20.0, "Services", "Service", "SERV", "yr"),
    Product("SRV-SURVEY", "Site survey", "150.00", 4010, 20.0, "Services", "Service", "SERV", "ea"),
    Product("SRV-TRAIN", "Staff training session", "220.00", 4010, 20.0, "Services", "Service", "SERV", "ea"),
    Product("CONS-DAY", "Consultancy, day rate", "750.00", 4100, 20.0, "Consultancy", "Service", "CONSULT", "day"),
    Product("CONS-HOUR", "Consultancy, hourly", "110.00", 4100, 20.0, "Consultancy", "Service", "CONSULT", "hr"),
    Product("CONS-AUDIT", "Workplace audit", "1200.00", 4100, 20.0, "Consultancy", "Service", "CONSULT", "ea"),
    Product("LIC-DESK", "Desk booking app licence", "8.50", 4010, 20.0, "Software", "Service", "SOFT", "mth"),
    Product("LIC-SENS", "Occupancy sensor subscription", "4.25", 4010, 20.0, "Software", "Service", "SOFT", "mth"),
)
