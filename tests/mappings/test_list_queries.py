"""The mapping list reads a fixed number of queries however many mappings and versions there are."""

from __future__ import annotations

from django.urls import reverse

from mappings import services
from mappings.models import MappingSet
from mappings.services.starters import install_templates

# session, user, the user's roles (read once), every version with its publisher in one query, and the
# user's and its groups' permissions (the page header)
LIST_QUERIES = 6


def _get_list(client, django_assert_num_queries) -> str:
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("mappings:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_mapping_list_reads_the_same_queries_for_one_mapping_or_all_of_them(
    client_for, accountant, django_assert_num_queries
):
    client = client_for("Accountant")
    install_templates(keys=["customer-kf-to-ax"])
    page = _get_list(client, django_assert_num_queries)
    assert page.count('<tr data-key="') == 1

    installed = install_templates()
    for mapping_set in installed[:3]:  # drafts and archived versions add rows, not queries
        draft = services.get_or_create_draft(mapping_set, actor=accountant)
        services.publish(draft, actor=accountant)
        services.get_or_create_draft(draft, actor=accountant)
    assert MappingSet.objects.count() == len(installed) + 6
    page = _get_list(client, django_assert_num_queries)
    assert page.count('<tr data-key="') == len(installed)
    assert page.count(" draft</a>") == 3


def test_value_maps_and_dimension_rules_cost_the_same_queries_for_few_rows_or_many(
    client_for, accountant, django_assert_num_queries, django_assert_max_num_queries
):
    """The designer's value-map rows (with names) and dimension rules (as condition rows): rows, not queries."""
    (published,) = install_templates(keys=["customer-kf-to-ax"])
    draft = services.get_or_create_draft(published, actor=accountant)
    client = client_for("Accountant")
    url = reverse("mappings:detail", args=[draft.pk])
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    services.save_value_map(draft, name="nominals", kind="nominal_to_main_account")
    for n in range(30):
        services.save_value_map_entry(draft, value_map="nominals", source_value=str(4000 + n), target_value="401100")
    for n in range(10):
        services.save_dimension_rule(
            draft,
            name=f"Rule {n}",
            level="line",
            conditions=[{"field": "Code", "op": "eq", "value": str(n)}],
            dimensions={"Department": "020"},
        )
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="vm-row"') >= 30 and page.count('class="condition-row"') >= 10
