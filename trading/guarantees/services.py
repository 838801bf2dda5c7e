"""Bid security use cases: the issuer registry, electronic guarantees (电子保函) signed by their
issuers, cash deposits (投标保证金) from the bidder's basic account, claims (索赔), and the
obligations to release guarantees and refund deposits with their deadlines (DOMAIN.md §2 steps
13-14, §3; docs/guarantees.md).

One transaction per use case, each emitting events; the business checks live in trading.rules.
The sealed-bid module does not call this one: ``install()`` subscribes to its events (a bid
sealed, replaced or withdrawn) and to the tender's termination, and binds guarantees or opens
obligations inside the same transaction. ``guarantee_for`` and ``bid_security`` are the status
queries other modules may ask.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidhall import clock, inputs
from bidhall.accounts.models import Organisation, Role, User
from bidhall.crypto import keys
from bidhall.crypto import services as pki
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import Event, emit, subscribe
from trading.bids import rules as bid_rules
from trading.bids.models import Bid, BidState
from trading.guarantees import rules
from trading.guarantees.models import (
    BasicAccount,
    Deposit,
    DepositState,
    Guarantee,
    GuaranteeClaim,
    GuaranteeIssuer,
    GuaranteeState,
)
from trading.opening.services import Outcome
from trading.tenders.models import Tender, TenderState

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 64 * 1024
_MAX_SAFE_INT = 2**53 - 1
_HIDDEN_STATES = (TenderState.DRAFT, TenderState.FILING, TenderState.RETURNED, TenderState.FILED)
# a guarantee "in force": it backs its binding and no obligation to release it is open
_IN_FORCE = (Guarantee.state == GuaranteeState.ACTIVE, Guarantee.release_due_at.is_(None))


# --- wiring -------------------------------------------------------------------------------------


def install() -> None:
    """React to the events of bids and tenders (called by bidhall.app after audit's install)."""
    subscribe(_on_event)


# --- the issuer registry ------------------------------------------------------------------------


def register_issuer(
    actor: User, organisation_id: int, kind: str, licence_number: str
) -> GuaranteeIssuer:
    _require_role(actor, Role.ADMIN)
    licence_number = (licence_number or "").strip()
    rules.check_issuer_registration(kind, licence_number)
    with db.transaction() as session:
        org = session.get(Organisation, organisation_id)
        if org is None or org.kind != "issuer":
            raise InvalidInput(
                f"organisation {organisation_id} is not a guarantee issuer organisation",
                code="invalid_issuer_organisation",
                field="organisation_id",
            )
        if session.scalar(
            select(GuaranteeIssuer.id).where(GuaranteeIssuer.organisation_id == org.id)
        ):
            raise Conflict(f"{org.name} is registered already", code="issuer_exists")
        entry = GuaranteeIssuer(
            organisation_id=org.id,
            kind=kind,
            licence_number=licence_number,
            status="active",
            registered_at=clock.now(),
            registered_by_id=actor.id,
        )
        session.add(entry)
        session.flush()
        emit("issuer.registered", actor, issuer_id=entry.id, organisation_id=org.id, kind=kind)
    return entry


def set_issuer_status(actor: User, issuer_id: int, status: str, reason: str) -> GuaranteeIssuer:
    """Suspend a registered issuer (its new guarantees are refused) or reinstate it."""
    _require_role(actor, Role.ADMIN)
    if status not in rules.ISSUER_STATUSES:
        raise InvalidInput(
            f"status is one of {', '.join(rules.ISSUER_STATUSES)}",
            code="invalid_field",
            field="status",
        )
    reason = _text(reason, "reason", 2000)
    with db.transaction() as session:
        entry = session.get(GuaranteeIssuer, issuer_id)
        if entry is None:
            raise NotFound(f"no registered issuer {issuer_id}", code="issuer_not_found")
        if entry.status == status:
            raise Conflict(f"the issuer is {status} already", code="invalid_state")
        entry.status = status
        entry.status_reason = reason
        entry.status_changed_at = clock.now()
        emit(
            "issuer.suspended" if status == "suspended" else "issuer.reinstated",
            actor,
            issuer_id=entry.id,
            organisation_id=entry.organisation_id,
        )
    return entry


def list_issuers() -> Sequence[GuaranteeIssuer]:
    return list(db.session.scalars(select(GuaranteeIssuer).order_by(GuaranteeIssuer.id)))


def issuer_of(organisation_id: int) -> GuaranteeIssuer | None:
    return db.session.scalar(
        select(GuaranteeIssuer).where(GuaranteeIssuer.organisation_id == organisation_id)
    )


# --- basic accounts -----------------------------------------------------------------------------


def set_basic_account(
    actor: User, organisation_id: int, account_number: str, account_name: str, bank: str
) -> BasicAccount:
    """Register (or replace) a bidder's basic account (基本账户)."""
    _require_role(actor, Role.ADMIN)
    account_number = _text(account_number, "account_number", 40)
    account_name = _text(account_name, "account_name", 200)
    bank = _text(bank, "bank", 200)
    with db.transaction() as session:
        org = session.get(Organisation, organisation_id)
        if org is None or org.kind != "bidder":
            raise NotFound(
                f"no bidder organisation {organisation_id}", code="organisation_not_found"
            )
        account = session.scalar(select(BasicAccount).where(BasicAccount.organisation_id == org.id))
        replaced = account is not None
        if account is None:
            account = BasicAccount(organisation_id=org.id)
            session.add(account)
        account.account_number = account_number
        account.account_name = account_name
        account.bank = bank
        account.registered_at = clock.now()
        account.registered_by_id = actor.id
        session.flush()
        emit(
            "organisation.basic_account_set",
            actor,
            organisation_id=org.id,
            account_sha256=_account_digest(account_number),
            replaced=replaced,
        )
    return account


def basic_account_of(organisation_id: int) -> BasicAccount | None:
    return db.session.scalar(
        select(BasicAccount).where(BasicAccount.organisation_id == organisation_id)
    )


# --- e-guarantees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A signed ``bidhall-guarantee/1`` document, checked for shape only."""

    document: dict
    terms: rules.GuaranteeTerms
    issuer_name: str
    signature: bytes
    certificate: Any  # x509.Certificate


def parse_submission(data: Any) -> Submission:
    """Shape checks of ``{"document": {...}, "signature": "...", "certificate": "PEM"}``."""
    if not isinstance(data, Mapping):
        raise _malformed("expected a JSON object with document, signature and certificate")
    document = data.get("document")
    if not isinstance(document, dict):
        raise _malformed("document: expected the guarantee as a JSON object", "document")
    _check_values(document, "document")
    try:
        size = len(keys.canonical(document))
    except UnicodeEncodeError:  # a lone surrogate (\ud800) has no UTF-8 form
        raise _malformed("the document's text is not valid Unicode", "document") from None
    if size > MAX_DOCUMENT_BYTES:
        raise _malformed(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes", "document")
    if document.get("format") != rules.GUARANTEE_FORMAT:
        raise _malformed(f"document.format must be {rules.GUARANTEE_FORMAT!r}", "document.format")
    try:
        signature = keys.unb64(data.get("signature"))
    except (ValueError, binascii.Error):
        raise _malformed("signature: expected base64 text", "signature") from None
    pem = data.get("certificate")
    if not isinstance(pem, str) or not pem.strip():
        raise _malformed("certificate: expected the issuer's signing certificate (PEM)")
    try:
        certificate = keys.load_certificate(pem)
    except (ValueError, TypeError):
        raise InvalidInput(
            "certificate: not a PEM X.509 certificate", code="malformed_certificate"
        ) from None
    issuer = _member(document, "issuer")
    tender = _member(document, "tender")
    kind = _string(document, "kind", 30)
    if kind not in rules.GUARANTEE_KINDS:
        raise _malformed(
            f"document.kind is one of {', '.join(rules.GUARANTEE_KINDS)}", "document.kind"
        )
    terms = rules.GuaranteeTerms(
        number=_string(document, "number", 60),
        kind=kind,
        issuer_organisation_id=_integer(issuer, "organisation_id", "issuer."),
        applicant_organisation_id=_integer(
            _member(document, "applicant"), "organisation_id", "applicant."
        ),
        beneficiary_organisation_id=_integer(
            _member(document, "beneficiary"), "organisation_id", "beneficiary."
        ),
        tender_id=_integer(tender, "id", "tender."),
        tender_reference=_string(tender, "reference", 40, "tender."),
        lot=_integer(document, "lot"),
        amount=_amount(document, "amount"),
        currency=_string(document, "currency", 3),
        valid_from=_moment(document, "valid_from"),
        valid_until=_moment(document, "valid_until"),
    )
    return Submission(
        document=document,
        terms=terms,
        issuer_name=_string(issuer, "name", 200, "issuer."),
        signature=signature,
        certificate=certificate,
    )


def submit_guarantee(actor: User, data: Any) -> Guarantee:
    """Accept an issuer's signed e-guarantee after the platform's checks (DOMAIN.md §3): the
    signature, the issuer's certificate and registration, the tender, beneficiary, lot,
    currency, amount and validity, the number's uniqueness. A guarantee for a bidder and lot that
    already has one replaces it; it backs the bidder's sealed bid now or once one is sealed."""
    _require_role(actor, Role.ISSUER)
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
        tender = _tender(session, terms.tender_id, for_update=True, missing="wrong_tender")
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
        for previous in _in_force(session, tender.id, terms.lot, applicant.id):
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
            _schedule_release(previous, "replaced", now, actor)
        bid = _sealed_bid(session, tender.id, terms.lot, applicant.id)
        if bid is not None:
            _bind(guarantee, bid, actor)
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
        _bind(guarantee, bid, actor)
    return guarantee


def guarantee_for(tender_id: int, lot: int, organisation_id: int) -> Guarantee | None:
    """The guarantee in force for a bidder's lot, if any (the status query for bids)."""
    return _current(db.session, tender_id, lot, organisation_id)


@dataclass(frozen=True)
class Security:
    """How one bidder's bid for one lot is secured."""

    lot: int
    bid_id: int | None
    guarantee: Guarantee | None  # the one in force
    deposit: Deposit | None  # the one held, not due for refund
    covers: bool  # the guarantee covers the bid validity as the tender stands now
    guarantees: list[Guarantee] = field(default_factory=list)  # every one, oldest first
    deposits: list[Deposit] = field(default_factory=list)

    @property
    def secured(self) -> bool:
        return (self.guarantee is not None and self.covers) or self.deposit is not None


def bid_security(tender_id: int, lot: int, organisation_id: int) -> Security:
    """Whether (and how) a bidder's lot is secured: the status query bids and pages may ask."""
    return _security(db.session, _tender(db.session, tender_id), lot, organisation_id)


def my_security(actor: User, tender_id: int) -> list[Security]:
    """The bidder's own view: for each lot, its guarantees and deposits in full."""
    _require_role(actor, Role.BIDDER)
    tender = _tender(db.session, tender_id)
    return [_security(db.session, tender, lot.number, actor.organisation_id) for lot in tender.lots]


@dataclass(frozen=True)
class LotSecurity:
    """How many of a lot's sealed bids are secured, and how (None before the opening)."""

    lot: int
    sealed_bids: int | None = None
    secured: int | None = None
    secured_by_guarantee: int | None = None
    secured_by_deposit: int | None = None

    @property
    def unsecured(self) -> int | None:
        return None if self.sealed_bids is None else self.sealed_bids - self.secured


@dataclass(frozen=True)
class SecuritySummary:
    """What a tender's managers and supervisors may know of its bid security: counts from the
    opening, the guarantees and deposits themselves (they name the bidders) from the reading
    out (Law Art 22; ``rules.disclosure``)."""

    tender_id: int
    opening: datetime
    shown: bid_rules.Disclosure
    lots: list[LotSecurity]
    guarantees: list[Guarantee] | None = None
    deposits: list[Deposit] | None = None


def security_summary(actor: User, tender_id: int) -> SecuritySummary:
    """Per lot, how many sealed bids are secured and how; the managers need the guarantees
    themselves to claim, and get them with the bidders' names."""
    from trading.bids.services import disclosure
    from trading.tenders.services import can_manage

    tender = _tender(db.session, tender_id)
    if not (can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR):
        raise Forbidden("only the tender's managers and supervisors see its bid security")
    shown = disclosure(tender)
    if not shown.counts:
        # a count of secured bids before the opening is a count of bidders
        lots = [LotSecurity(lot.number) for lot in tender.lots]
        return SecuritySummary(tender.id, tender.bid_deadline, shown, lots)
    lots = []
    for lot in tender.lots:
        bids = list(
            db.session.scalars(
                select(Bid).where(
                    Bid.tender_id == tender.id,
                    Bid.lot_number == lot.number,
                    Bid.state == BidState.SEALED,
                )
            )
        )
        by_guarantee = by_deposit = secured = 0
        for bid in bids:
            security = _security(db.session, tender, lot.number, bid.organisation_id)
            by_guarantee += security.guarantee is not None and security.covers
            by_deposit += security.deposit is not None
            secured += security.secured
        lots.append(LotSecurity(lot.number, len(bids), secured, by_guarantee, by_deposit))
    summary = SecuritySummary(tender.id, tender.bid_deadline, shown, lots)
    if not shown.names:
        return summary
    return replace(
        summary,
        guarantees=list(_tender_guarantees(db.session, tender.id)),
        deposits=list(_tender_deposits(db.session, tender.id)),
    )


def visible_guarantees(actor: User, tender_id: int | None = None) -> Sequence[Guarantee]:
    """An issuer's own guarantees; every guarantee for the platform; for supervisors those of
    tenders read out already (a guarantee names its bidder, Law Art 22)."""
    query = select(Guarantee).order_by(Guarantee.id.desc())
    if tender_id is not None:
        query = query.where(Guarantee.tender_id == tender_id)
    if actor.role == Role.ISSUER:
        query = query.where(Guarantee.issuer_organisation_id == actor.organisation_id)
    elif actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("guarantees are listed for their issuers, supervisors and the platform")
    rows = list(db.session.scalars(query))
    if actor.role == Role.SUPERVISOR:
        return _names_disclosed(rows)
    return rows


def get_guarantee(actor: User, guarantee_id: int) -> Guarantee:
    """One guarantee, for its issuer, its applicant and the platform; for supervisors and the
    tender's managers only from the reading out. Anyone else: it does not exist."""
    from trading.tenders.services import can_manage

    guarantee = db.session.get(Guarantee, guarantee_id)
    if guarantee is None or not _may_see(actor, guarantee, can_manage):
        raise NotFound(f"no guarantee {guarantee_id}", code="guarantee_not_found")
    return guarantee


def _may_see(actor: User, guarantee: Guarantee, can_manage: Callable) -> bool:
    from trading.bids.services import disclosure

    role = getattr(actor, "role", None)
    if role == Role.ADMIN:
        return True
    if role == Role.ISSUER:
        return actor.organisation_id == guarantee.issuer_organisation_id
    if role == Role.BIDDER:
        return actor.organisation_id == guarantee.applicant_organisation_id
    staff = role == Role.SUPERVISOR or can_manage(actor, guarantee.tender)
    return staff and disclosure(guarantee.tender).names


def _names_disclosed(rows: list) -> list:
    """The guarantees or deposits whose tender's bidders are named already (for staff)."""
    from trading.bids.services import disclosures

    tenders = {row.tender_id: row.tender for row in rows}
    shown = disclosures(tenders.values())
    return [row for row in rows if shown[row.tender_id].names]


# --- claims and releases ------------------------------------------------------------------------


def require_claimant(actor: User, guarantee_id: int) -> Guarantee:
    """Refuse early (before the body is read) anyone who may not claim on this guarantee: the
    tender's managers, once they may see it (from the reading out). To anyone else, and to them
    before, it does not exist: a refusal that told a guarantee of the tender from none would
    let them count the guarantees by trying ids (Law Art 22)."""
    from trading.tenders.services import can_manage

    guarantee = db.session.get(Guarantee, guarantee_id)
    if (
        guarantee is None
        or not can_manage(actor, guarantee.tender)
        or not _may_see(actor, guarantee, can_manage)
    ):
        raise NotFound(f"no guarantee {guarantee_id}", code="guarantee_not_found")
    return guarantee


def claim_guarantee(actor: User, guarantee_id: int, trigger: str, reason: str) -> GuaranteeClaim:
    """The beneficiary's claim (索赔) for a DOMAIN.md §3 trigger, within the validity."""
    reason = _text(reason, "reason", 5000)
    with db.transaction() as session:
        guarantee = _locked_guarantee(session, guarantee_id)
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
            _check_revoked_at_opening(session, guarantee)
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


def _check_revoked_at_opening(session: Session, guarantee: Guarantee) -> None:
    """A bid not decrypted at the opening through the bidder's fault is revoked (撤销); its
    guarantee may be claimed only if the tender's documents say so."""
    revoked = session.scalar(
        select(Bid.id).where(
            Bid.tender_id == guarantee.tender_id,
            Bid.lot_number == guarantee.lot_number,
            Bid.organisation_id == guarantee.applicant_organisation_id,
            Bid.opening_outcome == Outcome.REVOKED,
        )
    )
    if revoked is None:
        raise RuleViolation(
            "the applicant's bid was not revoked at the opening", code="bid_not_revoked"
        )
    if not guarantee.tender.claim_on_revocation:
        raise RuleViolation(
            "this tender's documents do not allow a claim for a revoked bid",
            code="claim_not_allowed",
        )


def release_guarantee(actor: User, guarantee_id: int, note: str = "") -> Guarantee:
    """Record that a guarantee due for release was released."""
    _require_role(actor, Role.ADMIN)
    with db.transaction() as session:
        guarantee = _locked_guarantee(session, guarantee_id)
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
        emit(
            "guarantee.released",
            actor,
            guarantee_id=guarantee.id,
            tender_id=guarantee.tender_id,
            reason=guarantee.release_reason,
            late=rules.is_overdue(guarantee.release_due_at, now),
        )
    return guarantee


# --- cash deposits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepositPayment:
    tender_id: int
    lot: int
    organisation_id: int
    amount: Decimal
    paid_at: datetime
    payer_account: str
    payer_account_name: str
    payer_bank: str


def record_deposit(actor: User, payment: DepositPayment) -> Deposit:
    """Record a cash deposit the platform received; refused (and nothing recorded) when it is
    late, short or, for construction, not from the bidder's basic account."""
    _require_role(actor, Role.ADMIN)
    with db.transaction() as session:
        tender = _tender(session, payment.tender_id, for_update=True)
        lot = next((lot for lot in tender.lots if lot.number == payment.lot), None)
        if lot is None:
            raise InvalidInput(
                f"tender {tender.reference} has no lot {payment.lot}",
                code="invalid_lot",
                field="lot",
            )
        org = session.get(Organisation, payment.organisation_id)
        if org is None or org.kind != "bidder":
            raise InvalidInput(
                f"organisation {payment.organisation_id} is not a registered bidder",
                code="invalid_field",
                field="organisation_id",
            )
        now = clock.now()
        account = session.scalar(select(BasicAccount).where(BasicAccount.organisation_id == org.id))
        rules.check_deposit(
            tender.rule_set,
            tender.state.value,
            tender.bid_deadline,
            lot.guarantee_amount,
            payment.amount,
            payment.paid_at,
            now,
            payment.payer_account,
            account.account_number if account else None,
        )
        if _held_deposit(session, tender.id, lot.number, org.id) is not None:
            raise Conflict(
                "a deposit of this bidder for this lot is held already", code="deposit_exists"
            )
        deposit = Deposit(
            tender_id=tender.id,
            lot_number=lot.number,
            organisation_id=org.id,
            amount=payment.amount,
            paid_at=payment.paid_at,
            payer_account=payment.payer_account,
            payer_account_name=payment.payer_account_name,
            payer_bank=payment.payer_bank,
            recorded_by_id=actor.id,
            recorded_at=now,
            state=DepositState.HELD,
        )
        session.add(deposit)
        session.flush()
        # the account's digest lets the audit layer spot one payer for several bidders
        # (DOMAIN.md §5 bid.same_payer) without the ledger holding account numbers
        emit(
            "deposit.recorded",
            actor,
            deposit_id=deposit.id,
            tender_id=tender.id,
            lot=lot.number,
            organisation_id=org.id,
            payer_account_sha256=_account_digest(payment.payer_account),
        )
    return deposit


def refund_deposit(actor: User, deposit_id: int, bank_reference: str, interest: Decimal) -> Deposit:
    """Record the refund of a deposit due for refund, with the bank interest paid on it."""
    _require_role(actor, Role.ADMIN)
    bank_reference = _text(bank_reference, "bank_reference", 100)
    if interest < 0:
        raise InvalidInput("interest cannot be negative", code="invalid_field", field="interest")
    with db.transaction() as session:
        deposit = _locked_deposit(session, deposit_id)
        if deposit.state == DepositState.REFUNDED:
            raise Conflict("this deposit was refunded already", code="already_refunded")
        if deposit.refund_due_at is None:
            raise Conflict(
                "nothing obliges the refund of this deposit yet: it backs a live bid",
                code="no_refund_due",
            )
        now = clock.now()
        deposit.state = DepositState.REFUNDED
        deposit.refunded_at = now
        deposit.refunded_by_id = actor.id
        deposit.refund_bank_reference = bank_reference
        deposit.refund_interest = interest
        emit(
            "deposit.refunded",
            actor,
            deposit_id=deposit.id,
            tender_id=deposit.tender_id,
            reason=deposit.refund_reason,
            interest=str(interest),
            late=rules.is_overdue(deposit.refund_due_at, now),
        )
    return deposit


def list_deposits(actor: User, tender_id: int | None = None) -> Sequence[Deposit]:
    """Every deposit for the platform (it records and refunds them); for supervisors those of
    tenders read out already (a deposit names its bidder, Law Art 22)."""
    _require_role(actor, Role.ADMIN, Role.SUPERVISOR)
    query = select(Deposit).order_by(Deposit.id.desc())
    if tender_id is not None:
        query = query.where(Deposit.tender_id == tender_id)
    rows = list(db.session.scalars(query))
    if actor.role == Role.SUPERVISOR:
        return _names_disclosed(rows)
    return rows


# --- the tick: overdue refunds and releases -----------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    """What the tick reported for one tender (the shape `bidhall tick` prints)."""

    tender_id: int
    happened: tuple[str, ...]  # e.g. "guarantee_release_overdue:12", "deposit_refund_overdue:3"


def tick(now: datetime) -> list[TickResult]:
    """Report each refund or release still not done after its deadline, once."""
    late_guarantees = list(
        db.session.scalars(
            select(Guarantee.id).where(
                Guarantee.release_due_at < now,
                Guarantee.released_at.is_(None),
                Guarantee.state.in_([GuaranteeState.ACTIVE, GuaranteeState.SUPERSEDED]),
                Guarantee.release_overdue_reported.is_(False),
            )
        )
    )
    late_deposits = list(
        db.session.scalars(
            select(Deposit.id).where(
                Deposit.refund_due_at < now,
                Deposit.state == DepositState.HELD,
                Deposit.refund_overdue_reported.is_(False),
            )
        )
    )
    db.session.rollback()  # end the read snapshot; each record gets its own unit of work
    happened: dict[int, list[str]] = {}
    for guarantee_id in late_guarantees:
        with db.transaction() as session:
            guarantee = _locked_guarantee(session, guarantee_id)
            if guarantee.release_overdue_reported or guarantee.released_at is not None:
                continue  # another worker got here first, or it was released meanwhile
            guarantee.release_overdue_reported = True
            emit(
                "guarantee.release_overdue",
                "system:tick",
                guarantee_id=guarantee.id,
                tender_id=guarantee.tender_id,
                reason=guarantee.release_reason,
                due_at=guarantee.release_due_at.isoformat(),
            )
            happened.setdefault(guarantee.tender_id, []).append(
                f"guarantee_release_overdue:{guarantee.id}"
            )
    for deposit_id in late_deposits:
        with db.transaction() as session:
            deposit = _locked_deposit(session, deposit_id)
            if deposit.refund_overdue_reported or deposit.state != DepositState.HELD:
                continue
            deposit.refund_overdue_reported = True
            emit(
                "deposit.refund_overdue",
                "system:tick",
                deposit_id=deposit.id,
                tender_id=deposit.tender_id,
                reason=deposit.refund_reason,
                due_at=deposit.refund_due_at.isoformat(),
            )
            happened.setdefault(deposit.tender_id, []).append(
                f"deposit_refund_overdue:{deposit.id}"
            )
    return [TickResult(tender_id, tuple(items)) for tender_id, items in sorted(happened.items())]


# --- reacting to bids and tenders ---------------------------------------------------------------


def _on_event(session: Session, event: Event) -> None:
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        handler(session, event)


def _on_bid_sealed(session: Session, event: Event) -> None:
    """A newly sealed bid is backed by the bidder's guarantee in force, if it has one."""
    bid = session.get(Bid, event.payload["bid_id"])
    if bid is None or session.scalar(
        select(Guarantee.id).where(Guarantee.bid_id == bid.id, *_IN_FORCE)
    ):
        return
    guarantee = _current(session, bid.tender_id, bid.lot_number, bid.organisation_id)
    if guarantee is not None and guarantee.bid_id is None:
        _bind(guarantee, bid, event.actor)


def _on_bid_superseded(session: Session, event: Event) -> None:
    """A replaced bid hands its guarantee to the bid that replaces it: still one bid."""
    new_bid = session.get(Bid, event.payload["by_bid_id"])
    for guarantee in session.scalars(
        select(Guarantee).where(Guarantee.bid_id == event.payload["bid_id"], *_IN_FORCE)
    ):
        _bind(guarantee, new_bid, event.actor, replaces_bid_id=event.payload["bid_id"])


def _on_bid_withdrawn(session: Session, event: Event) -> None:
    """Withdrawn before the deadline: its guarantee released and deposit refunded within 5 days
    of the notice (Regs Art 35)."""
    bid = session.get(Bid, event.payload["bid_id"])
    if bid is None:
        return
    for guarantee in session.scalars(
        select(Guarantee).where(Guarantee.bid_id == bid.id, *_IN_FORCE)
    ):
        _schedule_release(guarantee, "withdrawal", event.at, event.actor)
    deposit = _held_deposit(session, bid.tender_id, bid.lot_number, bid.organisation_id)
    if deposit is not None:
        _schedule_refund(deposit, "withdrawal", event.at, event.actor)


def _return_everything(reason: str) -> Callable[[Session, Event], None]:
    """Every guarantee and deposit of the tender is due back: on termination (Regs Art 31) or
    once the contract is signed (Regs Art 57, the winner's and the others' alike)."""

    def handle(session: Session, event: Event) -> None:
        tender_id = event.payload["tender_id"]
        for guarantee in session.scalars(
            select(Guarantee).where(
                Guarantee.tender_id == tender_id,
                Guarantee.state.in_([GuaranteeState.ACTIVE, GuaranteeState.SUPERSEDED]),
                Guarantee.release_due_at.is_(None),
            )
        ):
            _schedule_release(guarantee, reason, event.at, event.actor)
        for deposit in session.scalars(
            select(Deposit).where(
                Deposit.tender_id == tender_id,
                Deposit.state == DepositState.HELD,
                Deposit.refund_due_at.is_(None),
            )
        ):
            _schedule_refund(deposit, reason, event.at, event.actor)

    return handle


_HANDLERS: dict[str, Callable[[Session, Event], None]] = {
    "bid.sealed": _on_bid_sealed,
    "bid.superseded": _on_bid_superseded,
    "bid.withdrawn": _on_bid_withdrawn,
    "tender.terminated": _return_everything("termination"),
    # emitted by the contract module when a contract is signed (payload: tender_id)
    "contract.signed": _return_everything("contract_signed"),
}


# --- internals ----------------------------------------------------------------------------------


def _bind(guarantee: Guarantee, bid: Bid, actor: Any, replaces_bid_id: int | None = None) -> None:
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
            Guarantee.bid_id == bid.id, Guarantee.id != guarantee.id, *_IN_FORCE
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


def _schedule_release(guarantee: Guarantee, reason: str, at: datetime, actor: Any) -> None:
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


def _schedule_refund(deposit: Deposit, reason: str, at: datetime, actor: Any) -> None:
    if deposit.refund_due_at is not None:
        return
    deposit.refund_reason = reason
    deposit.refund_due_at = rules.return_due(reason, at)
    emit(
        "deposit.refund_due",
        actor,
        deposit_id=deposit.id,
        tender_id=deposit.tender_id,
        reason=reason,
        due_at=deposit.refund_due_at.isoformat(),
    )


def _in_force(session: Session, tender_id: int, lot: int, organisation_id: int) -> list[Guarantee]:
    return list(
        session.scalars(
            select(Guarantee)
            .where(
                Guarantee.tender_id == tender_id,
                Guarantee.lot_number == lot,
                Guarantee.applicant_organisation_id == organisation_id,
                *_IN_FORCE,
            )
            .order_by(Guarantee.id)
        )
    )


def _current(session: Session, tender_id: int, lot: int, organisation_id: int) -> Guarantee | None:
    guarantees = _in_force(session, tender_id, lot, organisation_id)
    return guarantees[-1] if guarantees else None


def _sealed_bid(session: Session, tender_id: int, lot: int, organisation_id: int) -> Bid | None:
    return session.scalar(
        select(Bid).where(
            Bid.tender_id == tender_id,
            Bid.lot_number == lot,
            Bid.organisation_id == organisation_id,
            Bid.state == BidState.SEALED,
        )
    )


def _held_deposit(
    session: Session, tender_id: int, lot: int, organisation_id: int
) -> Deposit | None:
    return session.scalar(
        select(Deposit)
        .where(
            Deposit.tender_id == tender_id,
            Deposit.lot_number == lot,
            Deposit.organisation_id == organisation_id,
            Deposit.state == DepositState.HELD,
            Deposit.refund_due_at.is_(None),
        )
        .order_by(Deposit.id.desc())
        .limit(1)
    )


def _security(session: Session, tender: Tender, lot: int, organisation_id: int) -> Security:
    bid = _sealed_bid(session, tender.id, lot, organisation_id)
    guarantee = _current(session, tender.id, lot, organisation_id)
    return Security(
        lot=lot,
        bid_id=bid.id if bid else None,
        guarantee=guarantee,
        deposit=_held_deposit(session, tender.id, lot, organisation_id),
        covers=guarantee is not None
        and rules.guarantee_covers(
            guarantee.valid_until, tender.bid_deadline, tender.bid_validity_days
        ),
        guarantees=list(
            session.scalars(
                select(Guarantee)
                .where(
                    Guarantee.tender_id == tender.id,
                    Guarantee.lot_number == lot,
                    Guarantee.applicant_organisation_id == organisation_id,
                )
                .order_by(Guarantee.id)
            )
        ),
        deposits=list(
            session.scalars(
                select(Deposit)
                .where(
                    Deposit.tender_id == tender.id,
                    Deposit.lot_number == lot,
                    Deposit.organisation_id == organisation_id,
                )
                .order_by(Deposit.id)
            )
        ),
    )


def _tender_guarantees(session: Session, tender_id: int) -> Iterable[Guarantee]:
    return session.scalars(
        select(Guarantee).where(Guarantee.tender_id == tender_id).order_by(Guarantee.id)
    )


def _tender_deposits(session: Session, tender_id: int) -> Iterable[Deposit]:
    return session.scalars(
        select(Deposit).where(Deposit.tender_id == tender_id).order_by(Deposit.id)
    )


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


def _tender(
    session: Session, tender_id: int, *, for_update: bool = False, missing: str = "tender_not_found"
) -> Tender:
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None or tender.state in _HIDDEN_STATES:
        if missing == "wrong_tender":
            raise RuleViolation(f"no published tender {tender_id}", code="wrong_tender")
        raise NotFound(f"no tender {tender_id}", code=missing)
    return tender


def _locked_guarantee(session: Session, guarantee_id: int) -> Guarantee:
    guarantee = fetch_one(session, Guarantee, guarantee_id, lock=True)
    if guarantee is None:
        raise NotFound(f"no guarantee {guarantee_id}", code="guarantee_not_found")
    return guarantee


def _locked_deposit(session: Session, deposit_id: int) -> Deposit:
    deposit = fetch_one(session, Deposit, deposit_id, lock=True)
    if deposit is None:
        raise NotFound(f"no deposit {deposit_id}", code="deposit_not_found")
    return deposit


def _require_role(user: User | None, *roles: Role) -> None:
    if user is None or getattr(user, "role", None) not in roles:
        raise Forbidden("this needs the " + " or ".join(r.value for r in roles) + " role")


def _account_digest(number: str) -> str:
    return hashlib.sha256(rules.normal_account(number).encode()).hexdigest()


def _text(value: Any, name: str, max_length: int) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", code="invalid_field", field=name)
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{name} is required", code="missing_field", field=name)
    if len(value) > max_length:
        raise InvalidInput(
            f"{name} is longer than {max_length} characters", code="invalid_field", field=name
        )
    return value


# --- the document's shape -----------------------------------------------------------------------


def _malformed(message: str, field_name: str | None = None) -> InvalidInput:
    details = {"field": field_name} if field_name else {}
    return InvalidInput(message, code="invalid_guarantee", **details)


def _member(document: Mapping, key: str) -> Mapping:
    value = document.get(key)
    if not isinstance(value, Mapping):
        raise _malformed(f"document.{key}: expected an object", f"document.{key}")
    return value


def _string(data: Mapping, key: str, max_length: int, prefix: str = "") -> str:
    value = data.get(key)
    name = f"document.{prefix}{key}"
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise _malformed(f"{name}: expected text of 1 to {max_length} characters", name)
    return value.strip()


def _integer(data: Mapping, key: str, prefix: str = "") -> int:
    value = data.get(key)
    name = f"document.{prefix}{key}"
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= inputs.INT_MAX:
        raise _malformed(f"{name}: expected a whole number up to {inputs.INT_MAX}", name)
    return value


def _amount(data: Mapping, key: str) -> Decimal:
    value = data.get(key)
    name = f"document.{key}"
    # a string, so that no JSON number rounding can change what the issuer signed
    if not isinstance(value, str):
        raise _malformed(f'{name}: expected a decimal string such as "200000.00"', name)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _malformed(f"{name}: not a decimal amount", name) from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2 or amount >= 10**14:
        raise _malformed(f"{name}: a positive amount with at most 2 decimals", name)
    return amount.quantize(Decimal("0.01"))


def _moment(data: Mapping, key: str) -> datetime:
    value = data.get(key)
    name = f"document.{key}"
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _malformed(
            f"{name}: expected an ISO 8601 date-time with its zone, e.g. 2026-09-30T23:59:59+08:00",
            name,
        )
    return parsed


def _check_values(value: Any, where: str) -> None:
    """Canonical JSON here has whole numbers only, within ±(2**53 - 1): a float's text, or a
    larger integer, differs between languages' JSON libraries."""
    if isinstance(value, float) or (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INT
    ):
        raise _malformed(
            f"{where}: numbers must be whole and within ±(2**53 - 1); write amounts as strings",
            where,
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_values(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{where}[{index}]")


# --- the issuer's side (a reference implementation for docs/guarantees.md) ----------------------


def sign_guarantee(document: Mapping, signing_key: Any, certificate_pem: str) -> dict:
    """What an issuer's system sends: the document, its Ed25519 signature over the canonical JSON
    of the document, and the issuer's signing certificate."""
    data = json.loads(json.dumps(document))  # plain JSON values only
    return {
        "document": data,
        "signature": base64.b64encode(signing_key.sign(keys.canonical(data))).decode("ascii"),
        "certificate": certificate_pem,
    }
