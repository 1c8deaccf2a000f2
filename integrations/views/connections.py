"""Pages for connections and integration pairs (Integration admin only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from config.htmx import htmx_partial
from integrations import selectors
from integrations.forms import ConnectionForm, PairForm, SystemChoiceForm
from integrations.models import Connection
from integrations.models.connections import System
from integrations.roles import INTEGRATION_ADMIN, role_required
from integrations.services import connections as services


@role_required(INTEGRATION_ADMIN)
def connection_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "integrations/connection_list.html", {"connections": selectors.connection_list(), "systems": System}
    )


@sensitive_post_parameters()
@role_required(INTEGRATION_ADMIN)
@require_http_methods(["GET", "POST"])
def connection_add(request: HttpRequest) -> HttpResponse:
    system = request.POST.get("system") or request.GET.get("system") or ""
    if system not in System.values:
        chooser = SystemChoiceForm(initial={"system": System.KASHFLOW})
        return render(request, "integrations/connection_form.html", {"chooser": chooser, "adding": True})
    form = ConnectionForm(request.POST or None, system=system)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.create_connection(actor=request.user, system=system, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Connection {connection.name} added. Test it to check the credentials.")
            return redirect("integrations:connection-list")
    context = {
        "form": form,
        "system": system,
        "system_label": System(system).label,
        "chooser": SystemChoiceForm(initial={"system": system}),
        "adding": True,
    }
    template = (
        "integrations/partials/connection_form.html" if htmx_partial(request) else "integrations/connection_form.html"
    )
    return render(request, template, context)


@sensitive_post_parameters()
@role_required(INTEGRATION_ADMIN)
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    form = ConnectionForm(request.POST or None, system=connection.system, instance=connection)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_connection(connection=connection, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Connection {connection.name} saved.")
            return redirect("integrations:connection-list")
    context = {
        "form": form,
        "connection": connection,
        "system": connection.system,
        "system_label": connection.get_system_display(),
        "credentials_readable": services.credentials_readable(connection),
    }
    return render(request, "integrations/connection_form.html", context)


@role_required(INTEGRATION_ADMIN)
@require_http_methods(["GET", "POST"])
def connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    pairs = selectors.pairs_using(connection)
    if request.method == "POST":
        try:
            services.delete_connection(connection=connection, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("integrations:connection-list")
        messages.success(request, f"Connection {connection.name} deleted.")
        return redirect("integrations:connection-list")
    return render(request, "integrations/connection_delete.html", {"connection": connection, "pairs": pairs})


@role_required(INTEGRATION_ADMIN)
@require_POST
def connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    result = services.test_connection(connection)
    if htmx_partial(request):
        return render(
            request, "integrations/partials/connection_test_result.html", {"connection": connection, "result": result}
        )
    (messages.success if result.ok else messages.error)(request, f"{connection.name}: {result.message}")
    return redirect("integrations:connection-list")


@role_required(INTEGRATION_ADMIN)
@require_POST
def connection_discover(request: HttpRequest, pk: int) -> HttpResponse:
    """What an AX connection's inbound port(s) really expose, read from their WSDL again."""
    connection = get_object_or_404(Connection, pk=pk)
    discovery, error = services.discover_connection(connection)
    context = {"connection": connection, "discovery": discovery, "error": error}
    if htmx_partial(request):
        return render(request, "integrations/partials/connection_discover_result.html", context)
    if error:
        messages.error(request, f"{connection.name}: {error}")
    else:
        names = ", ".join(s.name for s in discovery.services) or "no service"
        messages.success(request, f"{connection.name}: the port exposes {names}.")
        for problem in discovery.settings:
            messages.warning(request, f"{connection.name}: {problem}")
    return redirect("integrations:connection-edit", pk=connection.pk)


# --- Integration pairs -------------------------------------------------------------------------


@role_required(INTEGRATION_ADMIN)
def pair_list(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/pair_list.html", {"pairs": selectors.pair_list()})


@role_required(INTEGRATION_ADMIN)
@require_http_methods(["GET", "POST"])
def pair_add(request: HttpRequest) -> HttpResponse:
    form = PairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pair = services.create_pair(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Integration pair {pair.name} added.")
            return redirect("integrations:pair-list")
    return render(request, "integrations/pair_form.html", {"form": form})
