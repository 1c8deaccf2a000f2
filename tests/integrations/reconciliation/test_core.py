"""The comparison core on plain dataclasses: no database, no connector."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from integrations.reconciliation.core import AxView, Document, Kind, Line, money, reconcile_entity

D = Decimal


def invoice(key: str = "1001", **changes) -> Document:
    base = Document(
        entity="sales_invoice",
        key=key,
        ax_key=f"FTI-{key}",
        party="ACME01",
        currency="EUR",
        date="2026-11-07",
        net=D("100.00"),
        vat=D("20.00"),
        gross=D("120.00"),
        lines=(Line("401100", D("60.00"), "EU", "STD"), Line("401500", D("40.00"), "EU", "STD")),
        dimension_sets=((("Department", "020"),), (("Department", "022"),)),
        settled=D("0.00"),
        status="None",
    )
    return replace(base, **changes)


def kinds(result) -> list[tuple[str, str]]:
    return sorted((d.kind, d.key) for d in result.differences)


def test_identical_documents_reconcile_clean_and_every_total_agrees():
    result = reconcile_entity("sales_invoice", [invoice()], [invoice()], links={"1001": "FTI-1001"})
    assert result.differences == []
    assert result.totals and all(t.agrees for t in result.totals)
    by = {(t.by, t.name, t.currency): t.kashflow for t in result.totals}
    assert by[("currency", "gross", "EUR")] == D("120.00")
    assert by[("party", "ACME01", "EUR")] == D("120.00")
    assert by[("account", "401100", "EUR")] == D("60.00")


def test_a_document_absent_from_ax_is_missing_and_the_totals_show_the_money():
    result = reconcile_entity("sales_invoice", [invoice()], [], links={})
    assert kinds(result) == [(Kind.MISSING_IN_AX, "1001")]
    assert result.differences[0].amount == D("120.00")
    gross = next(t for t in result.totals if (t.by, t.name) == ("currency", "gross"))
    assert (gross.kashflow, gross.ax, gross.agrees) == (D("120.00"), D("0.00"), False)


def test_a_document_posted_twice_is_duplicated_and_the_second_copy_is_counted_in_the_totals():
    twice = [invoice(), invoice(ax_key="FTI-9999")]
    result = reconcile_entity("sales_invoice", [invoice()], twice, links={"1001": "FTI-1001"})
    assert kinds(result) == [(Kind.DUPLICATED_IN_AX, "1001")]
    assert result.differences[0].ax_keys == ("FTI-1001", "FTI-9999")
    assert result.differences[0].amount == D("120.00")
    gross = next(t for t in result.totals if (t.by, t.name) == ("currency", "gross"))
    assert (gross.kashflow, gross.ax) == (D("120.00"), D("240.00"))


def test_present_in_ax_without_our_link_or_with_a_link_elsewhere_is_not_linked():
    assert kinds(reconcile_entity("sales_invoice", [invoice()], [invoice()], links={})) == [(Kind.NOT_LINKED, "1001")]
    moved = reconcile_entity("sales_invoice", [invoice()], [invoice()], links={"1001": "FTI-0001"})
    assert kinds(moved) == [(Kind.NOT_LINKED, "1001")]
    assert moved.differences[0].kashflow == "linked to FTI-0001"


def test_each_money_field_that_differs_is_its_own_difference_with_both_sides():
    ax = invoice(
        currency="GBP",
        net=D("90.00"),
        gross=D("110.00"),
        lines=(Line("401100", D("50.00"), "DOM", "STD"), Line("401500", D("40.00"), "EU", "RED")),
        dimension_sets=((("Department", "020"),), (("Department", "099"),)),
        settled=D("50.00"),
        status="PartlyPaid",
        party="BRIG01",
    )
    result = reconcile_entity("sales_invoice", [invoice()], [ax], links={"1001": "FTI-1001"})
    found = {d.kind: d for d in result.differences}
    assert set(found) == {
        Kind.PARTY,
        Kind.CURRENCY,
        Kind.NET,
        Kind.GROSS,
        Kind.ACCOUNTS,
        Kind.DIMENSIONS,
        Kind.TAX_GROUP,
        Kind.TAX_ITEM_GROUP,
        Kind.SETTLEMENT,
        Kind.STATUS,
    }
    assert (found[Kind.CURRENCY].kashflow, found[Kind.CURRENCY].ax) == ("EUR", "GBP")
    assert (found[Kind.NET].kashflow, found[Kind.NET].ax, found[Kind.NET].amount) == ("100.00", "90.00", D("10.00"))
    assert found[Kind.ACCOUNTS].kashflow == "401100 60.00, 401500 40.00"
    assert found[Kind.ACCOUNTS].ax == "401100 50.00, 401500 40.00"
    assert found[Kind.TAX_GROUP].kashflow == "EU x2" and found[Kind.TAX_GROUP].ax == "DOM, EU"
    assert "Department=099" in found[Kind.DIMENSIONS].ax
    assert found[Kind.SETTLEMENT].amount == D("-50.00")


def test_bank_and_counter_accounts_and_what_a_payment_settles():
    payment = Document("payment", "7", party="ACME01", currency="EUR", gross=D("10.00"), bank_account="110120")
    payment = replace(payment, settles="1001", compare_lines=False)
    ax = replace(payment, ax_key="JNL-1", bank_account="110110", settles="")
    found = {d.kind: d for d in reconcile_entity("payment", [payment], [ax], links={"7": "JNL-1"}).differences}
    assert set(found) == {Kind.BANK_ACCOUNT, Kind.SETTLEMENT}
    assert (found[Kind.BANK_ACCOUNT].kashflow, found[Kind.BANK_ACCOUNT].ax) == ("110120", "110110")
    assert found[Kind.SETTLEMENT].ax == "settles nothing"
    # A side that does not carry a field (None: AX's customer transactions name no bank account and no invoice)
    # is not compared on it; everything it does carry still is.
    unseen = replace(ax, bank_account=None, settles=None)
    assert reconcile_entity("payment", [payment], [unseen], links={"7": "JNL-1"}).differences == []
    wrong = replace(unseen, gross=D("9.00"))
    assert [d.kind for d in reconcile_entity("payment", [payment], [wrong], links={"7": "JNL-1"}).differences] == [
        Kind.GROSS
    ]

    fee = Document("bank_transaction", "3", currency="GBP", gross=D("-5.00"), compare_lines=False)
    fee = replace(fee, forbidden_counter_accounts=frozenset({"130100", "200100"}))
    posted = replace(fee, ax_key="JNL-2", counter_account="200100")
    differences = reconcile_entity("bank_transaction", [fee], [posted], links={"3": "JNL-2"}).differences
    assert [(d.kind, d.ax) for d in differences] == [(Kind.COUNTER_ACCOUNT, "200100")]
    fine = replace(fee, ax_key="JNL-2", counter_account="680100")
    assert reconcile_entity("bank_transaction", [fee], [fine], links={"3": "JNL-2"}).differences == []


def test_a_document_that_must_not_be_in_ax_is_unexpected_there_and_so_is_one_with_no_source():
    draft = invoice("1002", expected_in_ax=False, why_not_expected="Draft in KashFlow, not issued")
    stray = invoice("5555", ax_key="FTI-5555")
    result = reconcile_entity("sales_invoice", [draft], [invoice("1002"), stray], links={})
    assert kinds(result) == [(Kind.UNEXPECTED_IN_AX, "1002"), (Kind.UNEXPECTED_IN_AX, "5555")]
    assert result.documents == 0
    gross = next(t for t in result.totals if (t.by, t.name) == ("currency", "gross"))
    assert (gross.kashflow, gross.ax) == (D("0.00"), D("240.00"))
    # A draft that stays out of AX is no difference at all.
    assert reconcile_entity("sales_invoice", [draft], [], links={}).differences == []


def test_a_record_in_the_exception_queue_is_explained_and_left_out_of_the_totals_on_both_sides():
    result = reconcile_entity(
        "sales_invoice",
        [invoice("1001"), invoice("1002", ax_key="FTI-1002")],
        [invoice("1002", ax_key="FTI-1002")],
        links={"1002": "FTI-1002"},
        explained={"1001": "in the exception queue (value_not_mapped): nominal 4900"},
    )
    assert result.unexplained == []
    assert [(d.kind, d.key, d.explained_by) for d in result.explained] == [
        (Kind.MISSING_IN_AX, "1001", "in the exception queue (value_not_mapped): nominal 4900")
    ]
    assert all(t.agrees for t in result.totals)


def test_money_rounds_half_up_to_the_penny_from_any_wire_type():
    assert money(0.1 + 0.2) == D("0.30")
    assert money("2.675") == D("2.68")
    assert money(None) == money("") == money("n/a") == D("0.00")


def test_what_an_absence_means_depends_on_how_ax_could_be_read():
    kf = invoice()
    # AX lists what it has posted: a document we created (linked) that it does not show is an unposted draft,
    # stated with its AX key and explained; it is in neither side's totals.
    posted_only = AxView(posted_only=True, how="posted ones listed")
    result = reconcile_entity("sales_invoice", [kf], [], links={"1001": "FTI-1001"}, ax_view=posted_only)
    (draft,) = result.differences
    assert (draft.kind, draft.ax_keys, draft.explained) == (Kind.UNPOSTED, ("FTI-1001",), True)
    assert "an unposted draft in AX (FTI-1001)" in draft.explained_by
    assert result.unexplained == [] and all(t.agrees for t in result.totals)
    # Not linked and not shown: missing, unexplained, whatever AX lists.
    missing = reconcile_entity("sales_invoice", [kf], [], links={}, ax_view=posted_only)
    assert [(d.kind, d.ax) for d in missing.unexplained] == [(Kind.MISSING_IN_AX, "absent")]

    # AX read by the keys we linked: a key AX no longer has is missing (not a draft), and an unlinked document
    # says that AX could not be searched for it.
    by_key = AxView(listed=False, gone={"JNL-9": "AX has no such journal"}, how="read by key only")
    gone = reconcile_entity("journal", [replace(kf, entity="journal")], [], links={"1001": "JNL-9"}, ax_view=by_key)
    assert [(d.kind, d.ax) for d in gone.unexplained] == [
        (Kind.MISSING_IN_AX, "linked to JNL-9: AX has no such journal")
    ]
    unlinked = reconcile_entity("journal", [replace(kf, entity="journal")], [], links={}, ax_view=by_key)
    assert unlinked.unexplained[0].ax == "absent (no link, and read by key only)" and not unlinked.ax_listed

    # A draft read by its key is compared all the same (a wrong draft posts wrong) and also stated as unposted.
    draft_read = replace(kf, gross=D("121.00"), posted=False)
    both = reconcile_entity("sales_invoice", [kf], [draft_read], links={"1001": "FTI-1001"}, ax_view=by_key)
    assert [d.kind for d in both.unexplained] == [Kind.GROSS]
    assert [d.kind for d in both.explained] == [Kind.UNPOSTED]


def test_a_payment_whose_ax_record_does_not_name_our_key_needs_only_a_link():
    payment = Document("payment", "7", party="ACME01", currency="GBP", gross=D("10.00"), compare_lines=False)
    posted = replace(payment, ax_key="VCH-000003", link_key_known=False)
    assert reconcile_entity("payment", [payment], [posted], links={"7": "JNL-000003"}).differences == []
    (unlinked,) = reconcile_entity("payment", [payment], [posted], links={}).differences
    assert (unlinked.kind, unlinked.kashflow) == (Kind.NOT_LINKED, "no link")
