"""Suggestions, each with the reason a person can check.

- ``suggest_sources``: for one target field, the source fields ranked by canonical concept, name
  similarity (rapidfuzz) and how well a sample value fits.
- ``suggest_unmapped`` / ``map_all_suggested``: the same for every unmapped target field; mapping
  all only fills fields without a rule and never touches a rule a person set.
- ``suggest_value_map_fix`` / ``apply_value_map_fix``: for a value a value map lacks, the nearest
  valid target values (e.g. the closest AX main account by number and name), used by the designer
  and the exception queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from integrations.connectors.catalog import EntityCatalog, FieldSpec
from mappings import reference, services
from mappings.catalogs import catalog_for, leaf_fields
from mappings.models import MappingSet, ValueMap
from mappings.selectors import rule_rows

CONCEPT_SCORE = 60
RELATED_CONCEPT_SCORE = 20
NAME_WEIGHT = 0.45
MIN_SCORE = 35
MAP_ALL_MIN_SCORE = 55


@dataclass(frozen=True)
class Suggestion:
    value: str  # a source path, or a target value for a value map
    score: float  # 0..100, higher is better
    reason: str
    label: str = ""
    transforms: tuple[dict, ...] = ()  # what the rule needs besides the source, e.g. address harmonisation


def words(name: str) -> str:
    """'CustInvoiceLine[].AmountCur' -> 'cust invoice line amount cur'."""
    name = re.sub(r"\[\]", " ", name).replace(".", " ").replace("_", " ")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower().strip()


def in_list(path: str) -> bool:
    return "[]" in path


def sample_value(record: Any, path: str) -> Any:
    """The value at ``path`` in a sample record; ``[]`` reads the first item, ``[Name=X]`` the matching one."""
    current = record
    for part in re.findall(r"[^.\[\]]+|\[[^\]]*\]", path):
        if part.startswith("["):
            inner = part[1:-1]
            if not isinstance(current, list):
                return None
            if inner == "":
                current = current[0] if current else None
            elif "=" in inner:
                name, _, wanted = inner.partition("=")
                current = next((i for i in current if isinstance(i, dict) and str(i.get(name)) == wanted), None)
            else:
                try:
                    current = current[int(inner)]
                except (ValueError, IndexError):
                    return None
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


def _fits(value: Any, target: FieldSpec) -> tuple[int, str]:
    if value in (None, "", [], {}):
        return -5, "sample value is empty"
    text = str(value)
    kind = target.type
    if kind in ("decimal", "integer"):
        try:
            float(text)
        except ValueError:
            return -15, f"sample value {text[:20]!r} is not a number"
        return 10, f"sample value {text[:20]} is a number"
    if kind in ("date", "datetime"):
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            return 10, f"sample value {text[:20]} is a date"
        return -15, f"sample value {text[:20]!r} is not a date"
    if kind == "boolean":
        return (10, "sample value is yes/no") if isinstance(value, bool) else (-5, "sample value is not yes/no")
    if isinstance(value, (dict, list)):
        return -15, "sample value is not a single value"
    if target.allowed_values and text not in target.allowed_values:
        return -5, f"sample value {text[:20]!r} is not one of the allowed values"
    if target.max_length and len(text) > target.max_length:
        return -5, f"sample value is longer than {target.max_length}"
    return 5, f"sample value {text[:20]!r} fits"


def suggest_sources(
    target: FieldSpec,
    source_catalog: EntityCatalog | None,
    sample: dict | None = None,
    limit: int = 3,
    target_path: str | None = None,
) -> list[Suggestion]:
    """Source fields for one target field, best first, each with its reason.

    ``target_path`` is the field as the rule will target it (``DirParty[0].Name``); a source list read for a
    target that is not per item is read at its first item (``CustomTextBoxes[0].Value``).
    """
    target_path = target_path or target.path
    per_item = "[]" in target_path
    ranked = []
    target_words = words(target.name)
    for source in leaf_fields(source_catalog):
        score, reasons = 0.0, []
        if target.concept and source.concept == target.concept:
            score += CONCEPT_SCORE
            reasons.append(f"same concept {target.concept}")
        elif target.concept and source.concept and target.concept.split(".")[0] == source.concept.split(".")[0]:
            score += RELATED_CONCEPT_SCORE
            reasons.append(f"related concept {source.concept}")
        similarity = max(
            fuzz.token_sort_ratio(target_words, words(source.name)), fuzz.ratio(target_words, words(source.name))
        )
        if similarity >= 50:
            score += similarity * NAME_WEIGHT
            reasons.append(f"name {source.name} ~ {target.name} {similarity:.0f}%")
        if per_item != in_list(source.path):
            score -= 20
            reasons.append("one is a line field, the other is not" if per_item else "reads the first item of a list")
        path = source.path if per_item else source.path.replace("[]", "[0]")
        if sample is not None and score > 0:
            bonus, why = _fits(sample_value(sample, path), target)
            score += bonus
            reasons.append(why)
        if score >= MIN_SCORE:
            ranked.append(Suggestion(value=path, score=round(min(score, 100), 1), reason="; ".join(reasons)))
    ranked += _address_suggestions(target, source_catalog)
    ranked.sort(key=lambda s: (-s.score, s.value))
    return ranked[:limit]


ADDRESS_PARTS = {
    "address.street": "Street",
    "address.city": "City",
    "address.county": "County",
    "address.state": "State",
    "address.postcode": "ZipCode",
    "address.country": "CountryRegionId",
}


def _address_suggestions(target: FieldSpec, source_catalog: EntityCatalog | None) -> list[Suggestion]:
    """KashFlow's free-form address lines -> one AX address part, through the address harmonisation."""
    part = ADDRESS_PARTS.get(target.concept)
    if not part:
        return []
    found = []
    for source in leaf_fields(source_catalog):
        if source.concept == "address.line1" and source.path.endswith("[].Line1"):
            address = source.path.removesuffix("[].Line1")
            found.append(
                Suggestion(
                    value=f"{address}[0]",
                    score=75 if address == "Addresses" else 70,
                    reason=f"harmonise the address lines of {address} into {part}",
                    transforms=({"name": "address", "params": {"part": part}},),
                )
            )
    return found


