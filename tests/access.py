"""Role checks every page and endpoint must pass, in one place.

``assert_page_roles(client_for, url, "Integration admin")``: anonymous -> redirect to the login
page; a logged-in user without the role (an outsider and every lower role) -> 403; the role and
every higher one (and a superuser) -> ``ok_status``. ``allowed_role=None`` means any logged-in user.
``assert_api_roles`` is the same for the REST API: anonymous -> 401/403, lower roles -> 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.shortcuts import resolve_url

from integrations.roles import ROLES

LADDER = ("outsider", *ROLES, "superuser")


def _level(role: str | None) -> int:
    return 0 if role is None else LADDER.index(role)


def _call(client, method: str, url: str, data, **extra):
    if method.lower() == "get":
        return client.get(url, data or {}, **extra)
    return getattr(client, method.lower())(url, data or {}, **extra)


def _statuses(ok_status: int | Iterable[int]) -> set[int]:
    return {ok_status} if isinstance(ok_status, int) else set(ok_status)


def assert_page_roles(
    client_factory: Callable,
    url: str,
    allowed_role: str | None,
    method: str = "get",
    *,
    data: dict | None = None,
    ok_status: int | Iterable[int] = 200,
    **extra,
) -> None:
    response = _call(client_factory(None), method, url, data, **extra)
    login = resolve_url(settings.LOGIN_URL)
    assert response.status_code == 302, f"anonymous {method.upper()} {url}: {response.status_code}, not a redirect"
    assert response["Location"].startswith(login), f"anonymous {url} redirected to {response['Location']}"
    for who in LADDER:
        response = _call(client_factory(who), method, url, data, **extra)
        if _level(who) >= _level(allowed_role):
            assert response.status_code in _statuses(ok_status), f"{who} {method.upper()} {url}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{who} {method.upper()} {url}: {response.status_code}, not 403"


def assert_api_roles(
    client_factory: Callable,
    url: str,
    allowed_role: str | None,
    method: str = "get",
    *,
    data: dict | None = None,
    ok_status: int | Iterable[int] = 200,
) -> None:
    def call(client):
        if method.lower() == "get":
            return client.get(url, data or {}, HTTP_ACCEPT="application/json")
        return getattr(client, method.lower())(url, data or {}, content_type="application/json")

    response = call(client_factory(None))
    assert response.status_code in (401, 403), f"anonymous {method.upper()} {url}: {response.status_code}"
    for who in LADDER:
        response = call(client_factory(who))
        if _level(who) >= _level(allowed_role):
            assert response.status_code in _statuses(ok_status), f"{who} {method.upper()} {url}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{who} {method.upper()} {url}: {response.status_code}, not 403"
