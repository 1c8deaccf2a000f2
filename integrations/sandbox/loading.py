"""``load_demo``: the sandbox's demo company, the demo login, the demo connections and pair that point the portal
at the sandbox, and the default flows (with the starter mappings) on that pair. Safe to run again: what exists
is left as it is, and the demo connections follow a new portal URL.

All the demo's wiring lives here, not in the production services it calls: the production code knows no demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from integrations.credentials import CredentialsError, decrypt_credentials
from integrations.models import Connection, IntegrationPair
from integrations.models.connections import System
from integrations.roles import INTEGRATION_ADMIN
from integrations.sandbox import demo
from integrations.sandbox.demo_credentials import (
    AX_COMPANY,
    AX_SERVICE_PASSWORD,
    AX_SERVICE_USER,
    KASHFLOW_MEMORABLE_WORD,
    KASHFLOW_PASSWORD,
    KASHFLOW_USERNAME,
    PORTAL_PASSWORD,
    PORTAL_USERNAME,
)
from integrations.services.connections import create_connection, create_pair, update_connection
from integrations.sync.setup import ensure_default_flows

DEMO_KASHFLOW = "Demo KashFlow"
DEMO_AX = "Demo Dynamics AX"
DEMO_PAIR = "Demo company"


@dataclass
class LoadReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def ensure_demo_user() -> tuple[object, bool]:
    """The demo login: an Integration admin and the demo's administrator (staff and superuser), so it can open
    /admin/ and give other people their roles. An existing user keeps its password."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=PORTAL_USERNAME).first()
    created = user is None
    if created:
        user = user_model.objects.create_user(PORTAL_USERNAME, password=PORTAL_PASSWORD, email="demo@example.com")
    if not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    group = Group.objects.filter(name=INTEGRATION_ADMIN).first()
    if group is not None and not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
    return user, created


@sensitive_variables()  # error reports must not show the decrypted secrets
def _ensure_connection(
    *, name: str, system: str, base_url: str, company: str, settings: dict, credentials: dict
) -> Connection:
    connection = Connection.objects.filter(name=name).first()
    if connection is None:
        return create_connection(
            name=name, system=system, base_url=base_url, company=company, settings=settings, credentials=credentials
        )
    try:
        current = decrypt_credentials(connection.credentials_encrypted)
    except CredentialsError:
        current = {}
    stale = (
        connection.base_url != base_url
        or connection.company != company
        or any((connection.settings or {}).get(k) != v for k, v in settings.items())
        or any(current.get(k) != v for k, v in credentials.items())
    )
    if stale:
        connection = update_connection(
            connection=connection, base_url=base_url, company=company, settings=settings, credentials=credentials
        )
    return connection


# The demo company's bank matching rules (KashFlow TransactionType numbers: kashflow shapes.TRANSACTION_TYPES).
# "Unidentified receipt" and "Transfer from savings" lines match none, so the demo's queue shows unmatched lines.
DEMO_BANK_RULES = (
    {"position": 10, "name": "Bank charges", "transaction_type": 6, "counter_account": "680100"},
    {"position": 20, "name": "HMRC VAT", "transaction_type": 5, "counter_account": "222100"},
    {
        "position": 30,
        "name": "Salaries",
        "direction": "out",
        "comment_contains": "Salaries",
        "counter_account": "600100",
    },
    {
        "position": 40,
        "name": "Card payments",
        "direction": "out",
        "comment_contains": "Card payment",
        "counter_account": "690000",
    },
    {
        "position": 50,
        "name": "Interest received",
        "direction": "in",
        "comment_contains": "Interest received",
        "counter_account": "450100",
    },
    # Supplier payments KashFlow recorded against a purchase are posted by the supplier payments flow (their bank
    # lines are skipped); this rule is for supplier payments made straight from the bank account.
    {
        "position": 60,
        "name": "Supplier payments",
        "direction": "out",
        "transaction_type": 3,
        "counter_account_type": "Vend",
        "counter_account": "",
    },
    {
        "position": 70,
        "name": "Transfer to the euro account",
        "bank_account_id": "55166",
        "direction": "out",
        "transaction_type": 4,
        "counter_account": "110120",
    },
)


def ensure_demo_bank_rules() -> None:
    """The demo's bank matching rules, once (an accountant's later edits are kept)."""
    from mappings.banking.models import BankMatchRule

    if BankMatchRule.objects.exists():
        return
    BankMatchRule.objects.bulk_create(BankMatchRule(**rule) for rule in DEMO_BANK_RULES)


