import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_dashboard_needs_login(client):
    response = client.get(reverse("monitoring:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content
