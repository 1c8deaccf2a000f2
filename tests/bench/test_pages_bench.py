"""The exception queue and the run list at 100,000 rows: server time (median, p95) and queries per page."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.bench.results import median, percentile
from tests.conftest import cast_member
from tests.monitoring.test_scale import ROWS, big  # noqa: F401 -- the 100k-row fixture

REQUESTS = 40
PAGES = {
    "exception queue, first page": ("monitoring:exception-list", {}),
    "exception queue, page 1,000": ("monitoring:exception-list", {"page": "1000"}),
    "exception queue, filtered": ("monitoring:exception-list", {"tab": "resolved", "flow": "journals", "stage": "map"}),
    "exception queue, grouped by cause": ("monitoring:exception-list", {"view": "groups"}),
    "run list, first page": ("monitoring:run-list", {}),
    "run list, page 1,500": ("monitoring:run-list", {"page": "1500"}),
    "run list, filtered": ("monitoring:run-list", {"flow": "journals", "status": "partial", "page": "10"}),
}


def _measure(client, url: str, params: dict) -> tuple[list[float], int]:
    times = []
    queries = 0
    for n in range(REQUESTS + 2):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200
        if n >= 2:  # the first two warm caches and the query plan
            times.append(elapsed * 1000)
        queries = max(queries, len(captured))
    return times, queries


@pytest.mark.django_db
def test_queue_and_run_list_at_100k_rows(big, client, bench_results):  # noqa: F811
    client.force_login(cast_member("accountant"))
    section = f"Pages at {ROWS:,} exceptions and {ROWS:,} runs (server time, {REQUESTS} requests each)"
    counts = {}
    for label, (name, params) in PAGES.items():
        times, queries = _measure(client, reverse(name), params)
        p95 = percentile(times, 95)
        counts.setdefault(name, set()).add(queries)
        bench_results.add(
            section,
            label,
            round(p95, 1),
            "ms p95",
            goal="< 150 ms",
            met=p95 < 150,
            note=f"median {median(times):.1f} ms, {queries} queries",
        )
    for name, seen in counts.items():
        bench_results.add(
            section,
            f"{name}: queries on every page",
            "/".join(str(q) for q in sorted(seen)),
            "",
            goal="constant",
            met=len(seen) == 1,
        )
