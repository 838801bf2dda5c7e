"""E-guarantee use cases (DOMAIN.md §3): submit a signed guarantee, attach it to a sealed bid,
claim on it (索赔), record its release; one transaction each, emitting events."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidhall import clock, inputs
from bidhall.accounts.models import Organisation, Role, User
from bidhall.accounts.rules import require_role
from bidhall.crypto import keys
from bidhall.crypto import validation as pki
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, NotFound, RuleViolation
from bidhall.events import emit
from trading.bids.models import Bid, BidState
from trading.guarantees import notices, rules
from trading.guarantees.documents import parse_submission
from trading.guarantees.models import Guarantee, GuaranteeClaim, GuaranteeIssuer, GuaranteeState
from trading.guarantees.queries import (
    IN_FORCE,
    guarantees_in_force,
    locked_guarantee,
    published_tender,
    sealed_bid,
)
from trading.guarantees.security import may_see
from trading.opening.rules import Outcome
from trading.tenders.models import Tender

# --- e-guarantees -------------------------------------------------------------------------------


def submit_guarantee(actor: User, data: Any) -> Guarantee:
    """Accept an issuer's signed e-guarantee after the platform's checks (DOMAIN.md §3): the
    signature, the issuer's certificate and registration, the tender, beneficiary, lot,
    currency, amount and validity, the number's uniqueness. A guarantee for a bidder and lot that
    already has one replaces it; it backs the bidder's sealed bid now or once one is sealed."""
    require_role(actor, Role.ISSUER)
    submission = parse_submission(data)
    terms = submission.terms
    if terms.issuer_organisation_id != actor.organisation_id:
        raise Forbidden(
            "an issuer submits the guarantees of its own organisation only",
            code="not_your_guarantee",
        )
    signed = keys.canonical(submission.document)
    pki.verify_signature(submission.certificate, signed, submission.signature)
    now = clock.now()
    with db.transaction() as session:
        record = pki.validate(submission.certificate, "signing", now)
        registry = session.scalar(
            select(GuaranteeIssuer).where(GuaranteeIssuer.organisation_id == record.organisation_id)
        )
        rules.check_guarantee_issuer(
            registry.kind if registry else None,
            registry.status if registry else None,
            record.organisation_id if record.user_id is not None else None,
            terms.issuer_organisation_id,
            terms.kind,
        )
        if submission.issuer_name != registry.organisation.name:
            raise RuleViolation(
                f"the guarantee names its issuer {submission.issuer_name!r}, registered as "
                f"{registry.organisation.name!r}",
                code="issuer_name_mismatch",
            )
        if _number_taken(session, terms.issuer_organisation_id, terms.number):
            raise _duplicate(terms.number)
        tender = published_tender(session, terms.tender_id, for_update=True, missing="wrong_tender")
        applicant = session.get(Organisation, terms.applicant_organisation_id)
        if applicant is None or applicant.kind != "bidder":
            raise RuleViolation(
                f"the applicant {terms.applicant_organisation_id} is not a registered bidder",
                code="wrong_applicant",
            )
        rules.check_guarantee_terms(terms, _facts(tender), now)
        guarantee = Guarantee(
            number=terms.number,
            kind=terms.kind,
            issuer_organisation_id=terms.issuer_organisation_id,
            applicant_organisation_id=applicant.id,
            beneficiary_organisation_id=terms.beneficiary_organisation_id,
            tender_id=tender.id,
            lot_number=terms.lot,
            amount=terms.amount,
            currency=terms.currency,
            valid_from=terms.valid_from,
            valid_until=terms.valid_until,
            state=GuaranteeState.ACTIVE,
            document=signed.decode(),
            document_sha256=hashlib.sha256(signed).hexdigest(),
            signature=keys.b64(submission.signature),
            certificate_fingerprint=record.fingerprint_sha256,
            submitted_by_id=actor.id,
            received_at=now,
        )
        session.add(guarantee)
        try:
            session.flush()
        except IntegrityError:
            # the same number committed by a concurrent submission after the check above: the
            # unique key decides, and the unit rolls back
            raise _duplicate(terms.number) from None
        emit(
            "guarantee.accepted",
            actor,
            guarantee_id=guarantee.id,
            tender_id=tender.id,
            lot=guarantee.lot_number,
            applicant_id=applicant.id,
            issuer_id=guarantee.issuer_organisation_id,
            document_sha256=guarantee.document_sha256,
        )
        for previous in guarantees_in_force(session, tender.id, terms.lot, applicant.id):
            if previous.id == guarantee.id:
                continue
            previous.state = GuaranteeState.SUPERSEDED
            previous.superseded_by_id = guarantee.id
            emit(
                "guarantee.superseded",
                actor,
                guarantee_id=previous.id,
                by_guarantee_id=guarantee.id,
                tender_id=tender.id,
            )
            schedule_release(previous, "replaced", now, actor)
        bid = sealed_bid(session, tender.id, terms.lot, applicant.id)
        if bid is not None:
            bind_guarantee(guarantee, bid, actor)
    return guarantee


