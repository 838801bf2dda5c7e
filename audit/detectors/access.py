"""Access (越权与回避): a key, share or decryption asked for before the opening time, the tender
documents changed too close to the bid deadline, a committee member tied to a bidder or to the
tenderer.

* ``crypto.early_access``: every ``crypto.early_access_refused`` the platform recorded
  (``trading.bids.queries.guard_opening``: a bidder's keys or a custodian's shares handed in to
  the hall, the envelope headers asked for, a bid's summary read, before the opening time). It
  is the one event the trading side records for an early key, share or decryption request.
* ``docs.late_change``: a notice that changes the documents (an amendment, or any notice said
  to affect the bids' preparation) leaving fewer than AUDIT_LATE_CHANGE_DAYS days to the bid
  deadline in force after it (Regs Art 21). The service moves the deadline for a notice said to
  affect preparation so that the rule set's days remain; what it does not move is the deadline
  for an amendment its issuer says does not affect preparation, and a rule set whose days are
  fewer than the audit's leaves a moved deadline short of them.
* ``expert.conflict``: at the session's opening (and when a replacement takes a seat), a drawn
  member (not the tenderer's own representatives, who sit for it by law) employed by, or with a
  declared relation (an organisation, or a person of it) to, a bidder of the session or the
  tenderer; the draw checked this against the holders of the documents when it drew, but a
  bidder may have taken the documents, or a person joined a bidder, after the draw. And every
  declared conflict of interest (``expert.declared`` with ``no_conflict`` false: the expert is
  recused).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors.base import Fact, Scope, Severity, detector, reads_back
from audit.detectors.reads import read, read_many
from bidhall.accounts.models import Organisation, User
from evaluation.draws.models import DrawPlace, ExpertDraw
from evaluation.draws.rules import normal_name
from evaluation.experts.models import Expert, ExpertRelation
from evaluation.sessions.models import EvaluationSession, SessionMember
from evaluation.venues.models import RecusalDeclaration
from trading.bids.models import Bid
from trading.tenders.models import Notice, Tender

EARLY = "crypto.early_access_refused"
NOTICE = "tender.notice_issued"
MOVED = "tender.deadline_moved"
OPENED = "evaluation.session_opened"
SEATED = "evaluation.member_seated"  # a replacement takes a seat: checked as at the opening
DECLARED = "expert.declared"
reads_back(NOTICE)


# --- read models --------------------------------------------------------------------------------


@read("access.user")
def read_user(session: Session, actor: str) -> dict[str, Any]:
    """The ledger actor ``user:<id>``: ``{"user_id", "role", "organisation"}`` (empty for a
    system actor or an unknown user)."""
    kind, _, number = actor.partition(":")
    if kind != "user" or not number.isdigit():
        return {}
    row = session.execute(
        select(User.id, User.role, Organisation.name)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id == int(number))
    ).first()
    if row is None:
        return {}
    return {"user_id": row[0], "role": str(row[1]), "organisation": row[2]}


@read("access.notice")
def read_notice(session: Session, notice_id: int) -> dict[str, Any]:
    """A notice's kind, whether it affects preparation, when it was issued and the bid
    deadline before and after it (aware datetimes)."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        return {}
    return {
        "kind": notice.kind,
        "affects_preparation": notice.affects_preparation,
        "issued_at": notice.issued_at,
        "deadline_before": notice.deadline_before,
        "deadline_after": notice.deadline_after or notice.deadline_before,
        "rule_set": session.scalar(select(Tender.rule_set).where(Tender.id == notice.tender_id)),
    }


