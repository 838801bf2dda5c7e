"""The read side of bid security: how a bidder's lot is secured, the bidder's own view, the summary
a tender's managers see, and who may see which guarantee or deposit (Law Art 22)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Forbidden, NotFound
from trading.bids import rules as bid_rules
from trading.bids.models import Bid, BidState
from trading.guarantees import rules
from trading.guarantees.models import Deposit, Guarantee
from trading.guarantees.queries import (
    current_guarantee,
    held_deposit,
    published_tender,
    sealed_bid,
)
from trading.tenders.models import Tender

# --- how a bid is secured -----------------------------------------------------------------------


def guarantee_for(tender_id: int, lot: int, organisation_id: int) -> Guarantee | None:
    """The guarantee in force for a bidder's lot, if any (the status query for bids)."""
    return current_guarantee(db.session, tender_id, lot, organisation_id)


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
    return _security(db.session, published_tender(db.session, tender_id), lot, organisation_id)


def my_security(actor: User, tender_id: int) -> list[Security]:
    """The bidder's own view: for each lot, its guarantees and deposits in full."""
    require_role(actor, Role.BIDDER)
    tender = published_tender(db.session, tender_id)
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
    from trading.bids.queries import disclosure
    from trading.tenders.queries import can_manage

    tender = published_tender(db.session, tender_id)
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


@dataclass(frozen=True)
class NamedSecurity:
    """The tender's guarantees and deposits themselves (they name the bidders)."""

    guarantees: list[Guarantee]
    deposits: list[Deposit]


def named_security(tender: Tender) -> NamedSecurity | None:
    """The tender's guarantees and deposits from the reading out, None before (Law Art 22):
    the lists of ``security_summary`` without its per-lot counts, for a page that shows the
    rows only. The caller has checked that its user manages or supervises the tender."""
    from trading.bids.queries import disclosure

    if not disclosure(tender).names:
        return None
    return NamedSecurity(
        list(_tender_guarantees(db.session, tender.id)),
        list(_tender_deposits(db.session, tender.id)),
    )


# --- who sees which guarantee or deposit --------------------------------------------------------


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
        return names_disclosed(rows)
    return rows


def get_guarantee(actor: User, guarantee_id: int) -> Guarantee:
    """One guarantee, for its issuer, its applicant and the platform; for supervisors and the
    tender's managers only from the reading out. Anyone else: it does not exist."""
    from trading.tenders.queries import can_manage

    guarantee = db.session.get(Guarantee, guarantee_id)
    if guarantee is None or not may_see(actor, guarantee, can_manage):
        raise NotFound(f"no guarantee {guarantee_id}", code="guarantee_not_found")
    return guarantee


def may_see(actor: User, guarantee: Guarantee, can_manage: Callable) -> bool:
    """Whether the actor may know of this guarantee (``get_guarantee`` says why)."""
    from trading.bids.queries import disclosure

    role = getattr(actor, "role", None)
    if role == Role.ADMIN:
        return True
    if role == Role.ISSUER:
        return actor.organisation_id == guarantee.issuer_organisation_id
    if role == Role.BIDDER:
        return actor.organisation_id == guarantee.applicant_organisation_id
    staff = role == Role.SUPERVISOR or can_manage(actor, guarantee.tender)
    return staff and disclosure(guarantee.tender).names


def notices_of(guarantee: Guarantee) -> list[dict]:
    """The notices signed to the guarantee's issuer, in order: its claims, then its release."""
    signed = [claim.notice for claim in guarantee.claims if claim.notice]
    if guarantee.release_notice:
        signed.append(guarantee.release_notice)
    return [json.loads(notice) for notice in signed]


def names_disclosed(rows: list) -> list:
    """The guarantees or deposits whose tender's bidders are named already (for staff)."""
    from trading.bids.queries import disclosures

    tenders = {row.tender_id: row.tender for row in rows}
    shown = disclosures(tenders.values())
    return [row for row in rows if shown[row.tender_id].names]


# --- internals ----------------------------------------------------------------------------------


def _security(session: Session, tender: Tender, lot: int, organisation_id: int) -> Security:
    bid = sealed_bid(session, tender.id, lot, organisation_id)
    guarantee = current_guarantee(session, tender.id, lot, organisation_id)
    return Security(
        lot=lot,
        bid_id=bid.id if bid else None,
        guarantee=guarantee,
        deposit=held_deposit(session, tender.id, lot, organisation_id),
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
