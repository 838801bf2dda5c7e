"""The session's report: written dissent, the leader's finalization (the report document built
from the session's record, ``evaluation.reports.document``), each member's signature of its
hash with its own certificate, refusals recorded as agreement after the time set, and the
platform-sealed PDF once every member has signed (the tenderer receives it then)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import canonical, clock, config, storage
from bidhall.crypto import services as crypto
from bidhall.crypto import validation
from bidhall.errors import Conflict, InvalidInput
from evaluation.draws.visibility import venue_names
from evaluation.reports import document as report_document
from evaluation.reports import pdf as report_pdf
from evaluation.reports import seal as report_seal
from evaluation.sessions import clarifications, corrections, review, room, rules
from evaluation.sessions.models import (
    Ballot,
    EvaluationSession,
    ReportSignature,
    SessionMember,
)
from evaluation.sessions.rules import SessionState, Stage
from trading.award import services as award_services
from trading.tenders.models import Tender

REFUSAL_NOTE = (
    "did not sign within the time set and gave no reasons: recorded as agreement (Regs Art 53)"
)


# --- before the report: dissent -----------------------------------------------------------------


def write_dissent(
    session: Session, evaluation: EvaluationSession, member: SessionMember, text: object
) -> dict:
    """A member's written dissent from the result, for the report; an empty text withdraws it.
    It is written before the leader finalizes the report, which quotes it."""
    rules.check_stage(evaluation.stage, Stage.RANKED, why="dissent is written once ranked")
    value = rules.check_text(text, "text", required=False)
    member.dissent = value or None
    room.post(
        session,
        evaluation,
        room_user(session, member),
        "dissent_written",
        seat=member.seat,
        text=member.dissent,
    )
    return {"dissent": member.dissent}


def room_user(session: Session, member: SessionMember) -> Any:
    from bidhall.accounts.models import User

    return session.get(User, member.user_id)


# --- the document -------------------------------------------------------------------------------


def finalize(
    session: Session, evaluation: EvaluationSession, leader: SessionMember, actor: Any
) -> dict:
    """Build the report from the session's record and open it for the members' signatures."""
    rules.check_stage(evaluation.stage, Stage.RANKED, why="the report follows the ranking")
    results = evaluation.results or {"lots": []}
    if len(results["lots"]) > 1:
        raise Conflict(
            "a report covers one lot: this tender's lots are reported lot by lot, which the "
            "platform does not do yet",
            code="multi_lot_report",
        )
    now = clock.now()
    built = report_document.build(content(session, evaluation, now))
    sha256 = report_document.digest(built)
    evaluation.report = canonical.canonical(built).decode()
    evaluation.report_sha256 = sha256
    evaluation.report_due_at = now + timedelta(
        minutes=int(config.setting("EVALUATION_SIGNING_MINUTES", 60))
    )
    evaluation.stage = Stage.REPORT
    room.post(
        session,
        evaluation,
        actor,
        "report_ready",
        report_sha256=sha256,
        due_at=evaluation.report_due_at.isoformat(),
        candidates=built["candidates"],
    )
    room.post(session, evaluation, rules.SYSTEM, "stage_changed", stage=Stage.REPORT.value)
    return {"report_sha256": sha256, "due_at": evaluation.report_due_at.isoformat()}


def content(session: Session, evaluation: EvaluationSession, now) -> dict:
    """The report's content (``evaluation.reports.document.build``) from the session's rows."""
    tender = session.get(Tender, evaluation.tender_id)
    members = room.active_members(session, evaluation)
    names = room.member_names(session, members)
    venues = venue_names([m.venue_id for m in members])
    seat_of = {m.id: m.seat for m in room.members(session, evaluation)}
    passed = set(evaluation.passed_bid_ids or [])
    _, vetoed = review.outcome(session, evaluation)
    veto_of = {v["bid_id"]: v for v in vetoed}
    requirement_text = {r["id"]: r for r in evaluation.requirements}
    lot = (evaluation.results or {"lots": []})["lots"]
    lot = lot[0] if lot else None
    priced = room.evaluated_prices(session, evaluation)
    return {
        "tender": {
            "id": tender.id,
            "reference": tender.reference,
            "title": tender.title,
            "rule_set": tender.rule_set,
            "method": evaluation.method,
        },
        "session": {
            "id": evaluation.id,
            "opened_at": evaluation.opened_at.isoformat(),
            "closed_at": now.isoformat(),
        },
        "committee": [
            {
                "seat": m.seat,
                "name": names.get(m.id) or f"member {m.seat}",
                "user_id": m.user_id,
                "venue": venues.get(m.venue_id) or "-",
                "leader": m.leader,
            }
            for m in members
        ],
        "bids": [
            {
                "bid_id": bid.id,
                "bid_no": number,
                "lot": bid.lot_number,
                "bidder": bid.organisation.name,
                "read_out_price": str(room.price_of(bid)),
                "evaluated_price": str(evaluated) if bid.id in passed else None,
                "passed": bid.id in passed,
                "veto_reason": veto_of[bid.id]["reason"] if bid.id in veto_of else None,
            }
            for number, (bid, evaluated) in enumerate(priced, start=1)
        ],
        "review": [
            {
                "bid_id": item.bid_id,
                "stage": requirement_text[item.requirement]["stage"],
                "requirement": item.requirement,
                "text": requirement_text[item.requirement]["text"],
                "marks": item.marks,
                "fails": item.fails,
                "vetoes": item.vetoes,
            }
            for item in review.items(session, evaluation)
        ],
        "vetoes": [
            {
                "bid_id": v["bid_id"],
                "reason": v["reason"],
                "requirement": v["requirement"],
                "detail": requirement_text[v["requirement"]]["text"]
                if v["requirement"]
                else rules.VETO_REASONS[v["reason"]],
                "vote": v["vote"],
            }
            for v in vetoed
        ],
        "votes": _votes(session, evaluation, seat_of),
        "clarifications": [
            {
                "bid_id": c.bid_id,
                "question": c.question,
                "answer": c.answer,
                "asked_at": c.asked_at.isoformat(),
                "answered_at": c.answered_at.isoformat() if c.answered_at else None,
            }
            for c in clarifications.of_session(session, evaluation)
        ],
        "corrections": [
            {
                "bid_id": c.bid_id,
                "original": c.original,
                "corrected": c.corrected,
                "steps": c.steps,
            }
            for c in corrections.of_session(session, evaluation)
            if c.state == "confirmed"
        ],
        "scores": _scores(evaluation, lot),
        "ranking": [
            {
                "rank": lot["ranks"][str(bid_id)],
                "bid_id": bid_id,
                "score": lot["scores"].get(str(bid_id)),
                "evaluated_price": lot["prices"][str(bid_id)],
            }
            for bid_id in lot["ranking"]
        ]
        if lot
        else [],
        "candidates": [
            {"rank": rank, "bid_id": bid_id}
            for rank, bid_id in enumerate((lot["ranking"] if lot else [])[:3], start=1)
        ],
        "dissent": [{"seat": m.seat, "text": m.dissent} for m in members if m.dissent],
    }


def _votes(session: Session, evaluation: EvaluationSession, seat_of: dict[int, int]) -> list:
    votes = []
    for vote in room.votes(session, evaluation):
        if vote.closed_at is None or vote.voided:
            continue
        ballots = session.scalars(select(Ballot).where(Ballot.vote_id == vote.id))
        votes.append(
            {
                "number": vote.number,
                "matter": vote.matter,
                "question": vote.question,
                "bid_id": vote.subject.get("bid_id"),
                "options": vote.options,
                "result": (vote.result or {}).get("winner"),
                "opened_at": vote.opened_at.isoformat(),
                "closed_at": vote.closed_at.isoformat(),
                "ballots": [{"seat": seat_of[b.member_id], "choice": b.choice} for b in ballots],
            }
        )
    return votes


def _scores(evaluation: EvaluationSession, lot: dict | None) -> dict:
    if lot is None:
        return {"criteria": [], "members": [], "means": [], "price": []}
    return {
        "criteria": [
            {"id": c["name"], "name": c["name"], "max": str(c["max_score"])}
            for c in evaluation.criteria
        ],
        "members": [
            {"seat": int(seat), "bid_id": int(bid), "total": total}
            for seat, totals in sorted(lot["member_totals"].items(), key=lambda i: int(i[0]))
            for bid, total in totals.items()
        ],
        "means": [
            {"bid_id": int(bid), "criterion": name, "mean": mean}
            for bid, items in lot.get("criterion_means", {}).items()
            for name, mean in items.items()
        ],
        "price": [{"bid_id": int(bid), "score": v} for bid, v in lot["price_scores"].items()],
    }


def document_of(evaluation: EvaluationSession) -> dict:
    import json

    return json.loads(evaluation.report)


def to_sign(evaluation: EvaluationSession, member: SessionMember) -> dict:
    """What a member's key signs: the canonical bytes over the report's hash, its seat and the
    dissent the report quotes for it (base64, as the page and the CLI take them)."""
    data = report_document.signing_bytes(evaluation.report_sha256, member.seat, member.dissent)
    return {
        "report_sha256": evaluation.report_sha256,
        "seat": member.seat,
        "dissent": member.dissent,
        "signing_bytes": base64.b64encode(data).decode(),
    }


# --- signatures ---------------------------------------------------------------------------------


def signatures(session: Session, evaluation: EvaluationSession) -> list[ReportSignature]:
    return list(
        session.scalars(
            select(ReportSignature)
            .where(ReportSignature.session_id == evaluation.id)
            .order_by(ReportSignature.seat)
        )
    )


def sign(
    session: Session,
    evaluation: EvaluationSession,
    member: SessionMember,
    signature: object,
    certificate: object,
    actor: Any,
) -> dict:
    """A member signs the report's hash with its own signing certificate (the registry's active
    one unless it names another of its own); checked at once, recorded, announced."""
    rules.check_stage(evaluation.stage, Stage.REPORT, why="the report is signed once finalized")
    if any(s.seat == member.seat for s in signatures(session, evaluation)):
        raise Conflict("you signed the report already", code="already_signed")
    if not isinstance(signature, str) or not 1 <= len(signature) <= 200:
        raise InvalidInput(
            "signature: the base64 Ed25519 signature of the signing bytes",
            code="invalid_field",
            field="signature",
        )
    now = clock.now()
    pem = _certificate_pem(member, certificate)
    row = validation.validate(pem, "signing", now)
    if row.user_id != member.user_id:
        raise InvalidInput("the certificate is not yours", code="wrong_member", field="certificate")
    entry = {
        "seat": member.seat,
        "certificate": row.pem,
        "chain": crypto.chain_pems(),
        "signature": signature,
        "dissent": member.dissent,
        "signed_at": now.isoformat(),
    }
    report_document.check_member_signature(
        evaluation.report_sha256, entry, crypto.root_pem(), user_id=member.user_id
    )
    session.add(
        ReportSignature(
            session_id=evaluation.id,
            member_id=member.id,
            seat=member.seat,
            entry=entry,
            refused=False,
            at=now,
        )
    )
    session.flush()
    room.post(
        session,
        evaluation,
        actor,
        "report_signed",
        seat=member.seat,
        with_dissent=member.dissent is not None,
        certificate_serial=row.serial,
    )
    seal_when_complete(session, evaluation)
    return {"signed": True}


def _certificate_pem(member: SessionMember, certificate: object) -> str:
    if certificate is not None:
        if not isinstance(certificate, str) or len(certificate) > 10_000:
            raise InvalidInput(
                "certificate: your signing certificate (PEM)",
                code="invalid_field",
                field="certificate",
            )
        return certificate
    row = crypto.active_certificate(member.user_id, "signing")
    if row is None:
        raise Conflict(
            "you have no valid signing certificate: enrol one first", code="no_certificate"
        )
    return row.pem


def record_refusals(session: Session, evaluation: EvaluationSession) -> int:
    """After the time set, a member that neither signed nor gave reasons is recorded as agreeing
    (Regs Art 53); then the report is sealed."""
    signed = {s.seat for s in signatures(session, evaluation)}
    now = clock.now()
    missing = [m for m in room.active_members(session, evaluation) if m.seat not in signed]
    for member in missing:
        entry = {
            "seat": member.seat,
            "refused": True,
            "recorded_at": now.isoformat(),
            "note": REFUSAL_NOTE,
        }
        session.add(
            ReportSignature(
                session_id=evaluation.id,
                member_id=member.id,
                seat=member.seat,
                entry=entry,
                refused=True,
                at=now,
            )
        )
        room.post(
            session,
            evaluation,
            rules.SYSTEM,
            "report_signature_refused",
            seat=member.seat,
            note=REFUSAL_NOTE,
        )
    session.flush()
    seal_when_complete(session, evaluation)
    return len(missing)


def seal_when_complete(session: Session, evaluation: EvaluationSession) -> bool:
    """Once every active member has signed (or is recorded as agreeing), the PDF is rendered,
    sealed by the platform and kept; the session is finished and the tenderer may fetch it."""
    entries = [s.entry for s in signatures(session, evaluation)]
    if len(entries) < len(room.active_members(session, evaluation)):
        return False
    sealed = report_seal.seal(report_pdf.render(document_of(evaluation), entries))
    key = f"reports/evaluation-{evaluation.id}.pdf"
    _size, sha256 = storage.get().put(key, io.BytesIO(sealed))
    evaluation.report_pdf_key = key
    evaluation.report_pdf_sha256 = sha256
    evaluation.state = SessionState.FINISHED
    evaluation.closed_at = clock.now()
    _hand_over(session, evaluation)
    room.post(
        session,
        evaluation,
        rules.SYSTEM,
        "report_sealed",
        report_sha256=evaluation.report_sha256,
        pdf_sha256=sha256,
        signed=sum(1 for e in entries if not e.get("refused")),
        refused=sum(1 for e in entries if e.get("refused")),
    )
    return True


def _hand_over(session: Session, evaluation: EvaluationSession) -> None:
    """The sealed report reaches the tenderer: its candidates go to the award (trading.award),
    which publishes them and leads to the contract."""
    document = document_of(evaluation)
    ranking = {row["bid_id"]: row for row in document["ranking"]}
    lots = {bid["bid_id"]: bid["lot"] for bid in document["bids"]}
    candidates = [
        {
            "rank": c["rank"],
            "bid_id": c["bid_id"],
            "evaluated_price": ranking[c["bid_id"]]["evaluated_price"],
            "score": ranking[c["bid_id"]].get("score"),
        }
        for c in document["candidates"]
    ]
    lot = lots[candidates[0]["bid_id"]] if candidates else _lot_of(evaluation)
    award_services.receive_report(
        session,
        evaluation.tender_id,
        lot,
        candidates,
        evaluation.report_sha256,
        evaluation.closed_at,
    )


def _lot_of(evaluation: EvaluationSession) -> int:
    lots = (evaluation.results or {"lots": []})["lots"]
    return lots[0]["lot"] if lots else 1


def sealed_pdf(user: Any, session_id: int) -> tuple[Any, str, int]:
    """The sealed report for the tender's managers (the tenderer receives it once every member
    has signed), the supervisors and the committee: (stream, sha256, session id)."""
    from bidhall.accounts.models import Role
    from bidhall.db import db
    from bidhall.errors import Forbidden
    from trading.tenders.queries import can_manage

    evaluation = room.load(db.session, session_id)
    tender = db.session.get(Tender, evaluation.tender_id)
    member = any(
        m.user_id == getattr(user, "id", None) for m in room.members(db.session, evaluation)
    )
    if not (can_manage(user, tender) or member or getattr(user, "role", None) == Role.SUPERVISOR):
        raise Forbidden(
            "the report is for the tenderer, its agency, the committee and the supervisors",
            code="not_in_session",
        )
    if evaluation.report_pdf_key is None:
        raise Conflict(
            "the report is sealed once every member has signed it", code="report_not_sealed"
        )
    return (
        storage.get().open(evaluation.report_pdf_key),
        evaluation.report_pdf_sha256,
        evaluation.id,
    )
