"""The sync engine's settings, read in one place (declared in config/settings.py and .env.example).

Flow health (monitoring) reads the circuit breaker's threshold from here too, so "failing" on the
dashboard means what pauses a flow.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def retry_settings() -> dict:
    return dict(settings.SYNC_RETRY or {})


def heartbeat_seconds() -> float:
    return float(settings.SYNC_HEARTBEAT_SECONDS)


def stall_seconds() -> int:
    return int(settings.SYNC_STALL_SECONDS)


def circuit_threshold() -> int:
    return int(settings.SYNC_CIRCUIT_THRESHOLD)


def circuit_pause() -> timedelta:
    return timedelta(seconds=int(settings.SYNC_CIRCUIT_PAUSE_SECONDS))


def timeouts_before_batching() -> int:
    return int(settings.SYNC_TIMEOUTS_BEFORE_BATCHING)


def watermark_overlap() -> timedelta:
    return timedelta(seconds=float(settings.SYNC_WATERMARK_OVERLAP_SECONDS))