def _number_taken(session: Session, issuer_organisation_id: int, number: str) -> bool:
    return (
        session.scalar(
            select(Guarantee.id).where(
                Guarantee.issuer_organisation_id == issuer_organisation_id,
                Guarantee.number == number,
            )
        )
        is not None
    )


def _duplicate(number: str) -> Conflict:
    return Conflict(f"guarantee number {number} was submitted already", code="duplicate_number")


def _facts(tender: Tender) -> rules.TenderFacts:
    return rules.TenderFacts(
        tender_id=tender.id,
        reference=tender.reference,
        tenderer_id=tender.tenderer_id,
        state=tender.state.value,
        bid_deadline=tender.bid_deadline,
        bid_validity_days=tender.bid_validity_days,
        guarantee_amounts={lot.number: lot.guarantee_amount for lot in tender.lots},
    )


def attach_guarantee(actor: User | str, guarantee_id: int, bid_id: int) -> Guarantee:
    """Bind a guarantee to a sealed bid of its bidder and lot. One guarantee backs one bid: one
    that backed another bid (not an earlier version of this one) is refused."""
    with db.transaction() as session:
        guarantee = session.get(Guarantee, guarantee_id)
        bid = session.get(Bid, bid_id)
        if guarantee is None or bid is None:
            raise NotFound("no such guarantee or bid", code="not_found")
        if isinstance(actor, User) and not (
            actor.role == Role.BIDDER and actor.organisation_id == bid.organisation_id
        ):
            raise Forbidden("a bidder attaches guarantees to its own bids only")
        if guarantee.bid_id == bid.id:
            return guarantee
        _check_attachable(session, guarantee, bid)
        bind_guarantee(guarantee, bid, actor)
    return guarantee


# --- claims and releases ------------------------------------------------------------------------


def require_claimant(actor: User, guarantee_id: int) -> Guarantee:
    """Refuse early (before the body is read) anyone who may not claim on this guarantee: the
    tender's managers, once they may see it (from the reading out). To anyone else, and to them
    before, it does not exist: a refusal that told a guarantee of the tender from none would
    let them count the guarantees by trying ids (Law Art 22)."""
    from trading.tenders.queries import can_manage

    guarantee = db.session.get(Guarantee, guarantee_id)
    if (
        guarantee is None
        or not can_manage(actor, guarantee.tender)
        or not may_see(actor, guarantee, can_manage)
    ):
        raise NotFound(f"no guarantee {guarantee_id}", code="guarantee_not_found")
    return guarantee


def claim_guarantee(actor: User, guarantee_id: int, trigger: str, reason: str) -> GuaranteeClaim:
    """The beneficiary's claim (索赔) for a DOMAIN.md §3 trigger, within the validity."""
    reason = inputs.text(reason, "reason", max_length=5000)
    with db.transaction() as session:
        guarantee = locked_guarantee(session, guarantee_id)
        require_claimant(actor, guarantee.id)
        if guarantee.state != GuaranteeState.ACTIVE:
            raise Conflict(
                f"this guarantee is {guarantee.state.value}: it cannot be claimed",
                code=f"guarantee_{guarantee.state.value}",
            )
        if guarantee.release_due_at is not None:
            raise Conflict(
                f"this guarantee is to be released ({guarantee.release_reason})",
                code="release_due",
            )
        now = clock.now()
        rules.check_claim(
            trigger,
            guarantee.valid_from,
            guarantee.valid_until,
            guarantee.tender.bid_deadline,
            now,
        )
        if trigger == "not_decrypted":
            check_revoked_at_opening(
                session,
                guarantee.tender,
                guarantee.lot_number,
                guarantee.applicant_organisation_id,
            )
        claim = GuaranteeClaim(
            guarantee_id=guarantee.id,
            trigger=trigger,
            reason=reason,
            amount=guarantee.amount,
            claimed_by_id=actor.id,
            claimed_at=now,
        )
        session.add(claim)
        guarantee.state = GuaranteeState.CLAIMED
        session.flush()
        claim.notice = notices.claim_notice(guarantee, claim)
        emit(
            "guarantee.claimed",
            actor,
            guarantee_id=guarantee.id,
            claim_id=claim.id,
            tender_id=guarantee.tender_id,
            issuer_id=guarantee.issuer_organisation_id,
            trigger=trigger,
        )
    return claim


