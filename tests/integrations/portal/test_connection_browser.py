"""In a real browser: an Integration admin adds a connection and tests it."""

import pytest
from django.urls import NoReverseMatch, Resolver404, resolve

from integrations.models import Connection
from integrations.sandbox import demo_credentials as creds
from integrations.sandbox.demo import ensure_demo_account, ensure_demo_company
from tests.conftest import USER_PASSWORD, screenshot

from .conftest import refused_url


def sandbox_is_served() -> bool:
    try:
        resolve("/sandbox/kashflow/v2/sessiontoken")
    except (Resolver404, NoReverseMatch):
        return False
    return True


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_integration_admin_adds_a_connection_and_tests_it(live_server, browser_page, integration_admin):
    ensure_demo_account()
    ensure_demo_company()
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", integration_admin.username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav >> text=Connections")
    page.click("text=Add KashFlow connection")
    against_sandbox = sandbox_is_served()
    base_url = f"{live_server.url}/sandbox/kashflow/v2/" if against_sandbox else refused_url()
    page.fill("input[name=name]", "Browser KashFlow")
    page.fill("input[name=base_url]", base_url)
    page.fill("input[name=timeout_seconds]", "3")
    page.fill("input[name=config_username]", creds.KASHFLOW_USERNAME)
    page.fill("input[name=config_password]", creds.KASHFLOW_PASSWORD)
    page.fill("input[name=config_memorable_word]", creds.KASHFLOW_MEMORABLE_WORD)
    screenshot(page, "connection-add")
    page.click("button:has-text('Add connection')")
    page.wait_for_selector("#connections")
    assert creds.KASHFLOW_PASSWORD not in page.content()

    connection = Connection.objects.get(name="Browser KashFlow")
    page.click(f"#connection-{connection.pk} button.test-connection")
    result = page.wait_for_selector(f"#connection-{connection.pk}-status .test-result")
    screenshot(page, "connection-tested")
    text = result.inner_text()
    if against_sandbox:
        assert result.get_attribute("data-ok") == "true", text
    else:
        assert result.get_attribute("data-ok") == "false"
        assert "failed" in text
    assert creds.KASHFLOW_PASSWORD not in page.content()

    page.goto(f"{live_server.url}/connections/{connection.pk}/edit/")
    assert page.locator("text=•••• set").count() == 2
    assert page.input_value("input[name=config_password]") == ""
    screenshot(page, "connection-edit")

    # The system chooser swaps in the AX form with htmx; an AX connection against the simulator passes its test.
    page.goto(f"{live_server.url}/connections/add/")
    page.select_option("select[name=system]", "dynamics_ax")
    page.wait_for_selector("input[name=config_service_user]")
    ax_url = f"{live_server.url}/sandbox/ax/MicrosoftDynamicsAXAif60/" if against_sandbox else refused_url()
    page.fill("input[name=name]", "Browser AX")
    page.fill("input[name=base_url]", ax_url)
    page.fill("input[name=company]", creds.AX_COMPANY)
    page.fill("input[name=timeout_seconds]", "3")
    page.fill("input[name=config_service_user]", creds.AX_SERVICE_USER)
    page.fill("input[name=config_service_password]", creds.AX_SERVICE_PASSWORD)
    page.click("button:has-text('Add connection')")
    page.wait_for_selector("#connections")
    ax = Connection.objects.get(name="Browser AX")
    page.click(f"#connection-{ax.pk} button.test-connection")
    result = page.wait_for_selector(f"#connection-{ax.pk}-status .test-result")
    assert result.get_attribute("data-ok") == ("true" if against_sandbox else "false"), result.inner_text()
    screenshot(page, "connection-ax-tested")
