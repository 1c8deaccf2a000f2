"""The exception queue: the accountants' daily page. Viewers read it; Accountants act on it."""

from __future__ import annotations

import csv
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.htmx import htmx_partial
from config.spreadsheet import safe_cell
from integrations.models import Flow
from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from monitoring import business, selectors
from monitoring.forms import BulkForm, EditForm, FixForm, IgnoreForm
from monitoring.models import ExceptionItem
from monitoring.services import actions, fixes
from monitoring.services.editing import EditRefused, map_payload

PAGE_SIZE = 50


def _can_act(request: HttpRequest) -> bool:
    return has_role(request.user, ACCOUNTANT)


def _list_context(request: HttpRequest) -> dict:
    filters = selectors.QueueFilters.from_query(request.GET)
    grouped = request.GET.get("view") == "groups"
    source = selectors.group_page_source(filters) if grouped else selectors.exception_page_source(filters)
    page = Paginator(source, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "filters": filters,
        "grouped": grouped,
        "page": page,
        "counts": selectors.tab_counts(filters),
        "tabs": [("open", "Open"), ("retrying", "Retrying"), ("resolved", "Resolved")],
        "flows": Flow.objects.only("name", "slug"),
        "stages": ExceptionItem.Stage.choices,
        "classes": ExceptionItem.ErrorClass.choices,
        "ages": list(selectors.AGE_LABELS.items()),
        "can_act": _can_act(request),
        "now": timezone.now(),
        "query": filters.as_query(),
        "query_string": _qs(filters.as_query(**({"view": "groups"} if grouped else {}))),
        "tab_query": _qs(filters.as_query(tab="", **({"view": "groups"} if grouped else {}))),
    }


def _qs(params: dict) -> str:
    return urlencode(params)


@role_required(VIEWER)
def exception_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    if htmx_partial(request):
        return render(request, "monitoring/partials/exception_table.html", context)
    return render(request, "monitoring/exception_list.html", context)


@role_required(VIEWER)
def exception_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, streamed so 100,000 rows cost no memory."""
    filters = selectors.QueueFilters.from_query(request.GET)
    rows = (
        selectors.filter_exceptions(filters)
        .order_by("-first_seen_at", "-id")
        .values_list(
            "id",
            "flow__name",
            "source_key",
            "status",
            "stage",
            "error_class",
            "error_code",
            "message",
            "attempts",
            "first_seen_at",
            "last_seen_at",
            "fingerprint",
        )
    )
    now = timezone.now()

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(
            [
                "id",
                "flow",
                "source_key",
                "status",
                "stage",
                "class",
                "error_code",
                "message",
                "attempts",
                "first_seen",
                "last_seen",
                "age_hours",
                "cause",
            ]
        )
        for row in rows.iterator(chunk_size=2000):
            first_seen = row[9]
            age = round((now - first_seen).total_seconds() / 3600, 1) if first_seen else ""
            values = [*row[:9], first_seen.isoformat(), row[10].isoformat(), age, row[11][:12]]
            yield writer.writerow([safe_cell(v) for v in values])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="exceptions-{filters.tab}-{now:%Y%m%d-%H%M}.csv"'
    return response


def _detail_context(request: HttpRequest, item: ExceptionItem, **extra) -> dict:
    resolution = selectors.resolution(item)
    # A resolved item needs no fix: the card says what fixed it instead of what was missing.
    fix = fixes.value_map_fix_for(item) if item.status == ExceptionItem.Status.OPEN else None
    document, remapped = item.mapped_document, False
    if resolution is not None and resolution.document is not None:
        document = resolution.document  # what was really sent, by the run that resolved the item
    elif document is None and isinstance(item.source_payload, dict):
        # A record that failed at the map stage has no stored document: show (and offer to edit) what the
        # current mapping makes of it, issues and all.
        document, _problems = map_payload(item.flow, item.source_payload)
        remapped = document is not None
    failing = business.failing_line_numbers(item.message, item.suggested_fix, item.source_payload)
    lines = business.line_rows(item.source_payload, failing)
    context = {
        "item": item,
        "record": business.record_context(item.source_payload),
        "lines": lines,
        # The form edits the failing lines' nominal code, so it is offered when that is what failed.
        "failing_lines": [line for line in lines if line.failing]
        if business.gap_of(item.message, item.suggested_fix)
        else [],
        "plain_error": item.summary or business.plain_summary(message=item.message, payload=item.source_payload),
        "history": selectors.exception_history(item),
        "fix": fix,
        "fix_text": fixes.describe_fix(item) if item.status == ExceptionItem.Status.OPEN else "",
        "resolution": resolution,
        "same_cause": selectors.cause_count(item.fingerprint),
        "can_act": _can_act(request) and item.status == ExceptionItem.Status.OPEN,
        "can_reopen": _can_act(request) and item.status == ExceptionItem.Status.IGNORED,
        "source_json": json.dumps(item.source_payload, indent=2, sort_keys=True, default=str),
        "document_json": json.dumps(document, indent=2, sort_keys=True, default=str),
        "document_remapped": remapped,
        "edit_form": EditForm(),
        "ignore_form": IgnoreForm(),
        "now": timezone.now(),
    }
    context.update(extra)
    return context


@role_required(VIEWER)
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ExceptionItem.objects.select_related("flow", "run", "resolved_by", "resolved_by_run"), pk=pk
    )
    return render(request, "monitoring/exception_detail.html", _detail_context(request, item))


@role_required(VIEWER)
def exception_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the queue; a retrying row polls this until the worker is done with it."""
    item = get_object_or_404(ExceptionItem.objects.select_related("flow"), pk=pk)
    return render(
        request,
        "monitoring/partials/exception_row.html",
        {"item": item, "can_act": _can_act(request), "now": timezone.now()},
    )


