"""The HTTP edge of the AIF simulator: basic auth, ?wsdl, fault injection, SOAP dispatch. Thin on purpose."""

from __future__ import annotations

import base64
import binascii
import logging
import time
import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.connectors.dynamics_ax.documents import NS_SERVICES, SERVICES, AxDocumentService
from integrations.sandbox import faults
from integrations.sandbox.ax import operations, soap
from integrations.sandbox.ax.wsdl import service_wsdl, wrapper_name
from integrations.sandbox.models import AxCompany

log = logging.getLogger(__name__)
XML = "text/xml; charset=utf-8"
REALM = 'Basic realm="MicrosoftDynamicsAXAif60"'

_REQUESTS = {
    svc.name: {wrapper_name(svc.name, op, "Request"): op for op in svc.operations} for svc in SERVICES.values()
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


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _unauthorized() -> HttpResponse:
    response = HttpResponse(
        "401 - Unauthorized: Access is denied due to invalid credentials.", status=401, content_type="text/plain"
    )
    response["WWW-Authenticate"] = REALM
    return response


def _xml(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=XML)


@csrf_exempt
def service_endpoint(request: HttpRequest, service: str) -> HttpResponse:
    if not getattr(settings, "SANDBOX_ENABLED", False):
        raise Http404("The sandbox is switched off.")
    svc = SERVICES.get(service)
    if svc is None:
        return HttpResponse(
            f"404 - The service '{service}' does not exist on this AIF inbound port.",
            status=404,
            content_type="text/plain",
        )
    creds = _credentials(request)
    companies = list(AxCompany.objects.filter(service_user=creds[0], service_password=creds[1])) if creds else []
    if not companies:
        return _unauthorized()
    if request.method == "GET":
        if {"wsdl", "singleWsdl", "WSDL"} & set(request.GET):
            return _xml(service_wsdl(svc.name, request.build_absolute_uri(request.path)))
        return HttpResponse(
            f"<html><body><h1>{svc.name} Service</h1><p>You have created a service. To test this service, you will "
            "need to create a client and use it to call the service. Its WSDL is at "
            f"<a href='?wsdl'>?wsdl</a>.</p></body></html>",
            content_type="text/html",
        )
    if request.method != "POST":
        return HttpResponse("405 - Method not allowed.", status=405, content_type="text/plain")
    faults.send_without_delay(request)
    try:
        return _handle_post(request, svc, companies)
    except Exception:
        log.exception("AIF simulator failed on %s", svc.name)
        return _xml(soap.plain_fault("An internal error occurred in the AIF service.", code="s:Server"), 500)


def _handle_post(request: HttpRequest, svc: AxDocumentService, companies: list[AxCompany]) -> HttpResponse:
    try:
        envelope = soap.parse_envelope(request.body)
    except soap.SoapClientError as exc:
        return _xml(soap.plain_fault(str(exc), code=exc.code), 500)
    body = envelope.body
    operation = _REQUESTS[svc.name].get(soap.local(body.tag)) if body.tag.startswith(f"{{{NS_SERVICES}}}") else None
    if operation is None:
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

    payload, status = _run(svc, operation, envelope, companies)
    if kind == "timeout_after_commit":
        time.sleep((fault.latency_ms or 3000) / 1000)
    elif kind == "drop_connection":
        _drop(request)
    return _xml(payload, status)


def _run(svc: AxDocumentService, operation: str, envelope: soap.Envelope, companies: list[AxCompany]):
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
        )
        outcome = operations.execute(call)
        return soap.response(wrapper_name(svc.name, operation, "Response"), outcome.children), 200
    except soap.AifError as exc:
        if call is not None:
            operations.record_message(call, [], fault=str(exc)[:2000] or "fault")
        return soap.aif_fault(exc, service=svc.name, operation=operation, document=svc.axd), 500


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
