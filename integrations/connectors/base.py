"""The one small interface the sync engine uses to talk to any remote system.

A connector is plain Python (no Django): it is built from a ``ConnectionConfig`` and raises only
the errors in ``errors.py``. Entities are named as in DESIGN.md (customer, supplier, product,
sales_invoice, payment, purchase_invoice, journal, bank_transaction, plus read-only reference
entities such as nominal, main_account, dimension_value, exchange_rate).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from integrations.connectors.catalog import EntityCatalog
from integrations.connectors.errors import ConnectionTestResult


@dataclass(frozen=True)
class ConfigField:
    name: str
    label: str
    secret: bool = False
    required: bool = True
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); the first is the default when blank


@dataclass(frozen=True)
class ConnectionConfig:
    base_url: str
    credentials: dict[str, str] = field(default_factory=dict)
    company: str = ""
    timeout: float = 30.0
    rate_limit_per_minute: int | None = None


class RateLimiter(Protocol):
    """Blocks until one more request may be sent on this connection (shared by all workers)."""

    def acquire(self) -> None: ...


class NoRateLimit:
    def acquire(self) -> None:
        return None


class Connector(ABC):
    system: ClassVar[str]
    label: ClassVar[str]
    config_fields: ClassVar[tuple[ConfigField, ...]]

    def __init__(self, config: ConnectionConfig, *, rate_limiter: RateLimiter | None = None) -> None:
        self.config = config
        self.rate_limiter = rate_limiter or NoRateLimit()

    @abstractmethod
    def test_connection(self) -> ConnectionTestResult:
        """Log in and make one cheap read; never raises, reports a message a person understands."""

    @abstractmethod
    def list_changed(self, entity: str, since: datetime | None = None) -> Iterator[dict]:
        """Every record of ``entity`` changed at or after ``since`` (all when None), page by page."""

    @abstractmethod
    def read(self, entity: str, key: str) -> dict:
        """One record by its key; raises NotFoundError."""

    @abstractmethod
    def find_by_reference(self, entity: str, reference: str) -> dict | None:
        """The record carrying our external reference (e.g. the KashFlow invoice number), or None."""

    @abstractmethod
    def create(self, entity: str, document: dict, *, message_id: str | None = None) -> str:
        """Create a record and return its key. ``message_id`` makes the write idempotent where supported."""

    @abstractmethod
    def update(self, entity: str, key: str, document: dict, *, message_id: str | None = None) -> None:
        """Update the record with ``key`` from ``document``."""

    @abstractmethod
    def catalog(self, entity: str) -> EntityCatalog:
        """The field catalog of ``entity``."""

    def entities(self) -> tuple[str, ...]:
        return ()

    def close(self) -> None:
        return None

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
