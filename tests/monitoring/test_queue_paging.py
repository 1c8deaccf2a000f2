"""The queue's pages (picked off the ordering index, then loaded) and its groups (counted off the cause index)
hold exactly what the plain ordered queries hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from monitoring import selectors
from monitoring.models import ExceptionItem
from tests.monitoring.conftest import make_flow


@pytest.fixture
def items(flow):
    other = make_flow("Journals", "journal")
    now = timezone.now()
    rows = []
    for i in range(23):
        rows.append(
            ExceptionItem(
                flow=flow if i % 2 else other,
                source_key=f"K{i}",
                stage="map" if i % 3 else "load",
                error_class="value_not_mapped",
                error_code="value_not_mapped",
                message=f"message {i}",
                fingerprint=f"cause-{i % 4}",
                status="resolved" if i % 5 == 0 else "open",
            )
        )
    ExceptionItem.objects.bulk_create(rows)
    # Several items share a timestamp, so the id must break the tie in the same way everywhere.
    for n, item in enumerate(ExceptionItem.objects.order_by("id")):
        ExceptionItem.objects.filter(pk=item.pk).update(first_seen_at=now - timedelta(minutes=n // 3))
    return rows


@pytest.mark.parametrize("tab", ["open", "resolved"])
def test_every_queue_page_holds_the_rows_of_the_ordered_list_in_order(items, tab):
    filters = selectors.QueueFilters(tab=tab)
    expected = [item.pk for item in selectors.exception_list(filters)]
    paginator = Paginator(selectors.exception_page_source(filters), 5)
    assert paginator.count == len(expected)
    seen = []
    for number in paginator.page_range:
        page = paginator.page(number)
        seen.extend(item.pk for item in page.object_list)
        assert all(item.flow.name for item in page.object_list)
    assert seen == expected


def test_a_filtered_queue_page_keeps_the_filters(items):
    filters = selectors.QueueFilters(tab="open", flow="journals", stage="map")
    page = Paginator(selectors.exception_page_source(filters), 50).page(1)
    assert page.object_list
    assert {(i.flow.slug, i.stage, i.status) for i in page.object_list} == {("journals", "map", "open")}
    assert page.paginator.count == selectors.exception_list(filters).count()


def test_grouped_pages_count_and_hold_the_same_groups_as_the_group_query(items):
    filters = selectors.QueueFilters(tab="open")
    groups = list(selectors.exception_groups(filters))
    paginator = Paginator(selectors.group_page_source(filters), 3)
    assert paginator.count == len(groups)
    paged = [g for n in paginator.page_range for g in paginator.page(n).object_list]
    assert paged == groups
    first = groups[0]
    members = ExceptionItem.objects.filter(
        status="open", fingerprint=first["fingerprint"], flow__slug=first["flow__slug"]
    )
    assert first["count"] == members.filter(stage=first["stage"]).count()
    assert first["flow__name"] in ("Sales invoices", "Journals")
    assert first["example"] == max(members.filter(stage=first["stage"]).values_list("message", flat=True))
