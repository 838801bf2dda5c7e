"""Bids (投标报价): the price screens run over a tender's bids once its opening hall has read them
all out, and the screens on the evaluation's outcome.

At the end of the reading out (``hall.reading_finished``, docs/opening.md) the tender's
``hall.read_out`` facts give, per lot, every opened bid's price as read out (唱标): the bids that
were not opened (revoked, withdrawn, lot failed) carry no price and are left out. On them:

* ``bid.identical_price``: two or more bids of a lot at the same price.
* ``bid.price_pattern``: prices in arithmetic progression, or too little spread (coefficient of
  variation), or all crowded just below the lot's ceiling price (Regs Art 40 (4)).
* ``bid.cover_pattern``: the lowest bid far below a tight group of the others (Imhof's screens).
* ``bid.abnormally_low``: a bid below the low fence of its peers.

At ``evaluation.report_ready`` (docs/evaluation.md), the committee's first candidate:

* ``award.far_below_ceiling``: its evaluated price far below the lot's ceiling.
* ``bid.rotation``: the same few bidders taking turns winning one tenderer's tenders.

Statistics are exact ``Decimal`` arithmetic on the prices as read out (no float): the mean, the
sample standard deviation s = sqrt(Σ(x − mean)² / (n − 1)), the coefficient of variation
CV = s / mean. Screens need enough bids (DOMAIN.md §5): 3 for the coefficient of variation, the
ceiling crowding and the abnormally low price (as the session's own check,
``evaluation.scoring.prices.abnormally_low``); 4 for the progression (three equal gaps) and the
cover screens (the losers' spread from three bids); 2 for identical prices.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors import fences
from audit.detectors.base import Fact, Scope, Severity, detector, reads_back
from audit.detectors.reads import read, read_many
from audit.ledger.models import IndexedEvent, LedgerEntry
from bidhall.accounts.models import Organisation
from evaluation.scoring.prices import abnormally_low as session_abnormally_low
from trading.bids.models import Bid
from trading.opening.models import Opening
from trading.tenders.models import Lot, Tender

READ_OUT = "hall.read_out"
FINISHED = "hall.reading_finished"
REPORT_READY = "evaluation.report_ready"
RESULTS = "evaluation.results"
reads_back(READ_OUT, RESULTS)
OPENED = ("decrypted", "recovered")  # outcomes whose items (and price) were read out
MIN_BIDS = 3  # CV, ceiling crowding, abnormally low (DOMAIN.md §5)
# Imhof's screens over the whole lot and over the lowest 3 and lowest 4 bids (the winner and
# its nearest competitors): a tight group of covers next to the winner is seen even when an
# outsider's far bid widens the whole lot's spread
COVER_GROUPS = (4,)  # besides the whole lot: its lowest four bids
MIN_COVER_BIDS = 4  # s of the losing bids from at least three of them
MIN_PROGRESSION_BIDS = 4  # three equal gaps: two equal gaps are a chance in a hundred
CV_FENCE = Decimal("0.05")  # the coefficient of variation's data-driven fence: 5th percentile
PRECISION = 28
FIGURE = Decimal("0.000001")  # figures in alerts: six decimals (comparisons use full precision)


# --- read models --------------------------------------------------------------------------------


@read_many("bids.tender", by="tender_id")
def read_tenders(session: Session, tender_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each tender's category, rule set, tenderer and each lot's ceiling price (lot -> str);
    ``{}`` for a tender not found."""
    found: dict[int, dict[str, Any]] = {tender_id: {} for tender_id in tender_ids}
    for tender_id, category, rule_set, tenderer_id in session.execute(
        select(Tender.id, Tender.category, Tender.rule_set, Tender.tenderer_id).where(
            Tender.id.in_(list(found))
        )
    ):
        found[tender_id] = {
            "category": category,
            "rule_set": rule_set,
            "tenderer_id": tenderer_id,
            "ceilings": {},
        }
    known = [tender_id for tender_id, tender in found.items() if tender]
    if known:
        for tender_id, number, price in session.execute(
            select(Lot.tender_id, Lot.number, Lot.ceiling_price).where(Lot.tender_id.in_(known))
        ):
            found[tender_id]["ceilings"][number] = str(price)
    return found


