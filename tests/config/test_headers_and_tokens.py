"""Headers and third-party code: a Content-Security-Policy without inline script, API docs behind login
served from our own static files, API tokens stored hashed, expiring, listed and revoked per user."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from monitoring.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_every_page_carries_a_csp_that_allows_no_inline_script(client_for):
    response = client_for("viewer").get(reverse("monitoring:dashboard"))
    policy = response["Content-Security-Policy"]
    directives = dict([*d.strip().split(" ", 1), ""][:2] for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in policy
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["style-src"] == "'self'", "portal pages allow no inline style"


def test_only_the_api_docs_pages_allow_inline_styles(client_for):
    viewer = client_for("viewer")
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        policy = viewer.get(url)["Content-Security-Policy"]
        style = next(d for d in policy.split(";") if d.strip().startswith("style-src"))
        assert "'unsafe-inline'" in style, url
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_htmx_is_told_to_write_no_inline_style(client_for):
    """htmx injects an indicator style element, and copies ``style`` attributes when it settles a swap, unless told
    not to; under the policy both would be blocked (and the browser tests fail on any blocked action)."""
    page = client_for("viewer").get(reverse("monitoring:dashboard")).content.decode()
    config = json.loads(re.search(r"""<meta name="htmx-config" content='([^']+)'>""", page).group(1))
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"] and "class" in config["attributesToSettle"]


def test_no_template_relies_on_inline_script():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=\"|hx-on[:-]|javascript:", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


def test_api_docs_need_a_login_and_come_from_our_own_static_files(client, client_for):
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    viewer = client_for("viewer")
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        page = viewer.get(url).content.decode()
        assert "drf_spectacular_sidecar" in page
        assert "cdn.jsdelivr" not in page and "unpkg" not in page and "https://" not in page.split("<body")[0]
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", page)  # no inline script body
    assert viewer.get("/api/v1/schema/").status_code == 200


def test_a_token_is_shown_once_stored_as_a_digest_and_authenticates(client_for, integration_admin):
    page = client_for(integration_admin).post(reverse("accounts:api-token-create"))
    token = re.search(r'id="new-token">([^<]+)<', page.content.decode()).group(1)
    stored = AuthToken.objects.get(user=integration_admin)
    assert token.startswith("lb_") and token not in (stored.digest, stored.token_key)
    assert stored.expiry is not None and stored.expiry > timezone.now() + timedelta(days=29)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/connections/").status_code == 200
    listing = client_for(integration_admin).get(reverse("accounts:api-tokens")).content.decode()
    assert stored.token_key in listing and token not in listing  # listed by its start, never in full
    assert AuditEvent.objects.filter(action="api_token.created").exists()


def test_an_expired_token_is_refused(integration_admin):
    _, token = AuthToken.objects.create(user=integration_admin, expiry=timedelta(seconds=-1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/connections/").status_code == 401


def test_a_user_revokes_their_own_token_and_nobody_elses(client_for, integration_admin, viewer):
    mine, token = AuthToken.objects.create(user=integration_admin)
    theirs, _ = AuthToken.objects.create(user=viewer)
    admin = client_for(integration_admin)
    assert admin.post(reverse("accounts:api-token-revoke", args=[theirs.token_key])).status_code == 302
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    assert admin.post(reverse("accounts:api-token-revoke", args=[mine.token_key])).status_code == 302
    assert not AuthToken.objects.filter(pk=mine.pk).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/connections/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=mine.token_key).exists()
