"""The safe expression language: what it evaluates, and every kind of input it refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mappings.engine import RuleSpec, compile_mapping, expression_functions, validate_spec

from .helpers import spec, value_map

RECORD = {
    "Number": 1001,
    "CustomerName": "acme ltd",
    "Email": "",
    "Telephone": "0113 496 0000",
    "Paid": False,
    "Amount": 0.1,
    "Other": 0.2,
    "IssuedDate": "2026-03-31",
    "Currency": {"Code": "EUR", "ExchangeRate": 0.85},
    "Addresses": [{"Line1": "1 High St"}],
    "LineItems": [{"Rate": 10.5, "VATAmount": 2.1}, {"Rate": 3, "VATAmount": 0.6}],
    "Status": "Paid",
    "VATRate": 20.0,
}


def evaluate(source, record=RECORD, **kwargs):
    result = compile_mapping(spec(RuleSpec("Out", "expression", source), **kwargs)).apply(record)
    assert result.issues == [], result.issues
    return result.document.get("Out")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Amount + Other", Decimal("0.3")),
        ("Amount + Other == 0.3", True),
        ("Number * 2 - 2", 2000),
        ("Number / 8", Decimal("125.125")),
        ("Number // 7", 143),
        ("Number % 7", 0),
        ("-Amount", Decimal("-0.1")),
        ("1 < Number < 2000", True),
        ("Paid or Status == 'Paid'", True),
        ("not Paid and Number > 5", True),
        ("'settled' if Status == 'Paid' else 'open'", "settled"),
        ("Currency.Code", "EUR"),
        ("Currency['Code']", "EUR"),
        ("LineItems[0].Rate * 2", Decimal("21.0")),
        ("LineItems[-1].Rate", 3),
        ("field('Addresses[0].Line1')", "1 High St"),
        ("sum(field('LineItems[].VATAmount'))", Decimal("2.7")),
        ("len(LineItems)", 2),
        ("coalesce(Email, Telephone, 'none')", "0113 496 0000"),
        ("concat('KF-', Number)", "KF-1001"),
        ("upper(CustomerName)", "ACME LTD"),
        ("title(CustomerName)", "Acme Ltd"),
        ("trim('  x ')", "x"),
        ("lower('ABC')", "abc"),
        ("str(Number) + '/A'", "1001/A"),
        ("decimal('12.50') * 2", Decimal("25.00")),
        ("int('42') + 1", 43),
        ("round(Currency.ExchangeRate * 100, 1)", Decimal("85.0")),
        ("round(2.5)", Decimal("3")),
        ("date(IssuedDate, '%d/%m/%Y')", "31/03/2026"),
        ("date(IssuedDate)", "2026-03-31"),
        ("Status in ['Paid', 'PartiallyPaid']", True),
        ("'ac' in CustomerName", True),
        ("substr(CustomerName, 0, 4)", "acme"),
        ("replace(CustomerName, 'ltd', 'Limited')", "acme Limited"),
        ("min(3, Number, 7)", 3),
        ("max(Amount, Other)", Decimal("0.2")),
        ("abs(-Number)", 1001),
        ("Missing is None" if False else "coalesce(Missing, 'dflt')", "dflt"),
        ("lookup('vat', VATRate)", "STD"),
    ],
)
def test_valid_expressions(source, expected):
    maps = {"vat": value_map("vat", ("20", "STD"))}
    assert evaluate(source, value_maps=maps) == expected


def test_item_and_the_line_source_path_read_the_current_line():
    rules = (
        RuleSpec("CustInvoiceLine[].A", "expression", "item.Rate * 2"),
        RuleSpec("CustInvoiceLine[].B", "expression", "field('LineItems[].Rate') + Number"),
        RuleSpec("CustInvoiceLine[].C", "expression", "concat(Currency.Code, ':', item.Rate)"),
    )
    result = compile_mapping(spec(*rules)).apply(RECORD)
    assert result.document["CustInvoiceLine"] == [
        {"A": Decimal("21.0"), "B": Decimal("1011.5"), "C": "EUR:10.5"},
        {"A": 6, "B": 1004, "C": "EUR:3"},
    ]


def test_a_runtime_failure_is_an_issue_on_the_record_not_an_exception():
    compiled = compile_mapping(spec(RuleSpec("Out", "expression", "Number / Zero")))
    result = compiled.apply({"Number": 1, "Zero": 0})
    assert result.document == {}
    (issue,) = result.issues
    assert (issue.code, issue.field, issue.rule) == ("rule_error", "Out", "Out")
    assert "expression" in issue.message


@pytest.mark.parametrize(
    "record", [{}, {"Number": "x"}, {"Number": None}, {"Number": [1]}, {"Number": {"a": 1}}, {"Number": True}]
)
def test_arithmetic_on_missing_or_odd_values_is_an_issue(record):
    result = compile_mapping(spec(RuleSpec("Out", "expression", "Number * 2 + 1"))).apply(record)
    assert [i.code for i in result.issues] == ["rule_error"]


def test_text_cannot_be_multiplied_or_formatted_with_percent():
    compiled = compile_mapping(
        spec(RuleSpec("A", "expression", "Name * 100000000"), RuleSpec("B", "expression", "Name % Number"))
    )
    result = compiled.apply({"Name": "x", "Number": 1})
    assert result.document == {} and {i.field for i in result.issues} == {"A", "B"}


REJECTED = [
    ("__import__('os').system('true')", "only the built-in functions"),
    ("__import__('os')", "unknown function"),
    ("open('/etc/passwd')", "unknown function"),
    ("eval('1')", "unknown function"),
    ("exec('x=1')", "unknown function"),
    ("getattr(Number, 'real')", "unknown function"),
    ("Number.__class__", "cannot start with _"),
    ("Currency._secret", "cannot start with _"),
    ("().__class__.__bases__", "cannot start with _"),
    ("().real", "cannot be used as a path"),
    ("'abc'.upper()", "only the built-in functions"),
    ("Currency.Code.lower()", "only the built-in functions"),
    ("lambda: 1", "lambda"),
    ("[x for x in LineItems]", "comprehension"),
    ("(x for x in LineItems)", "generator"),
    ("{x: 1 for x in LineItems}", "comprehension"),
    ("(y := 1)", "assignment"),
    ("f'{Number}'", "f-string"),
    ("2 ** 100", "Pow"),
    ("Number << 2", "LShift"),
    ("Number & 1", "BitAnd"),
    ("~Number", "Invert"),
    ("{'a': 1}", "dict literal"),
    ("{1, 2}", "set literal"),
    ("LineItems[0:1]", "whole number"),
    ("LineItems[Number]", "whole number"),
    ("concat(*LineItems)", "*"),
    ("upper(value='x')", "keyword"),
    ("b'bytes'", "literal"),
    ("1j", "literal"),
    ("...", "literal"),
    ("round", "is a function"),
    ("round()", "argument"),
    ("upper('a', 'b')", "argument"),
    ("field(Number)", "field()"),
    ("lookup('nomap', Number)", "no value map"),
    ("lookup(Number)", "lookup()"),
    ("item.Rate", "only available in per-line rules"),
    ("Number +", "syntax error"),
    ("Number = 1", "syntax error"),
    ("import os", "syntax error"),
    ("", "empty"),
    ("   ", "empty"),
    ("1 + " * 400 + "1", "longer than"),
    ("(" * 300 + "1" + ")" * 300, ""),
    ("x if", "syntax error"),
    ("\x00", ""),
]


@pytest.mark.parametrize(("source", "fragment"), REJECTED)
def test_rejected_expressions_are_compile_errors_on_their_rule(source, fragment):
    errors = validate_spec(spec(RuleSpec("Out", "expression", source)))
    assert len(errors) == 1
    assert errors[0].rule == "Out"
    assert fragment in errors[0].message


def test_an_expression_that_is_not_text_is_a_compile_error():
    errors = validate_spec(spec(RuleSpec("Out", "expression", 42)))
    assert errors and errors[0].rule == "Out"


def test_the_designer_can_list_the_callable_functions():
    names = expression_functions()
    assert {"round", "concat", "field", "lookup", "date"} <= set(names)
    assert "eval" not in names and names == sorted(names)
