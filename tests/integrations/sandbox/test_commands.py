from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from integrations.roles import INTEGRATION_ADMIN
from integrations.sandbox import demo_credentials as creds
from integrations.sandbox.models import AxRecord, FaultRule, KashFlowAccount, KashFlowRecord

pytestmark = pytest.mark.django_db

WATCHED_APPS = ("integrations", "sandbox", "mappings", "monitoring", "auth")


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--portal-url", "http://127.0.0.1:8000", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    counts = {
        m._meta.label: m._default_manager.count() for app in WATCHED_APPS for m in apps.get_app_config(app).get_models()
    }
    changed = sorted(KashFlowRecord.objects.values_list("pk", "modified_at"))
    ax_changed = sorted(AxRecord.objects.values_list("pk", "modified_at"))
    return {"counts": counts, "kashflow": changed, "ax": ax_changed}


def test_load_demo_seeds_the_sandbox_and_creates_the_demo_admin():
    output = load_demo("--invoices", "30")
    assert "sandbox seeded" in output
    assert KashFlowRecord.objects.filter(entity="invoices").count() == 30
    assert AxRecord.objects.filter(entity="CustTable").count() == 40
    user = get_user_model().objects.get(username=creds.PORTAL_USERNAME)
    assert user.check_password(creds.PORTAL_PASSWORD)
    assert user.groups.filter(name=INTEGRATION_ADMIN).exists()
    assert KashFlowAccount.objects.filter(username=creds.KASHFLOW_USERNAME).exists()


def test_load_demo_twice_changes_nothing():
    load_demo("--invoices", "30")
    before = snapshot()
    output = load_demo("--invoices", "30")
    assert "already holds the demo company" in output
    assert snapshot() == before


def test_load_demo_keeps_an_existing_demo_users_password():
    get_user_model().objects.create_user(creds.PORTAL_USERNAME, password="changed-by-the-admin")
    load_demo("--invoices", "0")
    user = get_user_model().objects.get(username=creds.PORTAL_USERNAME)
    assert user.check_password("changed-by-the-admin")
    assert user.groups.filter(name=INTEGRATION_ADMIN).exists()


def test_load_demo_reseed_starts_again():
    load_demo("--invoices", "10")
    KashFlowRecord.objects.filter(entity="invoices").delete()
    load_demo("--reseed", "--invoices", "12", "--seed", "5")
    assert KashFlowRecord.objects.filter(entity="invoices").count() == 12


def test_load_demo_refuses_bad_options():
    with pytest.raises(CommandError):
        load_demo("--invoices", "-1")
    with pytest.raises(CommandError):
        call_command("load_demo", "--portal-url", "localhost:8000", stdout=StringIO())


def test_reset_sandbox_command_empties_both_systems():
    load_demo("--invoices", "5")
    FaultRule.objects.create(system="kashflow", kind="server_error")
    call_command("reset_sandbox", stdout=StringIO())
    assert not KashFlowRecord.objects.exists()
    assert not AxRecord.objects.exists()
    assert not FaultRule.objects.exists()
    call_command("reset_sandbox", "--reseed", "--invoices", "7", stdout=StringIO())
    assert KashFlowRecord.objects.filter(entity="invoices").count() == 7
