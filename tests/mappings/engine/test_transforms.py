"""Every named transform: what it does, its parameters, and how it fails."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mappings.engine import (
    ExchangeRateTable,
    MappingCompileError,
    RuleSpec,
    TransformSpec,
    compile_mapping,
    describe_transforms,
    validate_spec,
)
from mappings.engine.transforms import TRANSFORMS

from .helpers import spec, transform_result, value_map


def out(name, params, value, **kwargs):
    result, issues = transform_result(name, params, value, **kwargs)
    assert issues == []
    return result


def compile_errors(name, params):
    return validate_spec(spec(RuleSpec("Out", "path", "In", (TransformSpec(name, params),))))


# ---------------------------------------------------------------- text


def test_trim_strips_both_ends_and_collapses_inner_spaces_on_request():
    assert out("trim", {}, "  Acme   Ltd  ") == "Acme   Ltd"
    assert out("trim", {"collapse": True}, "  Acme   Ltd \n") == "Acme Ltd"


def test_case_transforms():
    assert out("upper", {}, "acme01") == "ACME01"
    assert out("lower", {}, "ACME") == "acme"
    assert out("title", {}, "high street") == "High Street"


def test_text_transforms_pass_missing_values_through():
    for name in ("trim", "upper", "lower", "title", "string", "template"):
        params = {"text": "x{value}"} if name == "template" else {}
        assert transform_result(name, params, None) == (None, [])


def test_truncate_cuts_to_a_length():
    assert out("truncate", {"length": 5}, "Consulting") == "Consu"
    assert out("truncate", {"length": 50}, "short") == "short"


def test_truncate_without_length_uses_the_target_fields_max_length(ax_invoice_catalog):
    compiled = compile_mapping(
        spec(
            RuleSpec("PurchOrderFormNum", "path", "In", (TransformSpec("truncate"),)),
            target_catalog=ax_invoice_catalog,
        )
    )
    assert compiled.apply({"In": "x" * 50}).document["PurchOrderFormNum"] == "x" * 20


def test_truncate_without_length_or_catalog_is_a_compile_error():
    errors = compile_errors("truncate", {})
    assert len(errors) == 1 and "length" in errors[0].message


def test_pad_and_template():
    assert out("pad", {"width": 5}, 42) == "00042"
    assert out("pad", {"width": 6, "char": "*", "side": "right"}, "ab") == "ab****"
    assert out("template", {"text": "KF-{value}"}, 1001) == "KF-1001"
    assert compile_errors("template", {"text": "no placeholder"})


def test_template_never_formats_attributes():
    assert out("template", {"text": "{value.__class__}{value}"}, "x") == "{value.__class__}x"


def test_concat_joins_the_value_with_other_paths_skipping_empty_parts():
    result, _ = transform_result(
        "concat", {"paths": ["Last", "Missing", "Blank"], "separator": ", "}, "Ada", {"Last": "Lovelace", "Blank": " "}
    )
    assert result == "Ada, Lovelace"
    result, _ = transform_result("concat", {"paths": ["B"], "separator": "-", "skip_empty": False}, "A", {"B": None})
    assert result == "A-"


def test_split_picks_a_part_or_returns_the_list():
    assert out("split", {"separator": ",", "index": 1}, "Leeds, LS1 4AP") == "LS1 4AP"
    assert out("split", {"separator": " ", "index": -1}, "Ada Lovelace") == "Lovelace"
    assert out("split", {"separator": ","}, "a, b") == ["a", "b"]
    assert transform_result("split", {"index": 5}, "a,b") == (None, [])


def test_regex_replace_with_groups_and_flags():
    assert out("regex_replace", {"pattern": r"\s+", "replacement": " "}, "a   b\tc") == "a b c"
    assert out("regex_replace", {"pattern": r"^(\d{3})(\d+)$", "replacement": r"\1-\2"}, "401100") == "401-100"
    assert out("regex_replace", {"pattern": "ltd", "replacement": "Limited", "ignore_case": True}, "Acme LTD") == (
        "Acme Limited"
    )


def test_a_bad_regex_or_group_reference_is_a_compile_error():
    assert "bad pattern" in compile_errors("regex_replace", {"pattern": "(unclosed"})[0].message
    assert compile_errors("regex_replace", {"pattern": "a", "replacement": r"\3"})


# ---------------------------------------------------------------- dates and numbers


def test_date_format_reads_iso_or_a_given_format():
    assert out("date_format", {}, "2026-03-31") == "2026-03-31"
    assert out("date_format", {}, "2026-03-31T10:15:00Z") == "2026-03-31"
    assert out("date_format", {"output": "%d/%m/%Y"}, "2026-03-31") == "31/03/2026"
    assert out("date_format", {"input": "%d/%m/%Y"}, "31/03/2026") == "2026-03-31"


def test_an_unreadable_date_is_a_rule_error_naming_the_transform():
    result, issues = transform_result("date_format", {}, "31st March")
    assert result is None
    assert [(i.code, i.field, i.rule) for i in issues] == [("rule_error", "Out", "Out")]
    assert "date_format" in issues[0].message


def test_datetime_format_keeps_the_time():
    assert out("datetime_format", {}, "2026-03-31T10:15:00Z") == "2026-03-31T10:15:00+00:00"
    assert out("datetime_format", {"output": "%Y-%m-%d %H:%M"}, "2026-03-31T10:15:00") == "2026-03-31 10:15"


def test_a_bad_output_format_is_a_compile_error():
    assert compile_errors("date_format", {"output": "%Q"}) or compile_errors("date_format", {"output": 5})


def test_number_round_and_money_give_decimals():
    assert out("number", {}, "12.345") == Decimal("12.345")
    assert out("number", {"decimals": 1}, 12.35) == Decimal("12.4")
    assert out("round", {}, 2.5) == Decimal("3")
    assert out("round", {"decimals": 2, "mode": "half_even"}, "0.125") == Decimal("0.12")
    assert out("money", {}, 0.1 + 0.2) == Decimal("0.30")
    assert out("money", {}, 19.999) == Decimal("20.00")
    assert out("money", {"mode": "down"}, "1.239") == Decimal("1.23")


def test_money_rounds_half_up_like_an_accountant():
    assert out("money", {}, 2.675) == Decimal("2.68")  # the float 2.675 is 2.67499..., read as written
    assert out("money", {}, -2.675) == Decimal("-2.68")


def test_integer_string_negate_abs():
    assert out("integer", {}, "4000") == 4000
    assert out("integer", {}, 12.9) == 12
    assert out("string", {}, 4000) == "4000"
    assert out("string", {}, True) == "true"
    assert out("negate", {}, 12.5) == Decimal("-12.5")
    assert out("abs", {}, "-3") == Decimal("3")


def test_a_non_numeric_value_is_a_rule_error_not_a_crash():
    result, issues = transform_result("money", {}, "twelve")
    assert result is None and issues[0].code == "rule_error"


def test_bad_rounding_parameters_are_compile_errors():
    assert compile_errors("money", {"mode": "sideways"})
    assert compile_errors("round", {"decimals": 40})
    assert compile_errors("round", {"decimals": "2"})


# ---------------------------------------------------------------- choices


def test_default_replaces_missing_and_empty_values():
    assert out("default", {"value": "GBP"}, None) == "GBP"
    assert out("default", {"value": "GBP"}, "") == "GBP"
    assert out("default", {"value": "GBP"}, "EUR") == "EUR"
    assert compile_errors("default", {})


def test_conditional_on_the_value_itself():
    params = {"op": "eq", "value": "Paid", "then": "Yes", "else": "No"}
    assert out("conditional", params, "Paid") == "Yes"
    assert out("conditional", params, "Unpaid") == "No"


def test_conditional_on_another_field_keeps_the_value_when_a_branch_is_absent():
    params = {"field": "Currency.Code", "op": "ne", "value": "GBP", "then": "FOREIGN"}
    assert transform_result("conditional", params, "x", {"Currency": {"Code": "EUR"}})[0] == "FOREIGN"
    assert transform_result("conditional", params, "x", {"Currency": {"Code": "GBP"}})[0] == "x"


def test_conditional_rejects_an_unknown_op():
    assert "unknown condition op" in compile_errors("conditional", {"op": "approximately", "value": 1})[0].message


def test_lookup_maps_through_a_value_map_and_reports_unmapped_values():
    maps = {"status": value_map("status", ("Paid", "Paid"), ("PartiallyPaid", "PartlyPaid"), ("Unpaid", "None"))}
    assert transform_result("lookup", {"map": "status"}, "PartiallyPaid", value_maps=maps) == ("PartlyPaid", [])
    result, issues = transform_result("lookup", {"map": "status"}, "Draft", value_maps=maps)
    assert result is None
    assert [(i.code, i.field, i.value) for i in issues] == [("value_not_mapped", "Out", "Draft")]
    assert "status" in issues[0].message and "Draft" in issues[0].message


def test_lookup_reverse_maps_a_target_value_back():
    maps = {"status": value_map("status", ("Paid", "Paid"), ("PartiallyPaid", "PartlyPaid"))}
    assert transform_result("lookup", {"map": "status", "reverse": True}, "PartlyPaid", value_maps=maps)[0] == (
        "PartiallyPaid"
    )
    result, issues = transform_result("lookup", {"map": "status", "reverse": True}, "Nope", value_maps=maps)
    assert result is None and issues[0].code == "value_not_mapped"


def test_lookup_default_parameter_overrides_the_maps_default():
    maps = {"vat": value_map("vat", ("20", "STD"), default="EXEMPT")}
    assert transform_result("lookup", {"map": "vat"}, 99, value_maps=maps) == ("EXEMPT", [])
    assert transform_result("lookup", {"map": "vat", "default": "OTHER"}, 99, value_maps=maps) == ("OTHER", [])


def test_lookup_of_an_unknown_map_is_a_compile_error():
    errors = compile_errors("lookup", {"map": "nope"})
    assert errors[0].rule == "Out" and "nope" in errors[0].message


# ---------------------------------------------------------------- address and currency


def test_address_gives_one_part_or_all_of_them():
    kf = {"Line1": "10 Downing Street", "Line2": "London", "PostCode": "sw1a2aa", "CountryCode": "GB"}
    assert out("address", {"part": "ZipCode"}, kf) == "SW1A 2AA"
    assert out("address", {"part": "City"}, kf) == "London"
    assert out("address", {}, kf) == {
        "Street": "10 Downing Street",
        "City": "London",
        "County": "",
        "State": "",
        "ZipCode": "SW1A 2AA",
        "CountryRegionId": "GBR",
    }
    assert out("address", {"part": "CountryRegionId", "country_format": "alpha2"}, kf) == "GB"


def test_address_reports_an_unknown_country():
    result, issues = transform_result("address", {"part": "CountryRegionId"}, {"Line1": "x", "CountryName": "Atlantis"})
    assert result == "GBR"
    assert issues[0].code == "value_not_mapped" and "Atlantis" in issues[0].message


def test_address_from_a_non_object_is_a_rule_error():
    result, issues = transform_result("address", {"part": "City"}, "10 High Street, Leeds")
    assert result is None and issues[0].code == "rule_error"


RATES = ExchangeRateTable(
    [
        {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-01-01", "Rate": "0.85"},
        {"FromCurrency": "EUR", "ToCurrency": "GBP", "ValidFrom": "2026-03-01", "Rate": "0.80"},
        {"FromCurrency": "GBP", "ToCurrency": "USD", "ValidFrom": "2026-01-01", "Rate": "1.25"},
    ]
)


def convert(amount, currency, issued, to="GBP", rates=RATES):
    rule = RuleSpec(
        "AmountMST", "path", "Amount", (TransformSpec("currency_convert", {"to": to, "date_path": "Date"}),)
    )
    compiled = compile_mapping(spec(rule), rates=rates)
    result = compiled.apply({"Amount": amount, "Currency": {"Code": currency}, "Date": issued})
    return result.document.get("AmountMST"), result.issues


def test_currency_convert_uses_the_latest_rate_valid_on_the_document_date():
    assert convert(100, "EUR", "2026-02-15") == (Decimal("85.00"), [])
    assert convert(100, "EUR", "2026-03-01") == (Decimal("80.00"), [])
    assert convert(100, "GBP", "2026-03-01") == (Decimal("100.00"), [])


def test_currency_convert_uses_the_inverse_of_the_reverse_pair():
    assert convert(125, "USD", "2026-02-01") == (Decimal("100.00"), [])


def test_a_missing_rate_or_date_is_an_issue_on_the_record():
    result, issues = convert(100, "EUR", "2025-12-31")
    assert result is None and "no exchange rate EUR->GBP" in issues[0].message
    result, issues = convert(100, "EUR", None)
    assert result is None and "document date" in issues[0].message
    result, issues = convert(100, "EUR", "2026-02-01", rates=None)
    assert result is None and issues[0].code == "rule_error"


def test_currency_convert_needs_exactly_one_target():
    errors = compile_errors("currency_convert", {"date_path": "Date"})
    assert "to" in errors[0].message


# ---------------------------------------------------------------- registry


def test_parameters_are_checked_when_the_mapping_compiles():
    assert "unknown parameter" in compile_errors("trim", {"colapse": True})[0].message
    assert "must be bool" in compile_errors("trim", {"collapse": "yes"})[0].message
    assert "unknown transform" in compile_errors("sparkle", {})[0].message
    assert "required" in compile_errors("pad", {})[0].message


def test_describe_transforms_lists_every_transform_with_its_parameters():
    described = {t["name"]: t for t in describe_transforms()}
    assert set(described) == set(TRANSFORMS)
    assert described["lookup"]["params"]["map"]["required"] is True
    assert described["conditional"]["params"]["then"]["default"] is None
    assert described["money"]["params"]["decimals"]["default"] == 2


def test_transforms_chain_in_order():
    rule = RuleSpec(
        "Out", "path", "In", (TransformSpec("trim"), TransformSpec("upper"), TransformSpec("truncate", {"length": 3}))
    )
    assert compile_mapping(spec(rule)).apply({"In": "  acme  "}).document == {"Out": "ACM"}


def test_rule_default_applies_after_the_transforms():
    rule = RuleSpec("Out", "path", "In", (TransformSpec("trim"),), default="n/a")
    compiled = compile_mapping(spec(rule))
    assert compiled.apply({"In": "   "}).document == {"Out": "n/a"}
    assert compiled.apply({}).document == {"Out": "n/a"}


def test_a_date_object_is_accepted_where_text_is_expected():
    assert out("date_format", {"output": "%d.%m.%Y"}, date(2026, 1, 2)) == "02.01.2026"


def test_unknown_params_shape_is_a_compile_error():
    with pytest.raises(MappingCompileError):
        compile_mapping(spec(RuleSpec("Out", "path", "In", (TransformSpec("trim", ["x"]),))))