def check_revoked_at_opening(
    session: Session, tender: Tender, lot_number: int, organisation_id: int
) -> None:
    """A bid not decrypted at the opening through the bidder's fault is revoked (撤销); its
    guarantee or deposit may be kept only if the tender's documents say so."""
    revoked = session.scalar(
        select(Bid.id).where(
            Bid.tender_id == tender.id,
            Bid.lot_number == lot_number,
            Bid.organisation_id == organisation_id,
            Bid.opening_outcome == Outcome.REVOKED,
        )
    )
    if revoked is None:
        raise RuleViolation(
            "the bidder's bid was not revoked at the opening", code="bid_not_revoked"
        )
    if not tender.claim_on_revocation:
        raise RuleViolation(
            "this tender's documents do not allow a claim for a revoked bid",
            code="claim_not_allowed",
        )


def release_guarantee(actor: User, guarantee_id: int, note: str = "") -> Guarantee:
    """Record that a guarantee due for release was released."""
    require_role(actor, Role.ADMIN)
    with db.transaction() as session:
        guarantee = locked_guarantee(session, guarantee_id)
        if guarantee.state == GuaranteeState.RELEASED:
            raise Conflict("this guarantee was released already", code="already_released")
        if guarantee.release_due_at is None or guarantee.state == GuaranteeState.CLAIMED:
            raise Conflict(
                "nothing obliges the release of this guarantee yet: it backs a live bid",
                code="no_release_due",
            )
        now = clock.now()
        guarantee.state = GuaranteeState.RELEASED
        guarantee.released_at = now
        guarantee.released_by_id = actor.id
        guarantee.release_note = (note or "").strip()[:5000] or None
        guarantee.release_notice = notices.release_notice(guarantee)
        emit(
            "guarantee.released",
            actor,
            guarantee_id=guarantee.id,
            tender_id=guarantee.tender_id,
            reason=guarantee.release_reason,
            late=rules.is_overdue(guarantee.release_due_at, now),
        )
    return guarantee


# --- binding and releasing (the jobs' event handlers use these too) -----------------------------


def bind_guarantee(
    guarantee: Guarantee, bid: Bid, actor: Any, replaces_bid_id: int | None = None
) -> None:
    """Make the guarantee back the bid (inside the caller's transaction)."""
    guarantee.bid_id = bid.id
    guarantee.bound_at = clock.now()
    emit(
        "guarantee.bound",
        actor,
        guarantee_id=guarantee.id,
        bid_id=bid.id,
        tender_id=bid.tender_id,
        replaces_bid_id=replaces_bid_id,
    )


def _check_attachable(session: Session, guarantee: Guarantee, bid: Bid) -> None:
    if (guarantee.tender_id, guarantee.lot_number, guarantee.applicant_organisation_id) != (
        bid.tender_id,
        bid.lot_number,
        bid.organisation_id,
    ):
        raise RuleViolation(
            "this guarantee is for another tender, lot or bidder than the bid",
            code="guarantee_mismatch",
        )
    if bid.state != BidState.SEALED:
        raise Conflict(f"the bid is {bid.state.value}", code="invalid_state")
    if guarantee.bid_id is not None and guarantee.bid_id not in _earlier_versions(session, bid):
        raise Conflict(
            f"this guarantee backs bid {guarantee.bid_id} already: one guarantee backs one bid",
            code="guarantee_in_use",
            bid_id=guarantee.bid_id,
        )
    if guarantee.state != GuaranteeState.ACTIVE or guarantee.release_due_at is not None:
        raise Conflict(
            f"this guarantee is {guarantee.state.value}"
            + (
                f", due for release ({guarantee.release_reason})"
                if guarantee.release_due_at
                else ""
            ),
            code="guarantee_not_in_force",
        )
    if session.scalar(
        select(Guarantee.id).where(
            Guarantee.bid_id == bid.id, Guarantee.id != guarantee.id, *IN_FORCE
        )
    ):
        raise Conflict("the bid is backed by another guarantee", code="bid_already_secured")


def _earlier_versions(session: Session, bid: Bid) -> set[int]:
    """The bids this one replaced, directly or through others."""
    seen: set[int] = set()
    current = bid.supersedes_id
    while current is not None and current not in seen:
        seen.add(current)
        current = session.scalar(select(Bid.supersedes_id).where(Bid.id == current))
    return seen


def schedule_release(guarantee: Guarantee, reason: str, at: datetime, actor: Any) -> None:
    """Open the obligation to release the guarantee by the deadline ``reason`` sets, once."""
    if guarantee.release_due_at is not None:
        return
    guarantee.release_reason = reason
    guarantee.release_due_at = rules.return_due(reason, at)
    emit(
        "guarantee.release_due",
        actor,
        guarantee_id=guarantee.id,
        tender_id=guarantee.tender_id,
        reason=reason,
        due_at=guarantee.release_due_at.isoformat(),
    )
