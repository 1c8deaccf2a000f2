"""Collects the figures of one benchmark run and writes them as ``bench-results.json`` and ``bench-results.txt``."""

from __future__ import annotations

import json
import os
import platform
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Figure:
    section: str
    name: str
    value: float | int | str
    unit: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, name: str, value, unit: str = "", *, goal: str = "", met=None, note: str = "") -> None:
        self.figures.append(Figure(section, name, value, unit, goal, met, note))

    def machine(self) -> dict:
        from django.db import connection

        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": _cpu_model(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "database": f"{connection.vendor} {_db_version()}".strip(),
        }

    def as_json(self) -> dict:
        return {
            **self.machine(),
            "figures": [f.__dict__ for f in self.figures],
            "notes": self.notes,
        }

    def table(self) -> str:
        m = self.machine()
        lines = [
            f"LedgerBridge benchmarks, {m['date']}",
            f"{m['processor']} ({m['cpu_count']} CPUs), {m['platform']}, Python {m['python']}, {m['database']}",
            "",
        ]
        width = max([len(f.name) for f in self.figures] + [20])
        section = None
        for f in self.figures:
            if f.section != section:
                section = f.section
                lines += ["", f"== {section}"]
            value = _fmt(f.value)
            verdict = "" if f.met is None else ("  MET" if f.met else "  MISSED")
            goal = f"  (goal: {f.goal})" if f.goal else ""
            lines.append(f"  {f.name:<{width}}  {value:>12} {f.unit:<10}{goal}{verdict}")
            if f.note:
                lines.append(f"  {'':<{width}}  {f.note}")
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def write(self) -> str:
        (ROOT / "bench-results.json").write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n")
        text = self.table()
        (ROOT / "bench-results.txt").write_text(text)
        return text


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _db_version() -> str:
    from django.db import connection

    try:
        if connection.vendor == "sqlite":
            import sqlite3

            return sqlite3.sqlite_version
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    except Exception:
        return ""


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
