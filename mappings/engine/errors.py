"""What the engine reports: issues on one record, and errors on a rule that cannot apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Issue codes (the exception queue groups by these).
MISSING_REQUIRED = "missing_required"
VALUE_NOT_MAPPED = "value_not_mapped"
TOO_LONG = "too_long"
WRONG_TYPE = "wrong_type"
NOT_ALLOWED = "not_allowed"
RULE_ERROR = "rule_error"
MISSING_SOURCE = "missing_source"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one record: ``field`` is the concrete target path (``CustInvoiceLine[2].TaxGroup``),
    ``rule`` the target path of the rule that produced it (``""`` for a check of the whole document)."""

    code: str
    field: str
    rule: str
    message: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "rule": self.rule, "message": self.message, "value": self.value}


class RuleError(Exception):
    """A rule that cannot apply: ``rule`` names it (its target path, or ``value_maps.<name>``,
    ``dimension_rules.<name>``, ``options.lines``), ``message`` says why."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleError) and (self.rule, self.message) == (other.rule, other.message)

    def __hash__(self) -> int:
        return hash((self.rule, self.message))

    def __repr__(self) -> str:
        return f"RuleError(rule={self.rule!r}, message={self.message!r})"


class MappingCompileError(Exception):
    """The mapping set has rules that cannot apply; ``errors`` lists every one."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors) or "mapping cannot compile")


class SpecError(ValueError):
    """Raised inside the compiler for one broken piece; the caller turns it into a RuleError."""


def short(exc: BaseException) -> str:
    """The exception's text, cut to 200 characters for an issue or an error message."""
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."


def reason(exc: Exception) -> str:
    """The message of a SpecError (written for people); for anything else, its type too."""
    if isinstance(exc, SpecError | ValueError):
        return short(exc)
    return f"{type(exc).__name__}: {short(exc)}"


def kind_of(value: Any) -> str:
    """How a message names the type of a value it did not expect."""
    return "nothing" if value is None else type(value).__name__
