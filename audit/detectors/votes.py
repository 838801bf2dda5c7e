"""Votes (表决): closed before everyone present voted, the same matter voted again and again or
flipping, one member alone against all the others time after time. Read from the session's
``evaluation.vote_closed`` events (docs/evaluation.md)."""

from __future__ import annotations

from audit.detectors.base import Fact, Scope, Severity, detector, reads_back

CLOSED = "evaluation.vote_closed"
OPENED = "evaluation.vote_opened"
reads_back(OPENED, CLOSED)


@detector(
    "vote.incomplete",
    basis="GP-87 Art 61 / Eval-Rules Art 26: every member votes on a disputed matter",
    on=(CLOSED,),
)
def incomplete(fact: Fact, scope: Scope):
    result = fact.payload.get("result") or {}
    present, ballots = result.get("present", 0), result.get("ballots", 0)
    if ballots >= present:
        return
    voted = {str(seat) for seat in (fact.payload.get("choices") or {})}
    vote = fact.payload.get("vote")
    opened = [f for f in scope.history(OPENED) if f.payload.get("vote") == vote]
    yield scope.finding(
        "vote.incomplete",
        f"session:{scope.session_id}:vote:{vote}",
        Severity.RED,
        f"vote {vote} ({fact.payload.get('matter')}) was closed by the "
        f"{fact.payload.get('closed_by')} with {ballots} of {present} present members voting",
        [fact.seq, *(f.seq for f in opened)],
        figures={
            "vote": vote,
            "matter": fact.payload.get("matter"),
            "ballots": ballots,
            "present": present,
            "closed_by": fact.payload.get("closed_by"),
            "voted_seats": sorted(voted, key=int),
        },
        threshold={"rule": "ballots = present members"},
        subject=f"vote {vote}",
    )


def _matter(payload: dict, questions: dict) -> str:
    """What a vote decides: its matter and subject, and for a free question the question."""
    subject = payload.get("subject") or {}
    parts = [payload.get("matter") or ""]
    parts += [f"{name}={subject[name]}" for name in sorted(subject)]
    if payload.get("matter") == "other":
        parts.append(questions.get(payload.get("vote")) or "")
    return ";".join(str(part) for part in parts)


@detector(
    "vote.repeated",
    basis="centres' practice: a matter revoted until it passes; Regs Art 53 (a result stands)",
    on=(CLOSED,),
)
def repeated(fact: Fact, scope: Scope):
    if fact.payload.get("matter") == "leader":
        return  # a tied election is revoted by rule until it elects
    facts = scope.history(OPENED, CLOSED)
    questions = {
        f.payload.get("vote"): f.payload.get("question") for f in facts if f.type == OPENED
    }
    matter = _matter(fact.payload, questions)
    same = [f for f in facts if f.type == CLOSED and _matter(f.payload, questions) == matter]
    limit = int(scope.setting("AUDIT_VOTE_REPEAT_LIMIT"))
    votes = [f.payload.get("vote") for f in same]
    if len(same) > limit:
        yield scope.finding(
            "vote.repeated",
            f"session:{scope.session_id}:repeated:{matter}",
            Severity.YELLOW,
            f"the same matter ({matter}) was voted {len(same)} times (votes "
            f"{', '.join(map(str, votes))}), more than {limit}",
            [f.seq for f in same],
            figures={"matter": matter, "votes": votes, "times": len(same)},
            threshold={"rule": "times voted > limit", "limit": limit},
            subject=matter,
        )
    winners = [(f.payload.get("result") or {}).get("winner") for f in same]
    decided = [(f, w) for f, w in zip(same, winners, strict=True) if w is not None]
    if len(decided) >= 2 and decided[-1][1] != decided[-2][1] and decided[-1][0].seq == fact.seq:
        before, now = decided[-2], decided[-1]
        yield scope.finding(
            "vote.repeated",
            f"session:{scope.session_id}:flipped:vote:{fact.payload.get('vote')}",
            Severity.RED,
            f"vote {now[0].payload.get('vote')} on {matter} decided {now[1]!r} where vote "
            f"{before[0].payload.get('vote')} had decided {before[1]!r}",
            [before[0].seq, now[0].seq],
            figures={
                "matter": matter,
                "before": {"vote": before[0].payload.get("vote"), "result": before[1]},
                "after": {"vote": now[0].payload.get("vote"), "result": now[1]},
            },
            threshold={"rule": "a revote's result differs from the previous result"},
            subject=matter,
        )


@detector(
    "vote.lone_dissent",
    basis="centres' practice: a member alone against the committee again and again",
    on=(CLOSED,),
)
def lone_dissent(fact: Fact, scope: Scope):
    lone = _lone(_choices(fact.payload))
    if lone is None:
        return
    closed = scope.history(CLOSED)
    alone = [f for f in closed if _lone(_choices(f.payload)) == lone]
    need = int(scope.setting("AUDIT_LONE_DISSENT_VOTES"))
    if len(alone) < need:
        return
    votes = [f.payload.get("vote") for f in alone]
    yield scope.finding(
        "vote.lone_dissent",
        f"session:{scope.session_id}:seat:{lone}",
        Severity.YELLOW,
        f"seat {lone} voted alone against all the other members in {len(alone)} votes "
        f"({', '.join(map(str, votes))})",
        [f.seq for f in alone],
        figures={"seat": int(lone), "votes": votes, "times": len(alone)},
        threshold={"rule": "alone against all others in at least N votes", "votes": need},
        subject=f"seat {lone}",
    )


def _choices(payload: dict) -> dict[str, str]:
    return {str(seat): choice for seat, choice in (payload.get("choices") or {}).items()}


def _lone(choices: dict[str, str]) -> str | None:
    """The one seat whose choice differs from all the others', who all agree (≥ 3 voters)."""
    if len(choices) < 3:
        return None
    counts: dict[str, list[str]] = {}
    for seat, choice in choices.items():
        counts.setdefault(choice, []).append(seat)
    if len(counts) != 2:
        return None
    small = min(counts.values(), key=len)
    return small[0] if len(small) == 1 else None
