"""``make demo`` (scripts/demo.sh) stops promptly, worker cluster included, on Ctrl-C or a TERM to its process group.

django-q2's sentinel and workers keep the default TERM action, so a TERM to the whole group killed them mid-wait
and left the cluster's main process blocked for ever on the stop event's lock (it needed SIGKILL). The script is
started for real (migrate, demo data, gunicorn, qcluster) on a throw-away database and port, and every process it
started is found again by a marker in its environment."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240
STOP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_with(marker: str) -> list[int]:
    """Pids of live (not zombie) processes whose environment carries ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _start_demo(tmp_path: Path) -> tuple[subprocess.Popen, str, Path]:
    marker = f"LB_DEMO_STOP_TEST={uuid.uuid4().hex}"
    log = tmp_path / "demo.log"
    env = {
        **os.environ,
        marker.split("=")[0]: marker.split("=")[1],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "PORT": str(_free_port()),
        "STOP_SECONDS": "20",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/demo.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    # Up: gunicorn listens, and the script, gunicorn (master and 2 workers) and the cluster (main, sentinel,
    # 2 workers, pusher, monitor) are all running.
    running = _wait_until(
        lambda: proc.poll() is not None or (b"Listening at" in log.read_bytes() and len(_processes_with(marker)) >= 10),
        STARTUP_SECONDS,
    )
    if not running or proc.poll() is not None:
        _kill_leftovers(marker)
        pytest.fail(f"the demo did not start:\n{log.read_text()[-3000:]}")
    time.sleep(3)  # the cluster's sentinel is in its guard loop
    return proc, marker, log


def _kill_leftovers(marker: str) -> None:
    for pid in _processes_with(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["group-term", "ctrl-c"])
def test_stopping_the_demo_stops_the_worker_cluster_promptly(tmp_path, how):
    proc, marker, log = _start_demo(tmp_path)
    try:
        started = time.monotonic()
        if how == "group-term":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            # A terminal's Ctrl-C: SIGINT to the foreground process group (the script and what it started there).
            os.killpg(proc.pid, signal.SIGINT)
        stopped = _wait_until(lambda: not _processes_with(marker), STOP_SECONDS)
        elapsed = time.monotonic() - started
        left = _processes_with(marker)
        assert stopped, f"still running {STOP_SECONDS}s after {how}: {left}\n{log.read_text()[-2000:]}"
        assert elapsed < 20, f"stopping took {elapsed:.1f}s (the script's own KILL fallback is not the fix)"
    finally:
        _kill_leftovers(marker)
        if proc.poll() is None:
            proc.kill()
