"""Mapping fixtures: a small published customer mapping to version, edit and export."""

from __future__ import annotations

import pytest

from mappings import services
from mappings.models import MappingSet
from mappings.services.transfer import import_mapping

CUSTOMER_DOC = {
    "format": "ledgerbridge.mapping",
    "format_version": 1,
    "key": "customer-test",
    "name": "Customers: KashFlow → AX (test)",
    "source_system": "kashflow",
    "source_entity": "customer",
    "target_system": "dynamics_ax",
    "target_entity": "customer",
    "options": {},
    "notes": "",
    "rules": [
        {"target_path": "AccountNum", "source_kind": "path", "source": "Code", "transforms": [{"name": "upper"}]},
        {
            "target_path": "CustGroup",
            "source": "CustomTextBoxes[Name=CustomerGroup].Value",
            "transforms": [{"name": "lookup", "params": {"map": "customer_groups"}}],
        },
        {"target_path": "Currency", "source_kind": "constant", "source": "GBP"},
    ],
    "value_maps": [
        {
            "name": "customer_groups",
            "kind": "customer_group",
            "default_value": "",
            "entries": [
                {"source_value": "RETAIL", "source_to": "", "target_value": "RET"},
                {"source_value": "WHOLESALE", "source_to": "", "target_value": "WHS"},
            ],
        }
    ],
    "dimension_rules": [
        {
            "name": "Retail",
            "level": "header",
            "conditions": [{"field": "CustomTextBoxes[Name=CustomerGroup].Value", "op": "eq", "value": "RETAIL"}],
            "dimensions": {"BusinessUnit": "BU_RETAIL"},
            "stop": True,
        }
    ],
}

CUSTOMER_RECORD = {
    "Code": "acme01",
    "Name": "Acme Trading Ltd",
    "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "RETAIL"}],
}


@pytest.fixture
def published(db) -> MappingSet:
    return import_mapping(CUSTOMER_DOC, publish=True)


@pytest.fixture
def draft(published, accountant) -> MappingSet:
    return services.get_or_create_draft(published, actor=accountant)
