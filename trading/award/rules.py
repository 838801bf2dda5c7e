"""Pure award rules: the states, the legal time limits of publicity, objections, award and
contract (DOMAIN.md §2 steps 9-12), and the checks on a decision and a contract."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from bidhall import lottery
from bidhall.errors import Conflict, InvalidInput, RuleViolation
from trading.tenders.rules import AWARD_METHODS


class AwardState(enum.StrEnum):
    REPORTED = "reported"  # the committee's report arrived: its candidates are to be published
    PUBLICITY = "publicity"  # the candidates are public (公示); objections may be raised
    AWARDED = "awarded"  # decided: the award and result notices went out; the contract is due
    CONTRACTED = "contracted"  # the contract is signed: refunds and releases are due
    FAILED = "failed"  # the report named no candidate (every bid rejected): re-tender the lot


# Regs Art 54: the candidates are published within 3 days of receiving the report, for at
# least 3 days; an objection to the result is answered within 3 days and the award waits
PUBLISH_WITHIN = timedelta(days=3)
MIN_PUBLICITY_DAYS = 3
MAX_PUBLICITY_DAYS = 30  # no rule; longer than a month only delays the award
OBJECTION_ANSWER_WITHIN = timedelta(days=3)
# Law Art 46: the contract within 30 days of the award notice
CONTRACT_WITHIN = timedelta(days=30)
# Regs Art 58: the performance security is at most 10% of the contract amount
PERFORMANCE_SECURITY_MAX_RATE = Decimal("0.10")

# how the award is decided: the first candidate, unless the documents separate the evaluation
# from the award (评定分离), when the tenderer's award committee chooses among the candidates by
# its vote, a price competition or a lottery (trading.tenders.rules.AWARD_METHODS)
METHODS = AWARD_METHODS

# the award committee (定标委员会) votes with an odd number of members, at least 5, each ballot
# naming a candidate and the member's reason; the most votes win, a tie at the top votes again
MIN_COMMITTEE = 5

LOTTERY_FORMAT = "bidhall-award-lottery/1"

# why a candidate other than the first is awarded (Regs Art 55): the first gave up, did not give
# the performance security, or was found ineligible (e.g. on an objection upheld)
BYPASS_REASONS = ("gave_up", "no_performance_security", "ineligible")


def publish_due(received_at: datetime) -> datetime:
    return received_at + PUBLISH_WITHIN


def check_publicity_days(value: object) -> int:
    days = _whole_number(value, "days")
    if not MIN_PUBLICITY_DAYS <= days <= MAX_PUBLICITY_DAYS:
        raise RuleViolation(
            f"days: the publicity lasts {MIN_PUBLICITY_DAYS} to {MAX_PUBLICITY_DAYS} days "
            "(at least 3, Regs Art 54)",
            code="publicity_too_short" if days < MIN_PUBLICITY_DAYS else "publicity_too_long",
            field="days",
        )
    return days


def publicity_end(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


def check_state(state: str, *allowed: AwardState, why: str) -> None:
    if state not in allowed:
        raise Conflict(f"{why} (the award is {state})", code="wrong_award_state", state=state)


def check_objection_window(start: datetime | None, end: datetime | None, now: datetime) -> None:
    """Objections to the result are raised during the publicity (Regs Art 54)."""
    if start is None or end is None or now < start:
        raise RuleViolation(
            "objections to the result are raised once the candidates are published",
            code="publicity_not_started",
        )
    if now >= end:
        raise RuleViolation(
            "the publicity is over: objections to the result were due during it "
            "(a complaint goes to the supervisor)",
            code="publicity_over",
        )


def objection_answer_due(raised_at: datetime) -> datetime:
    return raised_at + OBJECTION_ANSWER_WITHIN


def check_decidable(end: datetime | None, now: datetime, open_objections: int) -> None:
    """The award waits for the publicity's end and for every objection's answer."""
    if end is None or now < end:
        raise RuleViolation(
            "the award is decided once the candidates' publicity is over (Regs Art 54)",
            code="publicity_running",
        )
    if open_objections:
        raise RuleViolation(
            f"{open_objections} objection(s) to the result await an answer: the award waits",
            code="objection_pending",
        )


def choose_winner(
    candidates: Sequence[Mapping], rank: object, reason: object, note: str
) -> Mapping:
    """The candidate awarded: the first, or a later one with a reason and a note (Regs Art 55)."""
    number = _whole_number(rank if rank not in (None, "") else 1, "rank")
    chosen = next((c for c in candidates if c["rank"] == number), None)
    if chosen is None:
        raise InvalidInput(
            f"rank: choose one of the candidates (1 to {len(candidates)})",
            code="not_a_candidate",
            field="rank",
        )
    if number != 1:
        if reason not in BYPASS_REASONS:
            raise InvalidInput(
                "reason: why the first candidate is passed over ("
                + ", ".join(BYPASS_REASONS)
                + ")",
                code="bypass_reason_required",
                field="reason",
            )
        if not note:
            raise InvalidInput(
                "note: the facts behind passing over the candidates ranked higher",
                code="bypass_note_required",
                field="note",
            )
    return chosen


def tally_vote(candidates: Sequence[Mapping], ballots: object) -> tuple[Mapping, dict]:
    """The award committee's vote: ``ballots`` is ``[{"member", "choice" (a rank), "reason"}]``.
    Returns the winner and the detail kept (the ballots and the votes per rank)."""
    if not isinstance(ballots, list) or not all(isinstance(b, Mapping) for b in ballots):
        raise InvalidInput(
            "ballots: a list of {member, choice, reason}, one per member of the award committee",
            code="invalid_ballots",
            field="ballots",
        )
    if len(ballots) < MIN_COMMITTEE or len(ballots) % 2 == 0:
        raise RuleViolation(
            f"ballots: the award committee has an odd number of members, at least {MIN_COMMITTEE} "
            f"({len(ballots)} given)",
            code="committee_size",
            field="ballots",
        )
    ranks = {c["rank"] for c in candidates}
    kept, members = [], set()
    for number, ballot in enumerate(ballots, start=1):
        member = str(ballot.get("member") or "").strip()[:120]
        reason = str(ballot.get("reason") or "").strip()[:2000]
        choice = _whole_number(ballot.get("choice"), f"ballots[{number}].choice")
        if not member or member in members:
            raise InvalidInput(
                f"ballots[{number}].member: each member's name, once",
                code="invalid_ballots",
                field="ballots",
            )
        if choice not in ranks:
            raise InvalidInput(
                f"ballots[{number}].choice: the rank of one of the candidates",
                code="not_a_candidate",
                field="ballots",
            )
        if not reason:
            raise InvalidInput(
                f"ballots[{number}].reason: every member gives the reason for its choice",
                code="reason_required",
                field="ballots",
            )
        members.add(member)
        kept.append({"member": member, "choice": choice, "reason": reason})
    votes = {rank: sum(1 for b in kept if b["choice"] == rank) for rank in sorted(ranks)}
    best = max(votes.values())
    leaders = [rank for rank, count in votes.items() if count == best]
    if len(leaders) > 1:
        raise RuleViolation(
            "the vote is tied between candidates "
            + ", ".join(str(r) for r in leaders)
            + ": the award committee votes again",
            code="vote_tied",
            field="ballots",
        )
    winner = next(c for c in candidates if c["rank"] == leaders[0])
    return winner, {"ballots": kept, "votes": {str(k): v for k, v in votes.items()}}


def price_competition(candidates: Sequence[Mapping]) -> tuple[Mapping, dict]:
    """The lowest evaluated price among the candidates wins; an equal price goes to the
    better-ranked candidate."""
    winner = min(candidates, key=lambda c: (Decimal(c["evaluated_price"]), c["rank"]))
    return winner, {"prices": {str(c["rank"]): c["evaluated_price"] for c in candidates}}


def lottery_label(award_id: int) -> str:
    return f"award:{award_id}"


def lottery_order(seed: bytes, award_id: int, bid_ids: Sequence[int]) -> list[int]:
    """The lottery's order of the candidates' bids (the first wins): ``bidhall.lottery.rank``
    over the bid ids, the draw's commit/reveal (docs/draw.md) with the label "award:<id>"."""
    return lottery.rank(seed, lottery_label(award_id), sorted(bid_ids))


