import logging

import pytest
from django.urls import reverse

from integrations.credentials import decrypt_credentials
from integrations.models import Connection, IntegrationPair
from integrations.services import connections as services
from tests.access import assert_page_roles

from .conftest import KF_PASSWORD, KF_WORD, SECRETS, refused_url

ADMIN = "Integration admin"


def test_connection_list_needs_the_integration_admin(client_for, kashflow_connection):
    assert_page_roles(client_for, reverse("integrations:connection-list"), ADMIN)


def test_connection_add_needs_the_integration_admin(client_for):
    assert_page_roles(client_for, reverse("integrations:connection-add") + "?system=kashflow", ADMIN)
    assert_page_roles(client_for, reverse("integrations:connection-add"), ADMIN)


def test_connection_add_post_needs_the_integration_admin(client_for):
    # an empty form comes back with its errors for the admins and creates nothing
    assert_page_roles(client_for, reverse("integrations:connection-add") + "?system=kashflow", ADMIN, method="post")
    assert not Connection.objects.exists()


def test_connection_edit_needs_the_integration_admin(client_for, kashflow_connection):
    assert_page_roles(client_for, reverse("integrations:connection-edit", args=[kashflow_connection.pk]), ADMIN)


def test_connection_delete_needs_the_integration_admin(client_for, kashflow_connection):
    assert_page_roles(client_for, reverse("integrations:connection-delete", args=[kashflow_connection.pk]), ADMIN)


def test_connection_delete_post_is_refused_below_the_integration_admin(client_for, kashflow_connection):
    url = reverse("integrations:connection-delete", args=[kashflow_connection.pk])
    for who in ("outsider", "Viewer", "Accountant"):
        assert client_for(who).post(url).status_code == 403
    assert Connection.objects.filter(pk=kashflow_connection.pk).exists()


def test_connection_test_needs_the_integration_admin(client_for, kashflow_connection):
    url = reverse("integrations:connection-test", args=[kashflow_connection.pk])
    assert_page_roles(client_for, url, ADMIN, method="post", HTTP_HX_REQUEST="true")


def test_pair_pages_need_the_integration_admin(client_for, kashflow_connection, ax_connection):
    services.create_pair(name="Acme", kashflow=kashflow_connection, dynamics_ax=ax_connection)
    assert_page_roles(client_for, reverse("integrations:pair-list"), ADMIN)
    assert_page_roles(client_for, reverse("integrations:pair-add"), ADMIN)


def test_the_nav_shows_connections_only_to_integration_admins(client_for):
    url = reverse("integrations:connection-list")
    assert url.encode() in client_for(ADMIN).get(reverse("monitoring:dashboard")).content
    assert url.encode() not in client_for("Accountant").get(reverse("monitoring:dashboard")).content


def test_adding_a_connection_through_the_page_encrypts_its_secrets(client_for):
    response = client_for(ADMIN).post(
        reverse("integrations:connection-add") + "?system=kashflow",
        {
            "system": "kashflow",
            "name": "Shop",
            "base_url": "https://api.kashflow.com/v2/",
            "timeout_seconds": "20",
            "config_username": "shop",
            "config_password": KF_PASSWORD,
            "config_memorable_word": KF_WORD,
        },
    )
    assert response.status_code == 302
    connection = Connection.objects.get(name="Shop")
    assert connection.settings == {"username": "shop"}
    assert decrypt_credentials(connection.credentials_encrypted) == {"password": KF_PASSWORD, "memorable_word": KF_WORD}


def test_adding_a_connection_without_its_secrets_shows_the_errors(client_for):
    response = client_for(ADMIN).post(
        reverse("integrations:connection-add") + "?system=dynamics_ax",
        {
            "system": "dynamics_ax",
            "name": "AX",
            "base_url": "http://axserver/",
            "company": "DAT",
            "timeout_seconds": 30,
        },
    )
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Connection.objects.exists()


