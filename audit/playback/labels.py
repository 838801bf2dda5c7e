"""What a timeline's moments say to a person, in the page's language: one sentence per ledger
event (``label``) and a name for each actor that is not a person (``actor_name``). Members are
named by seat in what the committee heard; supervisors also see who sat there (the actor's name).

The texts are literal msgids so that ``pybabel extract`` keeps them in the catalogs; an event type
this table does not know (a newer one) says so with its type, which the page shows as code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MATTER_NAMES = {
    "leader": _l("the committee’s leader"),
    "veto": _l("a veto"),
    "abnormal_price": _l("an abnormally low price"),
    "correction": _l("an arithmetic correction"),
    "tie": _l("a tie"),
    "other": _l("another question"),
}
OPTION_NAMES = {
    "veto": _l("Veto"),
    "pass": _l("Pass"),
    "accept": _l("Accept"),
    "confirm": _l("Confirm"),
    "reject": _l("Reject"),
}
STAGE_NAMES = {
    "election": _l("Leader’s election"),
    "review": _l("Review"),
    "scoring": _l("Scoring"),
    "ranked": _l("Ranked"),
    "report": _l("Report signing"),
}
AV_KINDS = {
    "face_absent": _l("no face at the workstation"),
    "extra_face": _l("an extra face at the workstation"),
    "voice": _l("a voice at the workstation"),
    "seat_left": _l("the seat was left"),
}
HALL_ROLES = {
    "bidder": _l("a bidder"),
    "manager": _l("the tender’s staff"),
    "supervisor": _l("a supervisor"),
}


def _name(names: dict[str, Any], code: Any) -> str:
    name = names.get(code) if isinstance(code, str) else None
    return str(name) if name is not None else "—"


def _count(value: Any) -> Any:
    return len(value) if isinstance(value, list | dict) else value


def choice_name(matter: Any, choice: Any) -> str:
    """A vote's option as the page says it: a seat in the leader's election, a named option, or
    the question's own words (an ``other`` vote's options are the leader's)."""
    if matter == "leader":
        return _("member %(seat)s", seat=choice)
    name = OPTION_NAMES.get(choice) if isinstance(choice, str) else None
    return str(name) if name is not None else str(choice)


def _winner(p: dict[str, Any]) -> str:
    result = p.get("result") or {}
    if result.get("tie"):
        return _("a tie")
    if not result.get("ballots"):
        return _("no votes")
    return choice_name(p.get("matter"), result.get("winner"))


def _vote_closed(p: dict[str, Any]) -> str:
    if p.get("closed_by") == "leader":
        return _(
            "Vote %(vote)s closed early by the leader: %(result)s",
            vote=p.get("vote"),
            result=_winner(p),
        )
    return _(
        "Vote %(vote)s closed, every present member voted: %(result)s",
        vote=p.get("vote"),
        result=_winner(p),
    )


def _mark(p: dict[str, Any]) -> str:
    if p.get("passed"):
        return _(
            "Member %(seat)s passed bid %(bid)s on a requirement",
            seat=p.get("seat"),
            bid=p.get("bid_id"),
        )
    return _(
        "Member %(seat)s failed bid %(bid)s on a requirement",
        seat=p.get("seat"),
        bid=p.get("bid_id"),
    )


def _time_declared(p: dict[str, Any]) -> str:
    if p.get("insufficient"):
        return _("Member %(seat)s finds the time insufficient", seat=p.get("seat"))
    return _("Member %(seat)s finds the time sufficient", seat=p.get("seat"))


def _dissent(p: dict[str, Any]) -> str:
    if p.get("text") is None:
        return _("Member %(seat)s withdrew its dissent", seat=p.get("seat"))
    return _("Member %(seat)s wrote a dissent", seat=p.get("seat"))


