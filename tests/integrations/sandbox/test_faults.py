import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.db import OperationalError, close_old_connections

from integrations.sandbox.faults import Fault, find_client_socket, operation_matches, pick_fault
from integrations.sandbox.models import FaultRule

pytestmark = pytest.mark.django_db


def make_rule(**fields) -> FaultRule:
    fields.setdefault("system", FaultRule.System.KASHFLOW)
    fields.setdefault("kind", FaultRule.Kind.SERVER_ERROR)
    return FaultRule.objects.create(**fields)


@pytest.mark.parametrize(
    ("pattern", "operation", "expected"),
    [
        ("*", "GET invoices", True),
        ("POST *", "POST invoices", True),
        ("POST *", "GET invoices", False),
        ("post invoices", "POST invoices", True),
        ("GET /invoices", "GET invoices", True),
        ("GET invoices", "GET invoices/12", False),
        ("GET invoices*", "GET invoices/12", True),
        ("*.create", "FreeTextInvoiceService.create", True),
        ("*.create", "FreeTextInvoiceService.read", False),
        ("FreeTextInvoiceService.*", "FreeTextInvoiceService.read", True),
        ("CustomerService.*", "FreeTextInvoiceService.read", False),
    ],
)
def test_operation_matches_with_fnmatch(pattern, operation, expected):
    assert operation_matches(pattern, operation) is expected


def test_no_rule_no_fault(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert pick_fault("kashflow", "GET invoices") is None


def test_rule_of_the_other_system_or_operation_does_not_fire():
    make_rule(system=FaultRule.System.DYNAMICS_AX, operation="*")
    make_rule(operation="POST *")
    assert pick_fault("kashflow", "GET customers") is None


def test_matching_rule_fires_and_counts_hits():
    rule = make_rule(operation="GET *", kind=FaultRule.Kind.RATE_LIMIT, retry_after=7)
    assert pick_fault("kashflow", "GET invoices") == Fault(kind="rate_limit", latency_ms=0, retry_after=7)
    assert pick_fault("kashflow", "GET customers") is not None
    rule.refresh_from_db()
    assert rule.hits == 2
    assert rule.active


def test_next_n_fires_exactly_n_times_then_deactivates():
    rule = make_rule(operation="*.create", system=FaultRule.System.DYNAMICS_AX, remaining=2)
    fired = [pick_fault("dynamics_ax", "CustomerService.create") for _ in range(4)]
    assert [f is not None for f in fired] == [True, True, False, False]
    rule.refresh_from_db()
    assert (rule.remaining, rule.hits, rule.active) == (0, 2, False)


def test_probability_zero_never_fires_and_one_always_does():
    never = make_rule(operation="GET *", probability=0.0)
    assert all(pick_fault("kashflow", "GET invoices") is None for _ in range(50))
    never.delete()
    make_rule(operation="GET *", probability=1.0)
    assert all(pick_fault("kashflow", "GET invoices") is not None for _ in range(50))


def test_probability_half_fires_sometimes():
    make_rule(probability=0.5)
    fired = sum(pick_fault("kashflow", "GET invoices") is not None for _ in range(200))
    assert 40 < fired < 160


def test_timeouts_without_latency_wait_the_default():
    make_rule(kind=FaultRule.Kind.TIMEOUT_AFTER_COMMIT)
    assert pick_fault("kashflow", "POST invoices").latency_ms == 3000


def test_first_matching_rule_wins_and_exhausted_rule_passes_to_the_next():
    make_rule(kind=FaultRule.Kind.LATENCY, latency_ms=10, remaining=1)
    make_rule(kind=FaultRule.Kind.SERVER_ERROR)
    assert pick_fault("kashflow", "GET x").kind == "latency"
    assert pick_fault("kashflow", "GET x").kind == "server_error"


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_share_the_last_remaining():
    rule = make_rule(remaining=5)
    results: list[Fault | None] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def call() -> None:
        start.wait()
        try:
            calls = 0
            while calls < 4:
                try:
                    fault = pick_fault("kashflow", "POST invoices")
                except OperationalError:  # SQLite's in-memory test database locks instead of waiting
                    time.sleep(0.005)
                    continue
                calls += 1
                with lock:
                    results.append(fault)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(f is not None for f in results) == 5
    rule.refresh_from_db()
    assert (rule.remaining, rule.hits) == (0, 5)


def test_gunicorn_socket_is_found():
    a, b = socket.socketpair()
    try:
        assert find_client_socket({"gunicorn.socket": a}) is a
    finally:
        a.close()
        b.close()


@pytest.mark.urls("tests.integrations.sandbox.drop_urls")
def test_drop_connection_makes_the_client_see_a_dropped_connection(live_server):
    with httpx.Client(base_url=live_server.url, timeout=5) as client:
        assert client.get("/fine").text == "ok"
        with pytest.raises(httpx.TransportError):
            client.post("/drop", json={"a": 1})
        assert client.get("/fine").status_code == 200  # the server carries on


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("worker_class", ["gthread", "sync"])
def test_drop_connection_under_gunicorn(worker_class):
    root = Path(__file__).resolve().parents[3]
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            worker_class,
            "--workers",
            "1",
            "--threads",
            "2",
            "--log-level",
            "warning",
            "tests.integrations.sandbox.gunicorn_drop_app:app",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(100):
                try:
                    assert client.get("/").text == "ok"
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                pytest.fail("gunicorn did not start")
            with pytest.raises(httpx.TransportError):
                client.post("/drop", content=b"x")
            assert client.get("/").text == "ok"
    finally:
        server.terminate()
        server.wait(timeout=10)
