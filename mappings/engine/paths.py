"""Dotted paths with list selectors, parsed once into fast getters and setters.

Syntax: ``Name.Sub`` nests; ``List[0]`` is an item by index (``[-1]`` the last); ``List[]`` every item
(only one ``[]`` per path: the per-line rules); ``List[Name=CustomerGroup]`` the first item whose ``Name``
equals ``CustomerGroup`` (KashFlow custom fields). A missing step reads as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mappings.engine.errors import SpecError

KEY, INDEX, EACH, MATCH = 0, 1, 2, 3
_FORBIDDEN_IN_NAME = set("[]=")


@dataclass(frozen=True)
class Path:
    text: str
    segments: tuple[tuple, ...]  # (KEY, name) | (INDEX, n) | (EACH,) | (MATCH, key, value)

    @property
    def has_each(self) -> bool:
        return any(s[0] == EACH for s in self.segments)

    def split_each(self) -> tuple[Path, Path]:
        """``A.B[].C.D`` -> (``A.B``, ``C.D``)."""
        for i, seg in enumerate(self.segments):
            if seg[0] == EACH:
                return _from_segments(self.segments[:i]), _from_segments(self.segments[i + 1 :])
        raise SpecError(f"{self.text!r} has no []")

    def template(self) -> str:
        """The path with every index replaced by ``[]`` — how field catalogs name fields."""
        return render(tuple((EACH,) if s[0] in (INDEX, MATCH) else s for s in self.segments))


def render(segments: tuple[tuple, ...]) -> str:
    out = ""
    for seg in segments:
        if seg[0] == KEY:
            out += ("." if out else "") + seg[1]
        elif seg[0] == INDEX:
            out += f"[{seg[1]}]"
        elif seg[0] == EACH:
            out += "[]"
        else:
            out += f"[{seg[1]}={seg[2]}]"
    return out


def _from_segments(segments: tuple[tuple, ...]) -> Path:
    return Path(render(segments), segments)


def parse_path(text: str) -> Path:
    """Parse a path; raises SpecError on a malformed one."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty path")
    text = text.strip()
    if len(text) > 300:
        raise SpecError("path is too long")
    segments: list[tuple] = []
    i, n = 0, len(text)
    expect_name = True
    while i < n:
        ch = text[i]
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise SpecError(f"unclosed [ in path {text!r}")
            if not segments:
                raise SpecError(f"path {text!r} must start with a field name")
            inner = text[i + 1 : end].strip()
            if inner == "":
                segments.append((EACH,))
            elif "=" in inner:
                key, _, value = inner.partition("=")
                if not key.strip():
                    raise SpecError(f"selector [{inner}] needs a field name before =")
                segments.append((MATCH, key.strip(), value.strip()))
            else:
                try:
                    segments.append((INDEX, int(inner)))
                except ValueError:
                    raise SpecError(f"bad list selector [{inner}] in path {text!r}") from None
            i = end + 1
            expect_name = False
        elif ch == ".":
            if expect_name:
                raise SpecError(f"empty field name in path {text!r}")
            expect_name = True
            i += 1
        else:
            if not expect_name:
                raise SpecError(f"missing . before a field name in path {text!r}")
            j = i
            while j < n and text[j] not in ".[":
                j += 1
            name = text[i:j].strip()
            if not name or _FORBIDDEN_IN_NAME & set(name):
                raise SpecError(f"bad field name {name!r} in path {text!r}")
            segments.append((KEY, name))
            expect_name = False
            i = j
    if expect_name:
        raise SpecError(f"path {text!r} ends with a dot")
    if sum(1 for s in segments if s[0] == EACH) > 1:
        raise SpecError(f"path {text!r} has more than one []: nested per-item lists are not supported")
    return Path(text, tuple(segments))


# ---------------------------------------------------------------- getters


def _match(items: Any, key: str, value: str) -> Any:
    if type(items) is not list:
        return None
    for item in items:
        if type(item) is dict and str(item.get(key)) == value:
            return item
    return None


def _step(obj: Any, seg: tuple) -> Any:
    kind = seg[0]
    if kind == KEY:
        return obj.get(seg[1]) if isinstance(obj, dict) else None
    if kind == INDEX:
        if isinstance(obj, list):
            try:
                return obj[seg[1]]
            except IndexError:
                return None
        return None
    return _match(obj, seg[1], seg[2])