def demo_reference_csv() -> dict[str, bytes]:
    """The demo company's chart of accounts and dimension values as an accountant exports them from AX
    (the grid's column labels as headers)."""
    import csv
    import io

    from integrations.sandbox import demo_data

    def to_csv(header: tuple[str, ...], rows) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")

    return {
        "main_accounts": to_csv(("Main account", "Name", "Main account type"), demo_data.MAIN_ACCOUNTS),
        "dimension_values": to_csv(
            ("Financial dimension", "Dimension value", "Description"), demo_data.DIMENSION_VALUES
        ),
    }


def ensure_demo_reference_data() -> None:
    """The demo's AX reference data, uploaded once as CSV exports (the demo AX connection names no custom
    reference service, as a standard AX 2012 has none)."""
    from mappings.refdata import services as refdata

    for kind, data in demo_reference_csv().items():
        if refdata.snapshot_rows(kind) is None:
            parsed = refdata.upload(kind, data, filename=f"demo-{kind.replace('_', '-')}.csv", actor=None)
            if not parsed.ok:
                raise RuntimeError(f"demo reference data {kind}: {parsed.problems}")


@transaction.atomic
def ensure_demo_connections(portal_url: str) -> IntegrationPair:
    """The demo pair against the sandbox at ``portal_url``; safe to call again (it updates the URLs)."""
    root = portal_url.rstrip("/")
    kashflow = _ensure_connection(
        name=DEMO_KASHFLOW,
        system=System.KASHFLOW,
        base_url=f"{root}/sandbox/kashflow/v2/",
        company="",
        settings={"username": KASHFLOW_USERNAME},
        credentials={"password": KASHFLOW_PASSWORD, "memorable_word": KASHFLOW_MEMORABLE_WORD},
    )
    ax = _ensure_connection(
        name=DEMO_AX,
        system=System.DYNAMICS_AX,
        base_url=f"{root}/sandbox/ax/MicrosoftDynamicsAXAif60/",
        company=AX_COMPANY,
        # the sandbox's AX port asks for Windows authentication, as a default AX HTTP port does; its vendor invoices
        # compute tax per line (ax/vendinvoice.py), the Line calculation method
        settings={
            "service_user": AX_SERVICE_USER,
            "auth_mode": "ntlm",
            "inbound_port": "LedgerBridge",
            "tax_calculation_method": "line",  # the AX connector's TAX_LINE
        },
        credentials={"service_password": AX_SERVICE_PASSWORD},
    )
    ensure_demo_bank_rules()
    ensure_demo_reference_data()
    pair = IntegrationPair.objects.filter(name=DEMO_PAIR).first()
    if pair is None:
        return create_pair(name=DEMO_PAIR, kashflow=kashflow, dynamics_ax=ax)
    if pair.kashflow_id != kashflow.pk or pair.dynamics_ax_id != ax.pk:
        pair.kashflow, pair.dynamics_ax = kashflow, ax
        pair.save(update_fields=["kashflow", "dynamics_ax"])
    return pair


def load_demo(*, portal_url: str, seed: int = 42, invoices: int = 200, reseed: bool = False) -> LoadReport:
    report = LoadReport()
    with transaction.atomic():
        demo.ensure_demo_account()
        demo.ensure_demo_company()
        if reseed or not demo.is_seeded():
            counts = demo.seed_sandbox(seed=seed, invoices=invoices, reset=True)
            report.done.append(
                f"sandbox seeded (seed {seed}): {counts.get('kashflow.invoices', 0)} invoices, "
                f"{counts.get('kashflow.customers', 0)} KashFlow customers, "
                f"{counts.get('dynamics_ax.CustTable', 0)} AX customers"
            )
        else:
            report.skipped.append("sandbox already holds the demo company (use --reseed to start again)")
        _, created = ensure_demo_user()
        if created:
            report.done.append(
                f"demo login {PORTAL_USERNAME} / {PORTAL_PASSWORD} (Integration admin; administers /admin/) created"
            )
        else:
            report.done.append(f"demo login {PORTAL_USERNAME} already there (its password unchanged)")

    pair = ensure_demo_connections(portal_url)
    report.done.append(f"demo connections and pair {pair.name!r} against {portal_url.rstrip('/')}/sandbox/")
    flows = ensure_default_flows(pair)
    report.done.append(f"{len(flows)} default flows with the starter mappings")
    return report
