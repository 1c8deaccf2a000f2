"""The visual mapper's server side: the source panel, the transform editor's fields, and who may use them."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from mappings import selectors
from mappings.models import MappingSet
from mappings.transform_fields import FieldProblem, block, blocks, transforms_from_post
from tests.access import assert_page_roles
from tests.mappings.conftest import CUSTOMER_RECORD

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_source_panel_lists_the_sample_records_fields_with_their_values(draft):
    record = {**CUSTOMER_RECORD, "Addresses": [{"Line1": "1 High St", "PostCode": "LS1 1AA"}], "Tags": ["a", "b"]}
    fields = {f.path: f.sample for f in selectors.source_fields(draft, record)}
    assert fields["Code"] == "acme01"
    assert fields["Addresses[0].Line1"] == "1 High St"
    assert fields["CustomTextBoxes[0].Value"] == "RETAIL"
    assert fields["Tags"] == "a, b"
    without = selectors.source_fields(draft, None)
    assert without and all(f.sample == "" for f in without)


def test_line_lists_are_offered_per_line():
    ms = MappingSet(source_system="kashflow", source_entity="sales_invoice", target_system="dynamics_ax")
    fields = {f.path for f in selectors.source_fields(ms, {"LineItems": [{"Rate": 1}, {"Rate": 2}]})}
    assert "LineItems[].Rate" in fields


def _post(**data) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in data.items():
        if isinstance(v, list):
            q.setlist(k, v)
        else:
            q[k] = v
    return q


def test_transform_fields_read_back_as_the_chain_in_order():
    data = _post(
        t_block=["b1", "b2", "b3"],
        t_name_b1="trim",
        t_b1__collapse="on",
        t_name_b2="pad",
        t_b2__width="6",
        t_b2__char="0",
        t_b2__side="left",
        t_name_b3="concat",
        t_b3__paths="Name, Code",
        t_b3__separator=" ",
        t_b3__skip_empty="on",
    )
    assert transforms_from_post(data) == [
        {"name": "trim", "params": {"collapse": True}},
        {"name": "pad", "params": {"width": 6}},
        {"name": "concat", "params": {"paths": ["Name", "Code"]}},
    ]
    with pytest.raises(FieldProblem, match="width is required"):
        transforms_from_post(_post(t_block=["x"], t_name_x="pad"))
    with pytest.raises(FieldProblem, match="whole number"):
        transforms_from_post(_post(t_block=["x"], t_name_x="pad", t_x__width="six"))


def test_a_chain_opens_as_blocks_with_choices_where_the_engine_names_them():
    (pad, lookup) = blocks(
        [{"name": "pad", "params": {"width": 5}}, {"name": "lookup", "params": {"map": "groups"}}], ["groups", "x"]
    )
    fields = {f["name"]: f for f in pad.fields}
    assert fields["width"]["value"] == "5" and fields["side"]["choices"] == ["left", "right"]
    assert {f["name"]: f for f in lookup.fields}["map"]["choices"] == ["groups", "x"]
    assert block("round").fields[0]["value"] == "0"


def test_the_mapper_endpoints_are_for_accountants(client_for, draft, published):
    for url in (
        reverse("mappings:source_panel", args=[draft.pk]),
        reverse("mappings:transform_editor", args=[draft.pk]) + "?target_path=AccountNum",
        reverse("mappings:transform_block", args=[draft.pk]) + "?add=trim",
    ):
        assert_page_roles(client_for, url, "Accountant")
    assert_page_roles(client_for, reverse("mappings:dry_run", args=[draft.pk]), "Accountant", method="post")
    # The transform editor edits drafts only.
    url = reverse("mappings:transform_editor", args=[published.pk]) + "?target_path=AccountNum"
    assert client_for("Accountant").get(url).status_code == 404


def test_the_editor_saves_the_rule_with_the_chosen_transforms(client_for, draft):
    client = client_for("Accountant")
    editor = client.get(
        reverse("mappings:transform_editor", args=[draft.pk]), {"target_path": "AccountNum"}, **HTMX
    ).content.decode()
    assert 'data-name="upper"' in editor  # the rule's chain, as blocks
    response = client.post(
        reverse("mappings:save_rule", args=[draft.pk]),
        _post(
            t_editor="1",
            target_path="AccountNum",
            source_kind="path",
            source="Code",
            default="",
            t_block=["a", "b"],
            t_name_a="upper",
            t_name_b="truncate",
            t_b__length="10",
        ).urlencode(),
        content_type="application/x-www-form-urlencoded",
        **HTMX,
    )
    assert response.status_code == 200
    rule = draft.rules.get(target_path="AccountNum")
    assert rule.transforms == [{"name": "upper", "params": {}}, {"name": "truncate", "params": {"length": 10}}]
