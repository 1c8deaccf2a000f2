"""`manage.py check --deploy` with the values of .env.example fails with an error on each development secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def example_environment() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**keep, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def example_run() -> subprocess.CompletedProcess:
    assert not (ROOT / ".env").exists(), "a .env file would hide what .env.example gives"
    return check_deploy(example_environment())


def test_env_example_fails_check_deploy_with_errors(example_run):
    assert example_run.returncode != 0
    out = example_run.stderr + example_run.stdout
    assert "ERRORS:" in out
    for check_id, name in (
        ("ledgerbridge.E001", "CREDENTIALS_KEYS"),
        ("ledgerbridge.E002", "WEBHOOK_SECRET"),
        ("ledgerbridge.E003", "SECRET_KEY"),
    ):
        line = next((x for x in out.splitlines() if check_id in x), "")
        assert name in line, (check_id, out)
    assert "example value 'change-me'" in out


@pytest.mark.parametrize("secret", ["", "short-but-random", "change-me", "dev-webhook-secret"])
def test_each_weak_webhook_secret_is_an_error(secret):
    env = {
        **example_environment(),
        "SECRET_KEY": "k" * 20 + "9f3Kq0vXz8Lr2Wm5Tb7Nc1Hd4Gs6Jy0Pa3Ue5Io",
        "CREDENTIALS_KEYS": Fernet.generate_key().decode(),
        "WEBHOOK_SECRET": secret,
    }
    done = check_deploy(env)
    assert done.returncode != 0 and "ledgerbridge.E002" in done.stderr, done.stderr


def test_real_secrets_pass():
    env = {
        **example_environment(),
        "SECRET_KEY": "k" * 20 + "9f3Kq0vXz8Lr2Wm5Tb7Nc1Hd4Gs6Jy0Pa3Ue5Io",
        "CREDENTIALS_KEYS": Fernet.generate_key().decode(),
        "WEBHOOK_SECRET": "Zr8_q2VbN0xLk4TfYw7HsJ3mPc6Ud1Ga9Ee5Ri",
    }
    done = check_deploy(env)
    assert done.returncode == 0, done.stderr
    assert "ledgerbridge.E" not in done.stderr + done.stdout
