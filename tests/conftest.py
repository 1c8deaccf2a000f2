"""Shared fixtures: a cast of users per role, the live sandbox, a headless Chromium."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import settings

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Property tests explore the same examples on every machine, so a CI run can never fail on a new random draw;
# `--hypothesis-seed` or HYPOTHESIS_PROFILE=explore searches afresh.
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bench", action="store_true", help="run the benchmarks in tests/bench")
    parser.addoption("--faults", action="store_true", help="run the full fault campaign in tests/faults")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_bench = pytest.mark.skip(reason="benchmarks run with `make bench`")
    skip_campaign = pytest.mark.skip(reason="the full fault campaign runs with `make faults`")
    for item in items:
        path = str(item.fspath).replace(os.sep, "/")
        if "tests/bench/" in path and not config.getoption("--bench"):
            item.add_marker(skip_bench)
        if "tests/faults/test_full_campaign" in path and not config.getoption("--faults"):
            item.add_marker(skip_campaign)


DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_blocker):
    """Every test that touched the database leaves the cache empty behind it.

    Cached reference data (AX main accounts, exchange rates, rate-limit windows) must not leak from one test into
    the next: the Redis cache outlives every test, and the database cache table is not flushed with the models.
    """
    yield
    if not (request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames)):
        return
    from django.core.cache import cache
    from django.db import DatabaseError

    # DatabaseError: the cache table is not there (yet), so nothing was cached.
    with django_db_blocker.unblock(), contextlib.suppress(DatabaseError):
        cache.clear()


@pytest.fixture
def browser_page():
    """A fresh page in Debian's headless Chromium, driven by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        # The pages run under the portal's Content-Security-Policy: anything it blocks fails the test.
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert blocked == [], blocked


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- A cast of users, one per role --------------------------------------------------------------

USER_PASSWORD = "a-long-test-password-42"
CAST = {"outsider": None, "viewer": "Viewer", "accountant": "Accountant", "integration_admin": "Integration admin"}


def ensure_roles() -> None:
    """The role groups with their permissions, as the roles migration creates them.

    Tests marked ``transaction=True`` flush the database afterwards, groups included."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission

    from integrations.roles import ROLES

    if Group.objects.filter(name__in=ROLES).count() == len(ROLES):
        return
    roles = import_module("integrations.migrations.0002_roles")
    view = list(roles._perms(Permission, roles.VIEW_ALL, ["view"]))
    accountant = view + list(roles._perms(Permission, roles.ACCOUNTANT_CHANGE, ["add", "change", "delete"]))
    admin = accountant + list(roles._perms(Permission, roles.ADMIN_CHANGE, ["add", "change", "delete"]))
    for name, perms in zip(ROLES, (view, accountant, admin), strict=True):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms)


def cast_member(username: str):
    """The user called ``username`` from the cast (outsider, viewer, accountant, integration_admin), or a superuser
    for "superuser"; created on first use with the password USER_PASSWORD."""
    from django.contrib.auth.models import Group, User

    ensure_roles()
    user = User.objects.filter(username=username).first()
    if user is None:
        boss = username == "superuser"
        user = User.objects.create_user(
            username, f"{username}@example.com", USER_PASSWORD, is_superuser=boss, is_staff=boss
        )
        if CAST.get(username):
            user.groups.add(Group.objects.get(name=CAST[username]))
    return user


@pytest.fixture
def outsider(db):
    """Logged in, in no group."""
    return cast_member("outsider")


@pytest.fixture
def viewer(db):
    return cast_member("viewer")


@pytest.fixture
def accountant(db):
    return cast_member("accountant")


@pytest.fixture
def integration_admin(db):
    return cast_member("integration_admin")


ROLE_USERNAMES = {
    "Viewer": "viewer",
    "Accountant": "accountant",
    "Integration admin": "integration_admin",
    "outsider": "outsider",
    "superuser": "superuser",
}


@pytest.fixture
def client_for(db):
    """``client_for(who)``: a test client logged in as ``who`` -- a User, a role name ("Viewer", "Accountant",
    "Integration admin"), a cast name ("outsider", "viewer", ..., "superuser"), or None for an anonymous client."""
    from django.contrib.auth.models import User
    from django.test import Client

    def _client_for(who=None) -> Client:
        client = Client()
        if who is None:
            return client
        user = who if isinstance(who, User) else cast_member(ROLE_USERNAMES.get(who, who))
        client.force_login(user)
        return client

    return _client_for
