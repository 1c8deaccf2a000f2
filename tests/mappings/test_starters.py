"""The shipped templates: one published mapping per flow that maps the demo company without an issue."""

from __future__ import annotations

import pytest

from integrations.connectors.kashflow.connector import KashFlowConnector
from integrations.sandbox.demo import seed_sandbox
from integrations.sandbox.demo_data import UNMAPPED_NOMINALS
from integrations.sandbox.models import AxRecord, KashFlowRecord
from mappings import services
from mappings.models import MappingSet
from mappings.selectors import TEMPLATE_KEYS
from mappings.services.starters import install_templates, template_documents
from mappings.services.transfer import export_mapping

KASHFLOW_ENTITIES = {
    "customer": "customers",
    "supplier": "suppliers",
    "sales_invoice": "invoices",
    "invoice_status": "invoices",
    "payment": "payments",
    "purchase_invoice": "purchases",
    "purchase_payment": "purchases",
    "journal": "journals",
    "bank_transaction": "banktransactions",
}
AX_TABLES = {"customer": "CustTable", "supplier": "VendTable", "product": "InventTable"}


def test_every_flow_has_a_template():
    assert set(template_documents()) == set(TEMPLATE_KEYS.values())


def test_install_publishes_version_one_once_and_leaves_edited_mappings_alone(db, accountant):
    first = install_templates()
    assert len(first) == len(TEMPLATE_KEYS)
    assert {(m.version, m.status) for m in first} == {(1, "published")}
    draft = services.get_or_create_draft(first[0], actor=accountant)
    services.save_rule(draft, target_path=draft.rules.first().target_path, source="Changed")
    again = install_templates()
    assert [m.pk for m in again] == [m.pk for m in first]
    assert MappingSet.objects.count() == len(TEMPLATE_KEYS) + 1


def test_every_installed_rule_and_value_map_row_fits_its_columns(db):
    # SQLite does not enforce a column's length; PostgreSQL refuses the whole install.
    for mapping in install_templates():
        entries = [entry for value_map in mapping.value_maps.all() for entry in value_map.entries.all()]
        rows = (mapping, *mapping.rules.all(), *mapping.value_maps.all(), *entries, *mapping.dimension_rules.all())
        for model in rows:
            model.full_clean(validate_unique=False, validate_constraints=False)


def test_an_installed_template_exports_as_its_data_file(db):
    documents = template_documents()
    for mapping in install_templates():
        assert export_mapping(mapping) == documents[mapping.key]


@pytest.fixture(scope="module")
def demo_records(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_sandbox(invoices=40)
        kashflow = {e: [r.data for r in KashFlowRecord.objects.filter(entity=e)] for e in KASHFLOW_ENTITIES.values()}
        ax = {t: [r.data for r in AxRecord.objects.filter(entity=t)] for t in AX_TABLES.values()}
        KashFlowRecord.objects.all().delete()
        AxRecord.objects.all().delete()
    return kashflow, ax


def _records(mapping: MappingSet, demo_records) -> list[dict]:
    kashflow, ax = demo_records
    if mapping.source_system == "kashflow":
        records = kashflow[KASHFLOW_ENTITIES[mapping.source_entity]]
    else:
        records = ax.get(AX_TABLES.get(mapping.source_entity, ""), [])
    if mapping.source_entity == "payment":  # as the connector reads them: the invoice's lines, with its number
        records = [
            KashFlowConnector._payment_of(invoice, line, "sales_invoice")
            for invoice in kashflow["invoices"]
            for line in invoice["PaymentLines"]
        ]
    if mapping.source_entity == "purchase_payment":  # the purchase's lines, with its number and currency
        records = [
            KashFlowConnector._payment_of(purchase, line, "purchase_invoice")
            for purchase in kashflow["purchases"]
            for line in purchase["PaymentLines"]
        ]
    return records


@pytest.mark.parametrize("key", sorted(set(TEMPLATE_KEYS.values()) - {"invoice-status-ax-to-kf"}))
def test_a_template_maps_every_demo_record_without_an_issue(db, demo_records, key):
    (mapping,) = install_templates(keys=[key])
    compiled = services.compiled_mapping(mapping)
    records = _records(mapping, demo_records)
    assert records
    unexpected = []
    for record in records:
        result = compiled.apply(record)
        deliberate = any(
            str(line.get("NominalCode")) in {str(n) for n in UNMAPPED_NOMINALS}
            for line in (record.get("LineItems") or record.get("Lines") or [])
        )
        if result.issues and not deliberate:
            unexpected.append((record.get("Number") or record.get("Code") or record.get("Id"), result.issues))
    assert unexpected == []


def test_the_sales_invoice_template_gives_ax_accounts_and_dimensions(db, demo_records):
    (mapping,) = install_templates(keys=["sales-invoice-kf-to-ax"])
    invoice = next(
        i for i in demo_records[0]["invoices"] if i["LineItems"] and i["LineItems"][0]["NominalCode"] == 4000
    )
    document = services.compiled_mapping(mapping).apply(invoice).document
    assert document["OrderAccount"] == invoice["CustomerCode"]
    assert document["CustomerRef"] == str(invoice["Number"])
    line = document["CustInvoiceLine"][0]
    assert line["LedgerDimension"]["Account"] == "401100"
    assert {"Name": "Department", "Value": "022"} in line["LedgerDimension"]["Values"]
    assert document["DefaultDimension"]["Values"][0]["Name"] == "BusinessUnit"


def test_the_unmapped_demo_nominal_is_reported_as_not_mapped(db, demo_records):
    (mapping,) = install_templates(keys=["sales-invoice-kf-to-ax"])
    invoice = next(i for i in demo_records[0]["invoices"] if any(li["NominalCode"] == 4900 for li in i["LineItems"]))
    issues = services.compiled_mapping(mapping).apply(invoice).issues
    assert any(i.code == "value_not_mapped" and i.value in (4900, "4900") for i in issues)