@read("bids.comparable_lots")
def read_comparable_lots(
    session: Session, tender_id: int, category: str, rule_set: str, up_to: int, recent: int = 1000
) -> list[dict[str, Any]]:
    """The lots of the ``recent`` tenders comparable to ``tender_id`` (the same ``category`` and
    ``rule_set``, DOMAIN.md §5; the caller has the tender's from ``bids.tender``) whose reading
    out finished last before ledger seq ``up_to``: ``{"tender_id", "lot", "prices": [str],
    "ceiling": str}``, the prices as read out. The most recent ones: a fence follows the market
    as it is, and its cost stays bounded however old the platform."""
    peers = select(Tender.id).where(
        Tender.category == category,
        Tender.rule_set == rule_set,
        Tender.id != tender_id,
    )
    finished = list(
        session.scalars(
            select(IndexedEvent.tender_id)
            .where(
                IndexedEvent.type == FINISHED,
                IndexedEvent.seq < up_to,
                IndexedEvent.tender_id.in_(peers),
            )
            .order_by(IndexedEvent.seq.desc())
            .limit(recent)
        )
    )
    if not finished:
        return []
    rows = session.execute(
        select(IndexedEvent.tender_id, LedgerEntry.payload)
        .join(LedgerEntry, LedgerEntry.seq == IndexedEvent.seq)
        .where(
            IndexedEvent.type == READ_OUT,
            IndexedEvent.tender_id.in_(finished),
            IndexedEvent.seq < up_to,
        )
        .order_by(IndexedEvent.seq)
    ).all()
    ceilings = {
        (tender, number): str(price)
        for tender, number, price in session.execute(
            select(Lot.tender_id, Lot.number, Lot.ceiling_price).where(Lot.tender_id.in_(finished))
        )
    }
    lots: dict[tuple[int, int], list[str]] = defaultdict(list)
    for peer, payload in rows:
        priced = _priced(json.loads(payload))
        if priced is not None:
            lots[(peer, priced[0])].append(str(priced[2]))
    return [
        {"tender_id": peer, "lot": lot, "prices": prices, "ceiling": ceilings.get((peer, lot))}
        for (peer, lot), prices in sorted(lots.items())
    ]


@read("bids.tenderer_awards")
def read_tenderer_awards(session: Session, tenderer_id: int, up_to: int) -> dict[str, Any]:
    """The evaluated tenders of the tenderer (an organisation: the caller has a tender's from
    ``bids.tender``) up to ledger seq ``up_to``, in the order of their (last)
    ``evaluation.report_ready``: ``{"tenderer": {"organisation_id", "name"}, "tenders":
    [{"tender_id", "seq", "winner_bid", "winner", "bidders": {org: name}}]}``. The winner is the
    organisation of the rank 1 candidate; the bidders are the organisations of every bid its
    opening locked (its read order)."""
    tenderer = session.get(Organisation, tenderer_id)
    if tenderer is None:
        return {"tenderer": None, "tenders": []}
    rows = session.execute(
        select(IndexedEvent.tender_id, IndexedEvent.seq, LedgerEntry.payload)
        .join(LedgerEntry, LedgerEntry.seq == IndexedEvent.seq)
        .join(Tender, Tender.id == IndexedEvent.tender_id)
        .where(
            IndexedEvent.type == REPORT_READY,
            IndexedEvent.seq <= up_to,
            Tender.tenderer_id == tenderer_id,
        )
        .order_by(IndexedEvent.seq)
    ).all()
    last: dict[int, tuple[int, int | None]] = {}  # tender -> (seq, rank 1 bid) of its last report
    for peer, seq, payload in rows:
        candidates = json.loads(payload).get("candidates") or []
        first = next((c.get("bid_id") for c in candidates if c.get("rank") == 1), None)
        last.pop(peer, None)  # a re-evaluated tender counts at its last report
        last[peer] = (seq, first)
    if not last:
        return {"tenderer": {"organisation_id": tenderer.id, "name": tenderer.name}, "tenders": []}
    orders = dict(
        session.execute(
            select(Opening.tender_id, Opening.read_order).where(Opening.tender_id.in_(list(last)))
        ).all()
    )
    bid_ids = {bid for order in orders.values() for bid in order or []}
    bid_ids |= {first for _, first in last.values() if first is not None}
    bids = {
        bid: (peer, org, name)
        for bid, peer, org, name in session.execute(
            select(Bid.id, Bid.tender_id, Organisation.id, Organisation.name)
            .join(Organisation, Organisation.id == Bid.organisation_id)
            .where(Bid.id.in_(sorted(bid_ids)))
        )
    }
    tenders = []
    for peer, (seq, first) in sorted(last.items(), key=lambda item: item[1][0]):
        bidders = {bids[bid][1]: bids[bid][2] for bid in orders.get(peer) or [] if bid in bids}
        winner = bids.get(first)
        tenders.append(
            {
                "tender_id": peer,
                "seq": seq,
                "winner_bid": first,
                "winner": winner[1] if winner else None,
                "winner_name": winner[2] if winner else None,
                "bidders": bidders,
            }
        )
    return {
        "tenderer": {"organisation_id": tenderer.id, "name": tenderer.name},
        "tenders": tenders,
    }


