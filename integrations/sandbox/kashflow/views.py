"""The KashFlow REST v2 simulator's HTTP edge: parse, authenticate, throttle, play faults, call ``resources``.

Every view answers 404 unless ``settings.SANDBOX_ENABLED``. Errors use KashFlow's JSON error body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox import faults as sandbox_faults
from integrations.sandbox.kashflow import faults, resources, sessions, shapes
from integrations.sandbox.kashflow.errors import ApiError, invalid
from integrations.sandbox.kashflow.store import ListQuery
from integrations.sandbox.kashflow.throttling import check_rate_limit

logger = logging.getLogger(__name__)
MAX_PER_PAGE = 500
WRITES = {"POST", "PUT", "DELETE"}


def kashflow_view(operation: str, methods: tuple[str, ...], *, authenticated: bool = True) -> Callable:
    """Wraps a view ``(request, account, **kwargs) -> HttpResponse`` with everything KashFlow does around it.

    ``operation`` names the resource in fault rules: ``"<METHOD> <operation>"``, e.g. ``"POST invoices"``.
    """

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @transaction.non_atomic_requests
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: str) -> HttpResponse:
            if not getattr(settings, "SANDBOX_ENABLED", False):
                raise Http404("The sandbox is switched off.")
            sandbox_faults.send_without_delay(request)
            if request.method not in methods:
                return resources.method_not_allowed(request.method, operation).response()

            def work() -> HttpResponse:
                try:
                    account = None
                    if authenticated:
                        account = sessions.authenticate(request.headers.get("Authorization", ""))
                        check_rate_limit(account)
                    with transaction.atomic():
                        return view(request, account, **kwargs)
                except ApiError as error:
                    return error.response()
                except Exception:  # a simulator bug still answers in KashFlow's shape, and is logged
                    logger.exception("KashFlow simulator failed on %s %s", request.method, request.path)
                    return ApiError(500, "ServerError", "An error has occurred.").response()

            fault = faults.pick(f"{request.method} {operation}")
            return faults.apply(fault, request, work, write=request.method in WRITES)

        return wrapper

    return decorate


# ---------------------------------------------------------------- request and answer helpers


def body_of(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "InvalidRequest", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidRequest", "The request body must be a JSON object.")
    return body


def _int_param(request: HttpRequest, name: str, default: int, errors: dict[str, str]) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        errors[name] = "must be a whole number of at least 1"
        return default
    return int(raw)


def list_query(request: HttpRequest) -> ListQuery:
    """``page``, ``perpage``, ``sortby`` and ``order`` (Asc/Desc).

    Any other parameter is ignored, as KashFlow ignores what it does not know: in particular there is no
    ``modifiedsince`` filter (none in its Swagger operation list, hcs-sync ``docs/API-Swagger.md``; production
    clients re-read everything, hcs-sync ``src/sync/run.js``), so a client that sends one still gets everything.
    """
    errors: dict[str, str] = {}
    page = _int_param(request, "page", 1, errors)
    perpage = min(_int_param(request, "perpage", 100, errors), MAX_PER_PAGE)
    order = request.GET.get("order", "Asc")
    if order.lower() not in ("asc", "desc"):
        errors["order"] = "must be Asc or Desc"
    sortby = request.GET.get("sortby", "")
    if sortby and not sortby.isalnum():
        errors["sortby"] = "must be a field name"
    if errors:
        raise invalid(errors, "The query parameters are not valid.")
    return ListQuery(page=page, perpage=perpage, sortby=sortby, descending=order.lower() == "desc")


def envelope(request: HttpRequest, items: list[dict], total: int, query: ListQuery) -> JsonResponse:
    """KashFlow's list answer: ``{"Data": [...], "MetaData": {"TotalRecords", "NextPageUrl", ...}}``."""
    last = max(1, -(-total // query.perpage))

    def url(page: int) -> str:
        params = request.GET.copy()
        params["page"] = str(page)
        params["perpage"] = str(query.perpage)
        return f"{request.path}?{urlencode(sorted(params.items()))}"

    meta = {
        "FirstPageUrl": url(1),
        "LastPageUrl": url(last),
        "NextPageUrl": url(query.page + 1) if query.page < last else None,
        "PreviousPageUrl": url(query.page - 1) if 1 < query.page <= last + 1 else None,
        "TotalRecords": total,
    }
    return JsonResponse({"Data": items, "MetaData": meta})


# ---------------------------------------------------------------- views


@csrf_exempt
@transaction.non_atomic_requests
def sessiontoken(request: HttpRequest) -> HttpResponse:
    if not getattr(settings, "SANDBOX_ENABLED", False):
        raise Http404("The sandbox is switched off.")
    if request.method not in ("POST", "PUT", "DELETE"):
        return resources.method_not_allowed(request.method, "sessiontoken").response()

    def work() -> HttpResponse:
        try:
            if request.method == "POST":
                return JsonResponse(sessions.start_login(body_of(request)))
            if request.method == "PUT":
                return JsonResponse(sessions.complete_login(body_of(request)))
            sessions.end_session(request.headers.get("Authorization", ""))
            return HttpResponse(status=204)
        except ApiError as error:
            return error.response()

    fault = faults.pick(f"{request.method} sessiontoken")
    return faults.apply(fault, request, work, write=False)


@csrf_exempt
@transaction.non_atomic_requests
def sessiontoken_delete(request: HttpRequest, token: str) -> HttpResponse:
    """``DELETE /sessiontoken/{sessionToken}``, the logout KashFlow's Swagger lists."""
    if not getattr(settings, "SANDBOX_ENABLED", False):
        raise Http404("The sandbox is switched off.")
    if request.method != "DELETE":
        return resources.method_not_allowed(request.method, "sessiontoken").response()
    try:
        sessions.end_session(f"KfToken {token}")
    except ApiError as error:
        return error.response()
    return HttpResponse(status=204)


@csrf_exempt
def collection(request: HttpRequest, resource: str) -> HttpResponse:
    res = resources.RESOURCES.get(resource)
    if res is None or not res.routed:
        return not_found_view(request, resource)
    methods = ("GET", "POST") if res.rules is not None else ("GET",)
    return kashflow_view(resource, methods)(_collection)(request, resource=resource)


def _collection(request: HttpRequest, account, resource: str) -> HttpResponse:
    res = resources.resource(resource)
    if request.method == "POST":
        return JsonResponse(resources.create_object(account, res, body_of(request)), status=201)
    query = list_query(request)
    archived = request.GET.get("includeArchivedAccounts", "").lower() == "true" or res.name != "bankaccounts"
    items, total = resources.list_objects(account, res, query, include_archived=archived)
    if res.bare_list:
        return JsonResponse(items, safe=False)
    return envelope(request, items, total, query)


@csrf_exempt
def item(request: HttpRequest, resource: str, key: str) -> HttpResponse:
    res = resources.RESOURCES.get(resource)
    if res is None or not res.routed:
        return not_found_view(request, resource)
    methods = ["GET"]
    if res.rules is not None and res.updatable:
        methods.append("PUT")
    if res.deletable:
        methods.append("DELETE")
    return kashflow_view(resource, tuple(methods))(_item)(request, resource=resource, key=key)


def _item(request: HttpRequest, account, resource: str, key: str) -> HttpResponse:
    res = resources.resource(resource)
    if request.method == "PUT":
        return JsonResponse(resources.update_object(account, res, key, body_of(request)))
    if request.method == "DELETE":
        resources.delete_object(account, res, key)
        return HttpResponse(status=204)
    return JsonResponse(resources.get_object(account, res, key))


@csrf_exempt
def bulk_payments(request: HttpRequest, resource: str) -> HttpResponse:
    return kashflow_view(f"{resource}/bulk/payments", ("POST",))(_bulk_payments)(request, resource=resource)


def _bulk_payments(request: HttpRequest, account, resource: str) -> HttpResponse:
    bulk = resources.bulk_payment(account, resources.resource(resource), body_of(request))
    return JsonResponse(bulk, status=201)


@csrf_exempt
def bulk_payment(request: HttpRequest, resource: str, number: str) -> HttpResponse:
    return kashflow_view(f"{resource}/bulk/payments", ("GET",))(_bulk_payment)(
        request, resource=resource, number=number
    )


def _bulk_payment(request: HttpRequest, account, resource: str, number: str) -> HttpResponse:
    return JsonResponse(resources.get_bulk_payment(account, resources.resource(resource), number))


@kashflow_view("products", ("GET", "PUT", "DELETE"))
def product(request: HttpRequest, account, nominal_code: str, code: str) -> HttpResponse:
    res = resources.RESOURCES["products"]
    key = resources.product_key(nominal_code, code)
    if request.method == "PUT":
        return JsonResponse(resources.update_object(account, res, key, body_of(request)))
    if request.method == "DELETE":
        resources.delete_object(account, res, key)
        return HttpResponse(status=204)
    return JsonResponse(resources.get_object(account, res, key))


@kashflow_view("products", ("GET", "POST"))
def products(request: HttpRequest, account) -> HttpResponse:
    res = resources.RESOURCES["products"]
    if request.method == "POST":
        return JsonResponse(resources.create_object(account, res, body_of(request)), status=201)
    query = list_query(request)
    items, total = resources.list_objects(account, res, query)
    return envelope(request, items, total, query)


@kashflow_view("paymentmethods", ("GET",))
def payment_methods(request: HttpRequest, account) -> HttpResponse:
    """The account's payment methods, a bare array of ``{Id, Name}`` (shape inferred, see ``shapes.py``)."""
    return JsonResponse([dict(m) for m in shapes.PAYMENT_METHODS], safe=False)


@kashflow_view("countries", ("GET",))
def countries(request: HttpRequest, account) -> HttpResponse:
    return JsonResponse([dict(c) for c in shapes.COUNTRIES], safe=False)


@kashflow_view("vat/settings/vatrates", ("GET",))
def vat_rates(request: HttpRequest, account) -> HttpResponse:
    return JsonResponse([dict(r) for r in shapes.VAT_RATES], safe=False)


@kashflow_view("bankaccounts/transactions", ("GET", "POST"))
def bank_transactions(request: HttpRequest, account, account_id: str) -> HttpResponse:
    if request.method == "POST":
        return JsonResponse(resources.add_bank_transaction(account, account_id, body_of(request)), status=201)
    query = list_query(request)
    items, total = resources.bank_transactions(account, account_id, query)
    return envelope(request, items, total, query)


@kashflow_view("bankaccounts/transactions", ("GET",))
def bank_transaction(request: HttpRequest, account, account_id: str, txn_id: str) -> HttpResponse:
    return JsonResponse(resources.bank_transaction(account, account_id, txn_id))


@csrf_exempt
def not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    if not getattr(settings, "SANDBOX_ENABLED", False):
        raise Http404("The sandbox is switched off.")
    return ApiError(404, "NotFound", f"No KashFlow resource at {request.path}.").response()
