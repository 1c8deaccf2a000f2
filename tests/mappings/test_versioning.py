"""Versions of one mapping: published ones never change, edits make a draft, any version can come back."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from mappings import services
from mappings.models import MappingSet
from monitoring.models import AuditEvent
from tests.mappings.conftest import CUSTOMER_RECORD


def test_editing_a_published_version_is_refused(published):
    with pytest.raises(services.VersionLocked):
        services.save_rule(published, target_path="AccountNum", source="Name")
    with pytest.raises(services.VersionLocked):
        services.save_value_map_entry(published, value_map="customer_groups", source_value="EU", target_value="EU")
    with pytest.raises(services.VersionLocked):
        services.save_dimension_rule(published, name="x", dimensions={"Department": "010"})
    assert published.rules.get(target_path="AccountNum").source == "Code"


def test_a_draft_copies_the_published_version_and_takes_the_next_number(published, accountant):
    draft = services.get_or_create_draft(published, actor=accountant)
    assert (draft.version, draft.status, draft.based_on_id) == (2, "draft", published.pk)
    assert services.snapshot(draft) == services.snapshot(published)
    assert services.get_or_create_draft(published, actor=accountant) == draft  # one draft at a time


def test_the_database_refuses_a_second_published_version(published):
    with pytest.raises(IntegrityError), transaction.atomic():
        MappingSet.objects.create(key=published.key, name="x", version=9, status="published")


def test_publish_archives_the_previous_version_and_records_who_and_the_diff(draft, published, accountant):
    services.save_rule(draft, target_path="AccountNum", source="Code", transforms=[{"name": "trim"}], actor=accountant)
    services.publish(draft, actor=accountant)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == "archived"
    assert (draft.status, draft.published_by, draft.published_at is not None) == ("published", accountant, True)
    event = AuditEvent.objects.filter(action="published", object_id=str(draft.pk)).get()
    assert event.actor == accountant
    assert event.changes["version"] == [1, 2]
    assert event.changes["rule AccountNum"][1]["transforms"] == [{"name": "trim"}]


def test_a_rule_that_cannot_apply_is_refused_at_publish_with_its_reason(draft, accountant):
    services.save_rule(
        draft, target_path="CustGroup", source="Name", transforms=[{"name": "lookup", "params": {"map": "nope"}}]
    )
    with pytest.raises(services.PublishRefused) as refused:
        services.publish(draft, actor=accountant)
    assert any("CustGroup" in e and "nope" in e for e in refused.value.errors)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_restore_as_draft_copies_an_old_version_into_a_new_one(draft, published, accountant):
    services.save_rule(draft, target_path="AccountNum", source="Name", actor=accountant)
    services.publish(draft, actor=accountant)
    published.refresh_from_db()
    restored = services.restore_version(published, actor=accountant)
    assert (restored.version, restored.status) == (3, "draft")
    assert restored.rules.get(target_path="AccountNum").source == "Code"
    published.refresh_from_db()
    assert published.status == "archived"  # the old row itself never changes


def test_roll_back_publishes_a_copy_of_the_old_version_at_once(draft, published, accountant):
    services.save_rule(draft, target_path="AccountNum", source="Name", actor=accountant)
    services.publish(draft, actor=accountant)
    published.refresh_from_db()
    rolled = services.restore_version(published, actor=accountant, publish_now=True)
    assert (rolled.version, rolled.status) == (3, "published")
    draft.refresh_from_db()
    assert draft.status == "archived"
    result = services.compiled_mapping(rolled).apply(CUSTOMER_RECORD)
    assert result.document["AccountNum"] == "ACME01"


def test_compiled_mapping_maps_a_record_with_value_maps_and_dimensions(published):
    result = services.compiled_mapping(published).apply(CUSTOMER_RECORD)
    assert result.document["CustGroup"] == "RET"
    assert result.document["DefaultDimension"] == {"Values": [{"Name": "BusinessUnit", "Value": "BU_RETAIL"}]}


def test_value_map_fix_publishes_a_new_version_and_keeps_the_draft_in_progress(draft, published, accountant):
    services.save_rule(draft, target_path="Currency", source="Currency.Code", actor=accountant)
    fixed = services.apply_value_map_fix(
        published, value_map_name="customer_groups", source_value="EU", target_value="EUR", actor=accountant
    )
    draft.refresh_from_db()
    assert (fixed.status, fixed.version) == ("published", 2)
    assert (draft.status, draft.version) == ("draft", 3)
    assert (
        services.compiled_mapping(fixed)
        .apply({"Code": "x", "CustomTextBoxes": [{"Name": "CustomerGroup", "Value": "EU"}]})
        .document["CustGroup"]
        == "EUR"
    )
    assert draft.value_maps.get(name="customer_groups").entries.filter(source_value="EU", target_value="EUR").exists()
    assert draft.rules.get(target_path="Currency").source == "Currency.Code"  # the person's edit survives
    assert fixed.rules.get(target_path="Currency").source == "GBP"  # and is not published by the fix


def test_applying_the_same_value_map_fix_twice_publishes_once(published, accountant):
    first = services.apply_value_map_fix(
        published, value_map_name="customer_groups", source_value="EU", target_value="EUR", actor=accountant
    )
    again = services.apply_value_map_fix(
        first, value_map_name="customer_groups", source_value="EU", target_value="EUR", actor=accountant
    )
    assert again == first
    assert MappingSet.objects.filter(key=published.key).count() == 2
