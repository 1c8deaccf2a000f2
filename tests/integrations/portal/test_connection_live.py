"""Testing connections against the sandbox over real sockets."""

import logging

import pytest

from integrations.sandbox.demo import ensure_demo_account, ensure_demo_company
from integrations.sandbox.demo_credentials import KASHFLOW_PASSWORD
from integrations.sandbox.loading import ensure_demo_connections
from integrations.services import connections as services


@pytest.fixture
def demo_pair(live_server, transactional_db):
    ensure_demo_account()
    ensure_demo_company()
    pair = ensure_demo_connections(live_server.url)
    for connection in (pair.kashflow, pair.dynamics_ax):
        services.update_connection(connection=connection, timeout_seconds=5)
    return pair


def test_both_demo_connections_pass_their_test(demo_pair, caplog):
    caplog.set_level(logging.DEBUG)
    for connection in (demo_pair.kashflow, demo_pair.dynamics_ax):
        result = services.test_connection(connection)
        assert result.ok, result.message
        connection.refresh_from_db()
        assert connection.last_test_ok is True
    assert KASHFLOW_PASSWORD not in caplog.text


def test_a_rate_limited_connection_still_passes_its_test(demo_pair):
    services.update_connection(connection=demo_pair.kashflow, rate_limit_per_minute=600)
    result = services.test_connection(demo_pair.kashflow)
    assert result.ok, result.message


@pytest.mark.parametrize("which,secret", [("kashflow", "password"), ("dynamics_ax", "service_password")])
def test_a_wrong_password_fails_with_a_message_that_does_not_repeat_it(demo_pair, which, secret, caplog):
    caplog.set_level(logging.DEBUG)
    connection = getattr(demo_pair, which)
    services.update_connection(connection=connection, credentials={secret: "Wrong-Secret-981"})
    result = services.test_connection(connection)
    assert result.ok is False
    assert result.message
    assert "Wrong-Secret-981" not in result.message
    assert "Wrong-Secret-981" not in caplog.text
