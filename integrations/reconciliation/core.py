"""The comparison at the heart of reconciliation: plain dataclasses in, typed differences and totals out.

Nothing here knows Django, a connector or a wire format. Each side of a document is normalised by a reader
(``readers/``) into a ``Document`` that speaks AX's vocabulary: a KashFlow document becomes what AX *should*
hold (its nominal codes already translated through the accountant's chart correspondence), an AX document is
what AX *does* hold. ``reconcile_entity`` then compares them document by document and in totals per currency,
per customer/supplier and per account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: object) -> Decimal:
    """Any number the two systems send (float, str, Decimal, None) as a Decimal rounded to the penny."""
    if value in (None, ""):
        return ZERO
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ZERO


def rate(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return None


class Kind:
    """What kind of difference; the values are what the page and the command print."""

    MISSING_IN_AX = "missing_in_ax"
    DUPLICATED_IN_AX = "duplicated_in_ax"
    NOT_LINKED = "not_linked"  # present in AX, but our link is missing or points elsewhere
    UNEXPECTED_IN_AX = "unexpected_in_ax"  # in AX with no KashFlow document that should be there (a draft, ...)
    # Created in AX (we hold its key) but not posted yet: a draft is not in AX's books. Always explained (the stated
    # reason is the draft), and left out of the totals on both sides; the accountant posts it in AX.
    UNPOSTED = "unposted_in_ax"
    WRITTEN_BACK = "written_back"  # money the integration wrote into KashFlow (an AX settlement echoed back)
    PARTY = "party"
    CURRENCY = "currency"
    RATE = "exchange_rate"
    DATE = "date"
    NET = "net"
    VAT = "vat"
    GROSS = "gross"
    ACCOUNTS = "accounts"
    BANK_ACCOUNT = "bank_account"
    COUNTER_ACCOUNT = "counter_account"
    DIMENSIONS = "dimensions"
    TAX_GROUP = "tax_group"
    TAX_ITEM_GROUP = "tax_item_group"
    SETTLEMENT = "settlement"
    STATUS = "status"

    PRESENCE = (MISSING_IN_AX, DUPLICATED_IN_AX, NOT_LINKED, UNEXPECTED_IN_AX, UNPOSTED, WRITTEN_BACK)


@dataclass(frozen=True)
class Line:
    """One posting: an AX main account, a signed amount in the document's currency (debit positive for
    journals, the line's net for invoices) and its tax groups."""

    account: str
    amount: Decimal
    tax_group: str = ""
    tax_item_group: str = ""


@dataclass(frozen=True)
class Document:
    """One side of one business document, in AX's vocabulary.

    ``key`` is the KashFlow key (on the AX side: the external reference the AX document carries);
    ``ax_key`` the AX document's own key (InvoiceId, JournalNum, a customer transaction's Voucher). A field left
    ``None`` on either side is not compared (a side that does not carry it: KashFlow has no settlement of
    purchase invoices in AX terms; AX's customer transactions do not say which bank account a payment went to).
    ``amounts``: which of net / VAT / gross the document carries (AX's posted customer transactions carry only
    the gross); a measure is compared, and totalled, only where both sides carry it.
    """

    entity: str
    key: str
    ax_key: str = ""
    party: str = ""
    currency: str = ""
    rate: Decimal | None = None
    date: str = ""
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    lines: tuple[Line, ...] = ()
    bank_account: str | None = None
    counter_account: str | None = None
    forbidden_counter_accounts: frozenset[str] = frozenset()  # accounts this line must never be offset to
    settles: str | None = None  # the invoice a payment settles (KashFlow invoice number)
    settled: Decimal | None = None
    status: str | None = None
    expected_in_ax: bool = True  # False: the KashFlow document must not be in AX (a draft, an unreconciled line)
    why_not_expected: str = ""
    written_back: str = ""  # set when the integration itself wrote this KashFlow document: always a difference
    # The financial dimension values of each line, sorted; None = not compared. On the KashFlow side they are
    # what the published mapping's dimension rules give the record (dimensions exist only in AX).
    dimension_sets: tuple[tuple[tuple[str, str], ...], ...] | None = None
    compare_lines: bool = True
    compare_tax: bool = True
    amounts: tuple[str, ...] = ("net", "vat", "gross")
    # AX side only. ``posted``: False for a document AX holds as a draft (a journal read by its key and not
    # posted yet). ``link_key_known``: False when the AX document does not carry the key our link holds (a
    # payment's customer transaction names its voucher, never its journal): then only that a link exists is checked.
    posted: bool = True
    link_key_known: bool = True