def unmapped_fields(mapping_set: MappingSet) -> list[tuple[str, FieldSpec]]:
    """(target path as a rule would target it, catalog field) of every target field without a rule."""
    return [
        (row.target_path, row.spec)
        for row in rule_rows(mapping_set)
        if row.rule is None and row.spec and not row.filled_elsewhere
    ]


def suggest_unmapped(
    mapping_set: MappingSet, sample: dict | None = None, limit: int = 3
) -> dict[str, list[Suggestion]]:
    """{target path: suggestions} for every target field without a rule."""
    source_catalog = catalog_for(mapping_set.source_system, mapping_set.source_entity, alias=True)
    found = {}
    for target_path, target in unmapped_fields(mapping_set):
        suggestions = suggest_sources(target, source_catalog, sample, limit, target_path=target_path)
        if suggestions:
            found[target_path] = suggestions
    return found


def map_all_suggested(
    mapping_set: MappingSet, *, actor=None, sample: dict | None = None, min_score: float = MAP_ALL_MIN_SCORE
) -> list[str]:
    """Give every unmapped target field its best suggestion (if good enough); never changes an existing rule."""
    services.ensure_draft(mapping_set)
    created = []
    for target_path, suggestions in suggest_unmapped(mapping_set, sample, limit=1).items():
        best = suggestions[0]
        if best.score < min_score or mapping_set.rules.filter(target_path=target_path).exists():
            continue
        services.save_rule(
            mapping_set,
            target_path=target_path,
            source=best.value,
            transforms=list(best.transforms),
            notes="suggested",
            actor=actor,
        )
        created.append(target_path)
    return created


# --- Value map fixes -------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def value_map_candidates(mapping_set: MappingSet, value_map: ValueMap) -> list[tuple[str, str]]:
    """(value, description) a value map may point to: AX main accounts for nominal maps, else what is known."""
    if value_map.kind == ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT:
        accounts = reference.main_accounts()
        if accounts:
            return accounts
    known: dict[str, str] = {}
    target_catalog = catalog_for(mapping_set.target_system, mapping_set.target_entity)
    for rule in mapping_set.rules.all():
        if any(
            (t.get("params") or {}).get("map") == value_map.name for t in rule.transforms or [] if isinstance(t, dict)
        ):
            spec = target_catalog.field(rule.target_path) if target_catalog else None
            for allowed in spec.allowed_values if spec else ():
                known.setdefault(allowed, "")
    for entry in value_map.entries.all():
        known.setdefault(entry.target_value, "")
    if value_map.default_value:
        known.setdefault(value_map.default_value, "")
    return sorted(known.items())


