"""The sandbox's control operations: what is served where, reset and reseed, fault rules, expired sessions,
and signed webhook pushes. The control API's views only parse requests and call these.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import httpx
from django.conf import settings
from django.utils import timezone

from integrations.connectors.dynamics_ax.documents import SERVICES
from integrations.sandbox import demo, demo_credentials
from integrations.sandbox.ax import ports
from integrations.sandbox.models import FaultRule, KashFlowRecord, KashFlowSession
from integrations.sandbox.state import entity_counts, system_name

SIGNATURE_HEADER = "X-LedgerBridge-Signature"
WEBHOOK_TIMEOUT_SECONDS = 10
MAX_LATENCY_MS = 120_000
MAX_RETRY_AFTER = 3600


class ControlError(Exception):
    """A request the control API refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- Index ----------------------------------------------------------------------------------------------------


def ax_services() -> list[dict]:
    """The AX document services the simulator serves."""
    return [
        {"name": s.name, "entity": s.entity, "operations": list(s.operations)}
        for s in sorted(SERVICES.values(), key=lambda s: s.name)
    ]


def ax_ports() -> list[dict]:
    """The AX inbound ports the simulator serves: name, authentication and the services each exposes."""
    return [
        {"name": p.name, "auth": p.auth, "services": {n: list(ops) for n, ops in sorted(p.services.items())}}
        for p in ports.all_ports()
    ]


def index(sandbox_url: str, control_url: str) -> dict:
    """Where everything is: ``sandbox_url`` and ``control_url`` are absolute and end with a slash."""
    ax_base = f"{sandbox_url}ax/MicrosoftDynamicsAXAif60/"  # the AIF root: a connection's base URL
    port_url = f"{ax_base}{ports.DEFAULT_PORT}/xppservice.svc"  # the demo port exposes every service
    services = [{**s, "port": ports.DEFAULT_PORT, "url": port_url, "wsdl": f"{port_url}?wsdl"} for s in ax_services()]
    return {
        "sandbox_enabled": True,
        "seeded": demo.is_seeded(),
        "token_required": bool(control_token()),
        "kashflow": {
            "base_url": f"{sandbox_url}kashflow/v2/",
            "username": demo_credentials.KASHFLOW_USERNAME,
            "password": demo_credentials.KASHFLOW_PASSWORD,
            "memorable_word": demo_credentials.KASHFLOW_MEMORABLE_WORD,
        },
        "dynamics_ax": {
            "base_url": ax_base,
            "company": demo_credentials.AX_COMPANY,
            "service_user": demo_credentials.AX_SERVICE_USER,
            "service_password": demo_credentials.AX_SERVICE_PASSWORD,
            "inbound_port": ports.DEFAULT_PORT,
            "auth_mode": "ntlm",
            "services": services,
            "ports": [{**p, "url": f"{ax_base}{p['name']}/xppservice.svc"} for p in ax_ports()],
        },
        "links": {
            "reset": f"{control_url}reset",
            "reseed": f"{control_url}reseed",
            "state_kashflow": f"{control_url}state/kashflow",
            "state_dynamics_ax": f"{control_url}state/dynamics_ax",
            "ax_messages": f"{control_url}ax/messages",
            "faults": f"{control_url}faults",
            "faults_clear": f"{control_url}faults/clear",
            "kashflow_expire_sessions": f"{control_url}kashflow/expire-sessions",
            "webhook": f"{control_url}webhook",
        },
    }


def control_token() -> str:
    return getattr(settings, "SANDBOX_CONTROL_TOKEN", "") or ""


def token_accepted(given: str) -> bool:
    """Every request, reads too: the index alone hands out the demo credentials, and the state endpoints
    every record. With a token set, only requests presenting it; without one, only on a developer's machine
    (``DEBUG`` on, or the test suite's ``SANDBOX_CONTROL_OPEN``, which no environment variable sets)."""
    expected = control_token()
    if expected:
        return hmac.compare_digest(given.encode(), expected.encode())
    return bool(settings.DEBUG or getattr(settings, "SANDBOX_CONTROL_OPEN", False))


# --- Reset and reseed -----------------------------------------------------------------------------------------


