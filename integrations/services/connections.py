"""Connections and integration pairs: every write goes through here.

Secret config fields (passwords, memorable words) are encrypted into
``Connection.credentials_encrypted`` and never returned by anything a page, the API or a log
sees; non-secret config fields (user names) live in ``Connection.settings``. The audit trail
records which secret fields changed, never their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations import login_gate
from integrations.connectors.base import ConfigField, ConnectionConfig, Connector
from integrations.connectors.errors import ConnectionTestResult
from integrations.connectors.registry import connector_class
from integrations.credentials import CredentialsError, decrypt_credentials, encrypt_credentials, rotate_token
from integrations.destinations import (
    UnsafeDestination,
    check_destination,
    check_transport,
    new_destinations,
    url_settings,
)
from integrations.detail_cache import CacheDetailCache
from integrations.models import Connection, IntegrationPair
from integrations.models.connections import System
from integrations.ratelimit import CacheRateLimiter
from monitoring import audit

_UNSET: Any = object()


# --- Config fields -----------------------------------------------------------------------------


def config_fields(system: str) -> tuple[ConfigField, ...]:
    """The config fields a connection of ``system`` needs, as its connector class declares them."""
    try:
        return tuple(connector_class(system).config_fields)
    except LookupError:
        raise ValidationError({"system": f"Unknown system {system!r}."}) from None


def secrets_set(connection: Connection) -> set[str]:
    """Names of the secret fields that hold a value (an empty set when they cannot be decrypted)."""
    try:
        return {k for k, v in decrypt_credentials(connection.credentials_encrypted).items() if v}
    except CredentialsError:
        return set()


def credentials_readable(connection: Connection) -> bool:
    try:
        decrypt_credentials(connection.credentials_encrypted)
    except CredentialsError:
        return False
    return True


def _split_config(system: str, settings: Mapping[str, Any] | None, credentials: Mapping[str, Any] | None):
    """(non-secret settings, secret values) keeping only the fields the connector declares."""
    fields = config_fields(system)
    secret_names = {f.name for f in fields if f.secret}
    plain_names = {f.name for f in fields if not f.secret}
    plain: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for source in (settings or {}, credentials or {}):
        for name, value in source.items():
            if value is None:
                continue
            if name in secret_names:
                secrets[name] = str(value)
            elif name in plain_names:
                plain[name] = str(value).strip()
            else:
                raise ValidationError({"settings": f"{name!r} is not a setting of a {system} connection."})
    return plain, secrets


def _check_required(system: str, plain: Mapping[str, str], secrets: Mapping[str, str]) -> None:
    missing = [f.label for f in config_fields(system) if f.required and not (plain.get(f.name) or secrets.get(f.name))]
    if missing:
        raise ValidationError({"credentials": f"Required: {', '.join(missing)}."})


def validate_base_url(url: str) -> str:
    """``url`` stripped, if it is an http(s) URL. Intranet host names (``http://axserver:8101/``) are fine."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValidationError({"base_url": f"{url!r} is not an http:// or https:// URL."})
    if len(url) > 300:
        raise ValidationError({"base_url": "A base URL has at most 300 characters."})
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError:
        raise ValidationError({"base_url": f"{url!r} has an invalid port."}) from None
    return url


def _check_limits(connection: Connection) -> None:
    if connection.rate_limit_per_minute is not None and connection.rate_limit_per_minute < 1:
        raise ValidationError({"rate_limit_per_minute": "A rate limit is at least 1 request a minute (blank: none)."})
    if not connection.timeout_seconds or not 0 < connection.timeout_seconds <= 600:
        raise ValidationError({"timeout_seconds": "The time-out is between 0 and 600 seconds."})


def check_destinations(connection: Connection) -> None:
    """Raise UnsafeDestination unless every URL of the connection may receive its credentials: https (or
    this machine, or "allow insecure http" ticked), and nothing inside the network that ALLOWED_PRIVATE_HOSTS
    does not list. Run when saving and again before every connection is made (DNS answers change)."""
    for url in (connection.base_url, *url_settings(connection.settings).values()):
        check_transport(url, allow_insecure=connection.allow_insecure_http)
        check_destination(url)


def _validate_destinations(connection: Connection) -> None:
    try:
        check_destinations(connection)
    except UnsafeDestination as exc:
        raise ValidationError({"base_url": str(exc)}) from None


def _public_fields(connection: Connection) -> dict[str, Any]:
    return {
        "name": connection.name,
        "system": connection.system,
        "base_url": connection.base_url,
        "allow_insecure_http": connection.allow_insecure_http,
        "company": connection.company,
        "rate_limit_per_minute": connection.rate_limit_per_minute,
        "timeout_seconds": connection.timeout_seconds,
        **{f"settings.{k}": v for k, v in (connection.settings or {}).items()},
    }


# --- Connections -------------------------------------------------------------------------------


@sensitive_variables()  # error reports must not show the decrypted secrets
@transaction.atomic
def create_connection(
    *,
    actor=None,
    name: str,
    system: str,
    base_url: str,
    company: str = "",
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, Any] | None = None,
    rate_limit_per_minute: int | None = None,
    timeout_seconds: float = 30.0,
    allow_insecure_http: bool = False,
) -> Connection:
    """Create a connection. ``settings`` and ``credentials`` may each hold any config field;
    secret ones are encrypted, the others stored in ``Connection.settings``."""
    if system not in System.values:
        raise ValidationError({"system": f"Unknown system {system!r}; choose one of {', '.join(System.values)}."})
    plain, secrets = _split_config(system, settings, credentials)
    secrets = {k: v for k, v in secrets.items() if v}
    _check_required(system, plain, secrets)
    connection = Connection(
        name=name.strip(),
        system=system,
        base_url=validate_base_url(base_url),
        company=(company or "").strip(),
        settings=plain,
        rate_limit_per_minute=rate_limit_per_minute,
        timeout_seconds=timeout_seconds,
        allow_insecure_http=bool(allow_insecure_http),
    )
    connection.full_clean(exclude=["base_url"])
    _check_limits(connection)
    _validate_destinations(connection)
    connection.credentials_encrypted = encrypt_credentials(secrets)
    connection.save()
    audit.record(
        actor=actor,
        action="connection.created",
        obj=connection,
        changes={**_public_fields(connection), "secret_fields_set": sorted(secrets)},
    )
    return connection


