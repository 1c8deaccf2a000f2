"""The only module that talks to Dynamics AX over the wire: zeep over a ``requests`` session.

- A connection reaches its services through AX **inbound ports**: ``{base}/<PortName>/xppservice.svc``, where an AX
  administrator named the port and chose which services and operations it exposes (D13
  ``walkthrough-exchanging-documents-by-using-the-http-adapter.md``; the real WSDL set in
  ``shared/reference/ax2012/http-port-sample``). One port may expose several services; a connection names one port
  for every service or a port per service.
- The root WSDL of a port is ``RoutingService`` in ``http://tempuri.org/``; each service has a binding whose local
  name is ``BasicHttpBinding_<ExternalName>``. We find it by local name in whatever namespace it is.
- Windows authentication (NTLM, through requests-ntlm / pyspnego) is what a default AX HTTP port asks for (the real
  WSDL's policy is ``NegotiateAuthentication``; the Visual Studio binding is ``TransportCredentialOnly`` +
  ``Windows``). Basic is kept for sites that reconfigured IIS/WCF, and is refused over plain http:// unless the
  connection explicitly allows it.
- WSDLs load only from http(s) URLs on the connection's own host (never ``file://``), are parsed once per
  connection and port, and are re-read by ``discover``.
- Every call carries the ``CallContext`` header (Company, Language, MessageId).
- Our document dicts (``AxRecord.data`` shapes) are converted to zeep values and back using documents.py.
- Every failure leaves as one of the errors in ``integrations/connectors/errors.py``, with AX's own texts.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
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
    NS_INFOLOG,
    PARTY_TYPE_KEY,
    SERVICES,
    AxDocumentService,
    AxTable,
    subtype_name,
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
# The fault text AX sends when the port does not include exception details (D10
# ``example-fault-in-an-outbound-message.md``): the real cause is only in AX's exception log.
GENERIC_FAULT_TEXT = "Request Failed. See the Exception Log for details."
INCLUDE_EXCEPTIONS_ADVICE = (
    'Switch on "Include exceptions in fault" on the AX inbound port (Inbound ports > Troubleshooting) so that AX '
    "returns its error messages; until then only the Exception log in AX (System administration > Periodic > "
    "Services and Application Integration Framework > Exceptions) shows why a document was refused."
)
AUTH_NTLM, AUTH_BASIC = "ntlm", "basic"
AUTH_MODES = (AUTH_NTLM, AUTH_BASIC)
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

# PageStatusDetails values of an EntityKeyPage that mean "this service is not set up for paging/changes" rather than
# "nothing changed" (real EntityKeyPage schema, xsd=xsd5; D11 configuring-aif-for-change-tracking.md).
SETUP_PAGE_STATUS = {
    "ChangeTrackingDisabled": (
        "Change tracking is not enabled for {service} in AX, so getChangedKeys cannot tell what changed. In AX enable "
        "change tracking (System administration > Setup > Services and AIF > AIF change tracking) and add a document "
        "filter for the service on the inbound port."
    ),
    "DocumentFiltersChanged": (
        "The document filters of {service} changed in AX since the last read, so AX cannot list changes by date. Run a "
        "full read of this flow once (no watermark), then incremental runs work again."
    ),
    "ChangedDateTimeOutOfRange": (
        "AX no longer keeps changes of {service} as old as the requested date (SQL change tracking retention). Run a "
        "full read of this flow once, then incremental runs work again."
    ),
}

_WSDL_CACHE: dict[tuple[str, str], zeep.wsdl.Document] = {}
_WSDL_LOCK = threading.Lock()


@dataclass(frozen=True)
class KeyPage:
    keys: list[str]
    bookmark: str  # empty when this was the last page
    status: str = "Success"  # PageStatus: Success | Failure
    details: str = "None"  # PageStatusDetails


@dataclass(frozen=True)
class Criterion:
    data_source: str
    field: str
    operator: str  # Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual, Range
    value1: str
    value2: str | None = None


@dataclass(frozen=True)
class DiscoveredService:
    """A service a port really exposes: its external name and the operations the administrator selected."""

    name: str
    port_url: str
    operations: tuple[str, ...]
    binding: str  # the binding's full QName


@dataclass
class InfologEntry:
    type: str
    message: str


@dataclass
class _CallState(threading.local):
    response: requests.Response | None = None
    warnings: list[InfologEntry] = field(default_factory=list)


class UnsafeWsdlError(ProtocolError):
    """A WSDL or schema location we refuse to load (another scheme or another host)."""


class _Transport(Transport):
    """zeep's transport for one connection.

    - ``load`` (WSDL and XSD imports) accepts only http(s) URLs on the connection's hosts: no ``file://``, no local
      paths, no redirect of an import to another machine. A host given by its short name also accepts its DNS
      names (the real port sample was fetched as ``http://dickdastardly/...`` and imports at
      ``http://dickdastardly.oyezstraker.co.uk/...``).
    - ``post`` remembers the last HTTP answer of this thread (for Retry-After and the Infolog SOAP header).
    """

    def __init__(self, *args: Any, allowed_hosts: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_hosts = {h.lower() for h in allowed_hosts if h}
        self._state = _CallState()

    def host_allowed(self, host: str) -> bool:
        host = (host or "").lower()
        if host in self.allowed_hosts:
            return True
        return any("." not in allowed and host.startswith(allowed + ".") for allowed in self.allowed_hosts)

    def check_url(self, url: str) -> None:
        parts = urlparse(url or "")
        if parts.scheme not in ("http", "https"):
            raise UnsafeWsdlError(
                f"The AX WSDL refers to {url!r}; only http(s) addresses on the AX server are loaded.", system=SYSTEM
            )
        if not self.host_allowed(parts.hostname or ""):
            raise UnsafeWsdlError(
                f"The AX WSDL refers to host {parts.hostname!r}, which is not this connection's AX server "
                f"({', '.join(sorted(self.allowed_hosts))}). Use the host name AX puts in its WSDL in the "
                "connection's URL.",
                system=SYSTEM,
            )

    def load(self, url):
        self.check_url(url)
        return self._load_remote_data(url)

    def _load_remote_data(self, url):
        response = self.session.get(url, timeout=self.load_timeout, allow_redirects=False)
        with response:
            if response.is_redirect:
                self.check_url(requests.compat.urljoin(url, response.headers.get("Location", "")))
                raise UnsafeWsdlError(f"The AX WSDL at {url} redirects elsewhere; use the final URL.", system=SYSTEM)
            response.raise_for_status()
            return response.content

    def post(self, address, message, headers):
        self._state.response = None
        response = super().post(address, message, headers)
        self._state.response = response
        return response

    @property
    def last_response(self) -> requests.Response | None:
        return self._state.response


def message_guid(message_id: str | None) -> str | None:
    """AX expects a GUID; any other id is turned into one deterministically, so retries stay duplicates."""
    if not message_id:
        return None
    try:
        value = uuid.UUID(message_id.strip().strip("{}"))
    except ValueError:
        value = uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerbridge:{message_id}")
    return "{" + str(value).upper() + "}"


def make_auth(mode: str, user: str, password: str):
    """The requests auth for a connection: NTLM (Windows) by default, Basic when the site configured it."""
    if mode == AUTH_BASIC:
        return (user, password)
    from requests_ntlm import HttpNtlmAuth  # pyspnego underneath; imported lazily (it is only needed here)

    return HttpNtlmAuth(user, password)


def port_url(base_url: str, port: str) -> str:
    """The service URL of an inbound port: ``port`` is a port name (joined to ``base_url``) or a full URL."""
    port = (port or "").strip()
    if port.lower().startswith(("http://", "https://")):
        return port.split("?", 1)[0].rstrip("/")
    base = base_url.split("?", 1)[0].rstrip("/")
    if not port:
        if base.lower().endswith(".svc"):
            return base
        raise ValidationError(
            "No AX inbound port is configured: set the port name an AX administrator gave the HTTP inbound port "
            "(the segment after /MicrosoftDynamicsAXAif60/ in its URI).",
            system=SYSTEM,
        )
    return f"{base}/{port.strip('/')}/xppservice.svc"


class AxClient:
    """Calls AIF document services of one AX company through its HTTP inbound port(s)."""

    def __init__(
        self,
        base_url: str,
        *,
        user: str,
        password: str,
        company: str,
        timeout: float = 30.0,
        language: str = "en-us",
        auth: str = AUTH_NTLM,
        port: str = "",
        service_ports: dict[str, str] | None = None,
        allow_basic_over_http: bool = False,
        session: requests.Session | None = None,
        cache_key: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.company = company
        self.timeout = timeout
        self.language = language
        self.auth_mode = auth if auth in AUTH_MODES else AUTH_NTLM
        self.port = port
        self.service_ports = dict(service_ports or {})
        self.cache_key = cache_key or f"{self.base_url}|{user}"
        self.session = session or requests.Session()
        if session is None:
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self.config_problem = ""
        if self.auth_mode == AUTH_BASIC and not allow_basic_over_http:
            plain = [u for u in self._urls() if urlparse(u).scheme == "http"]
            if plain:
                self.config_problem = (
                    "Basic authentication would send the AX password in clear text over http://. Use https://, "
                    "Windows (NTLM) authentication, or explicitly allow Basic over http on this connection."
                )
        self.session.auth = make_auth(self.auth_mode, user, password)
        hosts = {urlparse(u).hostname or "" for u in self._urls()} | {urlparse(self.base_url).hostname or ""}
        self.transport = _Transport(
            session=self.session, timeout=timeout, operation_timeout=timeout, allowed_hosts=hosts
        )
        self._services: dict[str, Any] = {}
        self._calls = _CallState()

    def _urls(self) -> list[str]:
        urls = []
        for value in [self.port, *self.service_ports.values()]:
            try:
                urls.append(port_url(self.base_url, value))
            except ValidationError:
                continue
        return urls or [self.base_url]

    def close(self) -> None:
        self.session.close()

    def service_url(self, service: str) -> str:
        """The port URL that exposes ``service``: its own port if the connection names one, else the shared port."""
        return port_url(self.base_url, self.service_ports.get(service) or self.port)

    @property
    def last_warnings(self) -> list[InfologEntry]:
        """Info/Warning messages of the Infolog SOAP header of this thread's last answer."""
        return list(self._calls.warnings)

    # --- zeep plumbing -----------------------------------------------------------------------------------------
    def _wsdl_at(self, url: str, *, refresh: bool = False) -> zeep.wsdl.Document:
        if self.config_problem:
            raise AuthError(self.config_problem, system=SYSTEM)
        key = (self.cache_key, url)
        document = None if refresh else _WSDL_CACHE.get(key)
        if document is not None:
            return document
        with _WSDL_LOCK:
            document = None if refresh else _WSDL_CACHE.get(key)
            if document is None:
                try:
                    document = zeep.wsdl.Document(f"{url}?wsdl", self.transport, settings=_SETTINGS)
                except Exception as exc:
                    raise self._translate(exc, url, "wsdl", write=False) from None
                if not _bindings(document) and _net_tcp(self.transport, url):
                    # a basic port, hosted on the AOS over net.tcp (audit W2): not reachable over HTTP
                    raise ProtocolError(
                        f"The WSDL at {url} describes a NetTcp port of the AOS, which cannot be called over HTTP. "
                        "In AX create an enhanced inbound port with the HTTP adapter (web services on IIS) exposing "
                        "the services, and use its address (…/MicrosoftDynamicsAXAif60/<port>/xppservice.svc).",
                        system=SYSTEM,
                    )
                if not _bindings(document):
                    raise ProtocolError(
                        f"The answer at {url}?wsdl is not a SOAP/WSDL document of an AX inbound port (no "
                        "BasicHttpBinding_… binding): check the base URL (…/MicrosoftDynamicsAXAif60) and the port "
                        "name.",
                        system=SYSTEM,
                    )
                _WSDL_CACHE[key] = document
        return document

    def _proxy(self, service: str):
        proxy = self._services.get(service)
        if proxy is None:
            url = self.service_url(service)
            document = self._wsdl_at(url)
            binding = _bindings(document).get(service)
            if binding is None:
                exposed = ", ".join(sorted(_bindings(document))) or "none"
                raise ProtocolError(
                    f"The AX inbound port at {url} does not expose {service} (it exposes: {exposed}). Add the "
                    "service to the port in AX, or set the port that exposes it on this connection.",
                    system=SYSTEM,
                )
            client = zeep.Client(wsdl=document, transport=self.transport, settings=_SETTINGS)
            proxy = client.create_service(binding.name, url)
            self._services[service] = (client, proxy, binding)
        return self._services[service]

    def load(self, service: str) -> None:
        """Load (and cache) the WSDL of the port exposing ``service``; raises a ConnectorError when impossible."""
        self._proxy(service)

    def operations(self, service: str) -> tuple[str, ...]:
        """The operations of ``service`` the port exposes (an administrator selects them per port)."""
        return tuple(self._proxy(service)[2]._operations)

    def discover(self, *, refresh: bool = True) -> list[DiscoveredService]:
        """Read the WSDL of every configured port again and list the services and operations each exposes."""
        found: dict[str, DiscoveredService] = {}
        urls = list(dict.fromkeys(self._urls()))
        for url in urls:
            document = self._wsdl_at(url, refresh=refresh)
            for name, binding in sorted(_bindings(document).items()):
                if name in found and self.service_ports.get(name) and url != self.service_url(name):
                    continue
                found[name] = DiscoveredService(name, url, tuple(binding._operations), str(binding.name))
        self._services.clear()
        return list(found.values())

    def call(self, service: str, operation: str, *, message_id: str | None = None, **params: Any) -> Any:
        self._calls.warnings = []
        try:
            _client, proxy, binding = self._proxy(service)
            if operation not in binding._operations:
                raise ProtocolError(
                    f"The AX inbound port at {self.service_url(service)} exposes {service} without the "
                    f"{operation} operation. Add it to the port's service operations in AX.",
                    system=SYSTEM,
                )
            context = {
                "Company": self.company or None,
                "Language": self.language,
                "MessageId": message_guid(message_id),
            }
            result = getattr(proxy, operation)(_soapheaders={"context": context}, **params)
        except Exception as exc:
            raise self._translate(
                exc, self.service_url(service), f"{service}.{operation}", write=operation in WRITES
            ) from None
        self._calls.warnings = infolog_header(self.transport.last_response)
        return result

    def _type(self, service: str, namespace: str, name: str):
        client = self._proxy(service)[0]
        return client.get_type(f"{{{namespace}}}{name}")

    # --- Document service operations ---------------------------------------------------------------------------
    def create(self, service: str, records: list[dict], *, message_id: str | None = None) -> list[str]:
        svc = SERVICES[service]
        document = self._document(svc, records, action=None)
        result = self.call(service, "create", message_id=message_id, **{svc.document: document})
        return keys_from_zeep(svc, result)

    def read(self, service: str, keys: list[str]) -> list[dict]:
        svc = SERVICES[service]
        result = self.call(service, "read", EntityKeyList=entity_key_list(svc, keys))
        return records_from_zeep(svc, result)

    def update(
        self,
        service: str,
        keys: list[str],
        records: list[dict],
        *,
        message_id: str | None = None,
        current: list[dict] | None = None,
    ) -> None:
        """A **partial** update (D7 partial-update-with-aif.md): ``action="update"`` on each root entity and an
        explicit action on every child row, so AX changes only the fields sent. ``current`` is the fresh read the
        rows are matched against (its ``_DocumentHash`` must already be in ``records``)."""
        svc = SERVICES[service]
        document = self._document(svc, records, action="update", current=current)
        self.call(
            service,
            "update",
            message_id=message_id,
            EntityKeyList=entity_key_list(svc, keys),
            **{svc.document: document},
        )

    def delete(self, service: str, keys: list[str], *, message_id: str | None = None) -> None:
        svc = SERVICES[service]
        self.call(service, "delete", message_id=message_id, EntityKeyList=entity_key_list(svc, keys))

    def find(self, service: str, criteria: list[Criterion]) -> list[dict]:
        """Records matching ``criteria``. AX connects all criteria with OR (D9 query-criteria-overview.md), so
        the result is filtered here too: only records matching every criterion are returned."""
        svc = SERVICES[service]
        rows = records_from_zeep(svc, self.call(service, "find", QueryCriteria=query_criteria(criteria)))
        return [row for row in rows if matches_all(svc.root, row, criteria)]

    def find_any(self, service: str, criteria: list[Criterion]) -> list[dict]:
        """Records matching any of ``criteria``: AX connects criteria with OR (D9), which lets one call look up a
        page of values of one field (``Invoice = A`` or ``Invoice = B`` ...)."""
        svc = SERVICES[service]
        rows = records_from_zeep(svc, self.call(service, "find", QueryCriteria=query_criteria(criteria)))
        return [row for row in rows if any(matches_all(svc.root, row, [c]) for c in criteria)]

    def find_keys(self, service: str, criteria: list[Criterion]) -> list[str]:
        svc = SERVICES[service]
        return keys_from_zeep(svc, self.call(service, "findKeys", QueryCriteria=query_criteria(criteria)))

    def get_keys(self, service: str, *, page_size: int = 100, bookmark: str = "") -> KeyPage:
        svc = SERVICES[service]
        return key_page(svc, self.call(service, "getKeys", DocumentPaging=document_paging(page_size, bookmark)))

    def get_changed_keys(self, service: str, since: datetime, *, page_size: int = 100, bookmark: str = "") -> KeyPage:
        svc = SERVICES[service]
        result = self.call(
            service, "getChangedKeys", DocumentPaging=document_paging(page_size, bookmark), _changedDateTime=since
        )
        return key_page(svc, result)

    def _document(
        self, svc: AxDocumentService, records: list[dict], *, action: str | None, current: list[dict] | None = None
    ) -> dict:
        problems: list[str] = []
        entities = []
        for i, record in enumerate(records):
            now = (current or [])[i] if current and i < len(current) else None
            entities.append(to_zeep(svc.root, record, problems, path=svc.root.name, action=action, current=now))
        if problems:
            raise ValidationError(
                f"The {svc.document} document has fields AX does not know: {', '.join(problems)}",
                system=SYSTEM,
                messages=[FaultMessage(f"Unknown field {p}", code="UnknownField", field=p) for p in problems],
            )
        try:
            entities = [self._typed(svc, entity) for entity in entities]
        except (TypeError, zeep.exceptions.ValidationError) as exc:
            raise ValidationError(
                f"The {svc.document} document does not fit the schema of the AX port: {exc}", system=SYSTEM
            ) from None
        return {svc.root.name: entities}

    def _typed(self, svc: AxDocumentService, value: Any) -> Any:
        """Turn the rows to_zeep marked with a subtype into zeep objects of that type (zeep then writes xsi:type)."""
        if isinstance(value, list):
            return [self._typed(svc, v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: self._typed(svc, v) for k, v in value.items() if k != _XSI_TYPE}
        type_name = value.get(_XSI_TYPE)
        if type_name:
            try:
                subtype = self._type(svc.name, svc.namespace, type_name)
            except (LookupError, zeep.exceptions.LookupError):
                return out  # this AX's schema has no such subtype: send the declared type and let AX judge
            return subtype(**out)
        return out

    # --- Errors ------------------------------------------------------------------------------------------------
    def _translate(self, exc: Exception, url: str, what: str, *, write: bool) -> ConnectorError:
        if isinstance(exc, ConnectorError):
            return exc
        host = urlparse(url).netloc or url
        operation = what.rsplit(".", 1)[-1]
        if isinstance(exc, zeep.exceptions.Fault):
            return fault_error(exc, what, write=write)
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
            return ValidationError(f"The document does not fit the schema of {what}: {exc}", system=SYSTEM)
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
            offered = (response.headers.get("WWW-Authenticate", "") if response is not None else "").split(",")
            schemes = sorted({o.strip().split(" ")[0] for o in offered if o.strip()})
            hint = ""
            if self.auth_mode == AUTH_BASIC and any(s.lower() in ("ntlm", "negotiate") for s in schemes):
                hint = " The port asks for Windows authentication: choose NTLM on this connection."
            elif (
                self.auth_mode == AUTH_NTLM and schemes and not any(s.lower() in ("ntlm", "negotiate") for s in schemes)
            ):
                hint = f" The port offers {', '.join(schemes)}, not Windows authentication: choose Basic."
            return AuthError(
                f"Dynamics AX refused the service account '{self.user}' (HTTP {status}). Check the service user "
                f"(DOMAIN\\user) and password of this connection.{hint}",
                system=SYSTEM,
                status=status,
            )
        if status == 404:
            return ProtocolError(
                f"No AIF inbound port answers at {url} (HTTP 404). The base URL should end with "
                "/MicrosoftDynamicsAXAif60, the port name must be the one set in AX, and the port must be activated.",
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


def _text_of(elem: etree._Element, local_name: str) -> str:
    for child in elem:
        if isinstance(child.tag, str) and etree.QName(child).localname == local_name:
            return (child.text or "").strip()
    return ""


def _iter_local(elem: etree._Element, local_name: str):
    for item in elem.iter():
        if isinstance(item.tag, str) and etree.QName(item).localname == local_name:
            yield item


def fault_error(exc: zeep.exceptions.Fault, what: str, *, write: bool = False) -> ConnectorError:
    """An AX SOAP fault as a typed error, keeping the messages of AX's exception log.

    AifFault (ns ``…/2008/01/documents/Fault``) holds ``FaultMessageListArray`` and ``InfologMessageList``; the
    latter's items are ``InfologMessage`` in the data contract namespace ``NS_INFOLOG`` (real set xsd=xsd14/15;
    practitioner clients read only InfologMessageList). Both are read; element names are matched by local name so
    a fault from another AX build still yields its text.
    """
    messages: list[FaultMessage] = []
    detail = exc.detail
    aif = None
    if detail is not None:
        aif = next(_iter_local(detail, "AifFault"), None)
    if aif is not None:
        for fml in _iter_local(aif, "FaultMessageList"):
            fld = _text_of(fml, "Field")
            xpath = _text_of(fml, "XPath")
            for msg in _iter_local(fml, "FaultMessage"):
                text = _text_of(msg, "Message")
                if text:
                    messages.append(FaultMessage(message=text, code=_text_of(msg, "Code"), field=fld, xpath=xpath))
        seen = {m.message for m in messages}
        for item in aif.iter(f"{{{NS_INFOLOG}}}InfologMessage", f"{{{NS_FAULT}}}InfologMessage"):
            text = _text_of(item, "Message")
            kind = _text_of(item, "InfologMessageType") or "Error"
            if text and text not in seen and kind == "Error":
                messages.append(FaultMessage(message=text, code="Infolog"))
                seen.add(text)
    if not messages:
        text = str(exc.message or "").strip()
        if aif is not None or GENERIC_FAULT_TEXT.lower() in text.lower():
            # AX refused or failed the message but the port hides why: on a write we cannot know whether anything was
            # committed (AIF may fail after the document was saved), so it is ambiguous, never permanent (D10).
            said = text or GENERIC_FAULT_TEXT
            body = f'Dynamics AX answered {what} with "{said}" and no details. {INCLUDE_EXCEPTIONS_ADVICE}'
            if write:
                return AmbiguousError(body, system=SYSTEM, code="AifFault")
            return TransientError(body, system=SYSTEM, code="AifFault", status=500)
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


def infolog_header(response: requests.Response | None) -> list[InfologEntry]:
    """Info and Warning messages of an ``Infolog`` SOAP header on a successful answer (an AX client that reads it:
    W7 in the audit). Its exact element names are not in any public schema (inferred): every element named like
    an entry below a header element whose local name is ``Infolog`` is read, with a ``type`` attribute or child."""
    if response is None or not response.content or b"Infolog" not in response.content:
        return []
    try:
        root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    header = root.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        return []
    out: list[InfologEntry] = []
    for infolog in _iter_local(header, "Infolog"):
        for entry in infolog:
            if not isinstance(entry.tag, str):
                continue
            kind = entry.get("type") or _text_of(entry, "InfologMessageType") or _text_of(entry, "Type") or "Info"
            text = _text_of(entry, "Message") or (entry.text or "").strip()
            if text:
                out.append(InfologEntry(kind, text))
    return out


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


_XSI_TYPE = "__xsi_type__"
# Imports are checked by _Transport (http(s), the connection's host); DTDs and entities are never resolved.
_SETTINGS = zeep.Settings(
    strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=False
)


def _dimension_values(values: Any) -> dict | None:
    """``AxdType_DimensionAttributeValues``: one to n ``Value(Name, Value)``; None when there are none (the element
    must then be left out: the real sharedtypes declare ``Value`` with minOccurs=1)."""
    pairs = [
        {"Name": _plain(v.get("Name", "")), "Value": _plain(v.get("Value", ""))}
        for v in values or []
        if isinstance(v, dict) and (v.get("Name") or v.get("Value"))
    ]
    return {"Value": pairs} if pairs else None


def multi_type_account(value: dict) -> dict:
    """``AxdType_MultiTypeAccount``: DisplayValue and Account are both required (real sharedtypes, xsd=xsd10);
    Values only when there are dimension values. Without a DisplayValue we send the segments joined with "-" as
    AX displays them (``401100-022-OU_4`` in the JAEE sample, audit W5), the same rule the mapping engine uses."""
    account = _plain(value.get("Account", ""))
    values = _dimension_values(value.get("Values"))
    display = value.get("DisplayValue") or "-".join([account, *(v["Value"] for v in (values or {}).get("Value", []))])
    out: dict[str, Any] = {"DisplayValue": _plain(display), "Account": account}
    if values:
        out["Values"] = values
    return out


def _entity(table: AxTable, record: dict, action: str | None) -> dict:
    out: dict[str, Any] = {"class": "entity"}
    if action:
        out["action"] = action
    subtype = ""
    if table.subtypes:
        subtype = str(record.get(PARTY_TYPE_KEY) or table.subtypes[0])
        if subtype not in table.subtypes:
            subtype = table.subtypes[0]
        out[_XSI_TYPE] = subtype_name(table, subtype)
    return out


def to_zeep(
    table: AxTable,
    record: dict,
    problems: list[str],
    *,
    path: str,
    action: str | None = None,
    current: dict | None = None,
) -> dict:
    """One entity as zeep values. ``action`` is None on create; "update" for a partial update, where child rows get
    explicit actions: a row matched (by position) to a row of ``current`` is "update", a new one "create". Rows of
    ``current`` that are not sent are left alone (never deleted), and fields not sent are not touched."""
    out = _entity(table, record, action)
    for name, value in record.items():
        if value is None or name == PARTY_TYPE_KEY:
            continue
        if name == "_DocumentHash":
            out[name] = value
            continue
        fld = table.field(name)
        if fld is not None:
            if fld.type in ("account", "dimensions") and value == "":
                continue
            if fld.type == "account" and isinstance(value, dict):
                if value.get("Account"):
                    out[name] = multi_type_account(value)
            elif fld.type == "dimensions" and isinstance(value, dict):
                values = _dimension_values(value.get("Values"))
                if values:  # AxdType_DimensionAttributeValueSet requires Values with at least one Value
                    out[name] = {"Values": values}
            elif fld.type in ("account", "dimensions"):
                problems.append(f"{path}.{name} (expected an object)")
            else:
                out[name] = _plain(value)
            continue
        child = table.child(name)
        if child is not None and isinstance(value, dict):
            value = [value]  # one row of a child table given without its list
        if child is not None and isinstance(value, list):
            existing = (current or {}).get(name) or []
            rows = []
            for i, row in enumerate(r for r in value if isinstance(r, dict)):
                row_action = None
                if action:
                    row_action = "update" if i < len(existing) else "create"
                now = existing[i] if i < len(existing) else None
                rows.append(to_zeep(child, row, problems, path=f"{path}.{name}[]", action=row_action, current=now))
            out[name] = rows
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
    """An ``EntityKeyPage`` (ns …/2011/02/documents/EntityKeyPage): EntityKeyList, DocumentPaging (holding the
    Bookmark of the next page), PageStatus and PageStatusDetails (real set, xsd=xsd5)."""
    if result is None:
        return KeyPage([], "")
    data = zeep.helpers.serialize_object(result, dict)
    if isinstance(data, dict) and "EntityKeyPage" in data and "PageStatus" not in data:
        data = data["EntityKeyPage"] or {}
    paging = data.get("DocumentPaging") or {}
    return KeyPage(
        keys_from_zeep(svc, data.get("EntityKeyList")),
        (paging.get("Bookmark") or "") if isinstance(paging, dict) else "",
        status=data.get("PageStatus") or "Success",
        details=data.get("PageStatusDetails") or "None",
    )


def document_paging(page_size: int, bookmark: str = "") -> dict:
    """``DocumentPaging`` (ns …/2011/02/documents/DocumentPaging): Bookmark?, PageSize (real set, xsd=xsd1)."""
    paging: dict[str, Any] = {"PageSize": int(page_size)}
    if bookmark:
        paging["Bookmark"] = bookmark
    return paging


def query_criteria(criteria: list[Criterion]) -> dict:
    """``QueryCriteria`` is a repeated *sequence* of CriteriaElement (real set xsd=xsd8:
    ``<xsd:sequence minOccurs="1" maxOccurs="unbounded">``), which zeep fills from ``_value_1``."""
    return {
        "_value_1": [
            {
                "CriteriaElement": {
                    "DataSourceName": c.data_source,
                    "FieldName": c.field,
                    "Operator": c.operator,
                    "Value1": c.value1,
                    **({"Value2": c.value2} if c.value2 is not None else {}),
                }
            }
            for c in criteria
        ]
    }


def _table_rows(record: dict, table: AxTable, target: str) -> list[dict]:
    if table.name == target:
        return [record]
    out: list[dict] = []
    for child in table.children:
        for row in record.get(child.name) or []:
            if isinstance(row, dict):
                out.extend(_table_rows(row, child, target))
    return out


def _criterion_matches(value: Any, c: Criterion) -> bool:
    if isinstance(value, dict):
        value = value.get("Account", "")
    text = "" if value is None else str(value)
    left, a, b = text.lower(), (c.value1 or "").lower(), (c.value2 or "").lower()
    try:
        left_n, a_n = Decimal(text), Decimal(c.value1)
        b_n = Decimal(c.value2) if c.value2 else a_n
        left, a, b = left_n, a_n, b_n  # type: ignore[assignment]
    except (ArithmeticError, ValueError, TypeError):
        pass
    if c.operator == "Equal":
        return left == a
    if c.operator == "NotEqual":
        return left != a
    if c.operator == "Greater":
        return left > a
    if c.operator == "GreaterOrEqual":
        return left >= a
    if c.operator == "Less":
        return left < a
    if c.operator == "LessOrEqual":
        return left <= a
    if c.operator == "Range":
        return a <= left <= b
    return True


def matches_all(root: AxTable, record: dict, criteria: list[Criterion]) -> bool:
    """True when the record satisfies every criterion (AND), whatever AX did with them. Criteria with wildcards
    or on tables the document does not have are left to AX."""
    tables = {table.name for _path, table in root.walk()}
    for c in criteria:
        if "*" in (c.value1 or "") or "?" in (c.value1 or "") or c.data_source not in tables:
            continue
        rows = _table_rows(record, root, c.data_source)
        if not any(_criterion_matches(row.get(c.field), c) for row in rows):
            return False
    return True


def _net_tcp(transport: _Transport, url: str) -> bool:
    """True when the root WSDL at ``url`` only has NetTcpBinding_… bindings (zeep drops them: no HTTP transport)."""
    try:
        root = etree.fromstring(transport.load(f"{url}?wsdl"), etree.XMLParser(resolve_entities=False, no_network=True))
    except Exception:
        return False
    names = [b.get("name", "") for b in root.iter("{http://schemas.xmlsoap.org/wsdl/}binding")]
    return any(n.startswith("NetTcpBinding_") for n in names)


def _bindings(document: zeep.wsdl.Document) -> dict[str, Any]:
    """External service name -> binding, for every ``BasicHttpBinding_<ExternalName>`` in any namespace."""
    out: dict[str, Any] = {}
    for qname, binding in document.bindings.items():
        local_name = etree.QName(qname).localname
        if local_name.startswith("BasicHttpBinding_"):
            out[local_name[len("BasicHttpBinding_") :]] = binding
    return out


def forget_wsdl_cache() -> None:
    """Drop every cached WSDL (tests that restart the simulator on another port need this rarely)."""
    with _WSDL_LOCK:
        _WSDL_CACHE.clear()
