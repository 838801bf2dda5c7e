"""Open Contracting Data Standard 1.1.5 releases, built from plain data: no Flask, no database.

A *release* tells one change in a contracting process that the public may know (the notice, an
amendment, a cancellation, the opening's read-out, later the award and the contract). The
services collect a ``TenderFacts`` snapshot and the ``Change`` (the domain event with its ledger
seq) and ask ``build_release``; which builder runs is looked up in ``BUILDERS`` by event type.

The award (trading.award) gives releases too: its candidates' publicity (tag ``award``, one
pending award per candidate), the decision (the winner's award active, the others
unsuccessful) and the signed contract (tag ``contract``). A new kind of release is a builder
``(Change, TenderFacts) -> dict | None`` registered in ``BUILDERS`` under its event type; the
subscriber in services.py picks the new event type up from ``BUILDERS`` by itself.

What goes out is public only (Law Art 22): nothing about bids or document holders before the
opening; from the opening, the number of bids (bids extension statistics); from the reading
out (唱标), the bidders named and their announced prices. Experts never appear.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

VERSION = "1.1"
CURRENCY = "CNY"
LOTS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/"
    "v1.1.5/extension.json"
)
BIDS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json"
)
EXTENSIONS = [LOTS_EXTENSION, BIDS_EXTENSION]
# org-id.guide's list for the Unified Social Credit Code (统一社会信用代码)
CREDIT_CODE_SCHEME = "CN-USCC"

# OCDS 1.1.5 merge rules, as ocdsmerge derives them from the release schema (a test checks this
# against the schema): kept here so compiling a record needs neither the network nor the schema
MERGE_RULES: dict[tuple[str, ...], str] = {
    ("date",): "omitWhenMerged",
    ("id",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    ("awards", "amendment", "changes"): "wholeListMerge",
    ("awards", "amendments", "changes"): "wholeListMerge",
    ("awards", "items", "additionalClassifications"): "wholeListMerge",
    ("awards", "suppliers", "additionalIdentifiers"): "wholeListMerge",
    ("buyer", "additionalIdentifiers"): "wholeListMerge",
    ("contracts", "amendment", "changes"): "wholeListMerge",
    ("contracts", "amendments", "changes"): "wholeListMerge",
    ("contracts", "implementation", "transactions", "payee", "additionalIdentifiers"): (
        "wholeListMerge"
    ),
    ("contracts", "implementation", "transactions", "payer", "additionalIdentifiers"): (
        "wholeListMerge"
    ),
    ("contracts", "items", "additionalClassifications"): "wholeListMerge",
    ("contracts", "relatedProcesses", "relationship"): "wholeListMerge",
    ("parties", "additionalIdentifiers"): "wholeListMerge",
    ("parties", "roles"): "wholeListMerge",
    ("relatedProcesses", "relationship"): "wholeListMerge",
    ("tender", "additionalProcurementCategories"): "wholeListMerge",
    ("tender", "amendment", "changes"): "wholeListMerge",
    ("tender", "amendments", "changes"): "wholeListMerge",
    ("tender", "items", "additionalClassifications"): "wholeListMerge",
    ("tender", "procuringEntity", "additionalIdentifiers"): "wholeListMerge",
    ("tender", "submissionMethod"): "wholeListMerge",
    ("tender", "tenderers", "additionalIdentifiers"): "wholeListMerge",
}

# our evaluation methods as OCDS awardCriteria codes
AWARD_CRITERIA = {"lowest_price": "priceOnly", "comprehensive": "ratedCriteria"}


# --- plain data in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    key: int  # our organisation id: the fallback identifier when there is no credit code
    name: str
    credit_code: str | None = None


@dataclass(frozen=True)
class LotFacts:
    number: int
    title: str
    ceiling_price: Decimal  # 最高投标限价: the upper value of the lot


@dataclass(frozen=True)
class DocumentFacts:
    id: int
    filename: str
    content_type: str
    uploaded_at: datetime


@dataclass(frozen=True)
class NoticeFacts:
    id: int
    kind: str  # clarification | amendment | termination
    title: str
    body: str
    issued_at: datetime
    deadline_before: datetime | None = None
    deadline_after: datetime | None = None


@dataclass(frozen=True)
class ReadBid:
    """A bid read out at the opening (唱标): its bidder and the price announced."""

    bid_no: int
    lot: int
    bidder: Party
    price: str | None  # as announced (decimal text), None when the summary had none
    received_at: datetime


@dataclass(frozen=True)
class OpeningFacts:
    """What the opening made public: how many bids each lot received (at the deadline), and,
    once the record is published, the bids read out."""

    at: datetime
    bids_per_lot: dict[int, int]
    read: list[ReadBid] = field(default_factory=list)


@dataclass(frozen=True)
class CandidateFacts:
    """A candidate of an award (中标候选人) as published: its rank, bidder and evaluated price."""

    rank: int
    bidder: Party
    price: str  # the evaluated price, decimal text


@dataclass(frozen=True)
class AwardFacts:
    """A lot's award (trading.award) once public: its candidates from the publicity on, the
    winner and amount once decided, the contract once signed."""

    id: int
    lot: int
    candidates: list[CandidateFacts]
    publicity_start: datetime | None
    publicity_end: datetime | None
    winner_rank: int | None = None
    amount: str | None = None
    decided_at: datetime | None = None
    contract_id: int | None = None
    contract_amount: str | None = None
    contract_signed_on: str | None = None  # YYYY-MM-DD
    contract_recorded_at: datetime | None = None


@dataclass(frozen=True)
class TenderFacts:
    reference: str
    title: str
    description: str
    state: str
    category: str  # works | goods | services (the OCDS procurementCategory codes)
    method: str  # lowest_price | comprehensive
    rule_set: str
    tenderer: Party
    agency: Party | None
    issue_start: datetime
    issue_end: datetime
    bid_deadline: datetime
    published_at: datetime | None
    lots: list[LotFacts]
    documents: list[DocumentFacts] = field(default_factory=list)
    notices: list[NoticeFacts] = field(default_factory=list)
    termination_reason: str | None = None
    opening: OpeningFacts | None = None
    awards: list[AwardFacts] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """A domain event that changed what is public, with its place in the audit ledger."""

    seq: int
    type: str
    at: datetime
    payload: dict[str, Any]


# --- helpers --------------------------------------------------------------------------------------


def ocid(prefix: str, reference: str) -> str:
    return f"{prefix}{reference}"


def release_id(ocid_: str, seq: int) -> str:
    # the ledger seq is unique per change, so the id is unique within and across processes
    return f"{ocid_}-{seq}"


def when(moment: datetime) -> str:
    """An OCDS date-time: RFC 3339 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def amount(value: Decimal | str) -> dict[str, Any]:
    number = Decimal(value)
    # a JSON number: whole yuan as an integer, otherwise the fen as a float of two decimals
    shown: int | float = int(number) if number == number.to_integral_value() else float(number)
    return {"amount": shown, "currency": CURRENCY}


