"""KashFlow behind the one ``Connector`` interface the sync engine uses.

Credentials (``ConnectionConfig.credentials``): ``username``, ``password`` and ``memorable_word``.
KashFlow has no idempotency key: ``message_id`` is accepted and ignored; after an ambiguous write the
engine looks the record up with ``find_by_reference`` (and ``mark_invoice_paid`` does so itself).

How KashFlow really behaves, and what this module does about it (sources in ``README.md``):

- No modified-since filter exists, and documents carry no ``LastUpdatedDate``: every poll is a full listing.
  ``list_changed`` ignores ``since``; the engine compares content hashes against its record links. Where a
  list entry lacks its lines, the detail is read only when the entry's own hash changed (``DetailCache``).
- Payments are ``PaymentLines`` on invoices and purchases, written with ``POST /{invoices|purchases}/bulk/
  payments``; there is no ``invoices/{n}/payments``. A payment line's own ``InvoiceNumber`` is 0, so the
  number of the invoice it was read from always wins.
- Bank transactions are read per bank account ``Id``; a transfer shows in both accounts under one ``Id`` and
  paging order is unstable, so lines are deduplicated on ``(AccountId, Id)`` and the feed is read again until
  nothing new appears and the count matches ``TotalRecords``.
- Single products live at ``/products/{nominalCode}/{code}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

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
from integrations.connectors.kashflow.client import SYSTEM, KashFlowClient, LoginGate, MemoryLoginGate
from integrations.connectors.kashflow.rate_limit import TokenBucket

__all__ = ["ENTITIES", "KashFlowConnector", "TokenBucket", "bank_line_key", "payment_key"]


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
    "payment": EntityPath("invoices", "Id", updatable=False, reference_field="Note"),
    "purchase_payment": EntityPath("purchases", "Id", updatable=False, reference_field="Note"),
    "journal": EntityPath("journals", "Number", updatable=False, reference_field="Description"),
    "nominal": EntityPath("nominals", "Code", creatable=False, updatable=False),
    "bank_account": EntityPath("bankaccounts", "Id", creatable=False, updatable=False),
    "bank_transaction": EntityPath("bankaccounts", "Id", updatable=False, reference_field="Comment"),
    "project": EntityPath("projects", "Number", creatable=False, updatable=False),
    "vat_rate": EntityPath("vat/settings/vatrates", "VATId", creatable=False, updatable=False),
    "payment_method": EntityPath("paymentmethods", "Id", creatable=False, updatable=False),
    "country": EntityPath("countries", "Code", creatable=False, updatable=False),
}
DOCUMENTS = {"sales_invoice", "purchase_invoice"}
PAYMENT_DOCUMENT = {"payment": "sales_invoice", "purchase_payment": "purchase_invoice"}
BANK_READ_PASSES = 12  # full reads of one feed before an unstable count is reported
# Fewer, larger pages leave fewer page boundaries for same-date lines to slip across (hcs-sync met ~210 lines per
# request on live accounts); KashFlow's own maximum is not published, and a smaller cap still pages correctly.
BANK_PAGE_SIZE = 250


class DetailCache(Protocol):
    """Remembers the detail read for a list entry, by the entry's content hash (shared across runs)."""

    def get_many(self, keys: list[str]) -> dict[str, dict]: ...

    def set_many(self, values: dict[str, dict]) -> None: ...


class MemoryDetailCache:
    def __init__(self) -> None:
        self.values: dict[str, dict] = {}

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        return {k: self.values[k] for k in keys if k in self.values}

    def set_many(self, values: dict[str, dict]) -> None:
        self.values.update(values)


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()[:32]


def payment_key(number: object, payment_id: object) -> str:
    """The key of a payment line: the document it was read from, then its own Id."""
    return f"{number}/{payment_id}"


def bank_line_key(account_id: object, txn_id: object) -> str:
    """The key of a bank line: a transfer's two sides share one Id, so the account is part of it."""
    return f"{account_id}/{txn_id}"