@role_required(VIEWER)
def exception_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status panel of the detail page, polled while a retry runs."""
    item = get_object_or_404(ExceptionItem.objects.select_related("flow", "resolved_by_run"), pk=pk)
    response = render(request, "monitoring/partials/exception_status.html", {"item": item, "now": timezone.now()})
    if request.htmx and item.status != ExceptionItem.Status.RETRYING:
        # The retry is over: reload the page so the error, payloads and history show the outcome.
        response["HX-Refresh"] = "true"
    return response


def _after_action(request: HttpRequest, item: ExceptionItem | None, message: str, *, level=messages.SUCCESS):
    """Re-render the row (htmx) or go back where the user came from."""
    if htmx_partial(request) and item is not None and request.POST.get("from") == "row":
        item.refresh_from_db()
        # Only this row changes (and polls until the worker is done); the rest of the list stays put.
        return render(
            request, "monitoring/partials/exception_row.html", {"item": item, "can_act": True, "now": timezone.now()}
        )
    messages.add_message(request, level, message)
    target = _safe_next(
        request,
        reverse("monitoring:exception-detail", args=[item.pk]) if item else reverse("monitoring:exception-list"),
    )
    return redirect(target)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


@require_POST
@role_required(ACCOUNTANT)
def exception_retry(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ExceptionItem, pk=pk)
    count = actions.request_retry([item], user=request.user)
    if not count:
        return _after_action(request, item, "Only an open exception can be retried.", level=messages.ERROR)
    return _after_action(request, item, f"Retry of {item.source_key} queued.")


@require_POST
@role_required(ACCOUNTANT)
def exception_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ExceptionItem.objects.select_related("flow"), pk=pk)
    form = EditForm(request.POST)
    if not form.is_valid():
        return _refuse(request, item, [str(e) for e in form.non_field_errors()] or ["Nothing to send."], form)
    try:
        actions.edit_and_retry(
            item,
            user=request.user,
            document_text=form.cleaned_data["document"],
            payload_text=form.cleaned_data["payload"],
        )
    except EditRefused as exc:
        return _refuse(request, item, exc.reasons, form)
    except actions.ActionRefused as exc:
        return _refuse(request, item, [str(exc)], form)
    messages.success(request, f"Edited {item.source_key} and queued a retry.")
    return redirect("monitoring:exception-detail", pk=item.pk)


@require_POST
@role_required(ACCOUNTANT)
def exception_edit_fields(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit and retry on the failing fields only (the nominal code of each failing line): the payload is changed
    there and goes through the same checks as a raw edit, mapped again, and retried."""
    item = get_object_or_404(ExceptionItem.objects.select_related("flow"), pk=pk)
    payload = item.source_payload if isinstance(item.source_payload, dict) else None
    key = business.lines_key(payload)
    failing = business.failing_line_numbers(item.message, item.suggested_fix, payload)
    if payload is None or not key or not failing or not business.gap_of(item.message, item.suggested_fix):
        return _refuse(request, item, ["This record has no failing line to edit: edit the raw payload."], EditForm())
    edited = json.loads(json.dumps(payload))
    changed = False
    for number in sorted(failing):
        value = request.POST.get(f"line-{number}-nominal", "").strip()
        if not value:
            return _refuse(request, item, [f"Line {number}: give a nominal code."], EditForm())
        line = edited[key][number - 1]
        field = "NominalCode" if "NominalCode" in line else "Nominal"
        new = int(value) if value.isdigit() and isinstance(line.get(field), int) else value
        changed = changed or new != line.get(field)
        line[field] = new
    if not changed:
        return _refuse(request, item, ["Nothing changed: give the failing lines another nominal code."], EditForm())
    text = json.dumps(edited)
    try:
        actions.edit_and_retry(item, user=request.user, payload_text=text)
    except EditRefused as exc:
        return _refuse(request, item, exc.reasons, EditForm({"payload": text}))
    except actions.ActionRefused as exc:
        return _refuse(request, item, [str(exc)], EditForm({"payload": text}))
    messages.success(request, f"Edited {item.source_key} and queued a retry.")
    return redirect("monitoring:exception-detail", pk=item.pk)