@read_many("access.committee", by="session_id")
def read_committees(session: Session, session_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each session's active drawn members with their employer and declared relations, and the
    organisations they must not be tied to: the bidders of the session's bids and the tenderer,
    each with the names of its people (its users), as ``normal_name`` compares them; ``{}`` for
    a session not found. One statement per table for all the sessions asked."""
    found: dict[int, dict[str, Any]] = {session_id: {} for session_id in session_ids}
    evaluations = session.execute(
        select(EvaluationSession.id, EvaluationSession.tender_id, EvaluationSession.bid_ids).where(
            EvaluationSession.id.in_(list(found))
        )
    ).all()
    if not evaluations:
        return found
    tenderers = dict(
        session.execute(
            select(Tender.id, Tender.tenderer_id).where(
                Tender.id.in_({tender for _, tender, _ in evaluations})
            )
        ).all()
    )
    bid_ids = {bid for _, _, bids in evaluations for bid in bids or []}
    bidders = dict(
        session.execute(
            select(Bid.id, Bid.organisation_id).where(Bid.id.in_(sorted(bid_ids)))
        ).all()
    )
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_(set(bidders.values()) | set(tenderers.values()))
            )
        ).all()
    )
    people: dict[int, dict[str, str]] = {org: {} for org in names}
    for org, display_name in session.execute(
        select(User.organisation_id, User.display_name).where(User.organisation_id.in_(list(names)))
    ):
        name = normal_name(display_name)
        if name:
            people[org][name] = display_name
    members: dict[int, list[tuple[int, int, int | None]]] = {}
    for session_id, seat, expert, employer in session.execute(
        select(
            SessionMember.session_id, SessionMember.seat, Expert.id, Expert.employer_organisation_id
        )
        .join(Expert, Expert.id == SessionMember.expert_id)
        .where(
            SessionMember.session_id.in_(list(found)),
            SessionMember.active.is_(True),
            SessionMember.representative.is_(False),
        )
        .order_by(SessionMember.session_id, SessionMember.seat)
    ):
        members.setdefault(session_id, []).append((seat, expert, employer))
    relations: dict[int, list[dict[str, Any]]] = {}
    for expert, kind, org, person in session.execute(
        select(
            ExpertRelation.expert_id,
            ExpertRelation.kind,
            ExpertRelation.organisation_id,
            ExpertRelation.person_name,
        )
        .where(ExpertRelation.expert_id.in_({m[1] for seated in members.values() for m in seated}))
        .order_by(ExpertRelation.id)
    ):
        relations.setdefault(expert, []).append(
            {"kind": kind, "organisation_id": org, "person": person}
        )
    for session_id, tender_id, bids in evaluations:
        # each party a fresh dict per session: a detector's reading never reaches another's
        parties: dict[int, dict[str, Any]] = {}
        for bid in sorted(bid for bid in bids or [] if bid in bidders):
            org = bidders[bid]
            parties[org] = {
                "organisation_id": org,
                "name": names[org],
                "role": "bidder",
                "people": dict(people[org]),
            }
        tenderer = tenderers[tender_id]
        parties[tenderer] = {
            "organisation_id": tenderer,
            "name": names[tenderer],
            "role": "tenderer",
            "people": dict(people[tenderer]),
        }
        found[session_id] = {
            "tender_id": tender_id,
            "parties": list(parties.values()),
            "members": [
                {
                    "seat": seat,
                    "expert_id": expert,
                    "employer_organisation_id": employer,
                    "relations": [dict(r) for r in relations.get(expert, [])],
                }
                for seat, expert, employer in members.get(session_id, [])
            ],
        }
    return found


@read("access.declaration")
def read_declaration(session: Session, place_id: int) -> dict[str, Any]:
    """A recusal declaration by its draw place: the draw's tender, the expert and its note."""
    row = session.execute(
        select(RecusalDeclaration.document, ExpertDraw.tender_id, DrawPlace.expert_id)
        .join(DrawPlace, DrawPlace.id == RecusalDeclaration.place_id)
        .join(ExpertDraw, ExpertDraw.id == RecusalDeclaration.draw_id)
        .where(RecusalDeclaration.place_id == place_id)
    ).first()
    if row is None:
        return {}
    document = json.loads(row[0])
    return {"tender_id": row[1], "expert_id": row[2], "note": document.get("note") or ""}


# --- early access -------------------------------------------------------------------------------


@detector(
    "crypto.early_access",
    basis="E-Rules Art 28: nothing is decrypted before the opening time (Law Art 22)",
    on=(EARLY,),
)
def early_access(fact: Fact, scope: Scope):
    payload = fact.payload
    opening = datetime.fromisoformat(payload["opening"])
    minutes = max(0, int((opening - fact.at).total_seconds() // 60))
    who = scope.read("access.user", actor=fact.actor)
    requested = payload.get("requested")
    bid = payload.get("bid_id")
    described = fact.actor + (
        f" ({who['role']} of {who['organisation']})" if who.get("organisation") else ""
    )
    yield scope.finding(
        "crypto.early_access",
        f"ledger:{fact.seq}",  # every attempt is one: each is a request refused
        Severity.RED,
        f"{described} asked for the {requested} of "
        + (f"bid {bid}" if bid is not None else "its envelopes")
        + f" in tender {scope.tender_id} {minutes} minutes before the opening time "
        f"({opening.isoformat()}); it was refused",
        [fact.seq],
        figures={
            "actor": fact.actor,
            "role": who.get("role"),
            "organisation": who.get("organisation"),
            "requested": requested,
            "bid_id": bid,
            "opening": opening.isoformat(),
            "asked_at": fact.at.isoformat(),
            "minutes_before": minutes,
        },
        threshold={"kind": "fixed", "rule": "any key, share or plaintext request before opening"},
        subject=fact.actor,
    )


# --- late changes to the documents --------------------------------------------------------------


@detector(
    "docs.late_change",
    basis="Regs Art 21: a change that may affect the bids is notified 15 days before the deadline",
    on=(NOTICE, MOVED),
)
def late_change(fact: Fact, scope: Scope):
    """At ``tender.notice_issued`` for a notice that left the deadline where it was, at
    ``tender.deadline_moved`` for one that moved it: the days from the notice to the deadline
    in force after it, against AUDIT_LATE_CHANGE_DAYS."""
    notice_id = fact.payload.get("notice_id")
    notice = scope.read("access.notice", notice_id=notice_id) if notice_id else {}
    if not notice:
        return
    moved = notice["deadline_after"] != notice["deadline_before"]
    if fact.type == NOTICE and moved:
        return  # its tender.deadline_moved follows in the same unit and decides
    if not (notice["affects_preparation"] or notice["kind"] == "amendment"):
        return  # a clarification that changes nothing in the bids
    days = int(scope.setting("AUDIT_LATE_CHANGE_DAYS"))
    left = notice["deadline_after"] - notice["issued_at"]
    if left >= timedelta(days=days):
        return
    issued = [f for f in scope.tender_history(NOTICE) if f.payload.get("notice_id") == notice_id]
    why = (
        f"the deadline was moved only to {notice['deadline_after'].isoformat()}"
        if moved
        else "the deadline was not moved"
        + ("" if notice["affects_preparation"] else ", its issuer saying it does not affect bids")
    )
    yield scope.finding(
        "docs.late_change",
        f"tender:{scope.tender_id}:notice:{notice_id}",
        Severity.RED,
        f"{notice['kind']} {notice_id} of tender {scope.tender_id} was issued "
        f"{_days(left)} days before the bid deadline, fewer than {days}: " + why,
        [fact.seq, *(f.seq for f in issued)],
        figures={
            "notice_id": notice_id,
            "kind": notice["kind"],
            "affects_preparation": notice["affects_preparation"],
            "issued_at": notice["issued_at"].isoformat(),
            "deadline_before": notice["deadline_before"].isoformat(),
            "deadline_after": notice["deadline_after"].isoformat(),
            "moved": moved,
            "days_left": str(_days(left)),
            "rule_set": notice["rule_set"],
        },
        threshold={
            "kind": "fixed",
            "rule": "an amendment, or a notice affecting preparation, leaves ≥ N days to the "
            "deadline in force after it",
            "days": days,
        },
        subject=f"notice {notice_id}",
    )


def _days(span: timedelta) -> Decimal:
    """A span in days to three decimals (the ledger holds no floats)."""
    return (Decimal(int(span.total_seconds())) / 86400).quantize(Decimal("0.001"))


# --- conflicts of interest ----------------------------------------------------------------------


@detector(
    "expert.conflict",
    basis="Eval-Rules Art 12 and the centres' rules: a member tied to a bidder or the tenderer "
    "withdraws",
    on=(OPENED, SEATED, DECLARED),
)
def conflict(fact: Fact, scope: Scope):
    if fact.type == DECLARED:
        yield from _declared(fact, scope)
        return
    committee = scope.read("access.committee", session_id=scope.session_id)
    for member in committee.get("members", []):
        for party in committee["parties"]:
            ties = _ties(member, party)
            if not ties:
                continue
            seat = member["seat"]
            said = "; ".join(_said(tie) for tie in ties)
            yield scope.finding(
                "expert.conflict",
                f"session:{scope.session_id}:seat:{seat}:org:{party['organisation_id']}",
                Severity.RED,
                f"the member at seat {seat} (expert {member['expert_id']}) is tied to "
                f"{party['name']}, the {party['role']} of this tender: {said}",
                [fact.seq],
                figures={
                    "seat": seat,
                    "expert_id": member["expert_id"],
                    "organisation_id": party["organisation_id"],
                    "organisation": party["name"],
                    "role": party["role"],
                    "ties": ties,
                },
                threshold={
                    "kind": "fixed",
                    "rule": "no member employed by, or with a declared relation (organisation "
                    "or one of its people) to, a bidder or the tenderer",
                },
                subject=f"seat {seat}",
            )


def _ties(member: dict[str, Any], party: dict[str, Any]) -> list[dict[str, Any]]:
    """How the member is tied to the party: its employer, a declared relation to the party's
    organisation, or one naming a person of it (as the draw's exclusion rules compare them)."""
    org = party["organisation_id"]
    ties = []
    if member["employer_organisation_id"] == org:
        ties.append({"kind": "employer"})
    for relation in member["relations"]:
        if relation["organisation_id"] == org:
            ties.append({"kind": relation["kind"], "organisation_id": org})
        elif relation["organisation_id"] is None and relation["person"]:
            person = party["people"].get(normal_name(relation["person"]))
            if person is not None:
                ties.append({"kind": relation["kind"], "person": person})
    return ties


def _said(tie: dict[str, Any]) -> str:
    if tie["kind"] == "employer":
        return "its employer"
    if "person" in tie:
        return f"a declared {tie['kind']} relation to {tie['person']}, one of its people"
    return f"a declared {tie['kind']} relation to it"


def _declared(fact: Fact, scope: Scope):
    if fact.payload.get("no_conflict", True):
        return
    place = fact.payload.get("place_id")
    declaration = scope.read("access.declaration", place_id=place)
    tender_id = declaration.get("tender_id")
    yield scope.finding(
        "expert.conflict",
        f"draw:{fact.payload.get('draw_id')}:place:{place}:declared",
        Severity.RED,
        f"expert {declaration.get('expert_id')}, drawn for tender {tender_id}, declared a "
        f"conflict of interest ({declaration.get('note')!r}) and was recused",
        [fact.seq],
        tender_id=tender_id,
        figures={
            "draw_id": fact.payload.get("draw_id"),
            "place_id": place,
            "expert_id": declaration.get("expert_id"),
            "note": declaration.get("note"),
        },
        threshold={"kind": "fixed", "rule": "a declared conflict of interest"},
        subject=f"expert {declaration.get('expert_id')}",
    )
