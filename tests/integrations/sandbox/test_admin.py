import pytest
from django.urls import reverse

from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.models import FaultRule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["kashflowrecord", "axrecord", "faultrule", "axmessage", "kashflowaccount"])
def test_sandbox_admin_pages_open(admin_client, model):
    seed_sandbox(seed=1, invoices=3)
    response = admin_client.get(reverse(f"admin:sandbox_{model}_changelist"))
    assert response.status_code == 200


def test_fault_rules_can_be_deactivated_in_bulk(admin_client):
    rule = FaultRule.objects.create(system="kashflow", kind="server_error")
    admin_client.post(
        reverse("admin:sandbox_faultrule_changelist"),
        {"action": "deactivate", "_selected_action": [rule.pk]},
    )
    rule.refresh_from_db()
    assert rule.active is False