@sensitive_variables()  # error reports must not show the decrypted secrets
@transaction.atomic
def update_connection(
    *,
    connection: Connection,
    actor=None,
    name: str = _UNSET,
    base_url: str = _UNSET,
    company: str = _UNSET,
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, Any] | None = None,
    rate_limit_per_minute: int | None = _UNSET,
    timeout_seconds: float = _UNSET,
    allow_insecure_http: bool = _UNSET,
) -> Connection:
    """Change a connection. Only the arguments given change; in ``credentials`` a blank value
    keeps the secret stored now (forms never show secrets, so blank means "unchanged").

    Stored secrets belong to the places they were entered for: a change that points the connection at a
    new scheme, host or port (its base URL or any URL-valued setting) clears them, so every secret field
    must be given again in the same call, else a ValidationError says which."""
    # Lock the row, then work on the caller's instance so it reflects the change.
    Connection.objects.select_for_update().filter(pk=connection.pk).values_list("pk").get()
    connection.refresh_from_db()
    before = _public_fields(connection)
    before_url, before_settings = connection.base_url, dict(connection.settings or {})
    if name is not _UNSET:
        connection.name = name.strip()
    if base_url is not _UNSET:
        connection.base_url = validate_base_url(base_url)
    if company is not _UNSET:
        connection.company = (company or "").strip()
    if rate_limit_per_minute is not _UNSET:
        connection.rate_limit_per_minute = rate_limit_per_minute
    if timeout_seconds is not _UNSET:
        connection.timeout_seconds = timeout_seconds
    if allow_insecure_http is not _UNSET:
        connection.allow_insecure_http = bool(allow_insecure_http)

    plain, new_secrets = _split_config(connection.system, settings, credentials)
    new_secrets = {k: v for k, v in new_secrets.items() if v}
    if plain:
        connection.settings = {**(connection.settings or {}), **plain}
    try:
        current = decrypt_credentials(connection.credentials_encrypted)
        readable = True
    except CredentialsError:
        current, readable = {}, False  # unreadable with today's keys: what is entered now replaces it
    moved_to = new_destinations(before_url, before_settings, connection.base_url, connection.settings)
    cleared: list[str] = []
    if moved_to:
        cleared = sorted(k for k, v in current.items() if v)
        missing = [f.label for f in config_fields(connection.system) if f.secret and not new_secrets.get(f.name)]
        if missing:
            hosts = ", ".join(sorted(host for _, host, _ in moved_to))
            raise ValidationError(
                {
                    "credentials": f"The connection now points at {hosts}: enter {', '.join(missing)} again. "
                    "Stored secrets are only ever sent where they were entered for."
                }
            )
        current = {}  # nothing stored for the old destination travels to the new one
    changed_secrets = sorted(k for k, v in new_secrets.items() if current.get(k) != v)
    if changed_secrets or cleared:
        connection.credentials_encrypted = encrypt_credentials({**current, **new_secrets})
    if readable or new_secrets:
        _check_required(connection.system, connection.settings, {**current, **new_secrets})
    if new_secrets or "username" in plain:
        login_gate.clear(connection)  # entered again: logins may be tried again
    connection.full_clean(exclude=["base_url"])
    _check_limits(connection)
    _validate_destinations(connection)
    connection.save()
    changes = audit.diff(before, _public_fields(connection))
    if changed_secrets:
        changes["secret_fields_changed"] = changed_secrets
    if cleared:
        changes["secrets_required_again_for_new_destination"] = True
    if changes:
        audit.record(actor=actor, action="connection.updated", obj=connection, changes=changes)
    return connection