class KashFlowConnector(Connector):
    system = SYSTEM
    label = "KashFlow"
    uses_login_gate = True  # build_connector passes the connection's LoginGate and DetailCache
    bank_page_size = BANK_PAGE_SIZE
    config_fields = (
        ConfigField("username", "Username", help_text="The KashFlow login used by the integration."),
        ConfigField("password", "Password", secret=True),
        ConfigField(
            "memorable_word",
            "Memorable word",
            secret=True,
            help_text="KashFlow asks for some of its characters at every login; only those are sent.",
        ),
    )

    def __init__(
        self,
        config: ConnectionConfig,
        *,
        rate_limiter: RateLimiter | None = None,
        login_gate: LoginGate | None = None,
        detail_cache: DetailCache | None = None,
    ) -> None:
        super().__init__(config, rate_limiter=rate_limiter)
        if rate_limiter is None and config.rate_limit_per_minute:
            self.rate_limiter = TokenBucket(config.rate_limit_per_minute)
        self.login_gate = login_gate or MemoryLoginGate()
        self.detail_cache = detail_cache or MemoryDetailCache()
        self._client: KashFlowClient | None = None
        self._methods: dict[str, int] | None = None
        self._products: dict[str, str] | None = None

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
                login_gate=self.login_gate,
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
            nominals = sum(1 for _ in self.client.iterate("nominals"))
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
        return ConnectionTestResult(
            True, f"Connected to KashFlow at {url} as {self.config.credentials['username']} ({nominals} nominal codes)."
        )

    # ------------------------------------------------------------ reading

    def list_changed(self, entity: str, since: datetime | None = None) -> Iterator[dict]:
        """Every record of ``entity``: KashFlow has no modified-since filter, so ``since`` cannot narrow it.

        The engine decides what changed by content hash (and new documents by their increasing ``Number``).
        """
        spec = self._spec(entity)
        if entity == "bank_transaction":
            yield from self._bank_lines()
            return
        if entity in PAYMENT_DOCUMENT:
            yield from self._payments(entity)
            return
        if entity == "bank_account":
            yield from self.client.iterate(spec.path, {"includeArchivedAccounts": "true"})
            return
        if entity in DOCUMENTS:
            yield from self._documents(entity)
            return
        yield from self.client.iterate(spec.path)

    def read(self, entity: str, key: str) -> dict:
        spec = self._spec(entity)
        if entity in PAYMENT_DOCUMENT:
            return self._read_payment(entity, key)
        if entity == "bank_transaction":
            account_id, _, txn_id = key.rpartition("/")
            if account_id:
                return self._object(self.client.get(f"bankaccounts/{account_id}/transactions/{txn_id}"))
            return self._scan_one(entity, lambda t: str(t.get("Id")) == txn_id, key)
        if entity == "product":
            return self._object(self.client.get(f"products/{self._product_path(key)}"))
        if entity in ("vat_rate", "payment_method", "country"):
            return self._scan_one(entity, lambda r: str(r.get(spec.key_field)) == key, key)
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
        if entity in PAYMENT_DOCUMENT:
            number = document.get("InvoiceNumber") or document.get("ObjectNumber")
            if number in (None, "", 0):
                raise ValidationError("A payment needs the number of the document it pays.", system=SYSTEM)
            line = self._pay(
                spec.path,
                number,
                document.get("Amount"),
                document.get("Date"),
                method=document.get("Method"),
                comment=str(document.get("Note") or document.get("Comment") or ""),
                bank_account=document.get("AccountId"),
            )
            return payment_key(number, line["Id"])
        if entity == "bank_transaction":
            account_id = document.get("AccountId")
            if account_id in (None, ""):
                raise ValidationError("A bank transaction needs the AccountId of its bank account.", system=SYSTEM)
            created = self._object(self.client.post(f"bankaccounts/{account_id}/transactions", document))
            return bank_line_key(account_id, created["Id"])
        created = self._object(self.client.post(spec.path, document))
        if entity == "product":
            self._products = None
        return str(created[spec.key_field])

    def update(self, entity: str, key: str, document: dict, *, message_id: str | None = None) -> None:
        spec = self._spec(entity)
        if not spec.updatable:
            raise ValidationError(f"KashFlow does not allow changing {spec.path} once created.", system=SYSTEM)
        if entity == "product":
            self.client.put(f"products/{self._product_path(key)}", document)
            return
        self.client.put(f"{spec.path}/{key}", document)

    def mark_invoice_paid(
        self,
        number: int | str,
        amount: float | str | Decimal,
        paid_on: date | str,
        *,
        method: str | int = "",
        reference: str = "",
        bank_account: int | None = None,
    ) -> dict:
        """Record a payment on sales invoice ``number`` (the AX settlement -> KashFlow status flow).

        Written with ``POST /invoices/bulk/payments``. Idempotent by ``reference``: it is the payment's
        ``Comment``, which KashFlow shows as the line's ``Note``; a line on the invoice with that note is
        returned instead of paying twice (so a retry after an ambiguous failure is safe).
        """
        if reference:
            for payment in self.invoice_payments(number):
                if str(payment.get("Note") or "").strip() == reference.strip():
                    return payment
        return self._pay(
            "invoices", number, amount, paid_on, method=method, comment=reference, bank_account=bank_account
        )

    def invoice_payments(self, number: int | str) -> list[dict]:
        """The payment lines of sales invoice ``number``, each carrying that invoice's number."""
        invoice = self._object(self.client.get(f"invoices/{number}"))
        return [self._payment_of(invoice, line, "sales_invoice") for line in invoice.get("PaymentLines") or []]

    def payment_methods(self) -> dict[str, int]:
        """KashFlow's payment methods by name (case-insensitive): ``Method`` is always their integer Id."""
        if self._methods is None:
            self._methods = {
                str(m.get("Name", "")).strip().lower(): int(m["Id"])
                for m in self.client.iterate("paymentmethods")
                if isinstance(m.get("Id"), int)
            }
        return self._methods

    def bank_account_id(self, code_or_id: int | str | None) -> int:
        """The numeric ``Id`` of a bank account given its Id or its (nominal) ``Code``; the default when None."""
        accounts = list(self.list_changed("bank_account"))
        if not accounts:
            raise ValidationError("The KashFlow account has no bank account to record a payment in.", system=SYSTEM)
        if code_or_id in (None, ""):
            default = next((a for a in accounts if a.get("IsDefaultAccount")), accounts[0])
            return int(default["Id"])
        for field in ("Id", "Code"):
            for account in accounts:
                if str(account.get(field)) == str(code_or_id).strip():
                    return int(account["Id"])
        raise ValidationError(f"KashFlow has no bank account {code_or_id}.", system=SYSTEM)

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

    def _method_id(self, method: object) -> int:
        if isinstance(method, int) and not isinstance(method, bool):
            return method
        text = str(method or "").strip()
        if text.isdigit():
            return int(text)
        methods = self.payment_methods()
        if not methods:
            raise ValidationError("KashFlow lists no payment methods to record a payment with.", system=SYSTEM)
        if not text:
            return methods.get("bacs", next(iter(methods.values())))
        if text.lower() not in methods:
            raise ValidationError(
                f"KashFlow has no payment method {text!r} (it has {', '.join(sorted(methods))}).", system=SYSTEM
            )
        return methods[text.lower()]

    def _pay(
        self,
        path: str,
        number: int | str,
        amount: object,
        paid_on: object,
        *,
        method: object,
        comment: str,
        bank_account: object,
    ) -> dict:
        body = {
            "Date": paid_on.isoformat() if isinstance(paid_on, date) else str(paid_on or "")[:10],
            "AccountId": self.bank_account_id(bank_account),
            "Method": self._method_id(method),
            "Comment": comment,
            "PaymentItems": [{"ObjectNumber": int(number), "Amount": float(Decimal(str(amount)))}],
        }
        bulk = self._object(self.client.post(f"{path}/bulk/payments", body))
        items = [i for i in bulk.get("PaymentItems") or [] if isinstance(i, dict)]
        line = next((i for i in items if str(i.get("ObjectNumber")) == str(number)), items[0] if items else {})
        document = "sales_invoice" if path == "invoices" else "purchase_invoice"
        if not line.get("Id"):  # the answer's shape is not published: find the line on the document instead
            for payment in self._object(self.client.get(f"{path}/{number}")).get("PaymentLines") or []:
                if str(payment.get("Note") or "") == comment:
                    line = payment
        return self._payment_of({"Number": int(number)}, line, document)

    @staticmethod
    def _payment_of(document: dict, line: dict, kind: str) -> dict:
        """A payment line with the number of the document it was read from (its own InvoiceNumber is 0)."""
        number = document.get("Number")
        payment = {k: v for k, v in line.items() if k != "ObjectNumber"}
        payment["InvoiceNumber" if kind == "sales_invoice" else "PurchaseNumber"] = number
        # SupplierReference: the supplier's invoice number, which AX's vendor invoice (and so the settlement) carries
        for name in ("CustomerCode", "SupplierCode", "SupplierReference", "Currency"):
            if name in document:
                payment[name] = document[name]
        payment["Key"] = payment_key(number, line.get("Id"))
        return payment

    def _documents(self, entity: str) -> Iterator[dict]:
        """Every invoice or purchase, full. A list entry without its lines is read in detail only when its own
        content changed since it was last read (the cache is keyed by the entry's hash)."""
        spec = self._spec(entity)
        for page in self.client.pages(spec.path, {"sortby": "Number", "order": "Asc"}):
            summaries = [e for e in page.items if e.get("LineItems") is None]
            cached = self.detail_cache.get_many([f"{entity}:{entry_hash(e)}" for e in summaries])
            fresh: dict[str, dict] = {}
            for item in page.items:
                if item.get("LineItems") is None:
                    name = f"{entity}:{entry_hash(item)}"
                    detail = cached.get(name)
                    if detail is None:
                        detail = self._object(self.client.get(f"{spec.path}/{item[spec.key_field]}"))
                        fresh[name] = detail
                    item = detail
                yield item
            if fresh:
                self.detail_cache.set_many(fresh)

    def _payments(self, entity: str) -> Iterator[dict]:
        document = PAYMENT_DOCUMENT[entity]
        for doc in self._documents(document):
            for line in doc.get("PaymentLines") or []:
                if isinstance(line, dict):
                    yield self._payment_of(doc, line, document)

    def _read_payment(self, entity: str, key: str) -> dict:
        number, _, payment_id = key.rpartition("/")
        document = PAYMENT_DOCUMENT[entity]
        if not number:
            return self._scan_one(entity, lambda p: str(p.get("Id")) == payment_id, key)
        doc = self._object(self.client.get(f"{self._spec(document).path}/{number}"))
        for line in doc.get("PaymentLines") or []:
            if str(line.get("Id")) == payment_id:
                return self._payment_of(doc, line, document)
        raise NotFoundError(f"KashFlow has no payment {payment_id} on {number}.", system=SYSTEM, status=404)

    def _bank_lines(self) -> Iterator[dict]:
        for account in self.list_changed("bank_account"):
            yield from self._bank_feed(account["Id"])

    def _bank_feed(self, account_id: object) -> list[dict]:
        """Every line of one account's feed, each once.

        KashFlow sorts a feed by Date with no tie-break, so lines of one date move between pages from one
        request to the next: a single pass can repeat one line and skip another (hcs-sync CHANGELOG 0.11.2).
        Lines are collected on ``(AccountId, Id)`` and the feed is read again until a pass finds nothing new
        and the count reaches ``TotalRecords``.
        """
        seen: dict[str, dict] = {}
        path = f"bankaccounts/{account_id}/transactions"
        total: int | None = None
        for _ in range(BANK_READ_PASSES):
            before = len(seen)
            pages = self.client.pages(path, {"sortby": "Date", "order": "Asc"}, perpage=self.bank_page_size)
            for page in pages:
                total = page.total if page.total is not None else total
                for line in page.items:
                    line = {**line, "AccountId": line.get("AccountId") or account_id}
                    line["Key"] = bank_line_key(line["AccountId"], line.get("Id"))
                    seen.setdefault(line["Key"], line)
            if (total is None or len(seen) >= total) and (len(seen) == before or total is not None):
                return list(seen.values())
        raise TransientError(
            f"KashFlow's bank feed {account_id} kept changing while it was read: {len(seen)} lines found, "
            f"{total} announced. It is read again on the next run.",
            system=SYSTEM,
        )

    def _product_path(self, key: str) -> str:
        """``{nominalCode}/{code}`` for a product key; a bare code is looked up in the product list."""
        if "/" in key:
            return key
        if self._products is None:
            self._products = {
                str(p.get("Code")): f"{p.get('NominalCode')}/{p.get('Code')}" for p in self.client.iterate("products")
            }
        if key not in self._products:
            raise NotFoundError(f"KashFlow has no product {key}.", system=SYSTEM, status=404)
        return self._products[key]

    def _scan_one(self, entity: str, match, key: str) -> dict:
        for item in self.list_changed(entity):
            if match(item):
                return item
        raise NotFoundError(f"KashFlow has no {entity.replace('_', ' ')} {key}.", system=SYSTEM, status=404)
