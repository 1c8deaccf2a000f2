"""The engine's small parts, one function at a time: classification, backoff, MessageIds, signatures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from integrations.connectors import errors as ce
from integrations.services.webhooks import BadWebhook, parse, sign, verify
from integrations.sync.backoff import RetryPolicy
from integrations.sync.compare import overwritten_values, subset_equal
from integrations.sync.errors import AMBIGUOUS, PERMANENT, TRANSIENT, MappingFailed, MissingReference, classify
from integrations.sync.messageid import content_hash, message_id, record_hash


@pytest.mark.parametrize(
    ("error", "kind", "error_class"),
    [
        (ce.RateLimitedError("slow down", retry_after=3, status=429), TRANSIENT, "rate_limit"),
        (ce.TransientError("HTTP 503", status=503), TRANSIENT, "connection"),
        (ce.AmbiguousError("did not answer within 2 s; the write may have been committed"), AMBIGUOUS, "connection"),
        (ce.DuplicateMessageError("Duplicate message."), AMBIGUOUS, "connection"),
        (ce.ValidationError("Customer account not found", system="dynamics_ax"), PERMANENT, "ax_validation"),
        (ce.ValidationError("Name is required", system="kashflow"), PERMANENT, "kf_validation"),
        (ce.AuthError("bad password"), PERMANENT, "connection"),
        (TimeoutError(), TRANSIENT, "connection"),
        (IntegrityError("duplicate key value violates unique constraint"), TRANSIENT, "connection"),
        (KeyError("Number"), PERMANENT, "parse"),
    ],
)
def test_every_failure_is_classified_in_one_place(error, kind, error_class):
    c = classify(error)
    assert (c.kind, c.error_class) == (kind, error_class)


def test_a_time_out_and_retry_after_are_recognised():
    assert classify(ce.AmbiguousError("Dynamics AX did not answer create within 2 s")).timeout
    assert classify(ce.RateLimitedError("429", retry_after=7)).retry_after == 7
    assert not classify(ce.TransientError("HTTP 500", status=500)).timeout


def test_engine_failures_carry_their_stage_and_class():
    waiting = classify(MissingReference("no customer", entity="customer", key="X"))
    assert (waiting.kind, waiting.stage, waiting.error_class) == (TRANSIENT, "resolve", "missing_reference")
    unmapped = classify(MappingFailed("x", issues=[type("I", (), {"code": "value_not_mapped"})()]))
    assert (unmapped.kind, unmapped.stage, unmapped.error_class) == (PERMANENT, "map", "value_not_mapped")


def test_backoff_grows_is_capped_and_never_waits_less_than_retry_after():
    policy = RetryPolicy(attempts=6, base=1.0, cap=4.0, max_retry_after=30)
    assert all(0 <= policy.delay(n) <= min(4.0, 2 ** (n - 1)) for n in range(1, 7) for _ in range(20))
    assert all(5 <= policy.delay(1, retry_after=5) <= 5.5 for _ in range(20))
    assert policy.delay(1, retry_after=600) <= 30.5


def test_a_message_id_depends_on_flow_key_and_content_only():
    doc = {"Amount": Decimal("12.50"), "Lines": [{"Qty": 1}]}
    same = {"Lines": [{"Qty": "1.00"}], "Amount": 12.5}
    assert content_hash(doc) == content_hash(same)
    first = message_id(flow_id=1, source_key="1001", digest=content_hash(doc))
    assert first == message_id(flow_id=1, source_key="1001", digest=content_hash(same))
    assert first != message_id(flow_id=2, source_key="1001", digest=content_hash(doc))
    assert first != message_id(flow_id=1, source_key="1002", digest=content_hash(doc))
    assert first != message_id(flow_id=1, source_key="1001", digest=content_hash({**doc, "Amount": 13}))
    assert len(first) == 36


def test_record_hash_ignores_what_the_remote_system_changes_by_itself():
    a = {"Code": "A", "Name": "Acme", "LastUpdatedDate": "2026-01-01T00:00:00Z", "RecVersion": 3}
    b = {"Code": "A", "Name": "Acme", "LastUpdatedDate": "2026-02-02T00:00:00Z", "RecVersion": 4}
    assert record_hash(a) == record_hash(b)
    assert record_hash(a) != record_hash({**a, "Name": "Acme Ltd"})


def test_subset_comparison_and_overwritten_values():
    current = {"AccountNum": "A1", "DirParty": [{"Name": "Acme", "Extra": 1}], "CreditMax": "100.00"}
    assert subset_equal({"AccountNum": "A1", "DirParty": [{"Name": "Acme"}], "CreditMax": 100}, current)
    assert not subset_equal({"DirParty": [{"Name": "Acme Ltd"}]}, current)
    assert overwritten_values({"DirParty": [{"Name": "Acme Ltd"}]}, current) == {
        "DirParty[0].Name": ["Acme", "Acme Ltd"]
    }


def test_signatures_are_checked_with_a_replay_window():
    body = b'{"resource": "invoices", "key": "1001"}'
    header = sign(body, key="k", timestamp=1_000_000)
    assert verify(body, header, key="k", now=1_000_100)
    assert not verify(body, header, key="k", now=1_000_000 + 301)
    assert not verify(body + b" ", header, key="k", now=1_000_100)
    assert not verify(body, header, key="other", now=1_000_100)
    assert not verify(body, "", key="k") and not verify(body, "t=abc,v1=00", key="k")


def test_a_push_names_a_known_resource_and_a_key():
    assert parse({"event": "invoices.created", "key": 1001}) == ("sales_invoice", "1001", "invoices.created")
    assert parse({"resource": "payments", "data": {"Id": 7}})[:2] == ("payment", "7")
    for bad in (
        [1, 2],
        {"resource": "spaceships", "key": "1"},
        {"resource": "invoices"},
        {"resource": "invoices", "key": ""},
    ):
        with pytest.raises(BadWebhook):
            parse(bad)
