"""What each one may see of a draw: the access level, the exclusions shown, the expert's
invitations, the signed commitment and the verification document (DRAW.json)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import NotFound
from evaluation.draws import rules
from evaluation.draws.answers import place_of
from evaluation.draws.models import DrawPlace, DrawRound, ExpertDraw, PlaceStatus
from evaluation.draws.services import get_draw
from evaluation.experts.models import Expert
from evaluation.experts.services import in_chunks
from evaluation.venues.models import Venue
from trading.bids import queries as trading_bids
from trading.tenders.models import Tender
from trading.tenders.queries import can_manage


def access(actor: User | None, draw: ExpertDraw) -> str:
    """What ``actor`` may see of ``draw``: "full" (names), "counts" (the agency: numbers and
    confirmation status only) or "own" (a drawn expert: its own invitation). Anyone else is told
    the draw does not exist."""
    if actor is not None:
        tender = db.session.get(Tender, draw.tender_id)
        if actor.role == Role.SUPERVISOR:
            return "full"
        if can_manage(actor, tender):
            return "full" if draw.state == "published" else "counts"
        if actor.role == Role.EXPERT:
            expert_id = db.session.scalar(select(Expert.id).where(Expert.user_id == actor.id))
            if any(p.expert_id == expert_id for p in draw.places):
                return "own"
    raise NotFound(f"no draw {draw.id}", code="draw_not_found")


def visible_draw(actor: User | None, draw_id: int) -> tuple[ExpertDraw, str]:
    draw = get_draw(draw_id)
    return draw, access(actor, draw)


def own_place(actor: User, draw: ExpertDraw) -> DrawPlace:
    return place_of(db.session, actor, draw.id)


def invitations(actor: User) -> Sequence[DrawPlace]:
    require_role(actor, Role.EXPERT)
    return list(
        db.session.scalars(
            select(DrawPlace)
            .join(Expert, Expert.id == DrawPlace.expert_id)
            .where(Expert.user_id == actor.id, DrawPlace.status != PlaceStatus.RESERVE)
            .order_by(DrawPlace.id.desc())
        )
    )


def signed_commitment(draw_id: int, round_number: int = 0) -> str:
    """The platform-signed commitment of a draw (round 0) or of one of its supplementary
    rounds, as kept when it committed: public from that moment on, to anyone, since it holds
    hashes and ids only (``commitment.commitment``)."""
    draw = get_draw(draw_id)
    if round_number == 0:
        text = draw.commitment
    else:
        text = db.session.scalar(
            select(DrawRound.commitment).where(
                DrawRound.draw_id == draw.id, DrawRound.number == round_number
            )
        )
    if text is None:
        where = "the draw" if round_number == 0 else f"supplementary round {round_number}"
        raise NotFound(
            f"no signed commitment of {where} of draw {draw_id} (a round committed before "
            "commitments were signed has only the ledger's commit event)",
            code="commitment_not_found",
        )
    return text


@dataclass(frozen=True)
class Exclusions:
    """What may be shown of a draw's exclusions now. Before the tender's reading out only how
    many candidates each region lost, all reasons pooled: who was excluded, and why
    (``employer_bidder``, ``relation_bidder``, ``person_bidder``), would tell who holds the
    tender documents (Law Art 22), and so would a count of the bidder-related reasons."""

    per_region: dict[str, int]
    rows: list[dict[str, Any]] | None  # the frozen list's ``excluded``; None until the reading out

    @property
    def total(self) -> int:
        return sum(self.per_region.values())


def bidders_disclosed(draw: ExpertDraw) -> bool:
    """Whether whatever tells who holds the draw's tender documents may be shown now: from its
    opening's reading out on (``trading.bids.rules.disclosure``: its ``names``), to everyone, the
    supervisors and the tender's staff alike."""
    return trading_bids.disclosure(db.session.get(Tender, draw.tender_id)).names


def exclusions(draw: ExpertDraw) -> Exclusions:
    """The draw's exclusions as they may be shown now (``Exclusions``)."""
    rows = draw.frozen.get("excluded", [])
    per_region = dict.fromkeys(sorted(draw.quotas), 0)
    ids = [row["expert_id"] for row in rows]
    for chunk in in_chunks(ids):
        for region, count in db.session.execute(
            select(Expert.region, func.count()).where(Expert.id.in_(chunk)).group_by(Expert.region)
        ):
            per_region[region] = per_region.get(region, 0) + count
    return Exclusions(per_region, list(rows) if bidders_disclosed(draw) else None)


def sees_names(actor: User | None, draw: ExpertDraw) -> bool:
    """The experts' names: the supervisors always, the tender's managers once the result is
    published (``access``); nobody else before the award."""
    try:
        return access(actor, draw) == "full"
    except NotFound:
        return False


