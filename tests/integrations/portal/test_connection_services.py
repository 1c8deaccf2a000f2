import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as db

from integrations.connectors.base import ConnectionConfig
from integrations.connectors.kashflow.connector import KashFlowConnector
from integrations.credentials import decrypt_credentials
from integrations.models import Connection
from integrations.services import connections as services
from monitoring.models import AuditEvent

from .conftest import AX_PASSWORD, KF_PASSWORD, KF_WORD, SECRETS


def raw_credentials_column(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM integrations_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_credentials_column_holds_no_plaintext(kashflow_connection, ax_connection):
    for conn, secrets in ((kashflow_connection, (KF_PASSWORD, KF_WORD)), (ax_connection, (AX_PASSWORD,))):
        raw = raw_credentials_column(conn.pk)
        assert raw
        for secret in secrets:
            assert secret not in raw
        assert "password" not in raw
        assert set(decrypt_credentials(raw).values()) == set(secrets)


def test_non_secret_fields_are_kept_in_settings_and_secrets_are_not(kashflow_connection):
    assert kashflow_connection.settings == {"username": "acme"}
    assert services.secrets_set(kashflow_connection) == {"password", "memorable_word"}


def test_update_with_a_blank_secret_keeps_the_stored_one(kashflow_connection):
    services.update_connection(
        connection=kashflow_connection,
        name="Acme KashFlow (live)",
        credentials={"password": "", "memorable_word": ""},
    )
    kashflow_connection.refresh_from_db()
    assert kashflow_connection.name == "Acme KashFlow (live)"
    assert decrypt_credentials(kashflow_connection.credentials_encrypted) == {
        "password": KF_PASSWORD,
        "memorable_word": KF_WORD,
    }


def test_update_with_a_new_secret_replaces_only_that_one(kashflow_connection):
    services.update_connection(
        connection=kashflow_connection, credentials={"password": "brand-new-pw", "memorable_word": ""}
    )
    kashflow_connection.refresh_from_db()
    assert decrypt_credentials(kashflow_connection.credentials_encrypted) == {
        "password": "brand-new-pw",
        "memorable_word": KF_WORD,
    }


def test_the_audit_trail_names_changed_secret_fields_but_never_their_values(kashflow_connection):
    services.update_connection(connection=kashflow_connection, credentials={"password": "brand-new-pw"})
    event = AuditEvent.objects.filter(action="connection.updated").get()
    assert event.changes == {"secret_fields_changed": ["password"]}
    everything = repr(list(AuditEvent.objects.values_list("changes", flat=True)))
    for secret in (*SECRETS, "brand-new-pw"):
        assert secret not in everything


def test_a_connection_without_a_required_secret_is_refused(db):
    with pytest.raises(ValidationError, match="Memorable word"):
        services.create_connection(
            name="Half",
            system="kashflow",
            base_url="https://api.kashflow.com/v2/",
            settings={"username": "u"},
            credentials={"password": "p"},
        )


def test_an_unknown_setting_is_refused(db):
    with pytest.raises(ValidationError, match="not a setting"):
        services.create_connection(
            name="X",
            system="kashflow",
            base_url="https://api.kashflow.com/v2/",
            settings={"username": "u", "colour": "red"},
            credentials={"password": "p", "memorable_word": "w"},
        )


@pytest.mark.parametrize("url", ["ftp://example.com/", "not a url", "http://", "http://host:99999/"])
def test_a_bad_base_url_is_refused(db, url):
    with pytest.raises(ValidationError) as excinfo:
        services.create_connection(
            name="X",
            system="dynamics_ax",
            base_url=url,
            company="DAT",
            settings={"service_user": "u"},
            credentials={"service_password": "p"},
        )
    assert "base_url" in excinfo.value.message_dict


def test_an_intranet_host_name_is_a_valid_base_url(ax_connection):
    assert ax_connection.base_url == "http://axserver:8101/"


def test_a_duplicate_name_is_refused(kashflow_connection):
    with pytest.raises(ValidationError) as excinfo:
        services.create_connection(
            name="Acme KashFlow",
            system="kashflow",
            base_url="https://api.kashflow.com/v2/",
            settings={"username": "u"},
            credentials={"password": "p", "memorable_word": "w"},
        )
    assert "name" in excinfo.value.message_dict


def test_a_pair_needs_one_connection_of_each_system(kashflow_connection, ax_connection):
    with pytest.raises(ValidationError):
        services.create_pair(name="Wrong way round", kashflow=ax_connection, dynamics_ax=kashflow_connection)
    pair = services.create_pair(name="Acme", kashflow=kashflow_connection, dynamics_ax=ax_connection)
    assert (pair.kashflow, pair.dynamics_ax) == (kashflow_connection, ax_connection)


def test_a_connection_used_by_a_pair_cannot_be_deleted(kashflow_connection, ax_connection):
    services.create_pair(name="Acme", kashflow=kashflow_connection, dynamics_ax=ax_connection)
    with pytest.raises(ValidationError, match="Acme"):
        services.delete_connection(connection=ax_connection)
    assert Connection.objects.filter(pk=ax_connection.pk).exists()


def test_an_unused_connection_is_deleted(kashflow_connection):
    services.delete_connection(connection=kashflow_connection)
    assert not Connection.objects.exists()
    assert AuditEvent.objects.filter(action="connection.deleted").exists()


def test_build_connector_passes_the_rows_settings_and_decrypted_credentials(kashflow_connection, monkeypatch):
    built = {}

    class FakeConnector:
        config_fields = KashFlowConnector.config_fields

        def __init__(self, config, *, rate_limiter=None):
            built.update(config=config, rate_limiter=rate_limiter)

    monkeypatch.setattr(services, "connector_class", lambda system: FakeConnector)
    services.update_connection(connection=kashflow_connection, rate_limit_per_minute=90, timeout_seconds=5)
    services.build_connector(kashflow_connection)
    config: ConnectionConfig = built["config"]
    assert config.base_url == kashflow_connection.base_url
    assert config.credentials == {"username": "acme", "password": KF_PASSWORD, "memorable_word": KF_WORD}
    assert (config.timeout, config.rate_limit_per_minute) == (5, 90)
    assert built["rate_limiter"].rate_per_minute == 90
    assert built["rate_limiter"].key == f"connection:{kashflow_connection.pk}"


def test_testing_a_refused_url_fails_with_a_clear_message_and_logs_no_secret(kashflow_connection, caplog):
    caplog.set_level(logging.DEBUG)
    result = services.test_connection(kashflow_connection)
    assert result.ok is False
    assert any(words in result.message.lower() for words in ("refused", "could not", "no connector"))
    kashflow_connection.refresh_from_db()
    assert kashflow_connection.last_test_ok is False
    assert kashflow_connection.last_test_message == result.message
    assert kashflow_connection.last_tested_at is not None
    for secret in SECRETS:
        assert secret not in result.message
        assert secret not in caplog.text


def test_a_secret_echoed_by_a_connector_is_scrubbed_from_the_test_message(kashflow_connection, monkeypatch):
    from integrations.connectors.errors import ConnectionTestResult

    class LeakyConnector:
        config_fields = KashFlowConnector.config_fields

        def __init__(self, config, *, rate_limiter=None):
            self.config = config

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def test_connection(self):
            return ConnectionTestResult(ok=False, message=f"bad password {self.config.credentials['password']}")

    monkeypatch.setattr(services, "connector_class", lambda system: LeakyConnector)
    result = services.test_connection(kashflow_connection)
    assert KF_PASSWORD not in result.message
    assert "***" in result.message


def test_rotate_all_credentials_re_encrypts_with_the_newest_key(kashflow_connection, settings):
    from cryptography.fernet import Fernet

    new_key = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [new_key, *settings.CREDENTIALS_KEYS]
    assert services.rotate_all_credentials() == 1
    settings.CREDENTIALS_KEYS = [new_key]
    kashflow_connection.refresh_from_db()
    assert decrypt_credentials(kashflow_connection.credentials_encrypted)["password"] == KF_PASSWORD


@pytest.mark.parametrize("changes", [{"rate_limit_per_minute": 0}, {"timeout_seconds": 0}, {"timeout_seconds": 10_000}])
def test_limits_out_of_range_are_refused(kashflow_connection, changes):
    with pytest.raises(ValidationError) as excinfo:
        services.update_connection(connection=kashflow_connection, **changes)
    assert set(changes) <= set(excinfo.value.message_dict)


def test_an_error_report_from_inside_build_connector_hides_the_secrets(kashflow_connection, monkeypatch):
    import sys

    from django.views.debug import ExceptionReporter

    class BrokenConnector:
        config_fields = KashFlowConnector.config_fields

        def __init__(self, config, *, rate_limiter=None):
            credentials = config.credentials  # a local an error report would show
            raise RuntimeError(f"broken with {len(credentials)} fields")

    monkeypatch.setattr(services, "connector_class", lambda system: BrokenConnector)
    with pytest.raises(RuntimeError):
        try:
            services.build_connector(kashflow_connection)
        except RuntimeError:
            report = ExceptionReporter(None, *sys.exc_info()).get_traceback_text()
            raise
    assert "broken with 3 fields" in report
    for secret in (KF_PASSWORD, KF_WORD):
        assert secret not in report
