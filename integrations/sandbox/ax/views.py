"""The HTTP edge of the AIF simulator: an inbound port per URL, Windows (NTLM) or Basic authentication, the
port's WSDL and schemas, fault injection, SOAP dispatch. Thin on purpose."""

from __future__ import annotations

import base64
import binascii
import logging
import re
import time
import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.connectors.dynamics_ax.documents import NS_SERVICES, SERVICES, AxDocumentService
from integrations.sandbox import faults
from integrations.sandbox.ax import ntlm, operations, ports, soap
from integrations.sandbox.ax.wsdl import layout, port_file, wrapper_name
from integrations.sandbox.models import AxCompany

log = logging.getLogger(__name__)
XML = "text/xml; charset=utf-8"
REALM = 'Basic realm="MicrosoftDynamicsAXAif60"'
_METADATA = re.compile(r"^(wsdl|xsd)(\d+)$")

# wrapper element local name -> (service, operation), over every service we define
_REQUESTS = {
    wrapper_name(svc.name, op, "Request"): (svc.name, op) for svc in SERVICES.values() for op in svc.operations
}


def _pick_fault(service: str, operation: str):
    try:
        return faults.pick_fault("dynamics_ax", f"{service}.{operation}")
    except Exception:  # a broken rule table must not take the simulator down
        log.exception("fault rule lookup failed")
        return None


def _drop(request: HttpRequest) -> None:
    try:
        faults.drop_connection(request)
    except Exception:
        log.exception("could not drop the connection")