@read("bids.bidders")
def read_bidders(session: Session, bid_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """bid -> ``{"organisation_id", "name", "lot"}``."""
    rows = session.execute(
        select(Bid.id, Bid.lot_number, Organisation.id, Organisation.name)
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .where(Bid.id.in_([int(b) for b in bid_ids]))
    ).all()
    return {bid: {"organisation_id": org, "name": name, "lot": lot} for bid, lot, org, name in rows}


# --- the prices read out ------------------------------------------------------------------------


@dataclass(frozen=True)
class Priced:
    """One opened bid as the hall read it out."""

    seq: int  # its hall.read_out in the ledger
    bid_no: int  # its number in the hall (the read order)
    bidder: str
    price: Decimal


def _priced(payload: dict[str, Any]) -> tuple[int, int, Decimal] | None:
    """(lot, bid_no, price) of a ``hall.read_out`` payload, or None for a bid not opened."""
    if payload.get("outcome") not in OPENED:
        return None
    items = dict(pair for pair in payload.get("items") or [] if len(pair) == 2)
    price = _decimal(items.get("price"))
    lot = items.get("lot", payload.get("lot"))
    if price is None or price <= 0 or not isinstance(lot, int):
        return None  # a price of nothing is no price to screen
    return lot, int(payload.get("bid_no") or 0), price


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _lots(scope: Scope) -> dict[int, list[Priced]]:
    """lot -> its opened bids, in the read order, from the tender's ``hall.read_out`` facts."""
    lots: dict[int, list[Priced]] = defaultdict(list)
    for fact in scope.tender_history(READ_OUT):
        priced = _priced(fact.payload)
        if priced is not None:
            lot, number, price = priced
            lots[lot].append(Priced(fact.seq, number, str(fact.payload.get("bidder")), price))
    return dict(lots)


# --- statistics (exact) -------------------------------------------------------------------------


def _mean(values: Sequence[Decimal]) -> Decimal:
    with localcontext() as context:
        context.prec = PRECISION
        return sum(values, Decimal(0)) / len(values)


def _stdev(values: Sequence[Decimal]) -> Decimal:
    """The sample standard deviation (n − 1), of at least two values."""
    with localcontext() as context:
        context.prec = PRECISION
        mean = _mean(values)
        return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)).sqrt()


def _cv(values: Sequence[Decimal]) -> Decimal | None:
    """s / mean, or None when the mean is not positive."""
    mean = _mean(values)
    if mean <= 0:
        return None
    with localcontext() as context:
        context.prec = PRECISION
        return _stdev(values) / mean


