"""Dotted paths with list selectors: parsing, reading and writing."""

from __future__ import annotations

import pytest

from mappings.engine.errors import SpecError
from mappings.engine.paths import PathConflict, compile_getter, compile_setter, parse_path

RECORD = {
    "Currency": {"Code": "GBP"},
    "LineItems": [{"Rate": 1, "Tags": ["a"]}, {"Rate": 2}],
    "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "RETAIL"}, {"Name": "Region", "Value": "North"}],
    "Deep": {"A": {"B": {"C": "deep"}}},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Currency.Code", "GBP"),
        ("Currency", {"Code": "GBP"}),
        ("LineItems[0].Rate", 1),
        ("LineItems[-1].Rate", 2),
        ("LineItems[5].Rate", None),
        ("LineItems[].Rate", [1, 2]),
        ("LineItems[0].Tags[0]", "a"),
        ("CustomTextBoxes[Name=Region].Value", "North"),
        ("CustomTextBoxes[Name=Missing].Value", None),
        ("Deep.A.B.C", "deep"),
        ("Deep.A.X.C", None),
        ("Currency.Code.Length", None),
        ("Currency[0]", None),
        ("Missing", None),
    ],
)
def test_getters_read_or_give_none(path, expected):
    assert compile_getter(parse_path(path))(RECORD) == expected


@pytest.mark.parametrize("obj", [None, "text", 42, [1, 2], {"Currency": "GBP"}, {"Currency": ["x"]}])
def test_getters_never_raise_on_the_wrong_shape(obj):
    for path in ("Currency.Code", "Currency[0].Code", "LineItems[].Rate", "Currency[Name=x].Code", "A.B.C.D"):
        compile_getter(parse_path(path))(obj)


@pytest.mark.parametrize(
    "bad", ["", "  ", ".A", "A.", "A..B", "[0]", "A[", "A[x]", "A[].B[]", "A]B", "A[0]B", 5, None, "A" * 301]
)
def test_malformed_paths_are_refused(bad):
    with pytest.raises(SpecError):
        parse_path(bad)


def test_template_replaces_indexes_with_brackets():
    assert parse_path("DirParty[0].DirPartyPostalAddressView[Roles=Invoice].Street").template() == (
        "DirParty[].DirPartyPostalAddressView[].Street"
    )


def test_setters_create_objects_and_lists_as_needed():
    doc: dict = {}
    compile_setter(parse_path("DirParty[0].Name"))(doc, "Acme")
    compile_setter(parse_path("DirParty[0].DirPartyPostalAddressView[1].City"))(doc, "Leeds")
    compile_setter(parse_path("LedgerDimension.Account"))(doc, "401100")
    compile_setter(parse_path("CustomTextBoxes[Name=CustomerGroup].Value"))(doc, "RETAIL")
    compile_setter(parse_path("CustomTextBoxes[Name=CustomerGroup].Value"))(doc, "TRADE")
    assert doc == {
        "DirParty": [{"Name": "Acme", "DirPartyPostalAddressView": [{}, {"City": "Leeds"}]}],
        "LedgerDimension": {"Account": "401100"},
        "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "TRADE"}],
    }


def test_setter_refuses_to_write_through_a_value():
    doc = {"LedgerDimension": "401100"}
    with pytest.raises(PathConflict):
        compile_setter(parse_path("LedgerDimension.Account"))(doc, "x")
    with pytest.raises(PathConflict):
        compile_setter(parse_path("LedgerDimension[0].Account"))(doc, "x")


def test_setter_paths_end_with_a_name_or_an_index_and_have_no_brackets():
    with pytest.raises(SpecError):
        compile_setter(parse_path("Lines[].Amount"))
    with pytest.raises(SpecError):
        compile_setter(parse_path("Lines[Name=x]"))
    doc: dict = {}
    compile_setter(parse_path("DirParty[0].Addresses[1]"))(doc, {"City": "Leeds"})
    compile_setter(parse_path("DirParty[0].Addresses[1].Roles"))(doc, "Invoice")
    assert doc == {"DirParty": [{"Addresses": [{}, {"City": "Leeds", "Roles": "Invoice"}]}]}
