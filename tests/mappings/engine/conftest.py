from __future__ import annotations

import pytest

from integrations.connectors.catalog import EntityCatalog

from .helpers import invoice_catalog


@pytest.fixture
def ax_invoice_catalog() -> EntityCatalog:
    return invoice_catalog()
