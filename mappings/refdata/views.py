"""The Reference data page: Viewer reads, Accountant uploads CSV exports or refreshes from AX's custom service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from mappings import reference
from mappings.refdata import services
from mappings.refdata.models import ReferenceSnapshot

SHOWN_ROWS = 100
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _service_name() -> str:
    connection = reference.connection_for("dynamics_ax")
    return str((connection.settings or {}).get("reference_service") or "") if connection else ""


def _page(request: HttpRequest, *, problems=None, problem_kind: str = "", status: int = 200) -> HttpResponse:
    snapshots = {s.kind: s for s in ReferenceSnapshot.objects.select_related("refreshed_by")}
    kinds = [
        {
            "kind": kind,
            "label": label,
            "snapshot": snapshots.get(kind),
            "rows": (snapshots[kind].rows[:SHOWN_ROWS] if kind in snapshots else []),
            "more": max(0, len(snapshots[kind].rows) - SHOWN_ROWS) if kind in snapshots else 0,
        }
        for kind, label in ReferenceSnapshot.Kind.choices
    ]
    return render(
        request,
        "refdata/referencedata_detail.html",
        {
            "kinds": kinds,
            "can_edit": has_role(request.user, ACCOUNTANT),
            "service": _service_name(),
            "problems": problems or [],
            "problem_kind": problem_kind,
        },
        status=status,
    )


@role_required(VIEWER)
@require_GET
def reference_detail(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(ACCOUNTANT)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    file = request.FILES.get("file")
    if kind not in ReferenceSnapshot.Kind.values:
        return _page(request, problems=[(0, "Choose what the file holds.")], status=400)
    if file is None or file.size > MAX_UPLOAD_BYTES:
        return _page(request, problems=[(0, "Choose a CSV file of at most 5 MB.")], problem_kind=kind, status=400)
    parsed = services.upload(
        kind, file.read(), filename=file.name, actor=request.user, dimension=request.POST.get("dimension", "")
    )
    if not parsed.ok:
        return _page(request, problems=parsed.problems, problem_kind=kind, status=400)
    messages.success(request, f"{len(parsed.rows)} rows loaded from {file.name}.")
    return redirect("refdata:detail")


@role_required(ACCOUNTANT)
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    connection = reference.connection_for("dynamics_ax")
    if connection is None or not _service_name():
        return _page(request, problems=[(0, "The AX connection names no reference data service.")], status=400)
    connector = reference.build_connector(connection)
    try:
        counts = services.refresh_from_service(connector, actor=request.user)
    except Exception as exc:  # the service failed: the previous data stays, the person sees why
        return _page(request, problems=[(0, f"AX did not answer: {exc}")], status=502)
    finally:
        connector.close()
    messages.success(request, ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items()) + " read.")
    return redirect("refdata:detail")
