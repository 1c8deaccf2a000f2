"""The control API under ``/sandbox/control/``: JSON in, JSON out, for scripts, tests and benchmarks.

Every request, reads too, needs ``settings.SANDBOX_CONTROL_TOKEN`` when it is set, sent as
``Authorization: Bearer <token>`` or ``X-Sandbox-Token: <token>``; with no token set the API answers only
while ``DEBUG`` is on. Scripts call it, so there is no CSRF check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox import control, state


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _token_of(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Sandbox-Token", "")


def control_view(*methods: str) -> Callable:
    """404 while the sandbox is off; 405 for other methods; the token (or DEBUG); errors as JSON."""

    def decorator(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            if not settings.SANDBOX_ENABLED:
                raise Http404("The sandbox is disabled.")
            if request.method not in methods:
                response = _error(f"Method {request.method} is not allowed here; use {', '.join(methods)}.", 405)
                response["Allow"] = ", ".join(methods)
                return response
            if not control.token_accepted(_token_of(request)):
                return _error(
                    "A valid sandbox control token is required (Authorization: Bearer <token>); "
                    "without SANDBOX_CONTROL_TOKEN the control API answers only while DEBUG is on.",
                    401,
                )
            try:
                return view(request, *args, **kwargs)
            except control.ControlError as exc:
                return _error(exc.message, exc.status)
            except LookupError as exc:
                return _error(str(exc), 404)

        return wrapped

    return decorator


def _json_body(request: HttpRequest) -> dict:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise control.ControlError(f"The body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise control.ControlError("The body must be a JSON object.")
    return body


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise control.ControlError(f"{name} must be a whole number.") from None
    if value < 1:
        raise control.ControlError(f"{name} must be at least 1.")
    return value


@control_view("GET")
def index(request: HttpRequest) -> JsonResponse:
    control_url = request.build_absolute_uri(reverse("sandbox:control-index"))
    sandbox_url = control_url.removesuffix("control/")
    return JsonResponse(control.index(sandbox_url, control_url))


@control_view("POST")
def reset(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"reset": True, "counts": control.reset()})


@control_view("POST")
def reseed(request: HttpRequest) -> JsonResponse:
    counts = control.reseed(_json_body(request))
    return JsonResponse({"reseeded": True, "counts": counts})


@control_view("GET")
def system_state(request: HttpRequest, system: str) -> JsonResponse:
    return JsonResponse({"system": state.system_name(system), "counts": state.entity_counts(system)})


@control_view("GET")
def entity_state(request: HttpRequest, system: str, entity: str) -> JsonResponse:
    page = _int_param(request, "page", 1)
    per_page = _int_param(request, "per_page", state.PER_PAGE)
    return JsonResponse(state.entity_page(system, entity, page=page, per_page=per_page))


@control_view("GET")
def ax_messages(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        state.ax_messages(
            page=_int_param(request, "page", 1),
            per_page=_int_param(request, "per_page", state.PER_PAGE),
            service=request.GET.get("service", ""),
            operation=request.GET.get("operation", ""),
            message_id=request.GET.get("message_id", ""),
        )
    )


@control_view("GET", "POST")
def faults(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        rule = control.create_fault(_json_body(request))
        return JsonResponse(control.fault_as_dict(rule), status=201)
    return JsonResponse({"faults": control.list_faults()})


@control_view("DELETE")
def fault(request: HttpRequest, pk: int) -> JsonResponse:
    control.delete_fault(pk)
    return JsonResponse({"deleted": pk})


@control_view("POST")
def clear_faults(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"deleted": control.clear_faults()})


@control_view("POST")
def expire_kashflow_sessions(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"expired": control.expire_kashflow_sessions()})


@control_view("POST")
def webhook(request: HttpRequest) -> JsonResponse:
    own_urls = control.portal_webhook_urls(request.build_absolute_uri("/"))
    return JsonResponse(control.push_webhook(_json_body(request), own_urls=own_urls))


@control_view("GET", "POST")
def ax_post(request: HttpRequest) -> JsonResponse:
    """POST: post AX drafts (filters in the body); GET: the drafts waiting per company and kind."""
    if request.method == "POST":
        return JsonResponse(control.ax_post(_json_body(request)))
    return JsonResponse({"drafts": control.ax_drafts()})
