"""The only module that talks to Dynamics AX over the wire: zeep over a ``requests`` session.

- One parsed WSDL per (base URL, service), shared by the whole process; one zeep ``Client`` per service per
  ``AxClient``; one ``requests`` session per ``AxClient`` (HTTP basic auth, connection reuse, time-outs).
- Every call carries the ``CallContext`` header (Company, Language, MessageId).
- Our document dicts (``AxRecord.data`` shapes) are converted to zeep values and back using documents.py.
- Every failure leaves as one of the errors in ``integrations/connectors/errors.py``, with AX's own texts.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import requests
import urllib3
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree
from requests.adapters import HTTPAdapter
from zeep.transports import Transport

from integrations.connectors.dynamics_ax.documents import (
    NS_FAULT,
    NS_SERVICES,
    SERVICES,
    AxDocumentService,
    AxTable,
)
from integrations.connectors.errors import (
    AmbiguousError,
    AuthError,
    ConnectorError,
    DuplicateMessageError,
    FaultMessage,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TransientError,
    ValidationError,
)

SYSTEM = "dynamics_ax"
WRITES = ("create", "update", "delete")
NOT_FOUND_TEXT = "No valid document identified from the entity key"
DUPLICATE_TEXT = "Duplicate message"

_WSDL_CACHE: dict[str, zeep.wsdl.Document] = {}
_WSDL_LOCK = threading.Lock()


@dataclass(frozen=True)
class KeyPage:
    keys: list[str]
    bookmark: str  # empty when this was the last page


@dataclass(frozen=True)
class Criterion:
    data_source: str
    field: str
    operator: str  # Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual, Range
    value1: str
    value2: str | None = None


class _Transport(Transport):
    """A zeep transport that remembers the last HTTP answer of this thread (for Retry-After)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def post(self, address, message, headers):
        self._local.response = None
        response = super().post(address, message, headers)
        self._local.response = response
        return response

    @property
    def last_response(self) -> requests.Response | None:
        return getattr(self._local, "response", None)


def message_guid(message_id: str | None) -> str | None:
    """AX expects a GUID; any other id is turned into one deterministically, so retries stay duplicates."""
    if not message_id:
        return None
    try:
        value = uuid.UUID(message_id.strip().strip("{}"))
    except ValueError:
        value = uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerbridge:{message_id}")
    return "{" + str(value).upper() + "}"


