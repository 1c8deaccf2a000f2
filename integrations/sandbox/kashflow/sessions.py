"""The two-step KashFlow login and the session tokens it hands out.

1. ``POST sessiontoken`` with ``UserName``/``Password`` answers a ``TemporaryToken`` and a
   ``MemorableWordList`` of three 1-based positions (``{"Position": n, "Value": ""}``).
2. ``PUT sessiontoken`` with the ``TemporaryToken`` and the list filled in (``Value`` = the character,
   case-insensitive) answers a ``SessionToken``.
Requests then carry ``Authorization: KfToken <SessionToken>``. A token expires after
``KashFlowAccount.session_ttl_seconds`` without use; ``DELETE sessiontoken`` ends it at once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.utils import timezone

from integrations.sandbox.kashflow.errors import ApiError, invalid, unauthorized
from integrations.sandbox.models import KashFlowAccount, KashFlowSession

TEMPORARY_TOKEN_SECONDS = 300
POSITIONS_ASKED = 3
LOCK_AFTER_FAILURES = 3  # inferred: KashFlow does not publish the number


def _locked() -> ApiError:
    # kashflow.com/developers/rest-api/authentication/: too many failed logins lock the user.
    return ApiError(401, "AccountLocked", "Your account has been locked. Please contact support.")


def _failed(account: KashFlowAccount) -> None:
    """One more refused login; the third in a row locks the login (until ``unlock``)."""
    failures = account.failed_logins + 1
    KashFlowAccount.objects.filter(pk=account.pk).update(failed_logins=failures, locked=failures >= LOCK_AFTER_FAILURES)


def unlock(account: KashFlowAccount) -> None:
    """What KashFlow support does for a locked user (the control API and tests use it)."""
    KashFlowAccount.objects.filter(pk=account.pk).update(failed_logins=0, locked=False)


def _field(body: dict, name: str) -> object:
    """KashFlow is a .NET service: JSON member names match case-insensitively."""
    for key, value in body.items():
        if key.lower() == name.lower():
            return value
    return None


def start_login(body: dict) -> dict:
    username, password = _field(body, "UserName"), _field(body, "Password")
    missing = {n: f"{n} is required." for n, v in (("UserName", username), ("Password", password)) if not v}
    if missing:
        raise invalid(missing)
    if not isinstance(username, str) or not isinstance(password, str):
        raise invalid({"UserName": "UserName and Password must be strings."})
    account = KashFlowAccount.objects.filter(username__iexact=username).first()
    if account is not None and account.locked:
        raise _locked()
    if account is None or not secrets.compare_digest(account.password, password):
        if account is not None:
            _failed(account)
        raise ApiError(400, "InvalidCredentials", "Invalid username or password.")
    word_length = max(len(account.memorable_word), 1)
    # Not sorted: the official example asks for positions in no particular order (sessiontoken page).
    positions = secrets.SystemRandom().sample(range(1, word_length + 1), min(POSITIONS_ASKED, word_length))
    session = KashFlowSession.objects.create(
        account=account,
        token=str(uuid.uuid4()),
        kind=KashFlowSession.Kind.TEMPORARY,
        requested_positions=positions,
        expires_at=timezone.now() + timedelta(seconds=TEMPORARY_TOKEN_SECONDS),
    )
    return {
        "TemporaryToken": session.token,
        "MemorableWordList": [{"Position": p, "Value": ""} for p in positions],
        "HasTemporaryPassword": False,
        "IsAdmin": True,
        "PackageName": "Sandbox",
        "PartnerBrandingOptOut": False,
        "PartnerId": 0,
        "SubscriptionExpired": False,
    }


def complete_login(body: dict) -> dict:
    token, answers = _field(body, "TemporaryToken"), _field(body, "MemorableWordList")
    if not isinstance(token, str) or not token:
        raise invalid({"TemporaryToken": "TemporaryToken is required."})
    if not isinstance(answers, list):
        raise invalid({"MemorableWordList": "MemorableWordList must be a list of {Position, Value}."})
    temporary = (
        KashFlowSession.objects.select_related("account")
        .filter(token=token, kind=KashFlowSession.Kind.TEMPORARY, expires_at__gt=timezone.now())
        .first()
    )
    if temporary is None:
        raise ApiError(400, "InvalidTemporaryToken", "Temporary token provided is invalid or has expired.")
    given: dict[int, str] = {}
    for item in answers:
        if not isinstance(item, dict):
            raise invalid({"MemorableWordList": "Each item must be an object with Position and Value."})
        position, value = _field(item, "Position"), _field(item, "Value")
        if isinstance(position, int) and isinstance(value, str):
            given[position] = value
    word = temporary.account.memorable_word
    correct = set(given) == set(temporary.requested_positions) and all(
        given.get(p, "").lower() == word[p - 1].lower() and len(given.get(p, "")) == 1
        for p in temporary.requested_positions
    )
    temporary.delete()  # one attempt per temporary token
    account = temporary.account
    account.refresh_from_db(fields=["failed_logins", "locked"])
    if account.locked:
        raise _locked()
    if not correct:
        _failed(account)
        raise ApiError(400, "InvalidMemorableWord", "The memorable word characters are not correct.")
    if account.failed_logins:
        KashFlowAccount.objects.filter(pk=account.pk).update(failed_logins=0)
    session = KashFlowSession.objects.create(
        account=account,
        token=str(uuid.uuid4()).upper(),
        kind=KashFlowSession.Kind.SESSION,
        expires_at=timezone.now() + timedelta(seconds=account.session_ttl_seconds),
    )
    return {
        "SessionToken": session.token,
        "CompanyName": f"{account.username} (sandbox)",
        "IsAdmin": True,
        "SubscriptionExpired": False,
        "PartnerId": 0,
        "PackageName": "Sandbox",
        "PartnerBrandingOptOut": False,
        "HasTemporaryPassword": False,
    }


def token_from_header(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "kftoken" or not token.strip():
        raise unauthorized()
    return token.strip()


def authenticate(header: str) -> KashFlowAccount:
    """The account of a live session token; touching it keeps the session alive (expiry on inactivity)."""
    token = token_from_header(header)
    now = timezone.now()
    session = (
        KashFlowSession.objects.select_related("account")
        .filter(token__iexact=token, kind=KashFlowSession.Kind.SESSION, expires_at__gt=now)
        .first()
    )
    if session is None:
        raise unauthorized()
    KashFlowSession.objects.filter(pk=session.pk).update(
        expires_at=now + timedelta(seconds=session.account.session_ttl_seconds)
    )
    return session.account


def end_session(header: str) -> None:
    token = token_from_header(header)
    deleted, _ = KashFlowSession.objects.filter(token__iexact=token, kind=KashFlowSession.Kind.SESSION).delete()
    if not deleted:
        raise unauthorized()


def expire_sessions(account: KashFlowAccount | None = None) -> int:
    """Expire every session token (of one account): the next request answers 401. Used by tests and the demo."""
    sessions = KashFlowSession.objects.all() if account is None else account.sessions.all()
    return sessions.update(expires_at=timezone.now() - timedelta(seconds=1))
