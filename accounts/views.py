"""The person's own API tokens: list, create (the token is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/tokens.html", {"tokens": services.user_tokens(request.user)})


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    _, text = services.create_token(user=request.user)
    response = render(
        request, "accounts/tokens.html", {"tokens": services.user_tokens(request.user), "new_token": text}
    )
    response["Cache-Control"] = "no-store"  # the token is on this page only
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    if services.revoke_token(user=request.user, token_key=token_key):
        messages.success(request, f"API token {token_key}… revoked.")
    else:
        messages.error(request, "There is no such token.")
    return redirect("accounts:api-tokens")