def _refuse(request: HttpRequest, item: ExceptionItem, reasons: list[str], form: EditForm) -> HttpResponse:
    context = _detail_context(request, item, edit_form=form, edit_errors=reasons, edit_open=True)
    return render(request, "monitoring/exception_detail.html", context, status=400)


@require_POST
@role_required(ACCOUNTANT)
def exception_fix(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps: the chosen account first shows what the fix does (records, money, version), then applies."""
    item = get_object_or_404(ExceptionItem.objects.select_related("flow"), pk=pk)
    form = FixForm(request.POST)
    if not form.is_valid():
        return _after_action(request, item, "Choose the account to map to.", level=messages.ERROR)
    target = form.cleaned_data["target_value"].strip()
    fix = fixes.value_map_fix_for(item, limit=0)
    if fix is None:
        return _after_action(request, item, "This exception has no mapping-level fix.", level=messages.ERROR)
    impact = fixes.fix_impact(item, fix, target)
    unknown = bool(fix.account_names) and target not in fix.account_names
    if request.POST.get("confirm") != "yes" or unknown:
        return render(
            request,
            "monitoring/exception_fix_confirm.html",
            {"item": item, "impact": impact, "fix": fix, "unknown": unknown},
            status=400 if unknown else 200,
        )
    try:
        count = actions.apply_value_map_fix(item, user=request.user, target_value=target)
    except actions.ActionRefused as exc:
        return _after_action(request, item, str(exc), level=messages.ERROR)
    published = item.flow.published_mapping_set()
    messages.success(
        request,
        f"{impact.summary}: published version {getattr(published, 'version', '?')}; "
        f"{count} exception(s) with this cause sent again.",
    )
    return redirect("monitoring:exception-detail", pk=item.pk)


@require_POST
@role_required(ACCOUNTANT)
def exception_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ExceptionItem, pk=pk)
    form = IgnoreForm(request.POST)
    if not form.is_valid():
        return _after_action(request, item, "Say why: a reason is required to ignore.", level=messages.ERROR)
    count = actions.ignore([item], user=request.user, reason=form.cleaned_data["reason"])
    if not count:
        return _after_action(request, item, "Only an open exception can be ignored.", level=messages.ERROR)
    return _after_action(request, item, f"{item.source_key} ignored.")


@require_POST
@role_required(ACCOUNTANT)
def exception_bulk(request: HttpRequest) -> HttpResponse:
    """Retry or ignore a selection (ids) or a whole group (cause)."""
    form = BulkForm(request.POST)
    back = _safe_next(request, reverse("monitoring:exception-list"))
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    ids = [
        int(i) for i in request.POST.getlist("ids") + (form.cleaned_data["ids"] or "").split(",") if i.strip().isdigit()
    ]
    cause = form.cleaned_data["cause"]
    if cause:
        items = ExceptionItem.objects.filter(fingerprint=cause, status=ExceptionItem.Status.OPEN)
    elif ids:
        items = ExceptionItem.objects.filter(pk__in=ids[:5000])
    else:
        messages.error(request, "Select at least one exception.")
        return redirect(back)
    if form.cleaned_data["action"] == "retry":
        count = actions.request_retry(items, user=request.user)
        messages.success(request, f"{count} exception(s) queued for retry.")
    else:
        count = actions.ignore(items, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"{count} exception(s) ignored.")
    return redirect(back)


@require_POST
@role_required(ACCOUNTANT)
def exception_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ExceptionItem, pk=pk)
    try:
        reopened = actions.reopen(item, user=request.user, note=request.POST.get("note", "")[:500])
    except actions.ActionRefused as exc:
        return _after_action(request, item, str(exc), level=messages.ERROR)
    if not reopened:
        return _after_action(request, item, "Only an ignored exception can be reopened.", level=messages.ERROR)
    return _after_action(request, item, f"{item.source_key} is back in the open queue.")