def party_id(party: Party) -> str:
    if party.credit_code:
        return f"{CREDIT_CODE_SCHEME}-{party.credit_code}"
    return f"bidhall-org-{party.key}"


def party_ref(party: Party) -> dict[str, str]:
    return {"id": party_id(party), "name": party.name}


def party_entry(party: Party, roles: Iterable[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": party_id(party), "name": party.name, "roles": list(roles)}
    if party.credit_code:
        entry["identifier"] = {"scheme": CREDIT_CODE_SCHEME, "id": party.credit_code}
    return entry


def lot_id(number: int) -> str:
    return str(number)


# --- the sections ---------------------------------------------------------------------------------


def _parties(facts: TenderFacts, tenderers: Iterable[Party] = ()) -> list[dict[str, Any]]:
    roles: dict[str, tuple[Party, list[str]]] = {}

    def add(party: Party, role: str) -> None:
        key = party_id(party)
        if key not in roles:
            roles[key] = (party, [])
        if role not in roles[key][1]:
            roles[key][1].append(role)

    add(facts.tenderer, "buyer")
    add(facts.agency or facts.tenderer, "procuringEntity")
    for party in tenderers:
        add(party, "tenderer")
    return [party_entry(party, names) for party, names in roles.values()]


def _tender_status(facts: TenderFacts) -> str:
    if facts.state == "terminated":
        return "cancelled"
    if facts.state == "failed":
        return "unsuccessful"
    return "active"  # published, suspended, closed, opened: the award is still to come


def _tender(facts: TenderFacts) -> dict[str, Any]:
    ceiling = sum((lot.ceiling_price for lot in facts.lots), Decimal("0"))
    tender: dict[str, Any] = {
        "id": facts.reference,
        "title": facts.title,
        "status": _tender_status(facts),
        "procuringEntity": party_ref(facts.agency or facts.tenderer),
        "value": amount(ceiling),
        "procurementMethod": "open",
        "procurementMethodDetails": facts.rule_set,
        "mainProcurementCategory": facts.category,
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": when(facts.issue_start), "endDate": when(facts.bid_deadline)},
        "lots": [
            {
                "id": lot_id(lot.number),
                "title": lot.title,
                "status": _tender_status(facts),
                "value": amount(lot.ceiling_price),
            }
            for lot in facts.lots
        ],
    }
    if facts.description:
        tender["description"] = facts.description
    if facts.method in AWARD_CRITERIA:
        tender["awardCriteria"] = AWARD_CRITERIA[facts.method]
        tender["awardCriteriaDetails"] = facts.method
    documents = [
        {
            "id": f"document-{doc.id}",
            "documentType": "biddingDocuments",
            "title": doc.filename,
            "format": doc.content_type,
            "datePublished": when(max(doc.uploaded_at, facts.published_at or doc.uploaded_at)),
        }
        for doc in facts.documents
    ]
    documents += [
        {
            "id": f"notice-{notice.id}",
            "documentType": "clarifications" if notice.kind == "clarification" else "tenderNotice",
            "title": notice.title,
            "description": notice.body,
            "datePublished": when(notice.issued_at),
        }
        for notice in facts.notices
    ]
    if documents:
        tender["documents"] = documents
    amendments = [_amendment(notice) for notice in facts.notices if notice.kind == "amendment"]
    if amendments:
        tender["amendments"] = amendments
    if facts.state == "terminated" and facts.termination_reason:
        tender["statusDetails"] = facts.termination_reason
    if facts.opening is not None and facts.opening.read:
        bidders = _unique(bid.bidder for bid in facts.opening.read)
        tender["tenderers"] = [party_ref(p) for p in bidders]
        tender["numberOfTenderers"] = len(bidders)
    return tender


def _amendment(notice: NoticeFacts) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": f"notice-{notice.id}",
        "date": when(notice.issued_at),
        "description": notice.body,
        "rationale": notice.title,
    }
    return entry


def _unique(parties: Iterable[Party]) -> list[Party]:
    seen: dict[str, Party] = {}
    for party in parties:
        seen.setdefault(party_id(party), party)
    return list(seen.values())


def _bids(opening: OpeningFacts) -> dict[str, Any]:
    """The bids extension: statistics from the opening, details once the bids are read out."""
    date = when(opening.at)
    statistics = [
        {
            "id": "bids",
            "measure": "bids",
            "value": sum(opening.bids_per_lot.values()),
            "date": date,
        },
        {
            "id": "electronicBids",
            "measure": "electronicBids",
            "value": sum(opening.bids_per_lot.values()),
            "date": date,
        },
    ]
    statistics += [
        {
            "id": f"bids-lot-{number}",
            "measure": "bids",
            "value": count,
            "date": date,
            "relatedLot": lot_id(number),
        }
        for number, count in sorted(opening.bids_per_lot.items())
    ]
    section: dict[str, Any] = {"statistics": statistics}
    if opening.read:
        details = []
        for bid in opening.read:
            detail: dict[str, Any] = {
                "id": f"bid-{bid.bid_no}",
                "date": when(bid.received_at),
                "status": "valid",
                "tenderers": [party_ref(bid.bidder)],
                "relatedLots": [lot_id(bid.lot)],
            }
            price = _price(bid.price)
            if price is not None:
                detail["value"] = amount(price)
            details.append(detail)
        section["details"] = details
    return section


def _price(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# --- builders, one per kind of change -------------------------------------------------------------


Builder = Callable[[Change, TenderFacts], dict[str, Any] | None]


def _tender_release(tag: str) -> Builder:
    def build(change: Change, facts: TenderFacts) -> dict[str, Any]:
        return {"tag": [tag], "tender": _tender(facts), "parties": _parties(facts)}

    return build


def _notice_release(change: Change, facts: TenderFacts) -> dict[str, Any] | None:
    kind = change.payload.get("kind")
    tag = "tenderAmendment" if kind == "amendment" else "tenderUpdate"
    return _tender_release(tag)(change, facts)


def _terminated_release(change: Change, facts: TenderFacts) -> dict[str, Any] | None:
    if not change.payload.get("public", True):
        return None  # terminated before its publication: the tenderer's business alone
    return _tender_release("tenderCancellation")(change, facts)


def _opening_release(change: Change, facts: TenderFacts) -> dict[str, Any] | None:
    sections = _tender_release("tenderUpdate")(change, facts)
    if facts.opening is not None:
        sections["bids"] = _bids(facts.opening)
        read = _unique(bid.bidder for bid in facts.opening.read)
        sections["parties"] = _parties(facts, read)
    return sections


def award_id(award: AwardFacts, candidate: CandidateFacts) -> str:
    """One OCDS award per candidate: pending during the publicity, then active for the winner
    and unsuccessful for the others."""
    return f"{award.id}-{candidate.rank}"


def _awards(facts: TenderFacts) -> tuple[list[dict[str, Any]], list[Party]]:
    awards, suppliers = [], []
    for award in facts.awards:
        for candidate in award.candidates:
            if award.winner_rank is None:
                status = "pending"
            else:
                status = "active" if candidate.rank == award.winner_rank else "unsuccessful"
            entry: dict[str, Any] = {
                "id": award_id(award, candidate),
                "title": f"lot {award.lot}, candidate {candidate.rank}",
                "status": status,
                "value": amount(candidate.price),
                "suppliers": [party_ref(candidate.bidder)],
                "relatedLots": [lot_id(award.lot)],
            }
            if award.publicity_start is not None:
                entry["period"] = {
                    "startDate": when(award.publicity_start),
                    "endDate": when(award.publicity_end),
                }
            if status == "active" and award.decided_at is not None:
                entry["date"] = when(award.decided_at)
            awards.append(entry)
            suppliers.append(candidate.bidder)
    return awards, suppliers


def _contracts(facts: TenderFacts) -> list[dict[str, Any]]:
    contracts = []
    for award in facts.awards:
        if award.contract_id is None:
            continue
        winner = next(c for c in award.candidates if c.rank == award.winner_rank)
        contracts.append(
            {
                "id": str(award.contract_id),
                "awardID": award_id(award, winner),
                "title": f"lot {award.lot}",
                "status": "active",
                "value": amount(award.contract_amount),
                "dateSigned": f"{award.contract_signed_on}T00:00:00+08:00",
            }
        )
    return contracts


def _award_release(change: Change, facts: TenderFacts) -> dict[str, Any] | None:
    """The candidates' publicity (pending awards) and the decision (the winner active, the
    other candidates unsuccessful)."""
    awards, suppliers = _awards(facts)
    if not awards:
        return None
    parties = _parties(facts)
    known = {p["id"]: p for p in parties}
    for supplier in _unique(suppliers):
        entry = known.get(party_id(supplier))
        if entry is None:
            parties.append(party_entry(supplier, ["supplier"]))
        elif "supplier" not in entry["roles"]:
            entry["roles"].append("supplier")
    return {"tag": ["award"], "awards": awards, "parties": parties}


def _contract_release(change: Change, facts: TenderFacts) -> dict[str, Any] | None:
    contracts = _contracts(facts)
    if not contracts:
        return None
    sections = _award_release(change, facts) or {"parties": _parties(facts)}
    return {
        "tag": ["contract"],
        "awards": sections.get("awards", []),
        "contracts": contracts,
        "parties": sections["parties"],
    }


# event type -> builder: the life-cycle changes that reach the public
BUILDERS: dict[str, Builder] = {
    "award.publicity_started": _award_release,
    "award.decided": _award_release,
    "contract.signed": _contract_release,
    "tender.published": _tender_release("tender"),
    "tender.notice_issued": _notice_release,
    "tender.terminated": _terminated_release,
    "tender.failed": _opening_release,  # too few bids: the opening did not take place
    "opening.record_published": _opening_release,
}


def build_release(prefix: str, change: Change, facts: TenderFacts) -> dict[str, Any] | None:
    """The OCDS release for ``change`` of the tender ``facts`` describe, or None when the change
    publishes nothing."""
    builder = BUILDERS.get(change.type)
    if builder is None:
        return None
    sections = builder(change, facts)
    if sections is None:
        return None
    the_ocid = ocid(prefix, facts.reference)
    release: dict[str, Any] = {
        "ocid": the_ocid,
        "id": release_id(the_ocid, change.seq),
        "date": when(change.at),
        "tag": sections.pop("tag"),
        "initiationType": "tender",
        "language": "zh",
        "buyer": party_ref(facts.tenderer),
    }
    release.update(sections)
    return release


# --- packages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Publisher:
    name: str
    uri: str | None = None


def package_meta(uri: str, publisher: Publisher, published: datetime) -> dict[str, Any]:
    who: dict[str, Any] = {"name": publisher.name}
    if publisher.uri:
        who["uri"] = publisher.uri
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": list(EXTENSIONS),
        "publisher": who,
        "publishedDate": when(published),
    }


def release_package(
    meta: dict[str, Any], releases: list[dict[str, Any]], next_uri: str | None = None
) -> dict[str, Any]:
    package = dict(meta)
    if next_uri is not None:
        package["links"] = {"next": next_uri}
    package["releases"] = releases
    return package


def release_package_text(
    meta: dict[str, Any], release_texts: Iterable[str], next_uri: str | None = None
) -> Iterable[str]:
    """The same package as ``release_package``, as JSON text in pieces, from releases already
    stored as JSON text (no decoding and re-encoding of every release)."""
    head = dict(meta)
    if next_uri is not None:
        head["links"] = {"next": next_uri}
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "releases": ['
    first = True
    for text in release_texts:
        yield text if first else "," + text
        first = False
    yield "]}"


def record(the_ocid: str, releases: list[dict[str, Any]]) -> dict[str, Any]:
    """One record: every release of the process and the compiled release (ocdsmerge, with the
    merge rules above, so nothing is fetched)."""
    import ocdsmerge

    # given in ledger order; the sort is stable, so releases of the same second keep it
    ordered = sorted(releases, key=lambda r: r["date"])
    merger = ocdsmerge.Merger(merge_rules=MERGE_RULES)
    return {
        "ocid": the_ocid,
        "releases": ordered,
        "compiledRelease": merger.create_compiled_release(ordered),
    }


def record_package(meta: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    package = dict(meta)
    package["records"] = records
    return package