@transaction.atomic
def delete_connection(*, connection: Connection, actor=None) -> None:
    """Delete a connection no integration pair uses; otherwise a ValidationError naming the pairs."""
    pairs = list(IntegrationPair.objects.filter(Q(kashflow=connection) | Q(dynamics_ax=connection)))
    if pairs:
        names = ", ".join(sorted(p.name for p in pairs))
        raise ValidationError(
            f"{connection.name} cannot be deleted while the integration pair {names} uses it. "
            "Delete the pair or point it at another connection first."
        )
    audit.record(actor=actor, action="connection.deleted", obj=connection, changes={"name": connection.name})
    connection.delete()


@sensitive_variables()  # error reports must not show the decrypted secrets
def build_connector(connection: Connection) -> Connector:
    """A ready connector for ``connection``: decrypted credentials, its time-out, the shared rate limiter.

    ``ConnectionConfig.credentials`` holds every config field, the non-secret ones (user names)
    and the decrypted secrets. Raises CredentialsError or LookupError/ImportError."""
    cls = connector_class(connection.system)
    check_destinations(connection)  # again at connect time: a host's DNS answer may have changed since saving
    credentials = {**(connection.settings or {}), **decrypt_credentials(connection.credentials_encrypted)}
    config = ConnectionConfig(
        base_url=connection.base_url,
        credentials=credentials,
        company=connection.company,
        timeout=connection.timeout_seconds,
        rate_limit_per_minute=connection.rate_limit_per_minute,
    )
    limiter = (
        CacheRateLimiter(f"connection:{connection.pk}", connection.rate_limit_per_minute)
        if connection.rate_limit_per_minute
        else None
    )
    if getattr(cls, "uses_login_gate", False):  # KashFlow: refusals stop logins; details cached by hash
        return cls(
            config,
            rate_limiter=limiter,
            login_gate=login_gate.ConnectionLoginGate(connection.pk),
            detail_cache=CacheDetailCache(f"connection:{connection.pk}"),
        )
    return cls(config, rate_limiter=limiter)


def _scrub(message: str, secrets: Mapping[str, str]) -> str:
    for value in secrets.values():
        if value and len(value) >= 3:
            message = message.replace(value, "***")
    return message


