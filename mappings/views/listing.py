"""The mapping list, importing a mapping file, installing the starter mappings, and a mapping by its key."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.roles import ACCOUNTANT, VIEWER, has_role, role_required
from mappings import selectors
from mappings.forms import ImportForm
from mappings.services import MappingError, starters, transfer


@role_required(VIEWER)
@require_GET
def mapping_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "mappings/mapping_list.html",
        {"summaries": selectors.mapping_summaries(), "can_edit": has_role(request.user, ACCOUNTANT)},
    )


@role_required(ACCOUNTANT)
@require_POST
def install_templates(request: HttpRequest) -> HttpResponse:
    installed = starters.install_templates(actor=request.user)
    messages.success(request, f"Templates ready: {len(installed)} mappings have a published version.")
    return redirect("mappings:list")


@role_required(ACCOUNTANT)
def mapping_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            mapping_set = transfer.import_mapping(
                form.cleaned_data["payload"], actor=request.user, publish=form.cleaned_data["publish"]
            )
        except MappingError as exc:
            errors = exc.errors or [exc.message]
        else:
            messages.success(request, f"Imported {mapping_set}.")
            return redirect("mappings:detail", pk=mapping_set.pk)
    return render(
        request, "mappings/mapping_import.html", {"form": form, "errors": errors}, status=400 if errors else 200
    )


@role_required(VIEWER)
@require_GET
def mapping_key(request: HttpRequest, key: str) -> HttpResponse:
    mapping_set = selectors.current_draft(key) or selectors.published_version(key)
    if mapping_set is None:
        raise Http404("No such mapping")
    return redirect("mappings:detail", pk=mapping_set.pk)
