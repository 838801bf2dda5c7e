"""Pure rules of the live evaluation session (DOMAIN.md §4): its states and stages, who may do
what, the review's requirements and veto reasons, the review's matters, vote results and the
time rule. Plain values in, a decision out or a ``DomainError``."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bidhall.errors import Conflict, Forbidden, InvalidInput

SYSTEM = "system:evaluation"
MAX_TEXT = 4000


class SessionState(enum.StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"  # a reason given; resumable
    TERMINATED = "terminated"  # a reason given; final
    FINISHED = "finished"  # the report is signed by every member


class Stage(enum.StrEnum):
    ELECTION = "election"  # the members elect their leader
    REVIEW = "review"  # qualification and responsiveness review (资格审查, 符合性审查)
    SCORING = "scoring"  # each member scores alone
    RANKED = "ranked"  # every member submitted: the server's results and ranking
    REPORT = "report"  # the report awaits the members' signatures


class SessionRole(enum.StrEnum):
    MEMBER = "member"  # a seated, active member of the committee
    SUPERVISOR = "supervisor"  # watches every venue; suspends and terminates


class Matter(enum.StrEnum):
    """What a vote decides."""

    LEADER = "leader"  # the leader's election: one option per eligible seat
    VETO = "veto"  # a disputed or vetoed requirement of a bid: veto | pass
    ABNORMAL_PRICE = "abnormal_price"  # an abnormally low price: veto | accept
    CORRECTION = "correction"  # an arithmetic correction of a bid's price: confirm | reject
    TIE = "tie"  # bids tied after the tie-break: one option per bid
    OTHER = "other"  # anything else the leader puts to the committee


#: Regs Art 51: the only reasons a bid may be vetoed (否决投标)
VETO_REASONS = {
    "not_signed_or_sealed": "the bid is not signed or sealed by its bidder",
    "joint_agreement_missing": "a joint bid without its joint-bid agreement",
    "unqualified": "the bidder does not meet the qualification required",
    "multiple_bids_or_prices": "two or more different bids or prices from one bidder",
    "price_below_cost_or_above_ceiling": "the price is below cost or above the ceiling",
    "not_responsive": "the bid does not respond to the substantive terms of the documents",
    "collusion_or_fraud": "collusion, fraud or another illegal act in bidding",
}

#: the review's requirements when the tender names none: the usual checks of both reviews
DEFAULT_REQUIREMENTS = (
    {"id": "q-licence", "stage": "qualification", "text": "business licence and qualification"},
    {"id": "q-manager", "stage": "qualification", "text": "project manager's registration"},
    {"id": "q-security", "stage": "qualification", "text": "bid security (guarantee or deposit)"},
    {"id": "r-signed", "stage": "responsiveness", "text": "signed and sealed as required"},
    {"id": "r-price", "stage": "responsiveness", "text": "price within the ceiling"},
    {"id": "r-terms", "stage": "responsiveness", "text": "duration, quality and key terms met"},
)
REVIEW_STAGES = ("qualification", "responsiveness")


def check_requirements(items: object) -> list[dict]:
    """The review's requirements as the session will hold them: 1 to 50 items, each with a
    unique short id, its review (qualification | responsiveness) and its text."""
    if items is None:
        return [dict(item) for item in DEFAULT_REQUIREMENTS]
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        raise InvalidInput(
            "requirements: give a list of 1 to 50 objects {id, stage, text}",
            code="invalid_requirements",
            field="requirements",
        )
    seen: set[str] = set()
    result = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InvalidInput("each requirement is an object", code="invalid_requirements")
        ident, stage, text = item.get("id"), item.get("stage"), item.get("text")
        if not isinstance(ident, str) or not 1 <= len(ident) <= 40 or ident in seen:
            raise InvalidInput(
                "each requirement needs a unique id of 1 to 40 characters",
                code="invalid_requirements",
            )
        if stage not in REVIEW_STAGES:
            raise InvalidInput(
                f"requirement {ident}: stage must be one of {', '.join(REVIEW_STAGES)}",
                code="invalid_requirements",
            )
        if not isinstance(text, str) or not 1 <= len(text) <= 500:
            raise InvalidInput(
                f"requirement {ident}: give its text (1 to 500 characters)",
                code="invalid_requirements",
            )
        seen.add(ident)
        result.append({"id": ident, "stage": stage, "text": text})
    return result


# --- the session's state ------------------------------------------------------------------------


def check_running(state: str) -> None:
    """Commands need an open session: a suspended one waits for its resumption."""
    if state == SessionState.SUSPENDED:
        raise Conflict(
            "the session is suspended: it goes on when it is resumed", code="session_suspended"
        )
    if state == SessionState.TERMINATED:
        raise Conflict("the session was terminated", code="session_terminated")
    if state == SessionState.FINISHED:
        raise Conflict("the session is finished", code="session_finished")


def check_stage(stage: str, *expected: Stage, why: str) -> None:
    if stage not in expected:
        raise Conflict(f"{why} (the session is at its {stage} stage)", code=f"stage_{stage}")


def check_text(value: object, field: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        raise InvalidInput(
            f"{field}: give a text of 1 to {MAX_TEXT} characters"
            if required
            else f"{field}: at most {MAX_TEXT} characters",
            code="invalid_field",
            field=field,
        )
    return value.strip()


def check_leader(role: SessionRole, is_leader: bool, what: str) -> None:
    if role != SessionRole.MEMBER or not is_leader:
        raise Forbidden(f"only the committee's leader may {what}", code="not_leader")


def check_member(role: SessionRole, what: str) -> None:
    if role != SessionRole.MEMBER:
        raise Forbidden(f"only the committee's members may {what}", code="not_member")


def leader_candidates(members: Sequence[tuple[int, bool]], rule_set: str) -> list[str]:
    """The seats a leader may be elected from: every member's, but under government procurement
    not a representative of the buyer (GP-87 Art 45). ``members``: (seat, representative)."""
    return [
        str(seat)
        for seat, representative in members
        if not (representative and rule_set == "gov_procurement")
    ]


def check_representatives(user_ids: object, expected: int) -> list[int]:
    """The tenderer's representatives the session seats: as many as the draw left room for,
    each named once by its user id."""
    if user_ids is None:
        user_ids = []
    if (
        not isinstance(user_ids, list)
        or not all(isinstance(u, int) and not isinstance(u, bool) and u > 0 for u in user_ids)
        or len(set(user_ids)) != len(user_ids)
    ):
        raise InvalidInput(
            "representatives: a list of the tenderer's users' ids, each once",
            code="invalid_field",
            field="representatives",
        )
    if len(user_ids) != expected:
        raise InvalidInput(
            f"the committee seats {expected} of the tenderer's representatives: name "
            f"{expected}, not {len(user_ids)}",
            code="representatives_count",
            field="representatives",
        )
    return user_ids


# --- the review ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    passed: bool
    veto_reason: str | None


def check_mark(passed: object, veto_reason: object, reason: object) -> Mark:
    """A member's mark: pass, or fail with a reason; a veto names one of Regs Art 51's reasons
    and a fail that is not a veto is a plain fail (a disagreement the committee votes on)."""
    if not isinstance(passed, bool):
        raise InvalidInput("passed: true or false", code="invalid_field", field="passed")
    if passed:
        if veto_reason is not None:
            raise InvalidInput(
                "a passing mark carries no veto reason", code="invalid_field", field="veto_reason"
            )
        return Mark(True, None)
    check_text(reason, "reason")
    if veto_reason is not None and veto_reason not in VETO_REASONS:
        raise InvalidInput(
            "a veto (否决) only for a reason Regs Art 51 lists: " + ", ".join(VETO_REASONS),
            code="invalid_veto_reason",
            field="veto_reason",
            allowed=list(VETO_REASONS),
        )
    return Mark(False, veto_reason)


@dataclass(frozen=True)
class ReviewItem:
    """One requirement of one bid, and what the committee's marks say of it."""

    bid_id: int
    requirement: str
    marks: int  # how many active members marked it
    fails: int
    vetoes: int

    def needs_vote(self, members: int) -> bool:
        """Any disagreement or veto goes to a vote."""
        return self.marks == members and (self.vetoes > 0 or 0 < self.fails < members)

    def failed_by_all(self, members: int) -> bool:
        return self.marks == members and self.fails == members and self.vetoes == 0


