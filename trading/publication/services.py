"""Publication use cases: record an OCDS release for each public change, in the writer's own
transaction; serve the feed, the records and the export.

The feed's cursor is the audit-ledger seq of the change. The ledger appends a unit's events
just before its commit, under a lock held until that commit (audit.ledger.chain), so seqs are
given in commit order. ``on_event`` (a subscriber of bidhall.events, installed after the
ledger's) queues each public change and registers a before-commit hook *after* the ledger's
flush hook of the same events: when it runs, ``event.seq`` is known, and the release row is
written with that seq in the same transaction. Hence the committed releases are always a prefix
of the seq order: a reader asking ``after=N`` never misses a release that commits later with a
smaller seq, nor sees one twice. Trading may not import audit; it needs only ``Event.seq``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bidhall import clock, config, events, sandbox
from bidhall.accounts.models import Organisation
from bidhall.db import db
from bidhall.errors import NotFound
from bidhall.events import Event
from trading.award.models import Award
from trading.opening.hall import bids_in_order, find_opening
from trading.opening.rules import OPENED
from trading.publication import ocds
from trading.publication.models import PublishedRelease
from trading.tenders.models import Tender, TenderState

DEFAULT_PREFIX = "ocds-xxxxxx-"  # a placeholder: each centre registers its own prefix with OCP
MAX_PAGE = 1000
DEFAULT_PAGE = 100
_WAITING = "trading.publication.waiting"
_INSERT = insert(PublishedRelease)
# the hall opens at the bid deadline (the tender closes): before, there is nothing to count
BEFORE_THE_OPENING = (TenderState.PUBLISHED, TenderState.SUSPENDED)


# the training sandbox publishes nothing (docs/sandbox.md): its feed, records and exports refuse,
# and the shell does not even install the hook that records releases there
OPEN_DATA = "open data (the OCDS feed, records and export)"


def install() -> None:
    """Subscribe to domain events, after ``audit.install()``: the ledger's hook that gives each
    event its seq is then registered before ours (ours waits for it otherwise)."""
    events.subscribe(on_event)


def prefix() -> str:
    return config.setting("OCDS_PREFIX") or DEFAULT_PREFIX


def on_event(session: Session, event: Event) -> None:
    if event.type not in ocds.BUILDERS:
        return
    waiting: list[Event] = db.unit_local(_WAITING, list)
    if not waiting:
        # as the ledger does: a change emitted by a later before-commit hook gets a store of
        # its own, registered after the ledger's flush of it
        db.before_commit(lambda: store_waiting(session))
    waiting.append(event)


def store_waiting(session: Session, deferred: bool = False) -> None:
    waiting: list[Event] = db.unit_local(_WAITING, list)
    if any(event.seq is None for event in waiting):
        # the ledger's flush of these events is still to come (a hook registered after ours:
        # an event emitted by another before-commit hook, or a wrong installation order):
        # wait for it once, at the end of the unit's hooks
        if deferred:
            raise RuntimeError(
                "an OCDS release needs its change's ledger seq: is the audit ledger installed?"
            )
        db.before_commit(lambda: store_waiting(session, deferred=True))
        return
    while waiting:
        store_release(session, waiting.pop(0))


def store_release(session: Session, event: Event) -> dict[str, Any] | None:
    tender = _tender_of(session, event.payload.get("tender_id"))
    if tender is None or not is_public(tender):
        return None
    change = ocds.Change(seq=event.seq, type=event.type, at=event.at, payload=event.payload)
    release = ocds.build_release(prefix(), change, tender_facts(session, tender))
    if release is None:
        return None
    session.connection().execute(
        _INSERT,
        {
            "seq": event.seq,
            "ocid": release["ocid"],
            "release_id": release["id"],
            "tender_id": tender.id,
            "tag": release["tag"][0],
            "date": event.at,
            "release": json.dumps(release, ensure_ascii=False, separators=(",", ":")),
        },
    )
    return release


def _tender_of(session: Session, tender_id: Any) -> Tender | None:
    """The tender as this unit leaves it. Every service that emits a public change loads its
    tender in the unit (for update), so it is in the session, as fresh as the unit's reads:
    taken from there, since this runs under the ledger's lock (a fresh read would reload the
    tender and its collections, several round trips on PostgreSQL); read when it is not."""
    if not isinstance(tender_id, int):
        return None
    held = session.identity_map.get(session.identity_key(Tender, tender_id))
    return held if held is not None else session.get(Tender, tender_id)


def is_public(tender: Tender) -> bool:
    # sandbox tenders (a later feature) are never published nor exported: their model will
    # carry a ``sandbox`` flag
    return tender.published_at is not None and not getattr(tender, "sandbox", False)


def tender_facts(session: Session, tender: Tender) -> ocds.TenderFacts:
    def party(org: Any) -> ocds.Party:
        return ocds.Party(key=org.id, name=org.name, credit_code=org.credit_code)

    return ocds.TenderFacts(
        reference=tender.reference,
        title=tender.title,
        description=tender.description or "",
        state=tender.state.value,
        category=tender.category,
        method=tender.method,
        rule_set=tender.rule_set,
        tenderer=party(tender.tenderer),
        agency=party(tender.agency) if tender.agency else None,
        issue_start=tender.issue_start,
        issue_end=tender.issue_end,
        bid_deadline=tender.bid_deadline,
        published_at=tender.published_at,
        lots=[ocds.LotFacts(lot.number, lot.title, lot.ceiling_price) for lot in tender.lots],
        documents=[
            ocds.DocumentFacts(doc.id, doc.filename, doc.content_type, doc.uploaded_at)
            for doc in tender.documents
        ],
        notices=[
            ocds.NoticeFacts(
                n.id, n.kind, n.title, n.body, n.issued_at, n.deadline_before, n.deadline_after
            )
            for n in tender.notices
        ],
        termination_reason=tender.termination_reason,
        opening=_opening_facts(session, tender),
        awards=_award_facts(session, tender),
    )


def _award_facts(session: Session, tender: Tender) -> list[ocds.AwardFacts]:
    """The tender's awards once public (from the candidates' publicity on)."""
    if tender.state != TenderState.OPENED:
        return []
    facts = []
    awards = session.scalars(
        select(Award)
        .where(Award.tender_id == tender.id, Award.state.not_in(["reported", "failed"]))
        .order_by(Award.lot_number)
    )
    for award in awards:
        organisations = {
            org.id: org
            for org in session.scalars(
                select(Organisation).where(
                    Organisation.id.in_([c["organisation_id"] for c in award.candidates])
                )
            )
        }
        contract = award.contract
        facts.append(
            ocds.AwardFacts(
                id=award.id,
                lot=award.lot_number,
                candidates=[
                    ocds.CandidateFacts(
                        rank=c["rank"],
                        bidder=ocds.Party(
                            c["organisation_id"],
                            c["bidder"],
                            organisations[c["organisation_id"]].credit_code,
                        ),
                        price=c["evaluated_price"],
                    )
                    for c in award.candidates
                ],
                publicity_start=award.publicity_start,
                publicity_end=award.publicity_end,
                winner_rank=award.winner_rank,
                amount=str(award.award_amount) if award.award_amount is not None else None,
                decided_at=award.decided_at,
                contract_id=contract.id if contract else None,
                contract_amount=str(contract.amount) if contract else None,
                contract_signed_on=contract.signed_on.isoformat() if contract else None,
                contract_recorded_at=contract.recorded_at if contract else None,
            )
        )
    return facts


def _opening_facts(session: Session, tender: Tender) -> ocds.OpeningFacts | None:
    """Nothing before the opening (Law Art 22); the counts from the deadline; the bidders and
    prices once the record is published (the reading out is over)."""
    if tender.state in BEFORE_THE_OPENING:
        return None  # no hall yet: spare the query
    opening = find_opening(session, tender.id)
    if opening is None or opening.started_at is None:
        return None
    bids = bids_in_order(session, opening)
    per_lot = {lot.number: 0 for lot in tender.lots}
    for _, bid in bids:
        per_lot[bid.lot_number] = per_lot.get(bid.lot_number, 0) + 1
    read = []
    if opening.record is not None:
        read = [
            ocds.ReadBid(
                bid_no=number,
                lot=bid.lot_number,
                bidder=ocds.Party(
                    bid.organisation.id, bid.organisation.name, bid.organisation.credit_code
                ),
                price=(bid.summary or {}).get("price"),
                received_at=bid.received_at,
            )
            for number, bid in bids
            if bid.opening_outcome in OPENED
        ]
    return ocds.OpeningFacts(at=opening.started_at, bids_per_lot=per_lot, read=read)


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    releases: list[str]  # JSON texts, in seq order
    after: int  # the cursor to ask for next: the last seq on this page, or the one asked


def page(after: int, limit: int) -> Page:
    """The releases committed after the cursor ``after`` (a ledger seq), at most ``limit``."""
    sandbox.refuse(OPEN_DATA)
    limit = max(1, min(limit, MAX_PAGE))
    session = db.session
    rows = session.execute(
        select(PublishedRelease.seq, PublishedRelease.release)
        .where(PublishedRelease.seq > after)
        .order_by(PublishedRelease.seq)
        .limit(limit)
    ).all()
    db.release()
    return Page([row.release for row in rows], rows[-1].seq if rows else after)


def releases_of(the_ocid: str) -> list[dict[str, Any]]:
    texts = db.session.scalars(
        select(PublishedRelease.release)
        .where(PublishedRelease.ocid == the_ocid)
        .order_by(PublishedRelease.seq)
    ).all()
    db.release()
    return [json.loads(text) for text in texts]


def record(the_ocid: str) -> dict[str, Any]:
    sandbox.refuse(OPEN_DATA)
    releases = releases_of(the_ocid)
    if not releases:
        raise NotFound(f"no published contracting process {the_ocid}", code="ocid_not_found")
    return ocds.record(the_ocid, releases)


def export_texts(tender: str | None = None) -> Iterator[str]:
    """Every published release (of one tender, by reference or id), as stored, in seq order.
    An unknown tender is refused here, before anything is written."""
    sandbox.refuse(OPEN_DATA)
    query = select(PublishedRelease.release).order_by(PublishedRelease.seq)
    if tender is not None:
        query = query.where(PublishedRelease.tender_id == _tender_id(tender))
    return _stream(query)


def _stream(query: Any) -> Iterator[str]:
    result = db.session.execute(query.execution_options(yield_per=2000))
    for (text,) in result:
        yield text
    db.release()


def write_export(stream: TextIO, texts: Iterator[str], uri: str) -> int:
    """Write the releases ``texts`` as one release package to ``stream``; how many."""
    written = 0

    def counted() -> Iterator[str]:
        nonlocal written
        for text in texts:
            written += 1
            yield text

    for piece in ocds.release_package_text(package_meta(uri), counted()):
        stream.write(piece)
    stream.write("\n")
    return written


def _tender_id(wanted: str) -> int:
    session = db.session
    found = session.scalar(select(Tender.id).where(Tender.reference == wanted))
    if found is None and wanted.isdigit():
        found = session.scalar(select(Tender.id).where(Tender.id == int(wanted)))
    if found is None:
        raise NotFound(f"no tender {wanted}", code="tender_not_found")
    return found


def count() -> int:
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(PublishedRelease)) or 0
    db.release()
    return total


def package_meta(uri: str) -> dict[str, Any]:
    publisher = ocds.Publisher(
        name=config.setting("OPERATOR_NAME") or "bidhall",
        uri=config.setting("PUBLIC_URL") or None,
    )
    return ocds.package_meta(uri, publisher, clock.now())
