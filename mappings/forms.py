"""Forms of the designer, and the short text syntax accountants type instead of JSON.

- Transforms: ``trim | upper | lookup(map=nominal_accounts) | date(format="%d/%m/%Y")``.
- A condition per line: ``<field> <op> <value>``; ``range`` takes ``4000..4099``; ``in`` takes
  ``A, B, C``; ``exists`` takes nothing.
- Dimensions: ``Department=022, CostCenter=OU_4``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from mappings.models import DimensionRule, FieldRule, ValueMap
from mappings.services.edits import DIMENSION_OPS
from mappings.transform_fields import FieldProblem, transforms_from_post

_BARE = re.compile(r"^[\w\-.:/%]+$")


class SyntaxProblem(ValueError):
    pass


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside quotes and brackets."""
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quote or depth:
        raise SyntaxProblem("unbalanced quotes or parentheses")
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _value(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_transforms(text: str) -> list[dict]:
    transforms = []
    for i, part in enumerate(_split_top(text or "", "|"), 1):
        if not part:
            if text.strip():
                raise SyntaxProblem(f"transform {i} is empty")
            continue
        match = re.fullmatch(r"([A-Za-z_][\w]*)\s*(?:\((.*)\))?", part, re.S)
        if not match:
            raise SyntaxProblem(f"transform {i} ({part!r}) should look like name or name(param=value)")
        params: dict[str, Any] = {}
        if match.group(2) and match.group(2).strip():
            for arg in _split_top(match.group(2), ","):
                key, eq, value = arg.partition("=")
                if not eq or not key.strip().isidentifier():
                    raise SyntaxProblem(f"transform {match.group(1)}: {arg!r} should be param=value")
                params[key.strip()] = _value(value)
        transforms.append({"name": match.group(1), "params": params})
    return transforms


def _show(value: Any) -> str:
    if isinstance(value, str) and _BARE.match(value) and value not in ("true", "false", "null"):
        try:
            json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False)


def format_transforms(transforms: list[dict]) -> str:
    out = []
    for t in transforms or []:
        params = t.get("params") or {}
        args = ", ".join(f"{k}={_show(v)}" for k, v in params.items())
        out.append(f"{t.get('name')}({args})" if params else str(t.get("name")))
    return " | ".join(out)


def parse_conditions(text: str) -> list[dict]:
    conditions = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        bits = line.split(None, 2)
        if len(bits) < 2:
            raise SyntaxProblem(f"line {n}: write <field> <op> <value>")
        field, op = bits[0], bits[1].lower()
        rest = bits[2].strip() if len(bits) > 2 else ""
        if op not in DIMENSION_OPS:
            raise SyntaxProblem(f"line {n}: unknown operator {op!r} (use {', '.join(DIMENSION_OPS)})")
        condition: dict[str, Any] = {"field": field, "op": op}
        if op == "range":
            low, dots, high = rest.partition("..")
            if not dots:
                raise SyntaxProblem(f"line {n}: a range is written low..high")
            condition["value"], condition["value_to"] = low.strip(), high.strip()
        elif op in ("in", "not_in"):
            condition["value"] = [v.strip() for v in rest.split(",") if v.strip()]
        elif op != "exists":
            if not rest:
                raise SyntaxProblem(f"line {n}: {op} needs a value")
            condition["value"] = rest
        conditions.append(condition)
    return conditions


def format_conditions(conditions: list[dict]) -> str:
    lines = []
    for c in conditions or []:
        op = c.get("op", "eq")
        if op == "range":
            rest = f"{c.get('value')}..{c.get('value_to')}"
        elif op in ("in", "not_in"):
            value = c.get("value")
            rest = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        elif op == "exists":
            rest = ""
        else:
            rest = str(c.get("value", ""))
        lines.append(f"{c.get('field')} {op} {rest}".rstrip())
    return "\n".join(lines)


def parse_dimensions(text: str) -> dict[str, str]:
    dimensions = {}
    for part in re.split(r"[,\n]", text or ""):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise SyntaxProblem(f"{part.strip()!r} should be Name=Value")
        dimensions[name.strip()] = value.strip()
    return dimensions


def format_dimensions(dimensions: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (dimensions or {}).items())


class RuleForm(forms.Form):
    target_path = forms.CharField(max_length=200)
    source_kind = forms.ChoiceField(choices=FieldRule.SourceKind.choices, initial="path", required=False)
    source = forms.CharField(required=False)
    transforms = forms.CharField(required=False, max_length=2000)
    default = forms.CharField(required=False, max_length=200)

    def clean_source_kind(self) -> str:
        return self.cleaned_data.get("source_kind") or FieldRule.SourceKind.PATH

    def clean_transforms(self) -> list[dict]:
        if "t_editor" in self.data:  # the transform editor: one block of fields per transform
            try:
                return transforms_from_post(self.data)
            except FieldProblem as exc:
                raise forms.ValidationError(f"Transforms: {exc}") from None
        try:
            return parse_transforms(self.cleaned_data.get("transforms", ""))
        except SyntaxProblem as exc:
            raise forms.ValidationError(f"Transforms: {exc}") from None