def _int_option(body: dict, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ControlError(f"{name} must be an integer from {low} to {high}.")
    return value


def reset() -> dict[str, dict[str, int]]:
    """Both systems emptied (logins kept); answers the counts, all zero."""
    demo.reset_sandbox()
    return {"kashflow": entity_counts("kashflow"), "dynamics_ax": entity_counts("dynamics_ax")}


def reseed(body: dict) -> dict[str, int]:
    """Reset, then the demo company; ``{"seed": 42, "invoices": 200}`` both optional."""
    unknown = sorted(set(body) - {"seed", "invoices"})
    if unknown:
        raise ControlError(f"Unknown field(s): {', '.join(unknown)}. Allowed: seed, invoices.")
    seed = _int_option(body, "seed", 42, -(2**31), 2**31 - 1)
    invoices = _int_option(body, "invoices", 200, 0, demo.MAX_INVOICES)
    return demo.seed_sandbox(seed=seed, invoices=invoices, reset=True)


# --- Faults ---------------------------------------------------------------------------------------------------

FAULT_FIELDS = {"system", "operation", "kind", "probability", "count", "remaining", "latency_ms", "retry_after"}


def fault_as_dict(rule: FaultRule) -> dict:
    return {
        "id": rule.pk,
        "system": rule.system,
        "operation": rule.operation,
        "kind": rule.kind,
        "probability": rule.probability,
        "remaining": rule.remaining,
        "latency_ms": rule.latency_ms,
        "retry_after": rule.retry_after,
        "hits": rule.hits,
        "active": rule.active,
        "created_at": rule.created_at.isoformat(),
    }


def list_faults() -> list[dict]:
    return [fault_as_dict(r) for r in FaultRule.objects.order_by("pk")]


def create_fault(body: dict) -> FaultRule:
    """A fault rule from ``{"system", "operation", "kind", "probability" | "count", "latency_ms", "retry_after"}``.

    Without ``probability`` and ``count`` the rule fires on every matching call until deleted.
    """
    errors: list[str] = []
    unknown = sorted(set(body) - FAULT_FIELDS)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)}")
    try:
        system = system_name(str(body.get("system", "")))
    except LookupError:
        system = ""
        errors.append("system must be kashflow or dynamics_ax")
    kind = body.get("kind")
    if kind not in FaultRule.Kind.values:
        errors.append(f"kind must be one of {', '.join(FaultRule.Kind.values)}")
    operation = body.get("operation", "*")
    if not isinstance(operation, str) or not operation.strip() or len(operation) > 60:
        errors.append('operation must be a pattern of 1 to 60 characters, e.g. "POST invoices" or "*.create"')
    probability = body.get("probability")
    if probability is not None and (
        isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 <= probability <= 1
    ):
        errors.append("probability must be a number from 0 to 1")
    if "count" in body and "remaining" in body:
        errors.append("give count or remaining, not both")
    count = body.get("count", body.get("remaining"))
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        errors.append("count must be a whole number of calls, at least 1")
    latency_ms = _optional_int(body, "latency_ms", 0, MAX_LATENCY_MS, errors)
    retry_after = _optional_int(body, "retry_after", 1, MAX_RETRY_AFTER, errors)
    if kind == FaultRule.Kind.LATENCY and not latency_ms and not errors:
        errors.append("a latency fault needs latency_ms above 0")
    if errors:
        raise ControlError("Invalid fault rule: " + "; ".join(errors) + ".")
    return FaultRule.objects.create(
        system=system,
        operation=operation.strip(),
        kind=kind,
        probability=probability,
        remaining=count,
        latency_ms=latency_ms,
        retry_after=retry_after,
    )


def _optional_int(body: dict, name: str, default: int, high: int, errors: list[str]) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        errors.append(f"{name} must be a whole number from 0 to {high}")
        return default
    return value


def delete_fault(pk: int) -> None:
    deleted, _ = FaultRule.objects.filter(pk=pk).delete()
    if not deleted:
        raise ControlError(f"There is no fault rule {pk}.", status=404)


def clear_faults() -> int:
    deleted, _ = FaultRule.objects.all().delete()
    return deleted


# --- KashFlow sessions ----------------------------------------------------------------------------------------


def expire_kashflow_sessions() -> int:
    """Every KashFlow session token expires now: the next request with one answers 401 and the client logs in."""
    return KashFlowSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


# --- Webhooks -------------------------------------------------------------------------------------------------

WEBHOOK_EVENTS = ("created", "updated", "deleted")


