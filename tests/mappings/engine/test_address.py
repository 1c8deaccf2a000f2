"""Address harmonisation: real-looking KashFlow address lines -> AX postal address fields."""

from __future__ import annotations

import pytest

from mappings.engine.address import country_alpha2, harmonise, normalise_uk_postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        (" ec1a  1bb ", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_uk_postcodes_are_recognised_and_normalised(raw, expected):
    assert normalise_uk_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "SW1A", "1AA SW1", "SW1A 1AAA", "Q1 1AA1", "London"])
def test_non_postcodes_are_not_recognised(raw):
    assert normalise_uk_postcode(raw) is None


# (Line1, Line2, Line3, Line4, PostCode, CountryName, CountryCode) -> (Street, City, County, ZipCode, Country)
ADDRESSES = [
    (
        ("Unit 4", "Trident Business Park", "Leeds", "West Yorkshire", "ls11 5rd", "United Kingdom", "GB"),
        ("Unit 4\nTrident Business Park", "Leeds", "West Yorkshire", "LS11 5RD", "GBR"),
    ),
    (
        ("10 Downing Street", "London", "", "", "SW1A 2AA", "", ""),
        ("10 Downing Street", "London", "", "SW1A 2AA", "GBR"),
    ),
    (
        ("The Old Mill", "Mill Lane", "Little Snoring", "Norfolk", "NR21 0AA", "", "GB"),
        ("The Old Mill\nMill Lane", "Little Snoring", "Norfolk", "NR21 0AA", "GBR"),
    ),
    (
        ("42 Station Road", "St Albans", "Herts", "", "AL1 3XX", "UK", ""),
        ("42 Station Road", "St Albans", "Hertfordshire", "AL1 3XX", "GBR"),
    ),
    (  # postcode written into the last line, no postcode field
        ("1 Deansgate", "Manchester M1 1AE", "", "", "", "", ""),
        ("1 Deansgate", "Manchester", "", "M1 1AE", "GBR"),
    ),
    (  # postcode on a line of its own and the country as the last line
        ("Flat 2", "5 Park Road", "Croydon", "CR2 6XH", "", "", ""),
        ("Flat 2\n5 Park Road", "Croydon", "", "CR2 6XH", "GBR"),
    ),
    (
        ("27 High St", "Birmingham", "West Midlands", "United Kingdom", "B33 8TH", "", ""),
        ("27 High St", "Birmingham", "West Midlands", "B33 8TH", "GBR"),
    ),
    (  # everything in one line, separated by commas
        ("12 Queen Street, Cardiff, CF10 2BU", "", "", "", "", "", ""),
        ("12 Queen Street", "Cardiff", "", "CF10 2BU", "GBR"),
    ),
    (
        ("Hauptstraße 5", "10115 Berlin", "", "", "", "Germany", ""),
        ("Hauptstraße 5", "Berlin", "", "10115", "DEU"),
    ),
    (
        ("8 Rue de Rivoli", "75001 Paris", "", "", "", "", "FR"),
        ("8 Rue de Rivoli", "Paris", "", "75001", "FRA"),
    ),
    (
        ("Keizersgracht 1", "Amsterdam", "", "", "1015 CJ", "Netherlands", "NLD"),
        ("Keizersgracht 1", "Amsterdam", "", "1015 CJ", "NLD"),
    ),
    (
        ("7 Main St", "Dublin 2", "", "", "D02 X285", "Ireland", ""),
        ("7 Main St", "Dublin 2", "", "D02 X285", "IRL"),
    ),
    (
        ("500 Elm Street", "Springfield, IL 62704", "", "", "", "United States", ""),
        ("500 Elm Street", "Springfield", "", "62704", "USA"),
    ),
    (  # a single line with a digit is the street
        ("Unit 9", "", "", "", "DN55 1PT", "", ""),
        ("Unit 9", "", "", "DN55 1PT", "GBR"),
    ),
]


@pytest.mark.parametrize(("lines", "expected"), ADDRESSES, ids=[a[0][0] for a in ADDRESSES])
def test_kashflow_address_lines_become_ax_fields(lines, expected):
    *address_lines, postcode, country_name, country_code = lines
    result = harmonise(address_lines, postcode, country_name, country_code)
    assert (result.Street, result.City, result.County, result.ZipCode, result.CountryRegionId) == expected


def test_us_state_goes_to_state():
    result = harmonise(["500 Elm Street", "Springfield, IL 62704"], None, "USA", None)
    assert result.State == "IL"


def test_country_codes_and_names_resolve_to_iso_alpha2():
    assert country_alpha2("GB") == "GB"
    assert country_alpha2("gbr") == "GB"
    assert country_alpha2("UK") == "GB"
    assert country_alpha2(None, "Deutschland") == "DE"
    assert country_alpha2(None, "united states of america") == "US"
    assert country_alpha2("ZZ", "Nowhere") is None


def test_alpha2_output_on_request_and_unknown_country_flagged():
    assert harmonise(["1 Rue X", "75001 Paris"], None, "France", None, country_format="alpha2").CountryRegionId == "FR"
    unknown = harmonise(["1 Road", "Town"], "X", "Atlantis", None)
    assert unknown.country_known is False and unknown.CountryRegionId == "GBR"
    assert harmonise(["1 Road", "Town"], None, None, None).country_known is True


def test_empty_and_odd_lines_do_not_crash():
    assert harmonise([]).as_dict() == {
        "Street": "",
        "City": "",
        "County": "",
        "State": "",
        "ZipCode": "",
        "CountryRegionId": "GBR",
    }
    assert harmonise([None, {"x": 1}, ["y"], 42, "  "]).Street == "42"