def compile_getter(path: Path) -> Callable[[Any], Any]:
    """A function obj -> value at the path (None when any step is missing or of the wrong type).

    A path with ``[]`` returns the list of values of every item (missing values skipped)."""
    segs = path.segments
    if path.has_each:
        head, rest = path.split_each()
        get_list = compile_getter(head)
        get_item = compile_getter(rest) if rest.segments else None

        def get_all(obj: Any) -> Any:
            items = get_list(obj)
            if not isinstance(items, list):
                return []
            if get_item is None:
                return list(items)
            return [v for v in map(get_item, items) if v is not None]

        return get_all
    if all(s[0] == KEY for s in segs):
        keys = tuple(s[1] for s in segs)
        if len(keys) == 1:
            k0 = keys[0]

            def get1(obj: Any) -> Any:
                return obj.get(k0) if isinstance(obj, dict) else None

            return get1
        if len(keys) == 2:
            k0, k1 = keys

            def get2(obj: Any) -> Any:
                if isinstance(obj, dict):
                    obj = obj.get(k0)
                    if isinstance(obj, dict):
                        return obj.get(k1)
                return None

            return get2

        def getn(obj: Any) -> Any:
            for k in keys:
                if not isinstance(obj, dict):
                    return None
                obj = obj.get(k)
            return obj

        return getn

    def get(obj: Any) -> Any:
        for seg in segs:
            if obj is None:
                return None
            obj = _step(obj, seg)
        return obj

    return get


# ---------------------------------------------------------------- setters


class PathConflict(ValueError):
    """A value already at the path is not a dict/list where the path needs one."""


def compile_setter(path: Path) -> Callable[[dict, Any], None]:
    """A function (document, value) -> None that creates intermediate dicts/lists as needed.

    ``[n]`` pads the list with empty dicts; ``[Key=Value]`` updates the matching item or appends one."""
    if path.has_each:
        raise SpecError(f"cannot write to {path.text!r}: [] is only for per-item rules")
    segs = path.segments
    if segs[-1][0] == MATCH or (segs[-1][0] == INDEX and len(segs) == 1):
        raise SpecError(f"target path {path.text!r} must end with a field name or a list index")
    if len(segs) == 1:
        k0 = segs[0][1]

        def set1(doc: dict, value: Any) -> None:
            doc[k0] = value

        return set1
    steps = segs[:-1]
    if segs[-1][0] == KEY and all(s[0] == KEY for s in steps):
        keys = tuple(s[1] for s in steps)

        def set_keys(doc: dict, value: Any) -> None:
            obj: Any = doc
            for k in keys:
                child = obj.get(k)
                if child is None:
                    child = obj[k] = {}
                elif not isinstance(child, dict):
                    raise PathConflict(f"{k} is not an object")
                obj = child
            obj[segs[-1][1]] = value

        return set_keys

    def set_path(doc: dict, value: Any) -> None:
        obj: Any = doc
        for i, seg in enumerate(steps):
            nxt_is_list = segs[i + 1][0] in (INDEX, MATCH)
            kind = seg[0]
            if kind == KEY:
                if not isinstance(obj, dict):
                    raise PathConflict(f"{render(segs[:i])} is not an object")
                child = obj.get(seg[1])
                if child is None:
                    child = [] if nxt_is_list else {}
                    obj[seg[1]] = child
                obj = child
            elif kind == INDEX:
                obj = _item_at(obj, seg[1], segs[: i + 1], [] if nxt_is_list else None)
            else:
                if not isinstance(obj, list):
                    raise PathConflict(f"{render(segs[:i])} is not a list")
                found = _match(obj, seg[1], seg[2])
                if found is None:
                    found = {seg[1]: seg[2]}
                    obj.append(found)
                obj = found
        final = segs[-1]
        if final[0] == INDEX:
            _item_at(obj, final[1], segs, None)
            obj[final[1]] = value
            return
        if not isinstance(obj, dict):
            raise PathConflict(f"{render(steps)} is not an object")
        obj[final[1]] = value

    return set_path


def _item_at(obj: Any, idx: int, where: tuple, empty: Any) -> Any:
    """The item at ``idx`` of a list, padding the list with empty objects (``empty`` for a new last item)."""
    if not isinstance(obj, list):
        raise PathConflict(f"{render(where[:-1])} is not a list")
    if idx < 0:
        if len(obj) < -idx:
            raise PathConflict(f"{render(where)}: no such item")
    else:
        while len(obj) <= idx:
            obj.append({})
        if empty is not None and obj[idx] == {}:
            obj[idx] = empty
    return obj[idx]