def test_choosing_the_system_with_htmx_swaps_in_that_systems_form(client_for):
    response = client_for(ADMIN).get(
        reverse("integrations:connection-add"), {"system": "dynamics_ax"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="connection-form">')
    assert "config_service_password" in body
    assert "config_memorable_word" not in body


def test_no_page_renders_a_secret_back(client_for, kashflow_connection, ax_connection):
    client = client_for(ADMIN)
    urls = [
        reverse("integrations:connection-list"),
        reverse("integrations:connection-edit", args=[kashflow_connection.pk]),
        reverse("integrations:connection-edit", args=[ax_connection.pk]),
        reverse("integrations:connection-delete", args=[kashflow_connection.pk]),
        reverse("integrations:pair-list"),
        reverse("integrations:pair-add"),
        reverse("admin:integrations_connection_change", args=[kashflow_connection.pk]),
        reverse("admin:integrations_connection_changelist"),
    ]
    admin = client_for("superuser")
    for url in urls:
        response = (admin if "/admin/" in url else client).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, url
        assert kashflow_connection.credentials_encrypted not in body, url


def test_the_edit_page_shows_that_a_secret_is_set_with_a_blank_input(client_for, kashflow_connection):
    body = (
        client_for(ADMIN).get(reverse("integrations:connection-edit", args=[kashflow_connection.pk])).content.decode()
    )
    assert body.count("•••• set") >= 2
    assert 'name="config_password"' in body
    assert 'name="config_password" value' not in body
    assert 'value="acme"' in body  # non-secret fields are shown


def test_saving_the_edit_form_with_blank_secrets_keeps_them(client_for, kashflow_connection):
    response = client_for(ADMIN).post(
        reverse("integrations:connection-edit", args=[kashflow_connection.pk]),
        {
            "name": "Acme KashFlow",
            "base_url": kashflow_connection.base_url + "v2/",  # same host: the stored secrets stay valid here
            "timeout_seconds": "15",
            "rate_limit_per_minute": "60",
            "config_username": "acme2",
            "config_password": "",
            "config_memorable_word": "",
        },
    )
    assert response.status_code == 302
    kashflow_connection.refresh_from_db()
    assert kashflow_connection.settings == {"username": "acme2"}
    assert kashflow_connection.rate_limit_per_minute == 60
    assert decrypt_credentials(kashflow_connection.credentials_encrypted) == {
        "password": KF_PASSWORD,
        "memorable_word": KF_WORD,
    }


def test_deleting_a_connection_used_by_a_pair_is_refused_with_a_clear_message(
    client_for, kashflow_connection, ax_connection
):
    services.create_pair(name="Acme", kashflow=kashflow_connection, dynamics_ax=ax_connection)
    client = client_for(ADMIN)
    page = client.get(reverse("integrations:connection-delete", args=[kashflow_connection.pk])).content.decode()
    assert "is used by the integration pair" in page
    response = client.post(reverse("integrations:connection-delete", args=[kashflow_connection.pk]), follow=True)
    assert "cannot be deleted while the integration pair Acme uses it" in response.content.decode()
    assert Connection.objects.filter(pk=kashflow_connection.pk).exists()


def test_deleting_an_unused_connection(client_for, kashflow_connection):
    response = client_for(ADMIN).post(reverse("integrations:connection-delete", args=[kashflow_connection.pk]))
    assert response.status_code == 302
    assert not Connection.objects.exists()


def test_the_test_button_swaps_in_the_result_fragment_without_secrets(client_for, kashflow_connection, caplog):
    caplog.set_level(logging.DEBUG)
    response = client_for(ADMIN).post(
        reverse("integrations:connection-test", args=[kashflow_connection.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'data-ok="false"' in body
    assert "failed" in body
    kashflow_connection.refresh_from_db()
    assert kashflow_connection.last_test_message in body
    for secret in SECRETS:
        assert secret not in body
        assert secret not in caplog.text


def test_the_test_button_without_htmx_redirects_with_a_message(client_for, kashflow_connection):
    response = client_for(ADMIN).post(
        reverse("integrations:connection-test", args=[kashflow_connection.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Acme KashFlow:" in response.content.decode()


def test_adding_a_pair_through_the_page(client_for, kashflow_connection, ax_connection):
    response = client_for(ADMIN).post(
        reverse("integrations:pair-add"),
        {"name": "Acme", "kashflow": kashflow_connection.pk, "dynamics_ax": ax_connection.pk},
    )
    assert response.status_code == 302
    assert IntegrationPair.objects.get().name == "Acme"


def test_a_pair_form_rejects_a_connection_of_the_wrong_system(client_for, kashflow_connection, ax_connection):
    response = client_for(ADMIN).post(
        reverse("integrations:pair-add"),
        {"name": "Acme", "kashflow": ax_connection.pk, "dynamics_ax": kashflow_connection.pk},
    )
    assert response.status_code == 200
    assert not IntegrationPair.objects.exists()


@pytest.mark.parametrize("name", ["integrations:connection-edit", "integrations:connection-delete"])
def test_an_unknown_connection_is_a_404(client_for, name):
    assert client_for(ADMIN).get(reverse(name, args=[999999])).status_code == 404


def test_a_bad_base_url_on_the_form_is_an_error_not_a_crash(client_for):
    response = client_for(ADMIN).post(
        reverse("integrations:connection-add") + "?system=kashflow",
        {
            "system": "kashflow",
            "name": "Shop",
            "base_url": "javascript:alert(1)",
            "timeout_seconds": "20",
            "config_username": "shop",
            "config_password": "x",
            "config_memorable_word": "y",
        },
    )
    assert response.status_code == 200
    assert "is not an http:// or https:// URL" in response.content.decode()
    assert refused_url().startswith("http://")


def test_the_list_pages_query_count_does_not_grow_with_rows(client_for, kashflow_connection, ax_connection):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    client = client_for(ADMIN)
    services.create_pair(name="Pair 0", kashflow=kashflow_connection, dynamics_ax=ax_connection)

    def queries(url: str) -> int:
        with CaptureQueriesContext(db) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = {url: queries(url) for url in (reverse("integrations:connection-list"), reverse("integrations:pair-list"))}
    for i in range(1, 5):
        kf = services.create_connection(
            name=f"KF {i}",
            system="kashflow",
            base_url="https://api.kashflow.com/v2/",
            settings={"username": "u"},
            credentials={"password": "p", "memorable_word": "w"},
        )
        services.create_pair(name=f"Pair {i}", kashflow=kf, dynamics_ax=ax_connection)
    for url, count in before.items():
        assert queries(url) == count, url


def test_the_add_page_without_a_system_asks_for_one(client_for):
    body = client_for(ADMIN).get(reverse("integrations:connection-add")).content.decode()
    assert "Choose a system" in body
    assert '<div id="connection-form"></div>' in body
    assert "config_password" not in body