def review_items(
    bid_ids: Sequence[int],
    requirements: Sequence[str],
    marks: Iterable[tuple[int, str, Mark]],
) -> list[ReviewItem]:
    """Every (bid, requirement) with the counts of its marks (the active members' only)."""
    counts: dict[tuple[int, str], Counter] = {
        (bid, requirement): Counter() for bid in bid_ids for requirement in requirements
    }
    for bid_id, requirement, mark in marks:
        counter = counts.get((bid_id, requirement))
        if counter is None:
            continue
        counter["marks"] += 1
        counter["fails"] += not mark.passed
        counter["vetoes"] += mark.veto_reason is not None
    return [
        ReviewItem(bid, requirement, c["marks"], c["fails"], c["vetoes"])
        for (bid, requirement), c in counts.items()
    ]


# --- votes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    counts: dict[str, int]
    ballots: int
    present: int
    winner: str | None  # None: a tie at the top, or nobody voted
    complete: bool  # every present member voted

    def to_json(self) -> dict:
        return {
            "counts": self.counts,
            "ballots": self.ballots,
            "present": self.present,
            "winner": self.winner,
            "tie": self.winner is None and self.ballots > 0,
            "complete": self.complete,
        }


def vote_result(options: Sequence[str], choices: Iterable[str], present: int) -> VoteResult:
    """The majority decides (少数服从多数): the option with the most votes, unless two share
    the top; every vote cast is counted."""
    counts = {option: 0 for option in options}
    for choice in choices:
        counts[choice] += 1
    ballots = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    winner = None
    if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        winner = ranked[0][0]
    return VoteResult(counts, ballots, present, winner, ballots >= present)


def check_choice(options: Sequence[str], choice: object) -> str:
    if not isinstance(choice, str) or choice not in options:
        raise InvalidInput(
            f"choice: one of {', '.join(options)}",
            code="invalid_choice",
            field="choice",
            allowed=list(options),
        )
    return choice


# --- time ---------------------------------------------------------------------------------------


def extension_due(insufficient: int, members: int) -> bool:
    """Regs Art 48: when more than a third of the members find the time insufficient."""
    return members > 0 and insufficient * 3 > members