def suggest_value_map_fix(
    mapping_set: MappingSet,
    value_map_name: str,
    value: Any,
    *,
    candidates: list[tuple[str, str]] | None = None,
    source_name: str | None = None,
    limit: int = 5,
) -> list[Suggestion]:
    """The nearest valid targets for a source value the value map lacks, best first, with reasons.

    Scores: the target of the numerically nearest mapped source values, the same leading digits,
    and the similarity of the source's name (e.g. the KashFlow nominal's name) with each
    candidate's name. ``candidates`` ((value, name) pairs) default to the AX chart of accounts for
    nominal maps, else to the values the map and the target field already use.
    """
    value_map = mapping_set.value_maps.filter(name=value_map_name).prefetch_related("entries").first()
    if value_map is None:
        return []
    value = str(value).strip()
    if candidates is None:
        candidates = value_map_candidates(mapping_set, value_map)
    if source_name is None and value_map.kind == ValueMap.Kind.NOMINAL_TO_MAIN_ACCOUNT:
        source_name = reference.nominals().get(value, "")
    entries = list(value_map.entries.all())
    numeric = _number(value)
    neighbours: dict[str, tuple[float, str]] = {}
    if numeric is not None:
        by_distance = []
        for e in entries:
            low, high = _number(e.source_value), _number(e.source_to or e.source_value)
            if low is None or high is None:
                continue
            distance = 0.0 if low <= numeric <= high else min(abs(numeric - low), abs(numeric - high))
            by_distance.append((distance, e))
        # Codes of the same class (same leading digit: 4xxx sales, 7xxx overheads) are the better neighbours.
        same_class = [p for p in by_distance if p[1].source_value[:1] == value[:1]]
        by_distance = same_class or by_distance
        by_distance.sort(key=lambda p: p[0])
        for rank, (_distance, e) in enumerate(by_distance[:3]):
            label = e.source_value + (f"..{e.source_to}" if e.source_to else "")
            neighbours.setdefault(
                e.target_value, (40 - rank * 12, f"nearest mapped code {label} goes to {e.target_value}")
            )
    else:
        for e in entries:
            similarity = fuzz.ratio(value.lower(), e.source_value.lower())
            if similarity >= 60 and similarity * 0.5 > neighbours.get(e.target_value, (0, ""))[0]:
                neighbours[e.target_value] = (
                    similarity * 0.5,
                    f"{value!r} is like mapped value {e.source_value!r}, which goes to {e.target_value}",
                )
    ranked = []
    for candidate, name in candidates:
        score, reasons = 0.0, []
        if candidate in neighbours:
            score += neighbours[candidate][0]
            reasons.append(neighbours[candidate][1])
        prefix = _common_prefix(value, candidate) if numeric is not None else 0
        if prefix:
            score += min(prefix, 3) * 8
            reasons.append(f"starts with {candidate[:prefix]} like {value}")
        if source_name and name:
            similarity = fuzz.token_set_ratio(source_name.lower(), name.lower())
            if similarity >= 40:
                score += similarity * 0.6
                reasons.append(f"name {source_name!r} ~ {name!r} {similarity:.0f}%")
        if numeric is None:
            similarity = max(
                fuzz.ratio(value.lower(), candidate.lower()), fuzz.ratio(value.lower(), (name or "").lower())
            )
            if similarity >= 50:
                score += similarity * 0.6
                reasons.append(f"{value!r} ~ {candidate!r} {similarity:.0f}%")
        if score > 0:
            ranked.append(
                Suggestion(value=candidate, score=round(min(score, 100), 1), reason="; ".join(reasons), label=name)
            )
    ranked.sort(key=lambda s: (-s.score, s.value))
    return ranked[:limit]


def apply_value_map_fix(
    mapping_set: MappingSet, value_map_name: str, source_value: str, target_value: str, *, actor=None
) -> MappingSet:
    """Add ``source_value -> target_value`` to the value map and publish it (a new version), audited.

    Returns the new published version, which the retried record will be mapped with.
    """
    return services.apply_value_map_fix(
        mapping_set, value_map_name=value_map_name, source_value=source_value, target_value=target_value, actor=actor
    )
