"""The control API driving the real simulators over a real socket: seeded data served, faults played."""

import httpx
import pytest

from integrations.sandbox import demo_credentials as creds

pytestmark = pytest.mark.django_db(transaction=True)


def kashflow_login(client: httpx.Client, base: str) -> dict:
    started = client.post(
        f"{base}sessiontoken", json={"UserName": creds.KASHFLOW_USERNAME, "Password": creds.KASHFLOW_PASSWORD}
    ).json()
    word = creds.KASHFLOW_MEMORABLE_WORD
    answers = [{"Position": p["Position"], "Value": word[p["Position"] - 1]} for p in started["MemorableWordList"]]
    done = client.put(
        f"{base}sessiontoken", json={"TemporaryToken": started["TemporaryToken"], "MemorableWordList": answers}
    ).json()
    return {"Authorization": f"KfToken {done['SessionToken']}"}


@pytest.fixture
def sandbox(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert client.post("/sandbox/control/reseed", json={"seed": 42, "invoices": 25}).status_code == 200
        yield client, client.get("/sandbox/control/").json()


def test_seeded_demo_is_served_by_the_kashflow_simulator(sandbox):
    client, index = sandbox
    base = index["kashflow"]["base_url"]
    auth = kashflow_login(client, base)
    customers = client.get(f"{base}customers", headers=auth).json()
    assert customers["MetaData"]["TotalRecords"] == 50
    invoice = client.get(f"{base}invoices/1001", headers=auth).json()
    assert invoice["Number"] == 1001
    state = client.get("/sandbox/control/state/kashflow/invoices?per_page=1").json()
    assert state["results"][0]["data"]["GrossAmount"] == invoice["GrossAmount"]


def test_a_fault_set_through_the_control_api_is_played_once(sandbox):
    client, index = sandbox
    base = index["kashflow"]["base_url"]
    auth = kashflow_login(client, base)
    rule = client.post(
        "/sandbox/control/faults",
        json={"system": "kashflow", "operation": "GET customers", "kind": "rate_limit", "count": 1, "retry_after": 4},
    ).json()
    limited = client.get(f"{base}customers", headers=auth)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "4"
    assert client.get(f"{base}customers", headers=auth).status_code == 200
    listed = client.get("/sandbox/control/faults").json()["faults"]
    assert [(f["id"], f["hits"], f["remaining"], f["active"]) for f in listed] == [(rule["id"], 1, 0, False)]


def test_expired_sessions_force_a_new_login(sandbox):
    client, index = sandbox
    base = index["kashflow"]["base_url"]
    auth = kashflow_login(client, base)
    assert client.get(f"{base}products", headers=auth).status_code == 200
    assert client.post("/sandbox/control/kashflow/expire-sessions").json()["expired"] >= 1
    assert client.get(f"{base}products", headers=auth).status_code == 401
    assert client.get(f"{base}products", headers=kashflow_login(client, base)).status_code == 200


def test_every_listed_ax_wsdl_is_served(sandbox):
    import requests
    from requests_ntlm import HttpNtlmAuth

    _, index = sandbox
    ax = index["dynamics_ax"]
    assert len(ax["services"]) >= 8
    auth = HttpNtlmAuth(ax["service_user"], ax["service_password"])  # the port uses Windows authentication
    for service in ax["services"]:
        response = requests.get(service["wsdl"], auth=auth, timeout=10)
        assert response.status_code == 200, service["name"]
        assert f"BasicHttpBinding_{service['name']}".encode() in response.content


def test_seeded_ax_master_data_reads_through_the_ax_connector(sandbox):
    from datetime import date

    from integrations.connectors.base import ConnectionConfig
    from integrations.connectors.dynamics_ax.connector import DynamicsAXConnector

    _, index = sandbox
    ax = index["dynamics_ax"]
    config = ConnectionConfig(
        base_url=ax["base_url"],
        company=ax["company"],
        credentials={
            "service_user": ax["service_user"],
            "service_password": ax["service_password"],
            "reference_service": "custom",  # the sandbox port also offers the custom reference services
        },
        timeout=10,
    )
    connector = DynamicsAXConnector(config)
    try:
        customer = connector.read("customer", "ACME01")
        assert customer["DirParty"][0]["Name"] == "Acme Trading Ltd"
        assert customer["CustGroup"] in ("RETAIL", "WHOLESALE")
        assert len(connector.main_accounts()) == 40
        assert connector.exchange_rate("EUR", "GBP", date.today()) is not None
    finally:
        connector.close()
