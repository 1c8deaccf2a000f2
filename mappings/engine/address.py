"""Address harmonisation: KashFlow free-form lines + postcode -> AX Street / City / County / State / ZipCode /
CountryRegionId.

- Country: ``CountryCode`` (ISO alpha-2 or alpha-3), else ``CountryName``, else a last line naming a country
  ("United Kingdom", "UK", "Germany", ...), else the default country (GB).
- AX 2012's ``CountryRegionId`` is the ISO 3166-1 **alpha-3** code (GBR, DEU, FRA, USA, ...): the codes AX
  ships in its LogisticsAddressCountryRegion table. ``country_format="alpha2"`` gives GB, DE, ... instead.
- UK postcodes are recognised in the postcode field or at the end of any line ("SW1A 1AA", "M1 1AE",
  "B33 8TH", "CR2 6XH", "DN55 1PT", also without the space or in lower case) and normalised to upper case
  with one space. Elsewhere: a 5-digit code before the town ("10115 Berlin", "75008 Paris") and US
  "Springfield, IL 62704" (state + ZIP or ZIP+4).
- County: a line naming a UK county (abbreviations like "Herts", "Lancs" give the full name).
- City: the last line that is not the county, postcode or country; Street: the lines before it, joined
  with a newline (AX's Street is multi-line). A single remaining line is the street when it holds a
  digit, else the city. One line holding commas is split on them first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
_UK_POSTCODE_AT_END = re.compile(r"(?:^|[\s,])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$", re.IGNORECASE)
_ZIP_FIRST = re.compile(r"^(?:[A-Z]{1,2}-)?(\d{4,5})\s+(.+)$")  # "10115 Berlin", "D-10115 Berlin", "1010 Wien"
_US_TAIL = re.compile(r"^(.*?)[,\s]+([A-Z]{2})\s+(\d{5}(?:-\d{4})?)$")
_US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_DIGIT = re.compile(r"\d")

# ISO 3166-1 alpha-2 -> alpha-3, for the countries a UK business trades with most.
ALPHA3 = {
    "GB": "GBR", "IE": "IRL", "DE": "DEU", "FR": "FRA", "ES": "ESP", "IT": "ITA", "NL": "NLD", "BE": "BEL",
    "LU": "LUX", "AT": "AUT", "CH": "CHE", "DK": "DNK", "SE": "SWE", "NO": "NOR", "FI": "FIN", "IS": "ISL",
    "PL": "POL", "PT": "PRT", "CZ": "CZE", "SK": "SVK", "HU": "HUN", "GR": "GRC", "RO": "ROU", "BG": "BGR",
    "HR": "HRV", "SI": "SVN", "EE": "EST", "LV": "LVA", "LT": "LTU", "CY": "CYP", "MT": "MLT", "US": "USA",
    "CA": "CAN", "MX": "MEX", "BR": "BRA", "AU": "AUS", "NZ": "NZL", "ZA": "ZAF", "IN": "IND", "CN": "CHN",
    "JP": "JPN", "HK": "HKG", "SG": "SGP", "AE": "ARE", "SA": "SAU", "IL": "ISR", "TR": "TUR", "UA": "UKR",
    "JE": "JEY", "GG": "GGY", "IM": "IMN", "GI": "GIB", "KR": "KOR", "MY": "MYS", "TH": "THA", "PH": "PHL",
}  # fmt: skip
_ALPHA2_BY_3 = {v: k for k, v in ALPHA3.items()}
_COUNTRY_NAMES = {
    "united kingdom": "GB", "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "gb": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "ireland": "IE", "republic of ireland": "IE", "eire": "IE", "germany": "DE", "deutschland": "DE",
    "france": "FR", "spain": "ES", "españa": "ES", "italy": "IT", "italia": "IT", "netherlands": "NL",
    "the netherlands": "NL", "holland": "NL", "nederland": "NL", "belgium": "BE", "luxembourg": "LU",
    "austria": "AT", "österreich": "AT", "switzerland": "CH", "schweiz": "CH", "denmark": "DK", "sweden": "SE",
    "norway": "NO", "finland": "FI", "iceland": "IS", "poland": "PL", "portugal": "PT", "czech republic": "CZ",
    "czechia": "CZ", "slovakia": "SK", "hungary": "HU", "greece": "GR", "romania": "RO", "bulgaria": "BG",
    "croatia": "HR", "slovenia": "SI", "estonia": "EE", "latvia": "LV", "lithuania": "LT", "cyprus": "CY",
    "malta": "MT", "united states": "US", "united states of america": "US", "usa": "US", "u.s.a.": "US",
    "us": "US", "america": "US", "canada": "CA", "mexico": "MX", "brazil": "BR", "australia": "AU",
    "new zealand": "NZ", "south africa": "ZA", "india": "IN", "china": "CN", "japan": "JP", "hong kong": "HK",
    "singapore": "SG", "united arab emirates": "AE", "uae": "AE", "saudi arabia": "SA", "israel": "IL",
    "turkey": "TR", "türkiye": "TR", "ukraine": "UA", "jersey": "JE", "guernsey": "GG", "isle of man": "IM",
    "gibraltar": "GI", "south korea": "KR", "malaysia": "MY", "thailand": "TH", "philippines": "PH",
}  # fmt: skip

_UK_COUNTIES = (
    "Bedfordshire", "Berkshire", "Bristol", "Buckinghamshire", "Cambridgeshire", "Cheshire", "City of London",
    "Cornwall", "Cumbria", "Derbyshire", "Devon", "Dorset", "Durham", "County Durham", "East Riding of Yorkshire",
    "East Sussex", "Essex", "Gloucestershire", "Greater London", "Greater Manchester", "Hampshire",
    "Herefordshire", "Hertfordshire", "Isle of Wight", "Kent", "Lancashire", "Leicestershire", "Lincolnshire",
    "Merseyside", "Norfolk", "North Yorkshire", "Northamptonshire", "Northumberland", "Nottinghamshire",
    "Oxfordshire", "Rutland", "Shropshire", "Somerset", "South Yorkshire", "Staffordshire", "Suffolk", "Surrey",
    "Tyne and Wear", "Warwickshire", "West Midlands", "West Sussex", "West Yorkshire", "Wiltshire",
    "Worcestershire", "Middlesex", "Avon", "Cleveland", "Humberside", "Yorkshire",
    # Wales
    "Anglesey", "Blaenau Gwent", "Bridgend", "Caerphilly", "Cardiff", "Carmarthenshire", "Ceredigion", "Conwy",
    "Denbighshire", "Flintshire", "Gwynedd", "Monmouthshire", "Neath Port Talbot", "Newport", "Pembrokeshire",
    "Powys", "Rhondda Cynon Taf", "Swansea", "Torfaen", "Vale of Glamorgan", "Wrexham", "Clwyd", "Dyfed",
    "Gwent", "Mid Glamorgan", "South Glamorgan", "West Glamorgan",
    # Scotland
    "Aberdeenshire", "Angus", "Argyll and Bute", "Ayrshire", "Clackmannanshire", "Dumfries and Galloway",
    "Dunbartonshire", "East Lothian", "Fife", "Highland", "Inverclyde", "Lanarkshire", "Midlothian", "Moray",
    "Orkney", "Perth and Kinross", "Renfrewshire", "Scottish Borders", "Shetland", "Stirlingshire",
    "West Lothian", "Lothian", "Strathclyde", "Tayside", "Grampian",
    # Northern Ireland
    "County Antrim", "County Armagh", "County Down", "County Fermanagh", "County Londonderry", "County Tyrone",
    "Antrim", "Armagh", "Fermanagh", "Londonderry", "Tyrone",
)  # fmt: skip
_COUNTY_ABBREVIATIONS = {
    "beds": "Bedfordshire", "berks": "Berkshire", "bucks": "Buckinghamshire", "cambs": "Cambridgeshire",
    "co durham": "County Durham", "co. durham": "County Durham", "derbys": "Derbyshire", "glos": "Gloucestershire",
    "hants": "Hampshire", "herts": "Hertfordshire", "lancs": "Lancashire", "leics": "Leicestershire",
    "lincs": "Lincolnshire", "middx": "Middlesex", "northants": "Northamptonshire", "notts": "Nottinghamshire",
    "oxon": "Oxfordshire", "salop": "Shropshire", "staffs": "Staffordshire", "wilts": "Wiltshire",
    "worcs": "Worcestershire", "yorks": "Yorkshire", "n yorks": "North Yorkshire", "s yorks": "South Yorkshire",
    "w yorks": "West Yorkshire", "e sussex": "East Sussex", "w sussex": "West Sussex", "w midlands": "West Midlands",
    "co antrim": "County Antrim", "co. antrim": "County Antrim", "co down": "County Down", "co. down": "County Down",
}  # fmt: skip
COUNTIES = {c.casefold(): c for c in _UK_COUNTIES} | {k: v for k, v in _COUNTY_ABBREVIATIONS.items()}

# Names that are both a city and a county: as the last line they are the town.
_CITY_NOT_COUNTY = {"bristol", "cardiff", "swansea", "newport"}

PARTS = ("Street", "City", "County", "State", "ZipCode", "CountryRegionId")


@dataclass(frozen=True)
class HarmonisedAddress:
    Street: str = ""
    City: str = ""
    County: str = ""
    State: str = ""
    ZipCode: str = ""
    CountryRegionId: str = ""
    country_known: bool = True

    def as_dict(self) -> dict[str, str]:
        return {p: getattr(self, p) for p in PARTS}


def normalise_uk_postcode(text: str) -> str | None:
    """``"sw1a1aa"`` -> ``"SW1A 1AA"``; None when the text is not a UK postcode."""
    compact = re.sub(r"\s+", "", str(text)).upper()
    if not 5 <= len(compact) <= 7 or not UK_POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def country_alpha2(code: str | None = None, name: str | None = None) -> str | None:
    """ISO alpha-2 from an alpha-2/alpha-3 code or an English (or native) country name; None when unknown."""
    if code:
        text = str(code).strip().upper()
        if text == "UK":
            return "GB"
        if len(text) == 2 and (text in ALPHA3):
            return text
        if len(text) == 3 and text in _ALPHA2_BY_3:
            return _ALPHA2_BY_3[text]
    if name:
        return _COUNTRY_NAMES.get(str(name).strip().strip(".").casefold()) or _COUNTRY_NAMES.get(
            str(name).strip().casefold()
        )
    return None


def country_region_id(alpha2: str, country_format: str = "alpha3") -> str:
    return alpha2 if country_format == "alpha2" else ALPHA3.get(alpha2, alpha2)


def harmonise(
    lines: Iterable[object],
    postcode: object = None,
    country_name: object = None,
    country_code: object = None,
    *,
    default_country: str = "GB",
    country_format: str = "alpha3",
) -> HarmonisedAddress:
    """Split free-form address lines into AX's fields (see the module docstring for the rules)."""
    work = [_clean(x) for x in lines if x is not None and not isinstance(x, dict | list)]
    work = [x for x in work if x]
    if len(work) == 1 and "," in work[0]:
        work = [p for p in (_clean(x) for x in work[0].split(",")) if p]

    # Country: explicit code or name, else a last line naming one.
    country_known = True
    given_code = _clean(country_code) if country_code is not None else ""
    given_name = _clean(country_name) if country_name is not None else ""
    alpha2 = country_alpha2(given_code, given_name)
    if work and country_alpha2(name=work[-1]) and not _DIGIT.search(work[-1]):
        line_country = country_alpha2(name=work.pop())
        alpha2 = alpha2 or line_country
    if alpha2 is None:
        country_known = not (given_code or given_name)
        alpha2 = default_country

    zip_code = ""
    state = ""
    raw_postcode = _clean(postcode) if postcode is not None else ""
    if alpha2 == "GB" or alpha2 in ("JE", "GG", "IM"):
        zip_code = normalise_uk_postcode(raw_postcode) or raw_postcode.upper()
        # A postcode written into the lines: a whole line, or the end of one ("London SW1A 1AA").
        for i in range(len(work) - 1, -1, -1):
            whole = normalise_uk_postcode(work[i])
            if whole:
                zip_code = zip_code or whole
                del work[i]
                break
            m = _UK_POSTCODE_AT_END.search(work[i])
            if m and normalise_uk_postcode(m.group(1)):
                zip_code = zip_code or normalise_uk_postcode(m.group(1)) or ""
                work[i] = _clean(work[i][: m.start(1)])
                if not work[i]:
                    del work[i]
                break
    elif alpha2 == "US":
        zip_code = raw_postcode
        if work:
            m = _US_TAIL.match(work[-1])
            if m:
                work[-1] = _clean(m.group(1))
                state, zip_code = m.group(2), zip_code or m.group(3)
                if not work[-1]:
                    work.pop()
            elif len(work[-1]) == 2 and work[-1].isalpha() and work[-1].isupper():
                state = work.pop()
    else:
        zip_code = raw_postcode
        for i in range(len(work) - 1, -1, -1):
            m = _ZIP_FIRST.match(work[i])
            if m:
                zip_code = zip_code or m.group(1)
                work[i] = _clean(m.group(2))
                break
            if work[i].isdigit() and 4 <= len(work[i]) <= 5:
                zip_code = zip_code or work[i]
                del work[i]
                break

    county = ""
    if alpha2 == "GB":
        for i in range(len(work) - 1, -1, -1):
            key = work[i].casefold().rstrip(".")
            if key in COUNTIES and i > 0 and not (key in _CITY_NOT_COUNTY and i == len(work) - 1):
                county = COUNTIES[key]
                del work[i]
                break

    city = ""
    if len(work) >= 2 or (len(work) == 1 and not _DIGIT.search(work[0])):
        city = work.pop()
    return HarmonisedAddress(
        Street="\n".join(work),
        City=city,
        County=county,
        State=state,
        ZipCode=zip_code,
        CountryRegionId=country_region_id(alpha2, country_format),
        country_known=country_known,
    )


def _clean(value: object) -> str:
    return " ".join(str(value).split()).strip(" ,;")