@dataclass(frozen=True)
class Difference:
    entity: str
    kind: str
    key: str  # the KashFlow key (the reference in AX for documents AX holds without a KashFlow source)
    kashflow: str
    ax: str
    ax_keys: tuple[str, ...] = ()
    currency: str = ""
    amount: Decimal = ZERO  # money at stake (KashFlow minus AX where it applies), for sorting and sums
    explained_by: str = ""  # the exception queue's reason when the record is there for one

    @property
    def explained(self) -> bool:
        return bool(self.explained_by)

    def as_dict(self) -> dict:
        return {
            "entity": self.entity,
            "kind": self.kind,
            "key": self.key,
            "kashflow": self.kashflow,
            "ax": self.ax,
            "ax_keys": list(self.ax_keys),
            "currency": self.currency,
            "amount": str(self.amount),
            "explained_by": self.explained_by,
        }


@dataclass(frozen=True)
class Total:
    """One total on both sides: per ``by`` ("currency", "party" or "account") and ``name`` within a currency."""

    entity: str
    by: str
    name: str
    currency: str
    kashflow: Decimal
    ax: Decimal

    @property
    def agrees(self) -> bool:
        return self.kashflow == self.ax

    def as_dict(self) -> dict:
        return {
            "entity": self.entity,
            "by": self.by,
            "name": self.name,
            "currency": self.currency,
            "kashflow": str(self.kashflow),
            "ax": str(self.ax),
            "agrees": self.agrees,
        }


@dataclass
class EntityResult:
    entity: str
    documents: int = 0  # KashFlow documents expected in AX
    ax_documents: int = 0
    ax_listed: bool = True  # False: AX could be read only by the keys we linked (see AxView)
    ax_read: str = ""  # how AX was read, for the report
    differences: list[Difference] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if not d.explained]

    @property
    def explained(self) -> list[Difference]:
        return [d for d in self.differences if d.explained]


# --- Comparing one document ---------------------------------------------------------------------------------


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value) if value != "" else "—"