def _fig(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(FIGURE))


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _numbers(bids: Iterable[Priced]) -> str:
    return ", ".join(str(bid.bid_no) for bid in bids)


def _comparable(scope: Scope, fact: Fact) -> tuple[list[dict], int]:
    """The comparable tenders' lots read out before this fact, and how many tenders they are."""
    tender = scope.read("bids.tender", tender_id=scope.tender_id)
    if not tender:
        return [], 0
    lots = scope.read(
        "bids.comparable_lots",
        tender_id=scope.tender_id,
        category=tender["category"],
        rule_set=tender["rule_set"],
        up_to=fact.seq,
        recent=int(scope.setting("AUDIT_FENCE_RECENT_TENDERS")),
    )
    return lots, len({lot["tender_id"] for lot in lots})


# --- at the end of the reading out --------------------------------------------------------------


@detector(
    "bid.identical_price",
    basis="Regs Art 40 (4): bids whose prices show a pattern are deemed collusive",
    on=(FINISHED,),
)
def identical_price(fact: Fact, scope: Scope):
    for lot, bids in sorted(_lots(scope).items()):
        same: dict[Decimal, list[Priced]] = defaultdict(list)
        for bid in bids:
            same[bid.price].append(bid)
        for price, group in sorted(same.items()):
            if len(group) < 2:
                continue
            yield scope.finding(
                "bid.identical_price",
                f"tender:{scope.tender_id}:lot:{lot}:price:{price}",
                Severity.RED,
                f"bids {_numbers(group)} of lot {lot} ({', '.join(b.bidder for b in group)}) "
                f"were read out at the same price, {_money(price)}",
                [fact.seq, *(b.seq for b in group)],
                figures={
                    "lot": lot,
                    "price": str(price),
                    "bids": [b.bid_no for b in group],
                    "bidders": [b.bidder for b in group],
                },
                threshold={"kind": "fixed", "rule": "two or more bids of a lot at one price"},
                subject=f"bids {_numbers(group)}",
            )


@detector(
    "bid.price_pattern",
    basis="Regs Art 40 (4): bids whose prices show a regular pattern are deemed collusive",
    on=(FINISHED,),
)
def price_pattern(fact: Fact, scope: Scope):
    lots = _lots(scope)
    if not any(len(bids) >= MIN_BIDS for bids in lots.values()):
        return
    tender = scope.read("bids.tender", tender_id=scope.tender_id)
    comparable: tuple[list[dict], int] | None = None
    for lot, bids in sorted(lots.items()):
        if len(bids) < MIN_BIDS:
            continue
        seqs = [fact.seq, *(b.seq for b in bids)]
        subject = f"lot {lot}: bids {_numbers(bids)}"
        tolerance = Decimal(str(scope.setting("AUDIT_PRICE_PROGRESSION_TOLERANCE")))
        progression = _progression(bids, tolerance) if len(bids) >= MIN_PROGRESSION_BIDS else None
        if progression is not None:
            yield scope.finding(
                "bid.price_pattern",
                f"tender:{scope.tender_id}:lot:{lot}:progression",
                Severity.YELLOW,
                f"the {len(bids)} prices of lot {lot} are in arithmetic progression: "
                f"{', '.join(_money(p) for p in progression['prices'])}, each "
                f"{_money(progression['mean_gap'])} apart within "
                f"{tolerance:%} of that gap",
                seqs,
                figures={
                    "lot": lot,
                    "prices": [str(p) for p in progression["prices"]],
                    "gaps": [str(g) for g in progression["gaps"]],
                    "mean_gap": _fig(progression["mean_gap"]),
                    "largest_deviation": _fig(progression["deviation"]),
                },
                threshold={
                    "kind": "fixed",
                    "rule": "every gap between neighbouring prices within tolerance × mean gap",
                    "tolerance": str(tolerance),
                },
                subject=subject,
            )
        prices = [b.price for b in bids]
        cv = _cv(prices)
        if cv is not None:
            if comparable is None:
                comparable = _comparable(scope, fact)
            finding = _dispersion(fact, scope, lot, bids, cv, comparable, seqs, subject)
            if finding is not None:
                yield finding
        ceiling = _decimal((tender.get("ceilings") or {}).get(lot))
        share = Decimal(str(scope.setting("AUDIT_PRICE_CEILING_SHARE")))
        if ceiling is not None and ceiling > 0:
            below = [(ceiling - p) / ceiling for p in prices]
            if all(0 <= b <= share for b in below):
                yield scope.finding(
                    "bid.price_pattern",
                    f"tender:{scope.tender_id}:lot:{lot}:ceiling",
                    Severity.YELLOW,
                    f"all {len(bids)} prices of lot {lot} lie within {share:%} below its "
                    f"ceiling price {_money(ceiling)} (from {_money(min(prices))} to "
                    f"{_money(max(prices))})",
                    seqs,
                    figures={
                        "lot": lot,
                        "ceiling": str(ceiling),
                        "prices": [str(p) for p in prices],
                        "largest_share_below": _fig(max(below)),
                    },
                    threshold={
                        "kind": "fixed",
                        "rule": "every price in [ceiling × (1 − share), ceiling]",
                        "share": str(share),
                    },
                    subject=subject,
                )


