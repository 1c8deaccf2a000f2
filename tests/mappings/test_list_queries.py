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
