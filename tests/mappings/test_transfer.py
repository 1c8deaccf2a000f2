"""Export and import of a mapping as JSON: a round trip keeps everything; bad input is refused whole."""

from __future__ import annotations

import copy
import json

import pytest

from mappings import services
from mappings.models import MappingSet, ValueMapEntry
from mappings.services import transfer
from tests.mappings.conftest import CUSTOMER_DOC


def test_export_then_import_elsewhere_gives_the_same_mapping(published):
    exported = transfer.export_json(published)
    MappingSet.objects.all().delete()
    imported = transfer.import_mapping(exported, publish=True)
    assert imported.status == "published"
    again = json.loads(transfer.export_json(imported))
    assert {k: v for k, v in again.items() if k != "version"} == {
        k: v for k, v in json.loads(exported).items() if k != "version"
    }


def test_import_of_a_known_key_makes_the_next_draft(published, accountant):
    doc = copy.deepcopy(CUSTOMER_DOC)
    doc["rules"][0]["source"] = "Name"
    draft = transfer.import_mapping(doc, actor=accountant)
    assert (draft.version, draft.status, draft.based_on_id) == (2, "draft", published.pk)
    published.refresh_from_db()
    assert published.status == "published"
    assert published.rules.get(target_path="AccountNum").source == "Code"


def test_every_problem_of_a_bad_document_is_listed(db):
    doc = copy.deepcopy(CUSTOMER_DOC)
    doc["format_version"] = 7
    doc["source_system"] = "sage"
    doc["rules"].append({"target_path": "AccountNum", "source": "Code"})
    doc["rules"].append({"source": "Name"})
    doc["value_maps"][0]["entries"].append({"source_value": "RETAIL", "target_value": "X"})
    doc["dimension_rules"][0]["conditions"][0]["op"] = "like"
    doc["dimension_rules"][0]["dimensions"] = {}
    with pytest.raises(transfer.ImportRefused) as refused:
        transfer.import_mapping(doc)
    errors = "\n".join(refused.value.errors)
    for expected in (
        "format_version 7",
        "source_system must be one of",
        "rule 4 (AccountNum): a second rule",
        "rule 5 needs a target_path",
        "source value RETAIL appears twice",
        "unknown operator 'like'",
        "must set at least one dimension",
    ):
        assert expected in errors
    assert not MappingSet.objects.exists()


def test_a_rule_the_engine_cannot_compile_refuses_the_whole_import(db):
    doc = copy.deepcopy(CUSTOMER_DOC)
    doc["rules"][1]["transforms"] = [{"name": "lookup", "params": {"map": "missing_map"}}]
    doc["rules"].append({"target_path": "VATNum", "source": "VATNumber", "transforms": [{"name": "no_such_transform"}]})
    with pytest.raises(transfer.ImportRefused) as refused:
        transfer.import_mapping(doc)
    assert any("CustGroup" in e and "missing_map" in e for e in refused.value.errors)
    assert any("VATNum" in e and "no_such_transform" in e for e in refused.value.errors)
    assert not MappingSet.objects.exists()
    assert not ValueMapEntry.objects.exists()  # nothing half-imported


@pytest.mark.parametrize("payload", ["not json {", "[1, 2]", b"\xff\xfe", '"text"'])
def test_what_is_not_a_mapping_document_is_refused_clearly(db, payload):
    with pytest.raises(transfer.ImportRefused) as refused:
        transfer.import_mapping(payload)
    assert refused.value.errors


def test_values_longer_than_their_columns_are_refused_before_the_database_sees_them(db):
    doc = copy.deepcopy(CUSTOMER_DOC)
    doc["rules"][0]["target_path"] = "A" * 201
    doc["value_maps"][0]["name"] = "has spaces"
    doc["value_maps"][0]["entries"][0]["target_value"] = "x" * 101
    with pytest.raises(transfer.ImportRefused) as refused:
        transfer.import_mapping(doc)
    errors = "\n".join(refused.value.errors)
    assert "longer than 200" in errors and "at most 60 letters" in errors and "at most 100 characters" in errors


def test_an_import_cannot_change_what_a_key_maps(published):
    doc = copy.deepcopy(CUSTOMER_DOC)
    doc["target_entity"] = "supplier"
    with pytest.raises(services.MappingError) as refused:
        transfer.import_mapping(doc)
    assert "already maps" in str(refused.value)
    assert MappingSet.objects.filter(key=published.key).count() == 1