def _progression(bids: Sequence[Priced], tolerance: Decimal) -> dict[str, Any] | None:
    """The prices sorted, their gaps and how far the gaps stray from their mean, when every
    gap is positive and within ``tolerance`` (a share) of the mean gap; else None."""
    prices = sorted(b.price for b in bids)
    gaps = [high - low for low, high in zip(prices, prices[1:], strict=False)]
    if any(gap <= 0 for gap in gaps):
        return None  # equal prices are bid.identical_price's
    mean_gap = _mean(gaps)
    deviation = max(abs(gap - mean_gap) for gap in gaps)
    if deviation > tolerance * mean_gap:
        return None
    return {"prices": prices, "gaps": gaps, "mean_gap": mean_gap, "deviation": deviation}


def _dispersion(
    fact: Fact,
    scope: Scope,
    lot: int,
    bids: Sequence[Priced],
    cv: Decimal,
    comparable: tuple[list[dict], int],
    seqs: Sequence[int],
    subject: str,
):
    """The coefficient of variation below the fixed floor, or (with enough comparable tenders)
    below the 5th percentile of the comparable lots' coefficients of variation."""
    floor = Decimal(str(scope.setting("AUDIT_PRICE_CV_FLOOR")))
    lots, tenders = comparable
    fence = None
    if tenders >= int(scope.setting("AUDIT_FENCE_MIN_TENDERS")):
        values = [
            value
            for peer in lots
            if len(peer["prices"]) >= MIN_BIDS
            and (value := _cv([Decimal(p) for p in peer["prices"]])) is not None
        ]
        fence = fences.fifth_percentile(values, minimum=1) if values else None
    if cv < floor:
        threshold = {
            "kind": "fixed",
            "rule": "coefficient of variation < floor",
            "floor": str(floor),
        }
    elif fence is not None and cv < fence:
        threshold = fences.percentile_threshold(fence, CV_FENCE, tenders) | {
            "rule": "coefficient of variation < 5th percentile of comparable tenders' lots"
        }
    else:
        return None
    prices = [b.price for b in bids]
    used = "the floor" if threshold["kind"] == "fixed" else "the comparable tenders' 5th percentile"
    limit = floor if threshold["kind"] == "fixed" else fence
    return scope.finding(
        "bid.price_pattern",
        f"tender:{scope.tender_id}:lot:{lot}:dispersion",
        Severity.YELLOW,
        f"the {len(bids)} prices of lot {lot} vary too little: coefficient of variation "
        f"{cv:.4%}, below {used} {limit:.4%}",
        seqs,
        figures={
            "lot": lot,
            "prices": [str(p) for p in prices],
            "mean": _fig(_mean(prices)),
            "stdev": _fig(_stdev(prices)),
            "cv": _fig(cv),
            "fence": _fig(fence),
        },
        threshold=threshold,
        subject=subject,
    )


