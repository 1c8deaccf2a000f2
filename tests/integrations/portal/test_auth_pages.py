from django.urls import reverse

from tests.conftest import USER_PASSWORD


def test_logging_in_and_out(client, accountant):
    response = client.post(reverse("login"), {"username": "accountant", "password": USER_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("integrations:connection-list")).status_code == 403  # logged in, without the role
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("integrations:connection-list")).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, accountant):
    response = client.post(reverse("login"), {"username": "accountant", "password": "wrong"})
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content


def test_users_and_groups_are_managed_in_the_django_admin(client_for):
    admin = client_for("superuser")
    assert admin.get(reverse("admin:auth_user_changelist")).status_code == 200
    groups = admin.get(reverse("admin:auth_group_changelist")).content.decode()
    for role in ("Viewer", "Accountant", "Integration admin"):
        assert role in groups


def test_portal_roles_do_not_open_the_django_admin(client_for):
    response = client_for("Integration admin").get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
