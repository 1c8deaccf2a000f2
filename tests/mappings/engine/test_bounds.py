"""No mapping can exhaust a worker: every value an expression or transform produces is bounded, regexes run in
linear time, and a rule past a bound is refused with an issue naming the rule and the bound.

The attacks that used to stall a worker run in a child interpreter with a time limit, so a regression fails
the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappings.engine import RuleSpec, TransformSpec, compile_mapping
from mappings.engine.limits import MAX_LIST_LENGTH, MAX_TEXT_LENGTH, LimitExceeded, check

from .helpers import spec

ROOT = Path(__file__).resolve().parents[3]

# Applied in a child interpreter: prints the issues as JSON, or is killed by the time limit.
CHILD = """
import json, sys
from mappings.engine import MappingSpec, RuleSpec, TransformSpec, compile_mapping
rule, record = json.loads(sys.argv[1])
transforms = tuple(TransformSpec(t["name"], t["params"]) for t in rule.get("transforms", ()))
spec = MappingSpec("t", 1, "kashflow", "sales_invoice", "dynamics_ax", "sales_invoice",
                   rules=(RuleSpec("Out", rule["kind"], rule["source"], transforms),))
result = compile_mapping(spec).apply(record)
print(json.dumps([i.as_dict() for i in result.issues], default=str))
"""


def apply_in_child(rule: dict, record: dict, timeout: float = 20) -> list[dict]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps([rule, record])],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the mapping ran past {timeout}s: {rule}")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def refused(issues: list[dict], bound: str) -> bool:
    return any(i["code"] == "rule_error" and i["rule"] == "Out" and bound in i["message"] for i in issues)


def test_int_of_a_huge_exponent_is_refused_at_once():
    issues = apply_in_child({"kind": "expression", "source": "int(In)"}, {"In": "1e999999999"})
    assert refused(issues, "number limit"), issues


def test_the_integer_transform_refuses_a_huge_exponent_too():
    rule = {"kind": "path", "source": "In", "transforms": [{"name": "integer", "params": {}}]}
    assert refused(apply_in_child(rule, {"In": "9e99999999"}), "number limit")


def test_nested_replace_cannot_grow_a_text_tenfold_per_level():
    source = "In"
    for _ in range(8):  # 100 characters x 10^8 unbounded
        source = f"replace({source}, 'a', 'aaaaaaaaaa')"
    issues = apply_in_child({"kind": "expression", "source": source}, {"In": "a" * 100})
    assert refused(issues, "text limit"), issues


def test_a_catastrophic_regex_runs_in_linear_time():
    rule = {
        "kind": "path",
        "source": "In",
        "transforms": [{"name": "regex_replace", "params": {"pattern": "^(.+)+#", "replacement": "x"}}],
    }
    assert apply_in_child(rule, {"In": "a" * 5000}, timeout=10) == []


def evaluate(source: str, record: dict):
    result = compile_mapping(spec(RuleSpec("Out", "expression", source))).apply(record)
    return result.document.get("Out"), result.issues


def test_a_number_with_too_many_digits_or_too_large_is_refused():
    _, issues = evaluate("decimal(In)", {"In": "1." + "1" * 60})
    assert issues and "number limit: 61 digits" in issues[0].message and issues[0].rule == "Out"
    _, issues = evaluate("In * 1", {"In": 10**59})
    assert issues and "number limit" in issues[0].message
    _, issues = evaluate("decimal(In) * decimal(In)", {"In": "1e15"})
    assert issues and "number limit: magnitude 10^30" in issues[0].message
    value, issues = evaluate("decimal(In) * 2", {"In": "123456.78"})
    assert (value, issues) == (Decimal("246913.56"), [])


def test_a_split_into_too_many_parts_is_refused():
    compiled = compile_mapping(spec(RuleSpec("Out", "path", "In", (TransformSpec("split", {"separator": ","}),))))
    result = compiled.apply({"In": "," * MAX_LIST_LENGTH})
    assert result.issues and "list limit" in result.issues[0].message
    assert "Out" not in result.document


def test_regex_replace_keeps_groups_and_refuses_what_re2_cannot_do():
    compiled = compile_mapping(
        spec(RuleSpec("Out", "path", "In", (TransformSpec("regex_replace", {"pattern": r"(\d+)-(?P<b>\d+)",
                                                                             "replacement": r"\g<b>/\1"}),)))
    )  # fmt: skip
    assert compiled.apply({"In": "12-34"}).document["Out"] == "34/12"
    from mappings.engine import MappingCompileError

    with pytest.raises(MappingCompileError, match="RE2 syntax"):
        compile_mapping(spec(RuleSpec("Out", "path", "In", (TransformSpec("regex_replace", {"pattern": r"(a)\1"}),))))
    with pytest.raises(MappingCompileError, match="group"):
        compile_mapping(
            spec(
                RuleSpec("Out", "path", "In", (TransformSpec("regex_replace", {"pattern": "a", "replacement": r"\3"}),))
            )
        )


def test_check_passes_ordinary_values_unchanged():
    for value in ("x" * MAX_TEXT_LENGTH, Decimal("-99999999999.99"), 10**20, [1] * MAX_LIST_LENGTH, None, True):
        assert check(value) is value
    for value in ("x" * (MAX_TEXT_LENGTH + 1), Decimal("1e22"), Decimal("NaN"), 10**21, [0] * (MAX_LIST_LENGTH + 1)):
        with pytest.raises(LimitExceeded):
            check(value)


# ---------------------------------------------------------------- property: search for inputs that break a bound

TEXT_FNS = [
    "replace({0}, {1}, {2})",
    "concat({0}, {1}, {0}, {2})",
    "upper({0})",
    "{0} + {1}",
    "str({0})",
    "substr({0}, 0, 5000)",
    "trim({0})",
]
NUMBER_FNS = ["{0} * {1}", "{0} + {1}", "{0} // {1}", "int({0})", "decimal({0})", "round({0}, 12)", "abs({0})"]

atoms = st.sampled_from(["A", "B", "'aa'", "''", "'x' + B", "N", "M", "1e20", "99999999999"])


def expressions(depth: int):
    if depth == 0:
        return atoms
    inner = expressions(depth - 1)
    return st.one_of(
        inner,
        st.builds(lambda f, a, b, c: f.format(a, b, c), st.sampled_from(TEXT_FNS), inner, inner, inner),
        st.builds(lambda f, a, b: f.format(a, b, b), st.sampled_from(NUMBER_FNS), inner, inner),
    )


records = st.fixed_dictionaries(
    {
        "A": st.text(alphabet="ab", min_size=0, max_size=200),
        "B": st.sampled_from(["", "a", "aaaaaaaaaa", "b" * 300]),
        "N": st.sampled_from(["1e999999999", "9" * 45, "123.45", "-1e-50", "7", "1e21"]),
        "M": st.sampled_from([Decimal("1e20"), 10**20, 3, Decimal("0.001")]),
    }
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(source=expressions(5), record=records)
def test_no_expression_produces_a_value_past_a_bound_or_runs_long(source, record):
    compiled = compile_mapping(spec(RuleSpec("Out", "expression", source)))
    started = time.perf_counter()
    result = compiled.apply(record)
    assert time.perf_counter() - started < 2, source
    if "Out" in result.document:
        check(result.document["Out"])  # within every bound, or the rule was refused with an issue


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    text=st.text(alphabet="a,#(", max_size=300),
    steps=st.lists(
        st.sampled_from(
            [
                ("regex_replace", {"pattern": "a", "replacement": "aaaaaaaaaaaaaaaaaaaa"}),
                ("regex_replace", {"pattern": "", "replacement": "xxxxxxxxxx"}),
                ("regex_replace", {"pattern": "^(a+)+#", "replacement": "$"}),
                ("template", {"text": "{value}{value}"}),
                ("concat", {"paths": ["In", "In", "In"], "separator": ""}),
                ("pad", {"width": 1000}),
                ("split", {"separator": ""}),
                ("split", {"separator": "a"}),
                ("integer", {}),
            ]
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_no_chain_of_transforms_produces_a_value_past_a_bound(text, steps):
    transforms = tuple(TransformSpec(name, params) for name, params in steps if params.get("separator") != "")
    if not transforms:
        return
    compiled = compile_mapping(spec(RuleSpec("Out", "path", "In", transforms)))
    started = time.perf_counter()
    result = compiled.apply({"In": text})
    assert time.perf_counter() - started < 2
    if "Out" in result.document:
        check(result.document["Out"])