@detector(
    "bid.cover_pattern",
    basis="Imhof (2018); Huber & Imhof (2019): a winner far below a tight group of cover bids",
    on=(FINISHED,),
)
def cover_pattern(fact: Fact, scope: Scope):
    """Over each lot's opened bids sorted b1 <= b2 <= ... <= bn (n >= 4), and again over its
    lowest 4 bids when the lot has more:

    * relative distance RD = (b2 − b1) / s(b2..bn), s the sample standard deviation of the
      losing bids (not computed when the losing bids are all equal: bid.identical_price);
    * normalised distance ND = (n − 1)(b2 − b1) / Σ(b(i+1) − bi) = (n − 1)(b2 − b1) / (bn − b1),
      the first gap over the mean gap between neighbouring bids.

    Both above AUDIT_COVER_DISTANCE in one group (the winner far below the losers' spread and
    far beyond the mean gap) raises one alert per lot, citing every group it measured.
    docs/audit.md explains the calibration: on competitive prices either measure alone passes
    DOMAIN.md's 1 in most lots."""
    limit = Decimal(str(scope.setting("AUDIT_COVER_DISTANCE")))
    for lot, bids in sorted(_lots(scope).items()):
        if len(bids) < MIN_COVER_BIDS:
            continue
        ordered = sorted(bids, key=lambda b: (b.price, b.bid_no))
        groups = [("the whole lot", ordered)] + [
            (f"the lowest {size} bids", ordered[:size])
            for size in COVER_GROUPS
            if size < len(ordered)
        ]
        measured = [_distances(label, group) for label, group in groups]
        over = [
            m
            for m in measured
            if m["rd"] is not None
            and m["nd"] is not None
            and Decimal(m["rd"]) > limit
            and Decimal(m["nd"]) > limit
        ]
        if not over:
            continue
        worst = max(over, key=lambda m: (Decimal(m["nd"]), Decimal(m["rd"])))
        yield scope.finding(
            "bid.cover_pattern",
            f"tender:{scope.tender_id}:lot:{lot}",
            Severity.YELLOW,
            f"in lot {lot} the lowest bid, {worst['lowest']}, lies far below the next: "
            f"relative distance {Decimal(worst['rd']):.3f} and normalised distance "
            f"{Decimal(worst['nd']):.3f} over {worst['group']}, both above {limit}",
            [fact.seq, *(b.seq for b in bids)],
            figures={"lot": lot, "groups": measured},
            threshold={
                "kind": "fixed",
                "rule": "relative distance > limit and normalised distance > limit, over the "
                "lot or its lowest "
                + " or lowest ".join(str(size) for size in COVER_GROUPS)
                + " bids",
                "limit": str(limit),
            },
            subject=f"lot {lot}: bid {ordered[0].bid_no}",
        )


def _distances(label: str, group: Sequence[Priced]) -> dict[str, Any]:
    """RD and ND of bids sorted by price (at least 4)."""
    prices = [b.price for b in group]
    first_gap = prices[1] - prices[0]
    spread = _stdev(prices[1:])
    span = prices[-1] - prices[0]
    with localcontext() as context:
        context.prec = PRECISION
        rd = first_gap / spread if spread > 0 else None
        nd = (len(prices) - 1) * first_gap / span if span > 0 else None
    return {
        "group": label,
        "bids": [b.bid_no for b in group],
        "prices": [str(p) for p in prices],
        "lowest": f"bid {group[0].bid_no} at {_money(prices[0])}",
        "rd": _fig(rd),
        "nd": _fig(nd),
        "losing_stdev": _fig(spread),
    }