LABELS: dict[str, Callable[[dict[str, Any]], str]] = {
    # the evaluation session (docs/evaluation.md, "Events: the contract")
    "evaluation.session_opened": lambda p: _(
        "Session opened: %(members)s members, %(bids)s bids, "
        "%(late)s min after the scheduled start",
        members=_count(p.get("members")),
        bids=_count(p.get("bids")),
        late=p.get("late_minutes"),
    ),
    "evaluation.member_joined": lambda p: _(
        "Member %(seat)s joined the session", seat=p.get("seat")
    ),
    "evaluation.member_left": lambda p: _("Member %(seat)s left the session", seat=p.get("seat")),
    "evaluation.vote_opened": lambda p: _(
        "Vote %(vote)s opened on %(matter)s",
        vote=p.get("vote"),
        matter=_name(MATTER_NAMES, p.get("matter")),
    ),
    "evaluation.vote_cast": lambda p: _(
        "Member %(seat)s voted in vote %(vote)s (%(ballots)s ballots so far)",
        seat=p.get("seat"),
        vote=p.get("vote"),
        ballots=p.get("ballots"),
    ),
    "evaluation.vote_closed": _vote_closed,
    "evaluation.leader_elected": lambda p: _("Member %(seat)s elected leader", seat=p.get("seat")),
    "evaluation.stage_changed": lambda p: _(
        "Stage: %(stage)s", stage=_name(STAGE_NAMES, p.get("stage"))
    ),
    "evaluation.review_marked": _mark,
    "evaluation.review_closed": lambda p: _(
        "Review closed: %(passed)s bids pass, %(vetoed)s vetoed",
        passed=_count(p.get("passed")),
        vetoed=_count(p.get("vetoed")),
    ),
    "evaluation.scores_submitted": lambda p: _(
        "Member %(seat)s submitted its scores (%(submitted)s of %(members)s)",
        seat=p.get("seat"),
        submitted=p.get("submitted"),
        members=p.get("members"),
    ),
    "score.submitted": lambda p: _(
        "Scores as member %(seat)s entered them (submission %(submission)s)",
        seat=p.get("seat"),
        submission=p.get("submission"),
    ),
    "evaluation.item_reopened": lambda p: _(
        "Member %(seat)s’s score for bid %(bid)s reopened by the leader",
        seat=p.get("seat"),
        bid=p.get("bid_id"),
    ),
    "evaluation.results": lambda p: _("Results and ranking computed"),
    "evaluation.time_declared": _time_declared,
    "evaluation.session_extended": lambda p: _(
        "Session extended by %(minutes)s min", minutes=p.get("minutes")
    ),
    "evaluation.session_suspended": lambda p: _("Session suspended"),
    "evaluation.session_resumed": lambda p: _("Session resumed"),
    "evaluation.session_terminated": lambda p: _("Session terminated"),
    "evaluation.clarification_asked": lambda p: _(
        "Clarification %(number)s asked of bid %(bid)s", number=p.get("number"), bid=p.get("bid_id")
    ),
    "evaluation.clarification_answered": lambda p: _(
        "Clarification %(number)s answered", number=p.get("number")
    ),
    "evaluation.member_replaced": lambda p: _("Member %(seat)s replaced", seat=p.get("seat")),
    "evaluation.member_seated": lambda p: _("A replacement took seat %(seat)s", seat=p.get("seat")),
    "evaluation.document_opened": lambda p: _(
        "Member %(seat)s opened a document of bid %(bid)s", seat=p.get("seat"), bid=p.get("bid_id")
    ),
    "evaluation.presence_event": lambda p: _(
        "AV system: %(what)s (member %(seat)s)",
        what=_name(AV_KINDS, p.get("kind")),
        seat=p.get("seat"),
    ),
    "evaluation.workstation_offline": lambda p: _(
        "Member %(seat)s’s workstation went offline", seat=p.get("seat")
    ),
    "evaluation.workstation_online": lambda p: _(
        "Member %(seat)s’s workstation is back online", seat=p.get("seat")
    ),
    "evaluation.correction_proposed": lambda p: _(
        "Arithmetic correction of bid %(bid)s put to vote %(vote)s",
        bid=p.get("bid_id"),
        vote=p.get("vote"),
    ),
    "evaluation.correction_confirmed": lambda p: _(
        "Arithmetic correction of bid %(bid)s confirmed", bid=p.get("bid_id")
    ),
    "evaluation.correction_rejected": lambda p: _(
        "Arithmetic correction of bid %(bid)s rejected", bid=p.get("bid_id")
    ),
    "evaluation.dissent_written": _dissent,
    "evaluation.report_ready": lambda p: _("Report ready for signing"),
    "evaluation.report_signed": lambda p: _(
        "Member %(seat)s signed the report", seat=p.get("seat")
    ),
    "evaluation.report_signature_refused": lambda p: _(
        "Member %(seat)s recorded as agreeing (did not sign in time)", seat=p.get("seat")
    ),
    "evaluation.report_sealed": lambda p: _("Report sealed by the platform"),
    # the opening hall (docs/opening.md, "Hall messages")
    "hall.signed_in": lambda p: _(
        "Signed in to the hall: %(who)s", who=_name(HALL_ROLES, p.get("role"))
    ),
    "opening.signed_in": lambda p: _(
        "Signed in to the hall: %(who)s", who=_name(HALL_ROLES, p.get("role"))
    ),
    "hall.bids_locked": lambda p: _("Deadline: %(bids)s bids locked", bids=_count(p.get("bids"))),
    "hall.failed": lambda p: _("Opening failed: too few bids"),
    "hall.announcement": lambda p: _("Announcement by the host"),
    "hall.decrypted": lambda p: _("Bid %(bid)s decrypted by its bidder", bid=p.get("bid_no")),
    "bid.decrypted": lambda p: _("The keys of bid %(bid)s were accepted", bid=p.get("bid_id")),
    "hall.excused": lambda p: _(
        "Bid %(bid)s excused: the custodians’ shares are asked", bid=p.get("bid_no")
    ),
    "hall.share_received": lambda p: _(
        "Shares for bid %(bid)s received (%(shares)s of %(threshold)s)",
        bid=p.get("bid_no"),
        shares=p.get("shares"),
        threshold=p.get("threshold"),
    ),
    "hall.recovered": lambda p: _(
        "Bid %(bid)s recovered from the custodians’ shares", bid=p.get("bid_no")
    ),
    "hall.revoked": lambda p: _("Bid %(bid)s revoked: not decrypted in time", bid=p.get("bid_no")),
    "hall.withdrawn": lambda p: _("Bid %(bid)s treated as withdrawn", bid=p.get("bid_no")),
    "hall.reading_started": lambda p: _("Reading out started"),
    "hall.read_out": lambda p: _(
        "Bid %(bid)s of %(of)s read out", bid=p.get("bid_no"), of=p.get("of")
    ),
    "hall.reading_finished": lambda p: _("Reading out finished"),
    "hall.objection": lambda p: _("Objection %(number)s raised", number=p.get("number")),
    "hall.answer": lambda p: _("Objection %(number)s answered", number=p.get("number")),
    "hall.closed": lambda p: _("Hall closed: the record is signed"),
    "opening.record_published": lambda p: _("Opening record published"),
    "crypto.early_access_refused": lambda p: _(
        "A key or plaintext asked for before the opening time: refused"
    ),
}


def label(event_type: str, payload: dict[str, Any]) -> str:
    """One sentence saying what the event was, in the page's language."""
    say = LABELS.get(event_type)
    if say is None:
        return _("Recorded event")
    try:
        return say(payload)
    except (AttributeError, KeyError, TypeError, ValueError):  # a payload of an older shape
        return _("Recorded event")


def actor_name(actor: str, name: str | None) -> str:
    """A person's display name, or what the platform's own actors are."""
    if name:
        return name
    kind, _sep, rest = actor.partition(":")
    if kind == "device":
        return _("The AV system of venue %(venue)s", venue=rest)
    if kind == "system":
        return _("The platform")
    return actor
