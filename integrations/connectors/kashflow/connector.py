"""KashFlow behind the one ``Connector`` interface the sync engine uses.

Credentials (``ConnectionConfig.credentials``): ``username``, ``password`` and ``memorable_word``.
KashFlow has no idempotency key: ``message_id`` is accepted and ignored; after an ambiguous write the
engine looks the record up with ``find_by_reference`` (and ``mark_invoice_paid`` does so itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from integrations.connectors.base import ConfigField, ConnectionConfig, Connector, RateLimiter
from integrations.connectors.catalog import EntityCatalog
from integrations.connectors.errors import (
    AuthError,
    ConnectionTestResult,
    ConnectorError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from integrations.connectors.kashflow.catalog import CATALOGS
from integrations.connectors.kashflow.client import SYSTEM, KashFlowClient
from integrations.connectors.kashflow.rate_limit import TokenBucket

__all__ = ["ENTITIES", "KashFlowConnector", "TokenBucket"]


@dataclass(frozen=True)
class EntityPath:
    path: str  # the REST resource
    key_field: str
    creatable: bool = True
    updatable: bool = True
    reference_field: str = ""  # the field find_by_reference matches; "" = the key itself


ENTITIES: dict[str, EntityPath] = {
    "customer": EntityPath("customers", "Code"),
    "supplier": EntityPath("suppliers", "Code"),
    "product": EntityPath("products", "Code"),
    "sales_invoice": EntityPath("invoices", "Number", reference_field="CustomerReference"),
    "purchase_invoice": EntityPath("purchases", "Number", reference_field="SupplierReference"),
    "payment": EntityPath("invoices/payments", "Id", updatable=False, reference_field="Reference"),
    "journal": EntityPath("journals", "Number", updatable=False, reference_field="Narrative"),
    "nominal": EntityPath("nominals", "Code", creatable=False, updatable=False),
    "bank_account": EntityPath("bankaccounts", "Code", creatable=False, updatable=False),
    "bank_transaction": EntityPath("banktransactions", "Id", updatable=False, reference_field="Reference"),
}
DOCUMENTS = {"sales_invoice", "purchase_invoice"}


def _since(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class KashFlowConnector(Connector):
    system = SYSTEM
    label = "KashFlow"
    config_fields = (
        ConfigField("username", "Username", help_text="The KashFlow login used by the integration."),
        ConfigField("password", "Password", secret=True),
        ConfigField(
            "memorable_word",
            "Memorable word",
            secret=True,
            help_text="KashFlow asks for three of its characters at every login.",
        ),
    )

    def __init__(self, config: ConnectionConfig, *, rate_limiter: RateLimiter | None = None) -> None:
        super().__init__(config, rate_limiter=rate_limiter)
        if rate_limiter is None and config.rate_limit_per_minute:
            self.rate_limiter = TokenBucket(config.rate_limit_per_minute)
        self._client: KashFlowClient | None = None

    @property
    def client(self) -> KashFlowClient:
        if self._client is None:
            creds = self.config.credentials
            self._client = KashFlowClient(
                self.config.base_url,
                username=creds.get("username", ""),
                password=creds.get("password", ""),
                memorable_word=creds.get("memorable_word", ""),
                timeout=self.config.timeout,
                rate_limiter=self.rate_limiter,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def entities(self) -> tuple[str, ...]:
        return tuple(ENTITIES)

    def catalog(self, entity: str) -> EntityCatalog:
        self._spec(entity)
        return CATALOGS[entity]

    # ------------------------------------------------------------ test

    def test_connection(self) -> ConnectionTestResult:
        url = self.config.base_url
        missing = [f.label for f in self.config_fields if not self.config.credentials.get(f.name)]
        if missing:
            return ConnectionTestResult(False, f"Missing {', '.join(missing).lower()}: fill them in and test again.")
        try:
            self.client.login()
            answer = self.client.get("nominals", {"page": 1, "perpage": 1})
            total = (answer.get("MetaData") or {}).get("TotalRecords") if isinstance(answer, dict) else None
        except AuthError as exc:
            return ConnectionTestResult(
                False,
                f"KashFlow refused the login: {exc.message} Check the username, password and memorable word.",
                {"error": exc.code},
            )
        except RateLimitedError as exc:
            return ConnectionTestResult(
                False, f"KashFlow is limiting requests right now; try again in {exc.retry_after:g} seconds."
            )
        except TransientError as exc:
            return ConnectionTestResult(False, f"Could not reach KashFlow at {url}: {exc.message}")
        except NotFoundError:
            return ConnectionTestResult(
                False, f"The server at {url} has no KashFlow login (sessiontoken answered 404): check the base URL."
            )
        except ProtocolError as exc:
            return ConnectionTestResult(False, exc.message)
        except ConnectorError as exc:
            return ConnectionTestResult(False, f"KashFlow answered with an error: {exc.message}")
        except Exception as exc:  # a connection test must never raise
            return ConnectionTestResult(False, f"Unexpected error while testing the connection: {exc}")
        detail = f" ({total} nominal codes)" if isinstance(total, int) else ""
        return ConnectionTestResult(
            True, f"Connected to KashFlow at {url} as {self.config.credentials['username']}{detail}."
        )

    # ------------------------------------------------------------ reading

    def list_changed(self, entity: str, since: datetime | None = None) -> Iterator[dict]:
        spec = self._spec(entity)
        params = {"modifiedsince": _since(since)} if since else {}
        if entity == "bank_transaction":
            for account in self.client.iterate("bankaccounts"):
                yield from self.client.iterate(f"bankaccounts/{account['Code']}/transactions", params)
            return
        if entity == "payment":
            yield from self._changed_payments(params, since)
            return
        for item in self.client.iterate(spec.path, {**params, "sortby": spec.key_field, "order": "Asc"}):
            if entity in DOCUMENTS and item.get("LineItems") is None:  # a list may carry summaries only
                item = self.read(entity, str(item[spec.key_field]))
            yield item

    def read(self, entity: str, key: str) -> dict:
        spec = self._spec(entity)
        if entity == "payment":
            return self._read_payment(key)
        if entity == "bank_transaction":
            return self._scan_one(entity, lambda t: str(t.get("Id")) == key.rpartition("/")[2], key)
        return self._object(self.client.get(f"{spec.path}/{key}"))

    def find_by_reference(self, entity: str, reference: str) -> dict | None:
        spec = self._spec(entity)
        if not spec.reference_field:
            try:
                return self.read(entity, reference)
            except NotFoundError:
                return None
        for item in self.list_changed(entity):
            if str(item.get(spec.reference_field, "")).strip() == reference.strip():
                return item
        return None

    # ------------------------------------------------------------ writing

    def create(self, entity: str, document: dict, *, message_id: str | None = None) -> str:
        spec = self._spec(entity)
        if not spec.creatable:
            raise ValidationError(f"KashFlow {spec.path} are read-only.", system=SYSTEM)
        if entity == "payment":
            number = document.get("InvoiceNumber")
            if number in (None, ""):
                raise ValidationError("A payment needs the InvoiceNumber it pays.", system=SYSTEM)
            body = {k: v for k, v in document.items() if k not in ("Id", "InvoiceNumber")}
            return str(self._object(self.client.post(f"invoices/{number}/payments", body))["Id"])
        if entity == "bank_transaction":
            code = document.get("BankAccountCode")
            if code in (None, ""):
                raise ValidationError("A bank transaction needs its BankAccountCode.", system=SYSTEM)
            created = self._object(self.client.post(f"bankaccounts/{code}/transactions", document))
            return str(created["Id"])
        created = self._object(self.client.post(spec.path, document))
        return str(created[spec.key_field])

    def update(self, entity: str, key: str, document: dict, *, message_id: str | None = None) -> None:
        spec = self._spec(entity)
        if not spec.updatable:
            raise ValidationError(f"KashFlow does not allow changing {spec.path} once created.", system=SYSTEM)
        self.client.put(f"{spec.path}/{key}", document)

    def mark_invoice_paid(
        self,
        number: int | str,
        amount: float | str,
        paid_on: date | str,
        *,
        method: str = "",
        reference: str = "",
        bank_account: int | None = None,
    ) -> dict:
        """Post a payment on sales invoice ``number`` (the AX settlement -> KashFlow status flow).

        Idempotent by ``reference``: a payment with the same reference on that invoice is returned
        instead of paying twice (so a retry after an ambiguous failure is safe).
        """
        if reference:
            for payment in self.invoice_payments(number):
                if payment.get("Reference") == reference:
                    return payment
        body: dict = {
            "Date": paid_on.isoformat() if isinstance(paid_on, date) else str(paid_on),
            "Amount": float(amount),
            "Method": method,
            "Reference": reference,
        }
        if bank_account is not None:
            body["AccountId"] = bank_account
        return self._object(self.client.post(f"invoices/{number}/payments", body))

    def invoice_payments(self, number: int | str) -> list[dict]:
        answer = self.client.get(f"invoices/{number}/payments")
        data = answer.get("Data") if isinstance(answer, dict) else answer
        if not isinstance(data, list):
            raise ProtocolError(f"KashFlow answered the payments of invoice {number} without a list.", system=SYSTEM)
        return data

    def delete_invoice_payment(self, number: int | str, payment_id: int | str) -> None:
        self.client.delete(f"invoices/{number}/payments/{payment_id}")

    # ------------------------------------------------------------ helpers

    def _spec(self, entity: str) -> EntityPath:
        try:
            return ENTITIES[entity]
        except KeyError:
            raise ValidationError(f"KashFlow has no entity {entity!r}.", system=SYSTEM) from None

    def _object(self, answer: object) -> dict:
        if not isinstance(answer, dict):
            raise ProtocolError("KashFlow answered without a JSON object.", system=SYSTEM)
        return answer

    def _changed_payments(self, params: dict, since: datetime | None) -> Iterator[dict]:
        """The cross-invoice payment list where the server has one (the sandbox), else the payments of the
        invoices changed since then (a payment changes its invoice's amount paid and status)."""
        try:
            first = self.client.get("invoices/payments", {**params, "page": 1, "perpage": 1})
        except (NotFoundError, ValidationError):
            first = None
        if isinstance(first, dict) and isinstance(first.get("Data"), list):
            yield from self.client.iterate("invoices/payments", {**params, "sortby": "Id", "order": "Asc"})
            return
        for invoice in self.list_changed("sales_invoice", since):
            for payment in invoice.get("PaymentLines") or []:
                yield {"InvoiceNumber": invoice["Number"], **payment}

    def _read_payment(self, key: str) -> dict:
        number, _, payment_id = key.rpartition("/")
        if number:
            return self._object(self.client.get(f"invoices/{number}/payments/{payment_id}"))
        return self._scan_one("payment", lambda p: str(p.get("Id")) == payment_id, key)

    def _scan_one(self, entity: str, match, key: str) -> dict:
        for item in self.list_changed(entity):
            if match(item):
                return item
        raise NotFoundError(f"KashFlow has no {entity.replace('_', ' ')} {key}.", system=SYSTEM, status=404)
