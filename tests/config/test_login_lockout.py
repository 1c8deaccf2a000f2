"""Brute force on /login/ and /admin/login/: locked out by username and by address, visible in the admin."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.conftest import USER_PASSWORD

pytestmark = pytest.mark.django_db


def attempt(url: str, username: str, password: str, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_username_even_with_the_right_one_after(accountant, settings):
    login = reverse("login")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(login, "accountant", f"guess-{n}", address=f"198.51.100.{n + 1}").status_code == 200
    locked = attempt(login, "accountant", "guess-last", address="198.51.100.99")
    assert locked.status_code == 429
    # from yet another address, with the right password: still locked (by username)
    again = attempt(login, "accountant", USER_PASSWORD, address="192.0.2.200")
    assert again.status_code == 429 and b"Too many failed logins" in again.content


def test_one_address_trying_many_usernames_is_locked_out(accountant, viewer, settings):
    login = reverse("login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(login, f"nobody-{n}", "x", address="203.0.113.50")
    assert attempt(login, "viewer", USER_PASSWORD, address="203.0.113.50").status_code == 429
    assert attempt(login, "viewer", USER_PASSWORD, address="203.0.113.51").status_code == 302


def test_the_admin_login_is_throttled_too_and_lockouts_are_listed_in_the_admin(client_for, settings):
    admin_login = reverse("admin:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(admin_login, "root", f"guess-{n}", address="203.0.113.9")
    assert attempt(admin_login, "root", "guess", address="203.0.113.9").status_code == 429
    assert AccessAttempt.objects.filter(username="root").exists()
    page = client_for("superuser").get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "203.0.113.9" in page.content.decode()


def test_a_correct_login_resets_the_count(accountant, settings):
    login = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(login, "accountant", "wrong")
    assert attempt(login, "accountant", USER_PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(login, "accountant", "wrong")
    assert attempt(login, "accountant", USER_PASSWORD).status_code == 302


def test_behind_trusted_proxies_the_address_is_read_from_the_right(settings):
    from django.test import RequestFactory

    from config.client_ip import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.4")
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.4"  # the client wrote 6.6.6.6 itself: ignored