@sensitive_variables()  # error reports must not show the decrypted secrets
def test_connection(connection: Connection) -> ConnectionTestResult:
    """Log in to the remote system and make one cheap read; store and return the outcome. Never raises."""
    secrets: dict[str, str] = {}
    try:
        secrets = decrypt_credentials(connection.credentials_encrypted)
        connector = build_connector(connection)
    except (CredentialsError, UnsafeDestination) as exc:
        result = ConnectionTestResult(ok=False, message=str(exc))
    except (ImportError, LookupError, AttributeError):
        result = ConnectionTestResult(
            ok=False, message=f"No connector is available for {connection.get_system_display()} in this installation."
        )
    else:
        try:
            with connector:
                result = connector.test_connection()
        except Exception as exc:  # a connector must not raise here; report rather than fail the page
            result = ConnectionTestResult(ok=False, message=f"The connection test failed: {exc}")
    # A secret equal to a shown setting (the demo's user name is its password) is no secret worth hiding.
    shown = set((connection.settings or {}).values())
    hidden = {k: v for k, v in secrets.items() if v not in shown}
    result.message = _scrub(result.message or ("Connected." if result.ok else "The connection test failed."), hidden)
    result.details = {}
    Connection.objects.filter(pk=connection.pk).update(
        last_test_ok=result.ok, last_test_message=result.message[:2000], last_tested_at=timezone.now()
    )
    connection.refresh_from_db(fields=["last_test_ok", "last_test_message", "last_tested_at"])
    return result


# Not a test for pytest to collect.
test_connection.__test__ = False  # type: ignore[attr-defined]


@sensitive_variables()  # error reports must not show the decrypted secrets
def discover_connection(connection: Connection) -> tuple[Any, str]:
    """Read the remote system's service description again (an AX port's WSDL, refreshing the cached one) and list
    what it exposes: ``(discovery, "")``, or ``(None, a message)`` when that is impossible. Never raises."""
    secrets: dict[str, str] = {}
    try:
        secrets = decrypt_credentials(connection.credentials_encrypted)
        connector = build_connector(connection)
    except CredentialsError as exc:
        return None, str(exc)
    except (ImportError, LookupError, AttributeError):
        return None, f"No connector is available for {connection.get_system_display()} in this installation."
    discover = getattr(connector, "discover", None)
    if discover is None:
        connector.close()
        return None, f"{connection.get_system_display()} connections have nothing to discover."
    try:
        with connector:
            return discover(), ""
    except Exception as exc:  # report on the page rather than fail it
        return None, _scrub(
            str(exc), {k: v for k, v in secrets.items() if v not in set((connection.settings or {}).values())}
        )


@sensitive_variables()  # error reports must not show the decrypted secrets
def rotate_all_credentials() -> int:
    """Re-encrypt every connection's credentials with the newest key; returns how many changed."""
    count = 0
    for connection in Connection.objects.exclude(credentials_encrypted="").only("pk", "credentials_encrypted"):
        Connection.objects.filter(pk=connection.pk).update(
            credentials_encrypted=rotate_token(connection.credentials_encrypted)
        )
        count += 1
    return count


# --- Integration pairs -------------------------------------------------------------------------


@transaction.atomic
def create_pair(*, actor=None, name: str, kashflow: Connection, dynamics_ax: Connection) -> IntegrationPair:
    if kashflow.system != System.KASHFLOW:
        raise ValidationError({"kashflow": f"{kashflow.name} is not a KashFlow connection."})
    if dynamics_ax.system != System.DYNAMICS_AX:
        raise ValidationError({"dynamics_ax": f"{dynamics_ax.name} is not a Dynamics AX connection."})
    pair = IntegrationPair(name=name.strip(), kashflow=kashflow, dynamics_ax=dynamics_ax)
    pair.full_clean()
    pair.save()
    audit.record(
        actor=actor,
        action="pair.created",
        obj=pair,
        changes={"name": pair.name, "kashflow": kashflow.name, "dynamics_ax": dynamics_ax.name},
    )
    return pair
