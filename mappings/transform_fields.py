"""Transforms as form fields: each transform of a rule's chain is a block whose parameters are labelled inputs
(a list to choose from where the engine names the choices), instead of the ``trim | upper`` text syntax.

A block posts ``t_block`` (its id, in chain order), ``t_name_<id>`` and one ``t_<id>__<param>`` per parameter.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from mappings.engine import describe_transforms


class FieldProblem(ValueError):
    pass


@dataclass
class Block:
    uid: str
    name: str
    help: str
    fields: list[dict]


def catalog() -> dict[str, dict]:
    return {t["name"]: t for t in describe_transforms()}


def _choices(spec: dict, name: str, value_maps: list[str]) -> list[str]:
    if name == "map":
        return list(value_maps)
    help_text = spec.get("help") or ""
    if " | " in help_text and " " not in help_text.replace(" | ", ""):
        return help_text.split(" | ")
    return []


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool | dict):
        return json.dumps(value)
    return str(value)


def block(name: str, params: dict | None = None, *, value_maps: list[str] = (), uid: str = "") -> Block:
    """One transform as a block of fields, filled with ``params`` (else the engine's defaults)."""
    spec = catalog().get(name)
    if spec is None:
        raise FieldProblem(f"unknown transform {name!r}")
    params = params or {}
    uid = uid or secrets.token_hex(4)
    fields = []
    for pname, p in spec["params"].items():
        given = params.get(pname, p.get("default"))
        choices = _choices(p, pname, list(value_maps))
        fields.append(
            {
                "name": pname,
                "input": f"t_{uid}__{pname}",
                "type": p["type"],
                "required": p["required"],
                "help": "" if choices and p.get("help", "").count("|") else p.get("help", ""),
                "value": _shown(given) if p["type"] != "bool" else "",
                "checked": bool(given) if p["type"] == "bool" else False,
                "choices": choices,
            }
        )
    return Block(uid=uid, name=name, help=spec["help"], fields=fields)


def blocks(transforms: list[dict], value_maps: list[str] = ()) -> list[Block]:
    return [
        block(t.get("name", ""), t.get("params") or {}, value_maps=value_maps)
        for t in transforms or []
        if t.get("name") in catalog()
    ]


def _convert(kind: str, text: str, pname: str) -> Any:
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise FieldProblem(f"{pname} must be a whole number") from None
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "any":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def transforms_from_post(data: Any) -> list[dict]:
    """The chain the block fields describe, in order; a required parameter left empty is a ``FieldProblem``."""
    specs = catalog()
    chain = []
    for uid in data.getlist("t_block"):
        name = data.get(f"t_name_{uid}", "")
        spec = specs.get(name)
        if spec is None:
            raise FieldProblem(f"unknown transform {name!r}")
        params: dict[str, Any] = {}
        for pname, p in spec["params"].items():
            key = f"t_{uid}__{pname}"
            if p["type"] == "bool":
                value = key in data
                if value != bool(p.get("default")):
                    params[pname] = value
                continue
            text = str(data.get(key, "")).strip()
            if not text:
                if p["required"]:
                    raise FieldProblem(f"{name}: {pname} is required")
                continue
            value = _convert(p["type"], text, f"{name}: {pname}")
            if value != p.get("default"):
                params[pname] = value
        chain.append({"name": name, "params": params})
    return chain