def lottery_document(award_id: int, bid_ids: Sequence[int], seed: bytes) -> dict:
    """What anyone needs to re-run the lottery: the candidates' bids, the seed and its hash."""
    return {
        "format": LOTTERY_FORMAT,
        "award_id": award_id,
        "label": lottery_label(award_id),
        "candidates": sorted(bid_ids),
        "seed_sha256": lottery.seed_sha256(seed),
        "seed": seed.hex(),
        "order": lottery_order(seed, award_id, bid_ids),
    }


def verify_lottery(document: Mapping, committed_sha256: str | None = None) -> list[str]:
    """The problems of a lottery document (none: it checks): the seed matches its hash (and the
    hash committed before the draw, when given) and the order is the one the seed gives."""
    problems = []
    try:
        seed = bytes.fromhex(document["seed"])
        candidates = [int(b) for b in document["candidates"]]
        award_id = int(document["award_id"])
    except (KeyError, TypeError, ValueError):
        return ["malformed: needs award_id, candidates and a hex seed"]
    if lottery.seed_sha256(seed) != document.get("seed_sha256"):
        problems.append("the seed does not match its hash")
    if committed_sha256 is not None and document.get("seed_sha256") != committed_sha256:
        problems.append("the seed's hash is not the one committed before the draw")
    if lottery_order(seed, award_id, candidates) != document.get("order"):
        problems.append("the order is not the one the seed gives")
    return problems


