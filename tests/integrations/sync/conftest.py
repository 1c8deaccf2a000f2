"""The demo company in both simulators over real sockets, its flows, and a real django-q2 worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from integrations.models import Connection, Flow, SyncRun
from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.loading import ensure_demo_connections
from integrations.sync.setup import ensure_default_flows

ROOT = Path(__file__).resolve().parents[3]
FINISHED = ("succeeded", "partial", "failed", "cancelled")


@pytest.fixture
def demo(live_server, transactional_db, settings):
    """A small demo company (``seed_sandbox``), the demo pair pointing at the live server, every default flow."""
    settings.SANDBOX_KASHFLOW_RATE_LIMIT = 100_000
    cache.clear()
    counts = seed_sandbox(invoices=8)
    pair = ensure_demo_connections(live_server.url)
    Connection.objects.filter(pk__in=[pair.kashflow_id, pair.dynamics_ax_id]).update(timeout_seconds=2.0)
    pair.refresh_from_db()
    ensure_default_flows(pair, schedules=False)
    return {"pair": pair, "counts": counts, "url": live_server.url}


def flow(entity: str, direction: str = "kf_to_ax") -> Flow:
    return Flow.objects.get(entity=entity, direction=direction)


def wait_for_run(run_id: int, timeout: float = 60.0) -> SyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_id)
        if run.status in FINISHED:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish in {timeout}s (status {run.status})")


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


WORKER_APP_NAME = "ledgerbridge-test-worker"


def _drop_worker_sessions() -> None:
    """PostgreSQL notices a killed client late; end its sessions so the test database can be dropped."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [WORKER_APP_NAME],
        )


class Worker:
    """``manage.py qcluster`` against the test database, in its own process group (so it can be killed whole)."""

    settings_module = "config.test_settings"

    def __init__(self, url: str, *, env: dict | None = None) -> None:
        self.url = url
        self.env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "DATABASE_URL": _database_url(),
            "PORTAL_URL": self.url,
            "PGAPPNAME": WORKER_APP_NAME,
            **self.env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole cluster: no clean-up, tasks in flight are lost."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        _drop_worker_sessions()

    def stop(self) -> None:
        # The test is over and its run finished: nothing in flight is worth a graceful shutdown.
        self.kill()


@pytest.fixture
def worker(demo):
    w = Worker(demo["url"]).start()
    yield w
    w.stop()


def ax_records(entity: str):
    from integrations.sandbox.models import AxRecord

    return list(AxRecord.objects.filter(entity=entity).order_by("key"))


def journal_refs(journal_name: str) -> dict[str, int]:
    """{DocumentNum: how many AX journals of that name carry it} — 1 everywhere means exactly once."""
    counts: dict[str, int] = {}
    for record in ax_records("LedgerJournalTable"):
        if record.data.get("JournalName") != journal_name:
            continue
        for ref in {str(line.get("DocumentNum")) for line in record.data.get("LedgerJournalTrans") or []}:
            counts[ref] = counts.get(ref, 0) + 1
    return counts


def invoice_refs() -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in ax_records("CustInvoiceTable"):
        ref = str(record.data.get("CustomerRef"))
        counts[ref] = counts.get(ref, 0) + 1
    return counts


def post_ax_drafts(kinds: list[str] | None = None) -> dict:
    """Post what AX holds as drafts, as the accountant (or an AX batch job) does: the sandbox's control API
    ``POST /sandbox/control/ax/post`` calls the same ``posting.post``. Invoices go first, so a payment posted in the
    same call settles them. Returns what was posted, per company."""
    from integrations.sandbox.ax import posting
    from integrations.sandbox.models import AxCompany

    return {company.data_area_id: posting.post(company, kinds=kinds).as_dict() for company in AxCompany.objects.all()}


def edit_kashflow(entity: str, key: str, **changes) -> dict:
    """Change a record in the simulated KashFlow as a user would (its modification time moves on)."""
    from django.utils import timezone

    from integrations.sandbox.models import KashFlowRecord

    record = KashFlowRecord.objects.get(entity=entity, key=key)
    now = timezone.now()
    record.data = {**record.data, **changes, "LastUpdatedDate": now.isoformat().replace("+00:00", "Z")}
    record.modified_at = now
    record.save()
    return record.data