def check_verifiable(draw: ExpertDraw) -> None:
    """DRAW.json is served once the result is published and the tender's opening has reached
    the reading out: its frozen list holds every exclusion with its reasons, hashed by
    ``list_sha256``, so it cannot be trimmed, and before the reading out those reasons would
    tell who holds the tender documents (Law Art 22). The signed commitment, public from the
    commit, is what a later check holds the file to."""
    if draw.state != "published":
        raise NotFound(
            f"no published result for draw {draw.id}: its draw document is served once the "
            "result is published and the tender's opening has reached the reading out",
            code="draw_not_published",
        )
    if not bidders_disclosed(draw):
        tender = db.session.get(Tender, draw.tender_id)
        raise NotFound(
            f"the draw document of draw {draw.id} is served from the reading out of tender "
            f"{tender.id}'s opening (bids close at {tender.bid_deadline.isoformat()}): its "
            "candidate list tells which experts were excluded and why, which would show who "
            "holds the tender documents (Law Art 22). Its signed commitment is public now: "
            f"GET /api/draws/{draw.id}/commitment",
            code="draw_not_verifiable_yet",
            tender_id=tender.id,
            bid_deadline=tender.bid_deadline.isoformat(),
        )


def is_verifiable(draw: ExpertDraw) -> bool:
    """Whether DRAW.json is served now (``check_verifiable``): the pages offer it then."""
    try:
        check_verifiable(draw)
    except NotFound:
        return False
    return True


def verification_document(actor: User | None, draw_id: int) -> dict[str, Any]:
    """DRAW.json: everything `bidhall draw verify` needs (ids only: it needs no name), once
    ``check_verifiable``. The drawn experts' names only for whoever ``sees_names``."""
    draw = get_draw(draw_id)
    check_verifiable(draw)
    with_names = sees_names(actor, draw)
    committee: dict[str, dict[str, list[int]]] = {
        r["region"]: {"members": [], "reserves": []} for r in draw.frozen["regions"]
    }
    seats: dict[str, list[list[int]]] = {
        str(v["venue_id"]): [] for v in draw.frozen.get("venues", [])
    }
    drawn = {}
    for place in sorted(draw.places, key=lambda p: (p.round, p.region, p.position)):
        drawn[str(place.expert_id)] = {
            "status": place.status,
            "round": place.round,
            "venue_id": place.venue_id,
            "workstation": place.workstation,
        } | ({"name": place.expert.name} if with_names else {})
        if place.round:
            continue  # a supplementary round's member: see "supplements"
        quota = draw.quotas[place.region]
        key = "members" if place.position < quota else "reserves"
        committee[place.region][key].append(place.expert_id)
        if key == "members" and place.venue_id is not None:
            seats[str(place.venue_id)].append([place.expert_id, place.workstation])
    rounds = db.session.scalars(
        select(DrawRound).where(DrawRound.draw_id == draw.id).order_by(DrawRound.number)
    )
    supplements = [
        {
            "round": r.number,
            "region": r.region,
            "state": r.state,
            "seed": r.seed_hex,
            "seed_sha256": r.seed_sha256,
            "frozen": r.frozen,
            "list_sha256": r.list_sha256,
            "members": r.members,
        }
        for r in rounds
        if r.state == "drawn"
    ]
    extra: dict[str, Any] = {}
    if draw.frozen.get("format") == rules.FORMAT_VENUES:
        extra["seats"] = seats
    if supplements:
        extra["supplements"] = supplements
    return extra | {
        "format": rules.FORMAT,
        "draw_id": draw.id,
        "tender_id": draw.tender_id,
        "seed_sha256": draw.seed_sha256,
        "seed": draw.seed_hex,
        "list_sha256": draw.list_sha256,
        "frozen": draw.frozen,
        "committee": committee,
        "drawn": drawn,
        "published_at": draw.published_at.isoformat(),
    }


# --- what the pages list --------------------------------------------------------------------------


def draw_of_tender(tender_id: int) -> ExpertDraw | None:
    return db.session.scalar(select(ExpertDraw).where(ExpertDraw.tender_id == tender_id))


def draws_of_tenders(tender_ids: Sequence[int]) -> dict[int, ExpertDraw]:
    """Each of these tenders' draw (one at most), by tender id."""
    draws = db.session.scalars(select(ExpertDraw).where(ExpertDraw.tender_id.in_(tender_ids)))
    return {draw.tender_id: draw for draw in draws}


def all_draws() -> list[tuple[ExpertDraw, Tender]]:
    """Every draw, newest first, with its tender (the supervisor's monitor)."""
    draws = list(db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id.desc())))
    tender_ids = sorted({d.tender_id for d in draws})
    tenders = {t.id: t for t in db.session.scalars(select(Tender).where(Tender.id.in_(tender_ids)))}
    return [(draw, tenders[draw.tender_id]) for draw in draws]


def venue_names(venue_ids: Iterable[int | None]) -> dict[int, str]:
    """ "code · name" of each venue named (None: no venue)."""
    ids = sorted({i for i in venue_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.execute(select(Venue.id, Venue.code, Venue.name).where(Venue.id.in_(ids)))
    return {venue_id: f"{code} · {name}" for venue_id, code, name in rows}


def expert_names(expert_ids: Sequence[int]) -> dict[int, str]:
    return dict(
        db.session.execute(select(Expert.id, Expert.name).where(Expert.id.in_(expert_ids))).all()
    )