def contract_due(noticed_at: datetime) -> datetime:
    return noticed_at + CONTRACT_WITHIN


def check_contract(
    amount: object,
    security: object,
    signed_on: object,
    *,
    awarded: Decimal,
    decided_on: date,
    today: date,
) -> tuple[Decimal, Decimal, date]:
    """The contract's price is the awarded bid's (Law Art 46: no deviation from the bid's
    substance); its performance security at most 10% of it (Regs Art 58); signed between the
    award and today."""
    price = _amount(amount, "amount")
    if price != awarded:
        raise RuleViolation(
            f"amount: the contract's price is the awarded price, {awarded} (Law Art 46)",
            code="contract_price_differs",
            field="amount",
        )
    guarantee = _amount(security if security not in (None, "") else "0", "performance_security")
    if guarantee > (price * PERFORMANCE_SECURITY_MAX_RATE).quantize(Decimal("0.01")):
        raise RuleViolation(
            "performance_security: at most 10% of the contract amount (Regs Art 58)",
            code="performance_security_too_high",
            field="performance_security",
        )
    day = _date(signed_on, "signed_on")
    if day < decided_on or day > today:
        raise RuleViolation(
            "signed_on: the contract is signed after the award and not in the future",
            code="signed_on_out_of_range",
            field="signed_on",
        )
    return price, guarantee, day


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and now > due_at


def next_check(
    state: str,
    *,
    publish_due_at: datetime,
    objection_dues: Sequence[datetime],
    contract_due_at: datetime | None,
    contract_overdue_reported: bool,
) -> datetime | None:
    """When the tick next needs to look at the award."""
    moments: list[datetime] = list(objection_dues)
    if state == AwardState.REPORTED:
        moments.append(publish_due_at)
    if state == AwardState.AWARDED and not contract_overdue_reported and contract_due_at:
        moments.append(contract_due_at)
    return min(moments) if moments else None


def _whole_number(value: object, field: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"{field}: a whole number", code="invalid_field", field=field) from None
    return number


def _amount(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        number = None
    if (
        number is None
        or not number.is_finite()
        or number < 0
        or number != number.quantize(Decimal("0.01"))
    ):
        raise InvalidInput(
            f"{field}: an amount in yuan with at most 2 decimals", code="invalid_field", field=field
        )
    return number.quantize(Decimal("0.01"))


def _date(value: object, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: a date, YYYY-MM-DD", code="invalid_field", field=field
        ) from None