class ValueMapForm(forms.Form):
    name = forms.SlugField(max_length=60)
    kind = forms.ChoiceField(choices=ValueMap.Kind.choices)
    default_value = forms.CharField(required=False, max_length=100)


class ValueMapEntryForm(forms.Form):
    value_map = forms.CharField(max_length=60)
    source_value = forms.CharField(max_length=100)
    source_to = forms.CharField(required=False, max_length=100)
    target_value = forms.CharField(max_length=100)


OP_LABELS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "range": "is between",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "startswith": "starts with",
    "contains": "contains",
    "exists": "has a value",
}


def conditions_from_rows(fields: list[str], ops: list[str], values: list[str], values_to: list[str]) -> list[dict]:
    """The designer's condition rows (one list per column) as conditions; a row without a field is skipped."""
    conditions = []
    for n, field in enumerate(fields):
        field = field.strip()
        if not field:
            continue
        op = (ops[n] if n < len(ops) else "eq") or "eq"
        value = (values[n] if n < len(values) else "").strip()
        value_to = (values_to[n] if n < len(values_to) else "").strip()
        if op not in DIMENSION_OPS:
            raise SyntaxProblem(f"condition {n + 1}: unknown operator {op!r}")
        condition: dict[str, Any] = {"field": field, "op": op}
        if op == "range":
            if not value or not value_to:
                raise SyntaxProblem(f"condition {n + 1} ({field}): a range needs both ends")
            condition["value"], condition["value_to"] = value, value_to
        elif op in ("in", "not_in"):
            condition["value"] = [v.strip() for v in value.split(",") if v.strip()]
        elif op != "exists":
            if not value:
                raise SyntaxProblem(f"condition {n + 1} ({field}): {OP_LABELS[op]} needs a value")
            condition["value"] = value
        conditions.append(condition)
    return conditions


def condition_rows(conditions: list[dict]) -> list[dict]:
    """Conditions as the designer's rows: list values joined with commas."""
    rows = []
    for c in conditions or []:
        value = c.get("value", "")
        rows.append(
            {
                "field": c.get("field", ""),
                "op": c.get("op", "eq"),
                "value": ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else value),
                "value_to": c.get("value_to", "") or "",
            }
        )
    return rows


def dimensions_from_rows(names: list[str], values: list[str]) -> dict[str, str]:
    found = {}
    for n, name in enumerate(names):
        value = (values[n] if n < len(values) else "").strip()
        if name.strip() and value:
            found[name.strip()] = value
        elif name.strip() or value:
            raise SyntaxProblem(f"dimension row {n + 1}: choose a dimension and its value")
    return found


class DimensionRuleForm(forms.Form):
    rule_id = forms.IntegerField(required=False)
    name = forms.CharField(max_length=100)
    level = forms.ChoiceField(choices=DimensionRule.Level.choices)
    conditions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    dimensions = forms.CharField(max_length=500, required=False)
    stop = forms.BooleanField(required=False, initial=True)
    # The designer posts condition rows (cond_field/cond_op/cond_value/cond_value_to) and dimension rows
    # (dim_name/dim_value); the text fields above are the advanced form of the same rule.

    def _rows(self, name: str) -> list[str] | None:
        return self.data.getlist(name) if hasattr(self.data, "getlist") and name in self.data else None

    def clean_conditions(self) -> list[dict]:
        fields = self._rows("cond_field")
        try:
            if fields is not None:
                return conditions_from_rows(
                    fields,
                    self._rows("cond_op") or [],
                    self._rows("cond_value") or [],
                    self._rows("cond_value_to") or [],
                )
            return parse_conditions(self.cleaned_data.get("conditions", ""))
        except SyntaxProblem as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_dimensions(self) -> dict[str, str]:
        names = self._rows("dim_name")
        try:
            if names is not None:
                found = dimensions_from_rows(names, self._rows("dim_value") or [])
            else:
                found = parse_dimensions(self.cleaned_data.get("dimensions", ""))
        except SyntaxProblem as exc:
            raise forms.ValidationError(str(exc)) from None
        if not found:
            raise forms.ValidationError("Set at least one dimension, e.g. Department=022")
        return found


class ImportForm(forms.Form):
    file = forms.FileField(required=False)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 10}), label="or paste JSON")
    publish = forms.BooleanField(required=False, label="Publish at once")

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 2_000_000:
                raise forms.ValidationError("The file is larger than 2 MB")
            data["payload"] = upload.read()
        elif data.get("text", "").strip():
            data["payload"] = data["text"]
        else:
            raise forms.ValidationError("Choose a file or paste the JSON")
        return data
