"""Issue 15, defects 6 and 7: the demo's administrator, the favicon, and a pager that does not pile up ``page=``."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from integrations.models import RecordOutcome, SyncRun
from integrations.roles import ACCOUNTANT
from integrations.sandbox import demo_credentials as creds
from integrations.sandbox.loading import ensure_demo_user
from tests.conftest import ensure_roles


@pytest.mark.django_db
def test_the_demo_login_opens_the_admin_and_can_give_a_role():
    ensure_roles()
    ensure_demo_user()
    client = Client()
    # through the login page: the brute-force guard (django-axes) counts logins per request
    login = client.post(reverse("login"), {"username": creds.PORTAL_USERNAME, "password": creds.PORTAL_PASSWORD})
    assert login.status_code == 302
    assert client.get("/admin/").status_code == 200
    newcomer = User.objects.create_user("newcomer", password="x-long-password-1")
    change = reverse("admin:auth_user_change", args=[newcomer.pk])
    page = client.get(change)
    assert page.status_code == 200 and b'name="groups"' in page.content
    accountant = Group.objects.get(name=ACCOUNTANT)
    response = client.post(
        change,
        {
            "username": "newcomer",
            "is_active": "on",
            "groups": [accountant.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert list(newcomer.groups.values_list("name", flat=True)) == [ACCOUNTANT]


@pytest.mark.django_db
def test_loading_the_demo_again_makes_an_existing_demo_login_the_administrator():
    User.objects.create_user(creds.PORTAL_USERNAME, password="changed-by-someone")
    user, created = ensure_demo_user()
    user.refresh_from_db()
    assert not created and user.is_staff and user.is_superuser
    assert user.check_password("changed-by-someone")


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body[:4] == b"\x00\x00\x01\x00", "an .ico file"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("monitoring:run-list", {"status": "succeeded"}),
        ("monitoring:audit-list", {}),
        ("monitoring:exception-list", {"tab": "open"}),
    ],
)
def test_the_pager_replaces_page_rather_than_appending_it(client_for, flow, name, params):
    from monitoring import audit
    from monitoring.models import ExceptionItem

    runs = SyncRun.objects.bulk_create(SyncRun(flow=flow, status="succeeded") for _ in range(160))
    RecordOutcome.objects.create(run=runs[0], source_key="1", action="created")
    for i in range(160):
        audit.record(action="updated", object_type="x.y", object_id=str(i))
    ExceptionItem.objects.bulk_create(
        ExceptionItem(flow=flow, source_key=str(i), stage="map", error_class="value_not_mapped", message="m",
                      fingerprint="f")
        for i in range(160)
    )  # fmt: skip
    client = client_for("viewer")
    url = reverse(name)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    for page in (2, 3):
        response = client.get(f"{url}?{query}&page={page}")
        assert response.status_code == 200
        links = re.findall(r'href="([^"]*)"[^>]*rel="(?:next|prev)"', response.content.decode())
        assert links, "a next and a previous link"
        for link in links:
            link = link.replace("&amp;", "&")
            assert link.count("page=") == 1, link
            for key, value in params.items():
                assert f"{key}={value}" in link, link