@detector(
    "bid.abnormally_low",
    basis="GP-87: the committee asks a bidder whose price is abnormally low to explain it",
    on=(FINISHED,),
)
def abnormally_low(fact: Fact, scope: Scope):
    """With AUDIT_FENCE_MIN_TENDERS comparable tenders read out before, a bid whose price over
    its lot's ceiling lies below Q1 − 1.5·IQR of every comparable bid's price over its lot's
    ceiling; with fewer, the session's own rule: a price below EVALUATION_ABNORMALLY_LOW_RATIO
    × the mean of the other bids of its lot (3 bids at least)."""
    lots = _lots(scope)
    if not any(len(bids) >= MIN_BIDS for bids in lots.values()):
        return
    peers, tenders = _comparable(scope, fact)
    fence = None
    if tenders >= int(scope.setting("AUDIT_FENCE_MIN_TENDERS")):
        ratios = [
            Decimal(price) / Decimal(peer["ceiling"])
            for peer in peers
            if _decimal(peer["ceiling"])
            for price in peer["prices"]
        ]
        fence = fences.iqr_fence(ratios, minimum=1) if ratios else None
    ceilings = scope.read("bids.tender", tender_id=scope.tender_id).get("ceilings") or {}
    ratio = Decimal(str(scope.setting("EVALUATION_ABNORMALLY_LOW_RATIO")))
    for lot, bids in sorted(lots.items()):
        if len(bids) < MIN_BIDS:
            continue
        ceiling = _decimal(ceilings.get(lot))
        if fence is not None and ceiling:
            low = {
                b.bid_no: (b.price / ceiling).quantize(FIGURE)
                for b in bids
                if b.price / ceiling < fence.low
            }
            threshold = fence.threshold("low") | {
                "tenders": tenders,
                "values": fence.count,
                "rule": "price / ceiling < Q1 − 1.5·IQR of comparable bids' price / ceiling",
            }
        else:
            flagged = session_abnormally_low({b.bid_no: b.price for b in bids}, ratio=ratio)
            low = {number: None for number in flagged}
            threshold = {
                "kind": "fixed",
                "rule": "price < ratio × the mean of the other bids of the lot",
                "ratio": str(ratio),
            }
        for bid in bids:
            if bid.bid_no not in low:
                continue
            others = [b.price for b in bids if b is not bid]
            mean_others = _mean(others)
            compared = (
                f"its price over the ceiling, {low[bid.bid_no]}, is below the comparable "
                f"tenders' low fence {fence.low.quantize(FIGURE)}"
                if low[bid.bid_no] is not None
                else f"below {ratio} × the mean of the other bids ({_money(mean_others)})"
            )
            yield scope.finding(
                "bid.abnormally_low",
                f"tender:{scope.tender_id}:lot:{lot}:bid:{bid.bid_no}",
                Severity.YELLOW,
                f"bid {bid.bid_no} of lot {lot} ({bid.bidder}) at {_money(bid.price)} is "
                f"abnormally low: {compared}",
                [fact.seq, *(b.seq for b in bids)],
                figures={
                    "lot": lot,
                    "bid": bid.bid_no,
                    "bidder": bid.bidder,
                    "price": str(bid.price),
                    "mean_of_others": _fig(mean_others),
                    "ceiling": None if ceiling is None else str(ceiling),
                    "price_over_ceiling": _fig(bid.price / ceiling) if ceiling else None,
                },
                threshold=threshold,
                subject=f"bid {bid.bid_no}",
            )


# --- at the evaluation's report -----------------------------------------------------------------


def _first_candidate(fact: Fact) -> int | None:
    candidates = fact.payload.get("candidates") or []
    return next((c.get("bid_id") for c in candidates if c.get("rank") == 1), None)


