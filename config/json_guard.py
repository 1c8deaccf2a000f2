"""JSON from outside (API bodies, webhook pushes, mapping imports) read with limits, never a crash.

``json.loads`` alone turns a hostile body into a 500 or a stalled worker: nesting a few thousand levels deep
raises RecursionError, a 4,301-digit integer raises ValueError deep inside a view, ``1e400`` quietly becomes
infinity and ``NaN`` is accepted. ``loads`` answers the value and the list of every problem instead; callers
answer 400 with that list.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # our deepest documents (a mapping's transform params, an invoice's lines) are under 8
MAX_NUMBER_CHARS = 40  # digits, sign, point and exponent: far beyond any amount or id


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> tuple[Any, list[str]]:
    """(value, problems): the parsed value when ``problems`` is empty, else None and every problem found."""
    problems: list[str] = []

    def number(text: str, kind: type) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            problems.append(f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS}): {text[:20]}…")
            return 0
        value = kind(text)
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"the number {text} is out of range")
            return 0
        return value

    def constant(name: str) -> Any:
        problems.append(f"{name} is not a JSON number")
        return 0

    try:
        value = json.loads(
            data,
            parse_int=lambda t: number(t, int),
            parse_float=lambda t: number(t, float),
            parse_constant=constant,
        )
    except RecursionError:
        return None, [f"the JSON is nested too deeply (at most {max_depth} levels)"]
    except UnicodeDecodeError:
        return None, ["the body is not UTF-8 text"]
    except ValueError as exc:
        return None, [f"the body is not valid JSON: {exc}"]
    depth = _depth(value, max_depth)
    if depth > max_depth:
        problems.append(f"the JSON is nested {depth} levels deep (at most {max_depth})")
    return (None, problems) if problems else (value, [])


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of lists and objects, counted without recursion (stops once past ``limit``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