def sign(body: str, *, secret: str, timestamp: int) -> str:
    """The ``X-LedgerBridge-Signature`` value: HMAC-SHA256 over ``f"{timestamp}.{body}"``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_body(entity: str, key: str, event: str) -> str:
    """The JSON a push carries: which KashFlow record changed, and the record as the API serves it."""
    record = KashFlowRecord.objects.filter(entity=entity, key=key).first()
    if record is None and event != "deleted":
        raise ControlError(f"KashFlow has no {entity} record {key!r}.", status=404)
    payload = {
        "id": str(uuid.uuid4()),
        "source": "kashflow",
        "event": f"{entity}.{event}",
        "entity": entity,
        "key": key,
        "occurred_at": timezone.now().isoformat(),
        "data": record.data if record is not None else None,
    }
    return json.dumps(payload, separators=(",", ":"))


# The portal's own webhook endpoint: the only place the sandbox pushes to. Any other URL would make the
# control API a way to send signed requests (and read the replies) anywhere the server can reach.
PORTAL_WEBHOOK_PATH = "/webhooks/kashflow/"


def portal_webhook_urls(request_base: str) -> tuple[str, ...]:
    """The portal's webhook URL as this request reached it (its Host passed ALLOWED_HOSTS) and at PORTAL_URL."""
    bases = (request_base, str(getattr(settings, "PORTAL_URL", "") or ""))
    return tuple(dict.fromkeys(b.rstrip("/") + PORTAL_WEBHOOK_PATH for b in bases if b))


def push_webhook(body: dict, *, own_urls: tuple[str, ...]) -> dict:
    """POSTs a signed push about a KashFlow record to the portal's own webhook URL; answers its status only
    (never the response body).

    Request fields: ``entity`` (KashFlow resource, e.g. ``invoices``), ``key`` (``"1001"``), optional ``event``
    (created | updated | deleted, default updated) and ``url``, which must be one of ``own_urls`` (the first
    is the default).
    """
    unknown = sorted(set(body) - {"url", "entity", "key", "event"})
    url, entity, key = body.get("url", own_urls[0]), body.get("entity"), body.get("key")
    event = body.get("event", "updated")
    errors = [f"unknown field(s): {', '.join(unknown)}"] if unknown else []
    if url not in own_urls:
        errors.append(f"url must be the portal's own webhook URL ({' or '.join(own_urls)})")
    if not isinstance(entity, str) or not entity:
        errors.append("entity must be a KashFlow resource name, e.g. invoices")
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not key:
        errors.append('key must be the record key, e.g. "1001"')
    if event not in WEBHOOK_EVENTS:
        errors.append(f"event must be one of {', '.join(WEBHOOK_EVENTS)}")
    if errors:
        raise ControlError("Invalid webhook request: " + "; ".join(errors) + ".")
    payload = webhook_body(entity, key, event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(payload, secret=settings.WEBHOOK_SECRET, timestamp=timestamp),
    }
    try:
        response = httpx.post(url, content=payload.encode(), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise ControlError(f"Could not deliver the webhook to {url}: {exc.__class__.__name__}: {exc}", 502) from exc
    return {
        "delivered": True,
        "status": response.status_code,
        "event": json.loads(payload)["event"],
        "id": json.loads(payload)["id"],
    }


# --- AX posting (the accountant or an AX batch job) ---------------------------------------------------------


def ax_post(body: dict) -> dict:
    """Post AX drafts. ``body``: ``company`` (DataAreaId; every company when absent), ``kinds`` (sales_invoice,
    vendor_invoice, payment, journal, purchase_invoice), ``keys`` (InvoiceId / TableRefId / JournalNum),
    ``older_than_minutes``."""
    from integrations.sandbox.ax import posting
    from integrations.sandbox.models import AxCompany

    companies = AxCompany.objects.all()
    if body.get("company"):
        companies = companies.filter(data_area_id__iexact=str(body["company"]))
        if not companies.exists():
            raise ControlError(f"No AX company {body['company']!r} in the sandbox.", status=404)
    kinds = body.get("kinds")
    if kinds is not None and (not isinstance(kinds, list) or set(kinds) - set(posting.KINDS)):
        raise ControlError(f"kinds must be a list of {', '.join(posting.KINDS)}.")
    keys = body.get("keys")
    if keys is not None and not isinstance(keys, list):
        raise ControlError("keys must be a list of InvoiceId / JournalNum values.")
    before = None
    if body.get("older_than_minutes") not in (None, ""):
        try:
            before = timezone.now() - timedelta(minutes=float(body["older_than_minutes"]))
        except (TypeError, ValueError):
            raise ControlError("older_than_minutes must be a number.") from None
    out: dict = {"companies": {}}
    for company in companies:
        result = posting.post(
            company, kinds=kinds, keys=[str(k) for k in keys] if keys else None, created_before=before
        )
        out["companies"][company.data_area_id] = result.as_dict()
    out["count"] = sum(c["count"] for c in out["companies"].values())
    return out


def ax_drafts() -> dict:
    """Per company and kind: how many AX documents wait to be posted, and the oldest's creation time."""
    from integrations.sandbox.ax import posting
    from integrations.sandbox.models import AxCompany

    return {c.data_area_id: posting.summary(c) for c in AxCompany.objects.all()}
