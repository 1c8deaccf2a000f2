"""Runs of first-match line rules on one whole-number field are answered by a dict: always as the rules would."""

from __future__ import annotations

from mappings.engine.context import CompileContext, RecordContext
from mappings.engine.dimensions import compile_dimension_rule, compile_evaluator, evaluate, int_equality
from mappings.engine.spec import DimensionRuleSpec


def _rule(name, op, value, dimensions, value_to=None, stop=True):
    cond = {"field": "LineItems[].NominalCode", "op": op, "value": value}
    if value_to is not None:
        cond["value_to"] = value_to
    return DimensionRuleSpec(name, "line", (cond,), dimensions, stop)


SPECS = (
    _rule("a", "eq", "4000", {"Department": "022"}),
    _rule("b", "eq", 4010, {"Department": "030", "CostCenter": "OU_6"}),
    _rule("dup", "eq", "4000", {"Department": "999"}),
    _rule("c", "eq", "4020.0", {"Department": "023"}),
    _rule("range", "range", "4000", {"Department": "020"}, value_to="4999"),
    _rule("all", "exists", True, {"CostCenter": "OU_1"}, stop=False),
)


def test_dispatch_answers_exactly_as_the_rules_for_every_kind_of_value():
    cctx = CompileContext(line_source="LineItems")
    rules = tuple(compile_dimension_rule(s, cctx) for s in SPECS)
    keys = tuple(int_equality(s, cctx) for s in SPECS)
    assert keys[:4] == (("NominalCode", 4000), ("NominalCode", 4010), ("NominalCode", 4000), ("NominalCode", 4020))
    fast = compile_evaluator(rules, keys)
    values = [4000, 4010, 4020, 4500, 5000, "4000", " 4010 ", 4000.0, 4020.5, True, None, "x", [1]]
    for value in values:
        for item in ({"NominalCode": value}, {}, None):
            ctx = RecordContext({"LineItems": [item]}, [])
            ctx.item, ctx.index = item, 0
            expected = evaluate(rules, ctx)
            assert fast(ctx) == expected, (value, item)
    ctx = RecordContext({}, [])
    ctx.item, ctx.index = {"NominalCode": 4000}, 0
    assert fast(ctx) == {"Department": "022"}  # the first of two rules for 4000 wins


def test_answers_are_fresh_dicts():
    cctx = CompileContext(line_source="LineItems")
    rules = tuple(compile_dimension_rule(s, cctx) for s in SPECS)
    fast = compile_evaluator(rules, tuple(int_equality(s, cctx) for s in SPECS))
    ctx = RecordContext({}, [])
    ctx.item, ctx.index = {"NominalCode": 4010}, 0
    fast(ctx)["Department"] = "changed"
    assert fast(ctx)["Department"] == "030"