@detector(
    "award.far_below_ceiling",
    basis="centres' practice: an award far below the ceiling (inflated estimate, or a price the "
    "contract will raise later)",
    on=(REPORT_READY,),
)
def far_below_ceiling(fact: Fact, scope: Scope):
    """The first candidate's evaluated price (the session's last ``evaluation.results``: the
    read-out price, or the confirmed correction) at least AUDIT_AWARD_BELOW_CEILING_SHARE below
    its lot's ceiling. Raised at the committee's report: the award itself is a later step."""
    first = _first_candidate(fact)
    results = scope.history(RESULTS)
    if first is None or not results:
        return
    lot = next(
        (item for item in results[-1].payload.get("lots") or [] if str(first) in item["prices"]),
        None,
    )
    if lot is None:
        return
    price = Decimal(lot["prices"][str(first)])
    ceiling = _decimal(
        (scope.read("bids.tender", tender_id=scope.tender_id).get("ceilings") or {}).get(lot["lot"])
    )
    if not ceiling:
        return
    share = Decimal(str(scope.setting("AUDIT_AWARD_BELOW_CEILING_SHARE")))
    below = (ceiling - price) / ceiling
    if below < share:
        return
    bidder = scope.read("bids.bidders", bid_ids=[first]).get(first, {})
    yield scope.finding(
        "award.far_below_ceiling",
        f"tender:{scope.tender_id}:lot:{lot['lot']}:bid:{first}",
        Severity.YELLOW,
        f"the first candidate of lot {lot['lot']}, bid {first} ({bidder.get('name')}), is "
        f"evaluated at {_money(price)}, {below:.2%} below the ceiling price {_money(ceiling)}",
        [fact.seq, results[-1].seq],
        figures={
            "lot": lot["lot"],
            "bid_id": first,
            "bidder": bidder.get("name"),
            "price": str(price),
            "ceiling": str(ceiling),
            "share_below": _fig(below),
        },
        threshold={
            "kind": "fixed",
            "rule": "(ceiling − first candidate's price) / ceiling ≥ share",
            "share": str(share),
        },
        subject=f"bid {first}",
    )


@detector(
    "bid.rotation",
    basis="centres' practice; OECD Guidelines for Fighting Bid Rigging: bid rotation",
    on=(REPORT_READY,),
)
def rotation(fact: Fact, scope: Scope):
    """Over the tenderer's last k evaluated tenders (k from all of them down to
    AUDIT_ROTATION_MIN_TENDERS; the largest k that holds is reported), this one included: at
    least two different organisations won them, every winner bid in every one of the k
    tenders, and so no outsider won. The alert is keyed by the tenderer and the set of winners:
    the same ring winning on raises nothing new."""
    need = int(scope.setting("AUDIT_ROTATION_MIN_TENDERS"))
    tender = scope.read("bids.tender", tender_id=scope.tender_id)
    if not tender:
        return  # no tenderer: nothing to rotate
    awards = scope.read("bids.tenderer_awards", tenderer_id=tender["tenderer_id"], up_to=fact.seq)
    tenders = awards["tenders"]
    if len(tenders) < need or tenders[-1]["tender_id"] != scope.tender_id:
        return
    for size in range(len(tenders), need - 1, -1):
        window = tenders[-size:]
        winners = {t["winner"] for t in window}
        if None in winners or len(winners) < 2:
            continue
        if not all(winner in t["bidders"] for t in window for winner in winners):
            continue
        break
    else:
        return
    names = {t["winner"]: t["winner_name"] for t in window}
    ring = sorted(winners)
    tenderer = awards["tenderer"]
    turns = [f"tender {t['tender_id']}: {t['winner_name']}" for t in window]
    yield scope.finding(
        "bid.rotation",
        f"tenderer:{tenderer['organisation_id']}:winners:{','.join(map(str, ring))}",
        Severity.YELLOW,
        f"{len(ring)} bidders ({', '.join(names[o] for o in ring)}) took turns winning the last "
        f"{size} evaluated tenders of {tenderer['name']} ({'; '.join(turns)}), each of them "
        f"bidding in every one",
        [t["seq"] for t in window],
        figures={
            "tenderer": tenderer,
            "winners": [{"organisation_id": o, "name": names[o]} for o in ring],
            "tenders": [
                {
                    "tender_id": t["tender_id"],
                    "winner": t["winner"],
                    "winner_bid": t["winner_bid"],
                    "bidders": sorted(t["bidders"]),
                }
                for t in window
            ],
        },
        threshold={
            "kind": "fixed",
            "rule": "over the tenderer's last k ≥ N evaluated tenders: ≥ 2 winners, each of "
            "whom bid in all k",
            "tenders": need,
        },
        subject=", ".join(names[o] for o in ring),
    )
