"""The evaluation session's commands: one registry, each command applied once per client-made id
(``bidhall.realtime.commands``), in one unit that holds the session's row lock.

Who may send what: members (seated, active, checked in) vote, mark, score and declare the time
insufficient; the leader also opens and closes votes, closes the review and reopens items;
supervisors suspend, resume and terminate (the leader may suspend and resume too) and put a
written query to the committee."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, config, inputs
from bidhall.accounts.models import User
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidhall.realtime.commands import CommandLog
from evaluation.sessions import (
    clarifications,
    corrections,
    replacement,
    report,
    review,
    room,
    rules,
    scores,
    services,
)
from evaluation.sessions.models import (
    EvaluationSession,
    ReviewMark,
    SessionCommand,
    SessionMember,
    Vote,
)
from evaluation.sessions.rules import Matter, SessionRole, SessionState, Stage

#: the session's commands applied once per client-made id
COMMANDS = CommandLog(SessionCommand, place="this session")


@dataclass(frozen=True)
class Caller:
    user: User
    role: SessionRole
    member: SessionMember | None

    @property
    def is_leader(self) -> bool:
        return self.member is not None and self.member.leader


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[Session, EvaluationSession, Caller, dict], dict]
    # runs on a suspended session too (resume, terminate)
    when_suspended: bool = False


_COMMANDS: dict[str, Command] = {}


def _command(name: str, *, when_suspended: bool = False):
    def register(handler):
        _COMMANDS[name] = Command(name, handler, when_suspended)
        return handler

    return register


def command_names() -> list[str]:
    return sorted(_COMMANDS)


def run(user: User | None, session_id: int, name: str, data: object) -> dict:
    """Apply one client command in one unit: lock the session, authorize, apply, post, remember
    the result under the client's id (a retry returns it without applying it again)."""
    if name not in _COMMANDS:
        raise NotFound(
            f"no session command {name!r}; one of {', '.join(command_names())}",
            code="unknown_command",
        )
    command = _COMMANDS[name]
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden("sign in to act in the session", code="not_in_session")

    def admit(session: Session) -> tuple[dict, tuple[EvaluationSession, Caller]]:
        evaluation = room.load(session, session_id, lock=True)
        role, member = room.role_of(session, user, evaluation)
        return {"session_id": evaluation.id}, (
            evaluation,
            Caller(user, role, member),
        )

    def apply(session: Session, admitted: tuple[EvaluationSession, Caller]) -> dict:
        evaluation, caller = admitted
        if not (command.when_suspended and evaluation.state == SessionState.SUSPENDED):
            rules.check_running(evaluation.state)
        return command.handler(session, evaluation, caller, data)

    return COMMANDS.run_once(user.id, name, data, admit=admit, apply=apply)


# --- votes --------------------------------------------------------------------------------------


def _vote(session: Session, evaluation: EvaluationSession, number: object) -> Vote:
    number = inputs.identifier(number, "vote")
    vote = session.scalar(
        select(Vote).where(Vote.session_id == evaluation.id, Vote.number == number)
    )
    if vote is None:
        raise NotFound(f"no vote {number} in this session", code="vote_not_found")
    if vote.closed_at is not None or vote.voided:
        raise Conflict(f"vote {number} is closed", code="vote_closed")
    return vote


