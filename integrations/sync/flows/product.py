"""Products: AX items become KashFlow products (AX is the master of items)."""

from integrations.sync.flows.specs import AX_TO_KF, FlowSpec

SPECS = (
    FlowSpec(
        "product",
        AX_TO_KF,
        "product",
        "product",
        "ItemId",
        "Code",
        "Code",
        updatable=True,
        description="Items from AX become KashFlow products",
    ),
)