class AxClient:
    """Calls AIF document services of one AX company through its HTTP inbound port."""

    def __init__(
        self,
        base_url: str,
        *,
        user: str,
        password: str,
        company: str,
        timeout: float = 30.0,
        language: str = "en-us",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.company = company
        self.timeout = timeout
        self.language = language
        self.session = requests.Session()
        self.session.auth = (user, password)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.transport = _Transport(session=self.session, timeout=timeout, operation_timeout=timeout)
        self._services: dict[str, Any] = {}

    def close(self) -> None:
        self.session.close()

    def service_url(self, service: str) -> str:
        return f"{self.base_url}/{service}/xppservice.svc"

    # --- zeep plumbing -----------------------------------------------------------------------------------------
    def _wsdl(self, service: str) -> zeep.wsdl.Document:
        url = self.service_url(service)
        document = _WSDL_CACHE.get(url)
        if document is not None:
            return document
        with _WSDL_LOCK:
            document = _WSDL_CACHE.get(url)
            if document is None:
                try:
                    document = zeep.wsdl.Document(f"{url}?wsdl", self.transport)
                except Exception as exc:
                    raise self._translate(exc, service, "wsdl", write=False) from None
                if f"{{{NS_SERVICES}}}BasicHttpBinding_{service}" not in document.bindings:
                    raise ProtocolError(
                        f"The answer at {url}?wsdl is not a SOAP/WSDL document of the AX {service} service: check "
                        "that the base URL points at the AX AIF inbound port (…/MicrosoftDynamicsAXAif60).",
                        system=SYSTEM,
                    )
                _WSDL_CACHE[url] = document
        return document

    def _proxy(self, service: str):
        proxy = self._services.get(service)
        if proxy is None:
            client = zeep.Client(wsdl=self._wsdl(service), transport=self.transport)
            proxy = client.create_service(f"{{{NS_SERVICES}}}BasicHttpBinding_{service}", self.service_url(service))
            self._services[service] = proxy
        return proxy

    def load(self, service: str) -> None:
        """Load (and cache) the service's WSDL; raises a ConnectorError when that is impossible."""
        self._proxy(service)

    def call(self, service: str, operation: str, *, message_id: str | None = None, **params: Any) -> Any:
        proxy = self._proxy(service)
        context = {"Company": self.company or None, "Language": self.language, "MessageId": message_guid(message_id)}
        try:
            return getattr(proxy, operation)(_soapheaders={"context": context}, **params)
        except Exception as exc:
            raise self._translate(exc, service, operation, write=operation in WRITES) from None

    # --- Document service operations ---------------------------------------------------------------------------
    def create(self, service: str, records: list[dict], *, message_id: str | None = None) -> list[str]:
        svc = SERVICES[service]
        result = self.call(service, "create", message_id=message_id, **{svc.document: self._document(svc, records)})
        return keys_from_zeep(svc, result)

    def read(self, service: str, keys: list[str]) -> list[dict]:
        svc = SERVICES[service]
        result = self.call(service, "read", EntityKeyList=entity_key_list(svc, keys))
        return records_from_zeep(svc, result)

    def update(self, service: str, keys: list[str], records: list[dict], *, message_id: str | None = None) -> None:
        svc = SERVICES[service]
        self.call(
            service,
            "update",
            message_id=message_id,
            EntityKeyList=entity_key_list(svc, keys),
            **{svc.document: self._document(svc, records)},
        )

    def delete(self, service: str, keys: list[str], *, message_id: str | None = None) -> None:
        svc = SERVICES[service]
        self.call(service, "delete", message_id=message_id, EntityKeyList=entity_key_list(svc, keys))

    def find(self, service: str, criteria: list[Criterion]) -> list[dict]:
        svc = SERVICES[service]
        return records_from_zeep(svc, self.call(service, "find", QueryCriteria=query_criteria(criteria)))

    def find_keys(self, service: str, criteria: list[Criterion]) -> list[str]:
        svc = SERVICES[service]
        return keys_from_zeep(svc, self.call(service, "findKeys", QueryCriteria=query_criteria(criteria)))

    def get_keys(self, service: str, *, page_size: int = 100, bookmark: str = "") -> KeyPage:
        svc = SERVICES[service]
        paging = {"PageSize": page_size, "Bookmark": bookmark or None}
        return key_page(svc, self.call(service, "getKeys", DocumentPaging=paging))

    def get_changed_keys(self, service: str, since: datetime, *, page_size: int = 100, bookmark: str = "") -> KeyPage:
        svc = SERVICES[service]
        paging = {"PageSize": page_size, "Bookmark": bookmark or None}
        result = self.call(service, "getChangedKeys", DocumentPaging=paging, changedDateTime=since)
        return key_page(svc, result)

    def _document(self, svc: AxDocumentService, records: list[dict]) -> dict:
        problems: list[str] = []
        entities = [to_zeep(svc.root, record, problems, path=svc.root.name) for record in records]
        if problems:
            raise ValidationError(
                f"The {svc.document} document has fields AX does not know: {', '.join(problems)}",
                system=SYSTEM,
                messages=[FaultMessage(f"Unknown field {p}", code="UnknownField", field=p) for p in problems],
            )
        return {svc.root.name: entities}

    # --- Errors ------------------------------------------------------------------------------------------------
    def _translate(self, exc: Exception, service: str, operation: str, *, write: bool) -> ConnectorError:
        if isinstance(exc, ConnectorError):
            return exc
        url = self.service_url(service)
        host = urlparse(url).netloc or url
        what = f"{service}.{operation}"
        if isinstance(exc, zeep.exceptions.Fault):
            return fault_error(exc, what)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransientError(f"Timed out connecting to Dynamics AX at {host} ({what}).", system=SYSTEM)
        if isinstance(exc, requests.exceptions.ReadTimeout):
            text = f"Dynamics AX did not answer {what} within {self.timeout:g} s"
            if write:
                return AmbiguousError(f"{text}; the write may or may not have been committed.", system=SYSTEM)
            return TransientError(f"{text}.", system=SYSTEM)
        if isinstance(exc, requests.exceptions.ConnectionError):
            if _never_sent(exc):
                return TransientError(
                    f"Cannot reach Dynamics AX at {host}: {_reason(exc)}. Check the base URL and that the AIF "
                    "web services are running.",
                    system=SYSTEM,
                )
            text = f"The connection to Dynamics AX dropped during {what}"
            if write:
                return AmbiguousError(f"{text}; the write may or may not have been committed.", system=SYSTEM)
            return TransientError(f"{text}.", system=SYSTEM)
        if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
            return self._status_error(exc.response.status_code, exc.response, url, what, write=write)
        if isinstance(exc, zeep.exceptions.TransportError):
            return self._status_error(exc.status_code, self.transport.last_response, url, what, write=write, exc=exc)
        if isinstance(exc, zeep.exceptions.XMLSyntaxError | etree.XMLSyntaxError):
            response = self.transport.last_response if operation != "wsdl" else None
            if response is not None:
                return self._status_error(200, response, url, what, write=write)
            return ProtocolError(
                f"The answer from {url} is not a SOAP/WSDL document: check that the base URL points at the AX AIF "
                f"inbound port (…/MicrosoftDynamicsAXAif60). ({exc})",
                system=SYSTEM,
            )
        if isinstance(exc, TypeError | zeep.exceptions.ValidationError):
            return ValidationError(f"The document does not fit the {service} schema: {exc}", system=SYSTEM)
        if isinstance(exc, requests.exceptions.RequestException):
            if write:  # the request went out; its answer broke off
                return AmbiguousError(
                    f"Dynamics AX request {what} failed after it was sent ({exc}); the write may or may not have "
                    "been committed.",
                    system=SYSTEM,
                )
            return TransientError(f"Dynamics AX request {what} failed: {exc}", system=SYSTEM)
        if isinstance(exc, zeep.exceptions.Error):
            return ProtocolError(f"Unexpected answer from Dynamics AX for {what}: {exc}", system=SYSTEM)
        return ProtocolError(f"Unexpected error calling Dynamics AX {what}: {exc!r}", system=SYSTEM)

    def _status_error(
        self,
        status: int,
        response: requests.Response | None,
        url: str,
        what: str,
        *,
        write: bool,
        exc: Exception | None = None,
    ) -> ConnectorError:
        if status in (401, 403):
            return AuthError(
                f"Dynamics AX refused the service account '{self.user}' (HTTP {status}). Check the service user "
                "and password of this connection.",
                system=SYSTEM,
                status=status,
            )
        if status == 404:
            return ProtocolError(
                f"No AIF service answers at {url} (HTTP 404). The base URL should end with /MicrosoftDynamicsAXAif60 "
                "and the service must be enabled on the inbound port.",
                system=SYSTEM,
                status=status,
            )
        if status in (429, 503):
            retry_after = _retry_after(response)
            return RateLimitedError(
                f"Dynamics AX is busy (HTTP {status}) during {what}; retry after {retry_after:g} s.",
                system=SYSTEM,
                status=status,
                retry_after=retry_after,
            )
        if status >= 500:
            text = f"Dynamics AX answered HTTP {status} to {what}"
            if write and status in (502, 504):
                return AmbiguousError(
                    f"{text}; the write may or may not have been committed.", system=SYSTEM, status=status
                )
            return TransientError(f"{text}.", system=SYSTEM, status=status)
        if status == 200:
            kind = (response.headers.get("Content-Type", "") if response is not None else "") or "unknown content"
            return ProtocolError(
                f"The server at {url} answered {what} with {kind}, not SOAP: check that the base URL points at "
                "the AX AIF inbound port (…/MicrosoftDynamicsAXAif60).",
                system=SYSTEM,
                status=status,
            )
        return ProtocolError(f"Unexpected HTTP {status} from {url} for {what}.", system=SYSTEM, status=status)


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def _reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else exc
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    text = str(reason)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "resolve" in text.lower():
        return "host name not found"
    return text.split(": ", 1)[-1][:200]


def _retry_after(response: requests.Response | None) -> float:
    value = response.headers.get("Retry-After", "") if response is not None else ""
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


def fault_error(exc: zeep.exceptions.Fault, what: str) -> ConnectorError:
    """An AX SOAP fault as a typed error, keeping the messages of AX's exception log."""
    messages: list[FaultMessage] = []
    detail = exc.detail
    aif = detail.find(f".//{{{NS_FAULT}}}AifFault") if detail is not None else None
    if aif is None and detail is not None and etree.QName(detail).localname == "AifFault":
        aif = detail
    if aif is not None:
        for fml in aif.iter(f"{{{NS_FAULT}}}FaultMessageList"):
            field = (fml.findtext(f"{{{NS_FAULT}}}Field") or "").strip()
            xpath = (fml.findtext(f"{{{NS_FAULT}}}XPath") or "").strip()
            for msg in fml.iter(f"{{{NS_FAULT}}}FaultMessage"):
                messages.append(
                    FaultMessage(
                        message=(msg.findtext(f"{{{NS_FAULT}}}Message") or "").strip(),
                        code=(msg.findtext(f"{{{NS_FAULT}}}Code") or "").strip(),
                        field=field,
                        xpath=xpath,
                    )
                )
        if not messages:
            for item in aif.iter(f"{{{NS_FAULT}}}InfologMessage"):
                messages.append(FaultMessage(message=(item.findtext(f"{{{NS_FAULT}}}Message") or "").strip()))
    if not messages:
        code = str(exc.code or "")
        if code.endswith("Client"):
            return ProtocolError(f"Dynamics AX could not process {what}: {exc.message}", system=SYSTEM)
        return TransientError(f"Dynamics AX failed on {what}: {exc.message}", system=SYSTEM, status=500)
    text = " ".join(m.message for m in messages)
    first = messages[0]
    if any(DUPLICATE_TEXT in m.message or m.code == "DuplicateMessage" for m in messages):
        return DuplicateMessageError(text, system=SYSTEM, code="DuplicateMessage", messages=messages)
    if any(NOT_FOUND_TEXT in m.message for m in messages):
        return NotFoundError(text, system=SYSTEM, code=first.code, messages=messages)
    return ValidationError(text, system=SYSTEM, code=first.code, messages=messages)


# --- dict <-> zeep -----------------------------------------------------------------------------------------------
def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _dimension_values(values: Any) -> dict:
    return {"Value": [{"Name": _plain(v.get("Name", "")), "Value": _plain(v.get("Value", ""))} for v in values or []]}


def to_zeep(table: AxTable, record: dict, problems: list[str], *, path: str) -> dict:
    out: dict[str, Any] = {}
    for name, value in record.items():
        if value is None:
            continue
        if name == "_DocumentHash":
            out[name] = value
            continue
        fld = table.field(name)
        if fld is not None:
            if fld.type in ("account", "dimensions") and value == "":
                continue
            if fld.type == "account" and isinstance(value, dict):
                out[name] = {
                    "Account": _plain(value.get("Account", "")),
                    "DisplayValue": _plain(value["DisplayValue"]) if value.get("DisplayValue") else None,
                    "Values": _dimension_values(value.get("Values")),
                }
            elif fld.type == "dimensions" and isinstance(value, dict):
                out[name] = {"Values": _dimension_values(value.get("Values"))}
            elif fld.type in ("account", "dimensions"):
                problems.append(f"{path}.{name} (expected an object)")
            else:
                out[name] = _plain(value)
            continue
        child = table.child(name)
        if child is not None and isinstance(value, dict):
            value = [value]  # one row of a child table given without its list
        if child is not None and isinstance(value, list):
            out[name] = [
                to_zeep(child, row, problems, path=f"{path}.{name}[]") for row in value if isinstance(row, dict)
            ]
            continue
        problems.append(f"{path}.{name}")
    return out


def _from_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def from_zeep(table: AxTable, obj: Any) -> dict:
    data = obj if isinstance(obj, dict) else zeep.helpers.serialize_object(obj, dict)
    record: dict[str, Any] = {}
    if data.get("_DocumentHash"):
        record["_DocumentHash"] = data["_DocumentHash"]
    for fld in table.fields:
        value = data.get(fld.name)
        if value is None:
            continue
        if fld.type in ("account", "dimensions"):
            values = ((value.get("Values") or {}).get("Value")) or []
            out: dict[str, Any] = {}
            if fld.type == "account":
                out["Account"] = value.get("Account") or ""
                if value.get("DisplayValue"):
                    out["DisplayValue"] = value["DisplayValue"]
            out["Values"] = [{"Name": v.get("Name") or "", "Value": v.get("Value") or ""} for v in values]
            record[fld.name] = out
        else:
            record[fld.name] = _from_value(value)
    for child in table.children:
        rows = data.get(child.name)
        if rows:
            record[child.name] = [from_zeep(child, row) for row in rows]
    return record


def records_from_zeep(svc: AxDocumentService, result: Any) -> list[dict]:
    if result is None:
        return []
    data = zeep.helpers.serialize_object(result, dict)
    return [from_zeep(svc.root, row) for row in (data.get(svc.root.name) or [])]


def entity_key_list(svc: AxDocumentService, keys: list[str]) -> dict:
    return {
        "EntityKey": [
            {"KeyData": {"KeyField": [{"Field": f, "Value": v} for f, v in svc.key_values(key).items()]}}
            for key in keys
        ]
    }


def keys_from_zeep(svc: AxDocumentService, result: Any) -> list[str]:
    if result is None:
        return []
    data = zeep.helpers.serialize_object(result, dict)
    # zeep unwraps a response holding only an EntityKeyList down to its list of EntityKey
    entity_keys = data if isinstance(data, list) else (data.get("EntityKey") or [])
    keys = []
    for entity_key in entity_keys:
        fields = {kf["Field"]: kf["Value"] or "" for kf in ((entity_key.get("KeyData") or {}).get("KeyField") or [])}
        keys.append(svc.key_of(fields))
    return keys


def key_page(svc: AxDocumentService, result: Any) -> KeyPage:
    if result is None:
        return KeyPage([], "")
    data = zeep.helpers.serialize_object(result, dict)
    return KeyPage(keys_from_zeep(svc, data.get("EntityKeyList")), data.get("NextPageBookmark") or "")


def query_criteria(criteria: list[Criterion]) -> dict:
    return {
        "CriteriaElement": [
            {
                "DataSourceName": c.data_source,
                "FieldName": c.field,
                "Operator": c.operator,
                "Value1": c.value1,
                "Value2": c.value2,
            }
            for c in criteria
        ]
    }


def forget_wsdl_cache() -> None:
    """Drop every cached WSDL (tests that restart the simulator on another port need this rarely)."""
    with _WSDL_LOCK:
        _WSDL_CACHE.clear()
