"""Suppliers (AX vendors), both ways: master data, AX is the master (its change wins a conflict)."""

from integrations.sync.flows.specs import AX_TO_KF, KF_TO_AX, FlowSpec
from integrations.sync.verify import by_read

SPECS = (
    FlowSpec(
        "supplier",
        KF_TO_AX,
        "supplier",
        "supplier",
        "Code",
        "AccountNum",
        "AccountNum",
        updatable=True,
        master_data=True,
        description="Suppliers first created in KashFlow, and their edits",
        verify_links=by_read,
    ),
    FlowSpec(
        "supplier",
        AX_TO_KF,
        "supplier",
        "supplier",
        "AccountNum",
        "Code",
        "Code",
        updatable=True,
        master_data=True,
        description="AX is the master of vendors",
    ),
)
