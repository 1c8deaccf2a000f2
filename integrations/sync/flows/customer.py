"""Customers, both ways: master data, AX is the master (its change wins a conflict)."""

from integrations.sync.flows.specs import AX_TO_KF, KF_TO_AX, FlowSpec
from integrations.sync.verify import by_read

SPECS = (
    FlowSpec(
        "customer",
        KF_TO_AX,
        "customer",
        "customer",
        "Code",
        "AccountNum",
        "AccountNum",
        updatable=True,
        master_data=True,
        description="Customers first created in KashFlow, and their edits",
        verify_links=by_read,
    ),
    FlowSpec(
        "customer",
        AX_TO_KF,
        "customer",
        "customer",
        "AccountNum",
        "Code",
        "Code",
        updatable=True,
        master_data=True,
        description="AX is the master of customers",
    ),
)