def _by_account(lines: Iterable[Line]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sums[line.account] += line.amount
    return {account: amount for account, amount in sorted(sums.items()) if amount != ZERO}


def _describe_accounts(sums: dict[str, Decimal]) -> str:
    return ", ".join(f"{account} {amount:.2f}" for account, amount in sums.items()) or "—"


def _multiset(values: Iterable[str]) -> str:
    counted: dict[str, int] = defaultdict(int)
    for value in values:
        counted[value or "—"] += 1
    return ", ".join(f"{v} x{n}" if n > 1 else v for v, n in sorted(counted.items())) or "—"


def _dimension_text(dimensions: tuple[tuple[str, str], ...]) -> str:
    return "/".join(f"{name}={value}" for name, value in dimensions) or "none"


def compare_document(kf: Document, ax: Document) -> list[Difference]:
    """Every way the AX document differs from what the KashFlow one says AX should hold."""
    found: list[Difference] = []

    def diff(kind: str, kashflow: object, in_ax: object, amount: Decimal = ZERO) -> None:
        found.append(
            Difference(kf.entity, kind, kf.key, _fmt(kashflow), _fmt(in_ax), (ax.ax_key,), kf.currency, amount)
        )

    if kf.party and kf.party != ax.party:
        diff(Kind.PARTY, kf.party, ax.party)
    if kf.currency != ax.currency:
        diff(Kind.CURRENCY, kf.currency, ax.currency, kf.gross)
    if kf.rate is not None and ax.rate is not None and kf.rate != ax.rate:
        diff(Kind.RATE, kf.rate, ax.rate)
    if kf.date and ax.date and kf.date != ax.date:
        diff(Kind.DATE, kf.date, ax.date)
    for kind, mine, theirs in (
        (Kind.NET, kf.net, ax.net),
        (Kind.VAT, kf.vat, ax.vat),
        (Kind.GROSS, kf.gross, ax.gross),
    ):
        if kind in kf.amounts and kind in ax.amounts and mine != theirs:
            diff(kind, mine, theirs, mine - theirs)
    if kf.compare_lines:
        mine, theirs = _by_account(kf.lines), _by_account(ax.lines)
        if mine != theirs:
            at_stake = sum((abs(v - theirs.get(k, ZERO)) for k, v in mine.items()), ZERO)
            diff(Kind.ACCOUNTS, _describe_accounts(mine), _describe_accounts(theirs), at_stake)
    if kf.bank_account is not None and ax.bank_account is not None and kf.bank_account != ax.bank_account:
        diff(Kind.BANK_ACCOUNT, kf.bank_account, ax.bank_account, kf.gross)
    if kf.counter_account is not None and ax.counter_account is not None and kf.counter_account != ax.counter_account:
        diff(Kind.COUNTER_ACCOUNT, kf.counter_account, ax.counter_account, kf.gross)
    if ax.counter_account and ax.counter_account in kf.forbidden_counter_accounts:
        diff(Kind.COUNTER_ACCOUNT, "not a control account", ax.counter_account, kf.gross)
    if kf.dimension_sets is not None and ax.dimension_sets is not None and kf.dimension_sets != ax.dimension_sets:
        diff(
            Kind.DIMENSIONS,
            _multiset(_dimension_text(d) for d in kf.dimension_sets),
            _multiset(_dimension_text(d) for d in ax.dimension_sets),
        )
    if kf.compare_tax and kf.lines:
        if sorted(line.tax_group for line in kf.lines) != sorted(line.tax_group for line in ax.lines):
            diff(Kind.TAX_GROUP, _multiset(x.tax_group for x in kf.lines), _multiset(x.tax_group for x in ax.lines))
        mine_items = sorted((line.account, line.tax_item_group) for line in kf.lines)
        ax_items = sorted((line.account, line.tax_item_group) for line in ax.lines)
        if mine_items != ax_items:
            diff(
                Kind.TAX_ITEM_GROUP,
                _multiset(x.tax_item_group for x in kf.lines),
                _multiset(x.tax_item_group for x in ax.lines),
            )
    if kf.settles is not None and ax.settles is not None and kf.settles != ax.settles:
        diff(Kind.SETTLEMENT, f"settles {kf.settles}", f"settles {ax.settles or 'nothing'}", kf.gross)
    if kf.settled is not None and ax.settled is not None and kf.settled != ax.settled:
        diff(Kind.SETTLEMENT, f"settled {kf.settled:.2f}", f"settled {ax.settled:.2f}", kf.settled - ax.settled)
    if kf.status is not None and ax.status is not None and kf.status != ax.status:
        diff(Kind.STATUS, kf.status, ax.status)
    return found


# --- Comparing an entity ------------------------------------------------------------------------------------


def reconcile_entity(
    entity: str,
    kashflow: Iterable[Document],
    ax: Iterable[Document],
    *,
    links: dict[str, str],
    explained: dict[str, str] | None = None,
    ax_view: AxView | None = None,
) -> EntityResult:
    """Compare every KashFlow document of ``entity`` with the AX documents carrying its reference.

    ``links``: our RecordLinks, source key -> AX key. ``explained``: source key -> the stated reason a record is
    in the exception queue (or waiting); its differences are reported as explained and it is left out of the
    totals on both sides, so the totals that agree are the books without the records a person is handling.
    ``ax_view``: how AX was read (see ``AxView``); by default, a full list of what AX holds.
    """
    explained = explained or {}
    view = ax_view or AxView()
    result = EntityResult(entity, ax_listed=view.listed, ax_read=view.how)
    by_reference: dict[str, list[Document]] = defaultdict(list)
    for document in ax:
        by_reference[document.key].append(document)
        result.ax_documents += 1
    totals_kf: list[Document] = []
    totals_ax: list[Document] = []
    seen: set[str] = set()

    for kf in kashflow:
        seen.add(kf.key)
        reason = explained.get(kf.key, "")
        in_ax = by_reference.get(kf.key, [])
        found: list[Difference] = []
        if not kf.expected_in_ax:
            if kf.written_back:
                found.append(
                    Difference(entity, Kind.WRITTEN_BACK, kf.key, kf.written_back, "—", (), kf.currency, kf.gross)
                )
            for document in in_ax:
                found.append(
                    Difference(
                        entity,
                        Kind.UNEXPECTED_IN_AX,
                        kf.key,
                        kf.why_not_expected or "not for AX",
                        f"posted as {document.ax_key}",
                        (document.ax_key,),
                        document.currency,
                        document.gross,
                    )
                )
                totals_ax.append(document)
            result.differences.extend(_explain(found, reason))
            continue
        result.documents += 1
        linked = links.get(kf.key, "")
        drafts = [d for d in in_ax if not d.posted]
        unposted = bool(drafts) or (not in_ax and bool(linked) and view.posted_only and linked not in view.gone)
        if not reason and not unposted:
            totals_kf.append(kf)
            totals_ax.extend(in_ax)
        if unposted:
            where = ", ".join(d.ax_key for d in drafts) or linked
            found_unposted = Difference(
                entity,
                Kind.UNPOSTED,
                kf.key,
                f"{kf.gross:.2f} {kf.currency}",
                f"created as {where}, not posted",
                (where,),
                kf.currency,
                kf.gross,
                explained_by=f"an unposted draft in AX ({where}): {view.unposted_note}",
            )
            result.differences.append(found_unposted)
        if not in_ax and not unposted:
            if linked and linked in view.gone:
                in_ax_text = f"linked to {linked}: {view.gone[linked]}"
            elif linked:
                in_ax_text = f"linked to {linked}, which holds nothing for it"
            elif view.listed:
                in_ax_text = "absent"
            else:
                in_ax_text = f"absent (no link, and {view.how})"
            found.append(
                Difference(
                    entity,
                    Kind.MISSING_IN_AX,
                    kf.key,
                    f"{kf.gross:.2f} {kf.currency}",
                    in_ax_text,
                    (linked,) if linked else (),
                    kf.currency,
                    kf.gross,
                )
            )
        elif in_ax:
            if len(in_ax) > 1:
                found.append(
                    Difference(
                        entity,
                        Kind.DUPLICATED_IN_AX,
                        kf.key,
                        f"once, {kf.gross:.2f} {kf.currency}",
                        f"{len(in_ax)} times: " + ", ".join(d.ax_key for d in in_ax),
                        tuple(d.ax_key for d in in_ax),
                        kf.currency,
                        sum((d.gross for d in in_ax[1:]), ZERO),
                    )
                )
            ax_keys = {d.ax_key for d in in_ax}
            known = all(d.link_key_known for d in in_ax)
            if (known and linked not in ax_keys) or (not known and not linked):
                found.append(
                    Difference(
                        entity,
                        Kind.NOT_LINKED,
                        kf.key,
                        f"linked to {linked}" if linked else "no link",
                        "present as " + ", ".join(sorted(ax_keys)),
                        tuple(sorted(ax_keys)),
                        kf.currency,
                    )
                )
            target = next((d for d in in_ax if d.ax_key == linked), in_ax[0])
            found.extend(compare_document(kf, target))
        result.differences.extend(_explain(found, reason))

    for reference, documents in sorted(by_reference.items()):
        if reference in seen:
            continue
        for document in documents:
            result.differences.append(
                Difference(
                    entity,
                    Kind.UNEXPECTED_IN_AX,
                    reference,
                    "no KashFlow document",
                    f"posted as {document.ax_key}",
                    (document.ax_key,),
                    document.currency,
                    -document.gross,
                )
            )
            totals_ax.append(document)
    result.totals = totals(entity, totals_kf, totals_ax)
    return result


@dataclass(frozen=True)
class AxView:
    """How the AX side of an entity was read, which decides what an absence means.

    ``listed``: AX listed every document of the entity (a service with find or getKeys), so a document in AX
    without a KashFlow counterpart or a link is seen; False when AX could only be read by the keys we hold
    (create/read-only journal services): what we never linked cannot be seen, and the report says so.
    ``posted_only``: AX shows posted documents only (customer transactions): a linked document AX does not show
    is a draft not posted yet, unless it is in ``gone``. ``gone``: linked AX keys that could not be read, or that AX
    showed posted before and no longer shows (a posting AX lost), with why: a difference, never a draft. ``how``:
    the sentence the report gives for how AX was read. ``unposted_note``: what the accountant does about a draft.
    """

    listed: bool = True
    posted_only: bool = False
    gone: dict[str, str] = field(default_factory=dict)
    how: str = "AX listed every document"
    unposted_note: str = "post it in AX; until then it is in neither AX's books nor these totals"


def _explain(found: list[Difference], reason: str) -> list[Difference]:
    if not reason:
        return found
    return [
        Difference(d.entity, d.kind, d.key, d.kashflow, d.ax, d.ax_keys, d.currency, d.amount, reason) for d in found
    ]


def totals(entity: str, kashflow: Iterable[Document], ax: Iterable[Document]) -> list[Total]:
    """Gross, net and VAT per currency, gross per party and currency, postings per account and currency."""
    sums: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    kashflow, ax = list(kashflow), list(ax)
    carried = {m for m in ("gross", "net", "vat") if all(m in d.amounts for d in kashflow + ax)}
    with_lines = all(d.compare_lines for d in kashflow)
    # per customer/supplier: the gross where both sides carry it, else the net (a pending vendor invoice)
    party_measure = "gross" if "gross" in carried else ("net" if "net" in carried else "")
    with_bank = all(d.bank_account is not None for d in kashflow + ax)
    for side, documents in ((0, kashflow), (1, ax)):
        for d in documents:
            for measure, amount in (("gross", d.gross), ("net", d.net), ("vat", d.vat)):
                if measure in carried:
                    sums[("currency", measure, d.currency)][side] += amount
            if d.party and party_measure:
                sums[("party", d.party, d.currency)][side] += getattr(d, party_measure)
            for line in d.lines if with_lines else ():
                sums[("account", line.account, d.currency)][side] += line.amount
            if with_bank and d.bank_account:
                sums[("account", d.bank_account, d.currency)][side] += d.gross
    out = []
    for (by, name, currency), (mine, theirs) in sorted(sums.items()):
        out.append(Total(entity, by, name, currency, mine, theirs))
    return out