@_command("cast")
def _cast(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_member(caller.role, "vote")
    vote = _vote(session, evaluation, data.get("vote"))
    choice = rules.check_choice(vote.options, data.get("choice"))
    return services.cast_ballot(session, evaluation, caller.member, vote, choice)


@_command("open_vote")
def _open_vote(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "put a matter to the vote")
    matter = data.get("matter")
    if matter == Matter.VETO:
        subject, question, options = _veto_matter(session, evaluation, data)
    elif matter == Matter.ABNORMAL_PRICE:
        subject, question, options = _abnormal_matter(session, evaluation, data)
    elif matter == Matter.OTHER:
        question = rules.check_text(data.get("question"), "question")
        options = data.get("options")
        if (
            not isinstance(options, list)
            or not 2 <= len(options) <= 10
            or len(set(map(str, options))) != len(options)
            or not all(isinstance(o, str) and 1 <= len(o) <= 60 for o in options)
        ):
            raise InvalidInput(
                "options: 2 to 10 different texts of 1 to 60 characters",
                code="invalid_field",
                field="options",
            )
        subject = {}
    else:
        raise InvalidInput(
            "matter: veto (a disputed requirement of a bid), abnormal_price or other",
            code="invalid_field",
            field="matter",
        )
    vote = services.start_vote(
        session, evaluation, caller.member, Matter(matter), subject, question, options
    )
    return {"vote": vote.number}


def _bid_of(evaluation: EvaluationSession, value: object) -> int:
    bid_id = inputs.identifier(value, "bid_id")
    if bid_id not in evaluation.bid_ids:
        raise NotFound(f"no bid {bid_id} in this evaluation", code="bid_not_found")
    return bid_id


def _bid_label(session, evaluation: EvaluationSession, bid_id: int) -> str:
    """A bid as the committee calls it: its number in the reading out and its bidder."""
    from trading.bids.models import Bid

    bid = session.get(Bid, bid_id)
    return f"bid No. {evaluation.bid_ids.index(bid_id) + 1} ({bid.organisation.name})"


def _veto_matter(session, evaluation, data) -> tuple[dict, str, list[str]]:
    rules.check_stage(evaluation.stage, Stage.REVIEW, why="vetoes are voted on in the review")
    bid_id = _bid_of(evaluation, data.get("bid_id"))
    requirement = data.get("requirement")
    item = next(
        (
            i
            for i in review.items(session, evaluation)
            if i.bid_id == bid_id and i.requirement == requirement
        ),
        None,
    )
    if item is None:
        raise NotFound("no such requirement in this review", code="requirement_not_found")
    if item.fails == 0:
        raise Conflict(
            "every member passed this requirement: there is nothing to vote on",
            code="nothing_to_vote",
        )
    veto_reason = data.get("veto_reason") or review.veto_reason_of(
        session, evaluation, bid_id, requirement
    )
    if veto_reason not in rules.VETO_REASONS:
        raise InvalidInput(
            "name the veto reason (Regs Art 51) the committee votes on: "
            + ", ".join(rules.VETO_REASONS),
            code="invalid_veto_reason",
            field="veto_reason",
        )
    text = next(r["text"] for r in evaluation.requirements if r["id"] == requirement)
    question = (
        f"Veto {_bid_label(session, evaluation, bid_id)} on “{text}”: "
        f"{rules.VETO_REASONS[veto_reason]}?"
    )
    subject = {"bid_id": bid_id, "requirement": requirement, "veto_reason": veto_reason}
    return subject, question, ["veto", "pass"]


def _abnormal_matter(session, evaluation, data) -> tuple[dict, str, list[str]]:
    rules.check_stage(evaluation.stage, Stage.REVIEW, why="prices are voted on in the review")
    bid_id = _bid_of(evaluation, data.get("bid_id"))
    if bid_id not in review.abnormally_low_bids(session, evaluation):
        raise Conflict("this bid's price is not abnormally low", code="not_abnormally_low")
    question = (
        f"{_bid_label(session, evaluation, bid_id)}'s price is abnormally low: veto it, or "
        "accept its explanation?"
    )
    return {"bid_id": bid_id, "requirement": None}, question, ["veto", "accept"]


@_command("close_vote")
def _close_vote(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "close a vote")
    vote = _vote(session, evaluation, data.get("vote"))
    return {"result": services.close_vote(session, evaluation, vote, "leader", caller.user)}


# --- the review ---------------------------------------------------------------------------------


@_command("mark")
def _mark(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_member(caller.role, "mark the review")
    rules.check_stage(evaluation.stage, Stage.REVIEW, why="marks are given in the review")
    bid_id = _bid_of(evaluation, data.get("bid_id"))
    requirement = data.get("requirement")
    if requirement not in {r["id"] for r in evaluation.requirements}:
        raise NotFound("no such requirement in this review", code="requirement_not_found")
    mark = rules.check_mark(data.get("passed"), data.get("veto_reason"), data.get("reason"))
    reason = rules.check_text(data.get("reason"), "reason", required=False)
    row = session.scalar(
        select(ReviewMark).where(
            ReviewMark.member_id == caller.member.id,
            ReviewMark.bid_id == bid_id,
            ReviewMark.requirement == requirement,
        )
    )
    if row is None:
        row = ReviewMark(
            session_id=evaluation.id,
            member_id=caller.member.id,
            bid_id=bid_id,
            requirement=requirement,
        )
        session.add(row)
    row.passed, row.veto_reason, row.reason, row.at = (
        mark.passed,
        mark.veto_reason,
        reason,
        (clock.now()),
    )
    session.flush()
    room.post(
        session,
        evaluation,
        caller.user,
        "review_marked",
        seat=caller.member.seat,
        bid_id=bid_id,
        requirement=requirement,
        passed=mark.passed,
        veto_reason=mark.veto_reason,
        reason=reason,
    )
    return {"marked": True}


@_command("close_review")
def _close_review(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "close the review")
    rules.check_stage(evaluation.stage, Stage.REVIEW, why="the review is closed once")
    room.check_complete(session, evaluation, "closing the review")
    passed, vetoed = review.outcome(session, evaluation)
    evaluation.passed_bid_ids = passed
    room.post(session, evaluation, caller.user, "review_closed", passed=passed, vetoed=vetoed)
    if evaluation.method == "lowest_price" or not passed:
        scores.publish_results(session, evaluation, caller.user)
    else:
        evaluation.stage = Stage.SCORING
        room.post(session, evaluation, rules.SYSTEM, "stage_changed", stage=Stage.SCORING.value)
    return {"passed": passed, "vetoed": vetoed}


# --- scoring ------------------------------------------------------------------------------------


@_command("save_scores")
def _save_scores(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_member(caller.role, "score")
    return scores.save_draft(session, evaluation, caller.member, data)


@_command("submit_scores")
def _submit_scores(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_member(caller.role, "score")
    return scores.submit(session, evaluation, caller.member, data)


@_command("reopen")
def _reopen(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "reopen a submitted score")
    seat = inputs.identifier(data.get("seat"), "seat")
    target = session.scalar(
        select(SessionMember).where(
            SessionMember.session_id == evaluation.id,
            SessionMember.seat == seat,
            SessionMember.active.is_(True),
        )
    )
    if target is None:
        raise NotFound(f"no active member {seat}", code="member_not_found")
    bid_id = str(_bid_of(evaluation, data.get("bid_id")))
    reason = rules.check_text(data.get("reason"), "reason")
    return scores.reopen(
        session, evaluation, caller.member, target, bid_id, data.get("criterion"), reason
    )


# --- time, suspension, termination --------------------------------------------------------------


@_command("declare_time")
def _declare_time(session, evaluation, caller: Caller, data: dict) -> dict:
    """A member finds the time insufficient (or no longer); more than a third → extended."""
    rules.check_member(caller.role, "declare the time insufficient")
    insufficient = data.get("insufficient")
    if not isinstance(insufficient, bool):
        raise InvalidInput(
            "insufficient: true or false", code="invalid_field", field="insufficient"
        )
    caller.member.time_insufficient = insufficient
    session.flush()
    active = room.active_members(session, evaluation)
    count = sum(1 for m in active if m.time_insufficient)
    room.post(
        session,
        evaluation,
        caller.user,
        "time_declared",
        seat=caller.member.seat,
        insufficient=insufficient,
        count=count,
        members=len(active),
    )
    if not rules.extension_due(count, len(active)):
        return {"extended": False, "count": count}
    minutes = int(config.setting("EVALUATION_EXTENSION_MINUTES", 60))
    evaluation.extended_minutes += minutes
    evaluation.ends_at = evaluation.ends_at + timedelta(minutes=minutes)
    for member in active:
        member.time_insufficient = False
    room.post(
        session,
        evaluation,
        rules.SYSTEM,
        "session_extended",
        minutes=minutes,
        ends_at=evaluation.ends_at.isoformat(),
        insufficient=count,
        members=len(active),
        basis="Regs Art 48: more than a third of the members found the time insufficient",
    )
    return {"extended": True, "count": count, "ends_at": evaluation.ends_at.isoformat()}


def _check_steward(caller: Caller, what: str, *, leader_too: bool) -> None:
    if caller.role == SessionRole.SUPERVISOR or (leader_too and caller.is_leader):
        return
    raise Forbidden(
        f"only a supervisor{' or the leader' if leader_too else ''} may {what} the session",
        code="not_supervisor",
    )


@_command("suspend")
def _suspend(session, evaluation, caller: Caller, data: dict) -> dict:
    _check_steward(caller, "suspend", leader_too=True)
    reason = rules.check_text(data.get("reason"), "reason")
    evaluation.state = SessionState.SUSPENDED
    evaluation.reason = reason
    room.post(session, evaluation, caller.user, "session_suspended", reason=reason)
    return {"state": evaluation.state}


@_command("resume", when_suspended=True)
def _resume(session, evaluation, caller: Caller, data: dict) -> dict:
    _check_steward(caller, "resume", leader_too=True)
    if evaluation.state != SessionState.SUSPENDED:
        raise Conflict("the session is not suspended", code="not_suspended")
    evaluation.state = SessionState.OPEN
    evaluation.reason = None
    room.post(session, evaluation, caller.user, "session_resumed")
    return {"state": evaluation.state}


@_command("terminate", when_suspended=True)
def _terminate(session, evaluation, caller: Caller, data: dict) -> dict:
    _check_steward(caller, "terminate", leader_too=False)
    reason = rules.check_text(data.get("reason"), "reason")
    evaluation.state = SessionState.TERMINATED
    evaluation.reason = reason
    evaluation.closed_at = clock.now()
    room.post(session, evaluation, caller.user, "session_terminated", reason=reason)
    return {"state": evaluation.state}


@_command("query", when_suspended=True)
def _query(session, evaluation, caller: Caller, data: dict) -> dict:
    """A supervisor's written question to the committee, said in the room (every member hears
    it); on a suspended session too: a pause is often followed by the question behind it."""
    _check_steward(caller, "query the committee of", leader_too=False)
    text = rules.check_text(data.get("text"), "text")
    seq = room.post(
        session, evaluation, caller.user, "supervisor_query", text=text, by=caller.user.display_name
    )
    return {"seq": seq}


# --- the report ---------------------------------------------------------------------------------


@_command("dissent")
def _dissent(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_member(caller.role, "write a dissent")
    return report.write_dissent(session, evaluation, caller.member, data.get("text"))


@_command("finalize")
def _finalize(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "finalize the report")
    room.check_complete(session, evaluation, "the report")
    return report.finalize(session, evaluation, caller.member, caller.user)


@_command("sign_report")
def _sign_report(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_member(caller.role, "sign the report")
    return report.sign(
        session,
        evaluation,
        caller.member,
        data.get("signature"),
        data.get("certificate"),
        caller.user,
    )


@_command("ask")
def _ask(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "send the committee's question")
    bid_id = _bid_of(evaluation, data.get("bid_id"))
    return clarifications.ask(
        session,
        evaluation,
        caller.member,
        bid_id,
        data.get("question"),
        data.get("due_minutes"),
        caller.user,
    )


# --- replacing a member -------------------------------------------------------------------------


@_command("replace")
def _replace(session, evaluation, caller: Caller, data: dict) -> dict:
    _check_steward(caller, "replace a member of", leader_too=False)
    seat = inputs.identifier(data.get("seat"), "seat")
    reason = rules.check_text(data.get("reason"), "reason")
    return replacement.replace(session, evaluation, seat, reason, caller.user)


@_command("seat_replacement")
def _seat_replacement(session, evaluation, caller: Caller, data: dict) -> dict:
    _check_steward(caller, "seat a replacement in", leader_too=False)
    seat = inputs.identifier(data.get("seat"), "seat")
    return replacement.seat_replacement(session, evaluation, seat, caller.user)


@_command("correct")
def _correct(session, evaluation, caller: Caller, data: dict) -> dict:
    rules.check_leader(caller.role, caller.is_leader, "propose an arithmetic correction")
    bid_id = _bid_of(evaluation, data.get("bid_id"))
    return corrections.propose(session, evaluation, caller.member, bid_id, data, caller.user)