def _basic(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _unauthorized(port: ports.InboundPort, *, challenge: bytes | None = None) -> HttpResponse:
    response = HttpResponse(
        "401 - Unauthorized: Access is denied due to invalid credentials.", status=401, content_type="text/plain"
    )
    if port.auth == ports.AUTH_NTLM:
        if challenge:
            response["WWW-Authenticate"] = "NTLM " + base64.b64encode(challenge).decode()
        else:  # what IIS offers with Windows authentication on
            response["WWW-Authenticate"] = "Negotiate, NTLM"
    else:
        response["WWW-Authenticate"] = REALM
    return response


def _companies_for(user: str) -> list[AxCompany]:
    plain = user.rpartition("\\")[2]
    return list(AxCompany.objects.filter(service_user__in={user, plain}))


def _authenticate(request: HttpRequest, port: ports.InboundPort) -> list[AxCompany] | HttpResponse:
    """The companies the caller's service account may use, or the 401 answer to send."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if port.auth == ports.AUTH_BASIC:
        if not request.is_secure() and not port.allow_basic_over_http:
            return HttpResponse(
                "403.4 - Forbidden: SSL is required to use Basic authentication on this port.",
                status=403,
                content_type="text/plain",
            )
        creds = _basic(request)
        companies = list(AxCompany.objects.filter(service_user=creds[0], service_password=creds[1])) if creds else []
        return companies or _unauthorized(port)
    raw = ntlm.token(header)
    peer = (request.META.get("REMOTE_ADDR", ""), request.META.get("REMOTE_PORT", ""))
    if raw is None:
        known = ntlm.connection_user(*peer) if not header else None
        return (_companies_for(known) or _unauthorized(port)) if known else _unauthorized(port)
    accounts = list(AxCompany.objects.values_list("service_user", "service_password").distinct())
    if raw[8:12] == b"\x01\x00\x00\x00":  # NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1)
        answer = ntlm.challenge(raw, accounts)
        return _unauthorized(port, challenge=answer) if answer else _unauthorized(port)
    user = ntlm.authenticate(raw, accounts)
    if not user:
        return _unauthorized(port)
    companies = _companies_for(user)
    if companies:
        ntlm.remember_connection(*peer, user)
    return companies or _unauthorized(port)


def _xml(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=XML)


@csrf_exempt
def service_endpoint(request: HttpRequest, port: str) -> HttpResponse:
    if not getattr(settings, "SANDBOX_ENABLED", False):
        raise Http404("The sandbox is switched off.")
    inbound = ports.get(port)
    if inbound is None:
        return HttpResponse(
            f"404 - The inbound port '{port}' does not exist or is not activated.",
            status=404,
            content_type="text/plain",
        )
    companies = _authenticate(request, inbound)
    if isinstance(companies, HttpResponse):
        return companies
    address = request.build_absolute_uri(request.path)
    if request.method == "GET":
        return _metadata(request, inbound, address)
    if request.method != "POST":
        return HttpResponse("405 - Method not allowed.", status=405, content_type="text/plain")
    faults.send_without_delay(request)
    try:
        return _handle_post(request, inbound, companies)
    except Exception:
        log.exception("AIF simulator failed on port %s", inbound.name)
        return _xml(soap.plain_fault("An internal error occurred in the AIF service.", code="s:Server"), 500)


def _metadata(request: HttpRequest, inbound: ports.InboundPort, address: str) -> HttpResponse:
    port_layout = layout(inbound.services)
    windows = inbound.auth == ports.AUTH_NTLM
    if {"wsdl", "WSDL", "singleWsdl"} & set(request.GET) and not (request.GET.get("wsdl") or "").strip():
        return _xml(port_file("wsdl", -1, address, port_layout, windows))
    for kind in ("wsdl", "xsd"):
        value = (request.GET.get(kind) or "").strip()
        match = _METADATA.match(value)
        if match and match.group(1) == kind:
            body = port_file(kind, int(match.group(2)), address, port_layout, windows)
            if body is not None:
                return _xml(body)
            return HttpResponse("400 - Bad Request.", status=400, content_type="text/plain")
    return HttpResponse(
        "<html><body><h1>RoutingService Service</h1><p>You have created a service. To test this service, you will "
        "need to create a client and use it to call the service. Its WSDL is at "
        "<a href='?wsdl'>?wsdl</a>.</p></body></html>",
        content_type="text/html",
    )


def _handle_post(request: HttpRequest, inbound: ports.InboundPort, companies: list[AxCompany]) -> HttpResponse:
    try:
        envelope = soap.parse_envelope(request.body)
    except soap.SoapClientError as exc:
        return _xml(soap.plain_fault(str(exc), code=exc.code), 500)
    body = envelope.body
    found = _REQUESTS.get(soap.local(body.tag)) if body.tag.startswith(f"{{{NS_SERVICES}}}") else None
    service, operation = found or ("", None)
    if operation is not None and operation not in inbound.services.get(service, ()):
        operation = None  # the port does not expose this service operation: WCF answers a contract mismatch
    svc = SERVICES.get(service)
    if operation is None or svc is None:
        action = request.META.get("HTTP_SOAPACTION", "").strip('"') or soap.local(body.tag)
        return _xml(
            soap.plain_fault(
                f"The message with Action '{action}' cannot be processed at the receiver, due to a ContractFilter "
                "mismatch at the EndpointDispatcher. This may be because of either a contract mismatch (mismatched "
                "Actions between sender and receiver) or a binding/security mismatch between the sender and the "
                "receiver."
            ),
            500,
        )

    fault = _pick_fault(svc.name, operation)
    kind = getattr(fault, "kind", "") if fault else ""
    if kind == "latency":
        time.sleep(fault.latency_ms / 1000)
    elif kind == "rate_limit":
        response = HttpResponse(
            "503 - Service Unavailable: the server is too busy.", status=503, content_type="text/plain"
        )
        response["Retry-After"] = str(fault.retry_after or 1)
        return response
    elif kind == "server_error":
        return _xml(soap.plain_fault("An internal error occurred in the AIF service.", code="s:Server"), 500)
    elif kind == "timeout_before_commit":
        time.sleep((fault.latency_ms or 3000) / 1000)
        return HttpResponse("504 - Gateway Timeout.", status=504, content_type="text/plain")
    is_write = operation in ("create", "update", "delete")
    if kind == "drop_connection" and not is_write:
        _drop(request)
        return HttpResponse(b"", status=200)

    payload, status = _run(svc, operation, envelope, companies, inbound)
    if kind == "timeout_after_commit":
        time.sleep((fault.latency_ms or 3000) / 1000)
    elif kind == "drop_connection":
        _drop(request)
    return _xml(payload, status)


def _run(
    svc: AxDocumentService,
    operation: str,
    envelope: soap.Envelope,
    companies: list[AxCompany],
    inbound: ports.InboundPort,
):
    context = envelope.context
    company = None
    call = None
    try:
        company = _company(context.get("Company", ""), companies)
        call = operations.Call(
            company=company,
            svc=svc,
            operation=operation,
            wrapper=envelope.body,
            message_id=_message_id(context.get("MessageId", "")),
            port=inbound,
        )
        outcome = operations.execute(call)
        warnings = list(inbound.infolog_warnings) if operation in ("create", "update", "delete") else []
        body = soap.response(wrapper_name(svc.name, operation, "Response"), outcome.children, warnings=warnings)
        return body, 200
    except soap.AifError as exc:
        if call is not None:
            operations.record_message(call, [], fault=str(exc)[:2000] or "fault")
        fault = soap.aif_fault(
            exc,
            service=svc.name,
            operation=operation,
            document=svc.axd,
            include_exceptions=inbound.include_exceptions,
        )
        return fault, 500


def _company(requested: str, companies: list[AxCompany]) -> AxCompany:
    if not requested:
        return companies[0]
    for company in companies:
        if company.data_area_id.lower() == requested.lower():
            return company
    if AxCompany.objects.filter(data_area_id__iexact=requested).exists():
        raise soap.AifError(
            f"The service account is not authorized to access company {requested}.", code="InvalidCompany"
        )
    raise soap.AifError(f"Company {requested} does not exist.", code="InvalidCompany")


def _message_id(raw: str) -> str:
    if not raw:
        return ""
    try:
        return str(uuid.UUID(raw.strip().strip("{}")))
    except ValueError:
        raise soap.AifError(
            f"The MessageId '{raw}' is not a valid GUID.", code="InvalidMessageId", field="MessageId"
        ) from None
