"""Same origin (Regs Art 40, bids "deemed collusive"): bids of different bidders that came from
one place — uploaded from one network address or one device, holding an identical file or
documents of one author (bid.same_origin, Art 40 (1)(2)); whose deposits were paid from one
account (bid.same_payer, Art 40 (6)); that name one person (bid.same_person, Art 40 (3)).

They run at the opening only, once every bid has been read out (``hall.reading_finished``; the
documents' marks on ``bid.documents_marked``, once every opened bid has them): nothing of a bid
may be told before (Law Art 22). They read the ledger: ``bid.sealed`` (its ``origin``: upload
addresses, User-Agent, sealing tool), ``hall.bids_locked`` (bid numbers to manifests, hence to
bidders), ``hall.read_out`` (the persons named), ``deposit.recorded`` (the payer account's
digest), ``bid.documents_marked`` (files' plaintext SHA-256, authors and companies). A value
shared by the bids of one bidder only (its lots) is no sign; each finding names the bids by
their number in the opening and the one value they share.

A device (User-Agent with the sealing tool's fingerprint), a file or an author also seen from
another bidder elsewhere on the platform is common, not a fingerprint (one browser version, the
official tool, a form everyone fills in, "Administrator"), and neither is a file the platform
published as tender documents.
"""

from __future__ import annotations

import hashlib
import ipaddress
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors.base import Fact, Finding, Scope, Severity, detector, reads_back
from audit.detectors.reads import read
from bidhall.accounts.rules import login_source
from trading.bids.models import Bid, BidMark
from trading.tenders.models import TenderDocument

FINISHED = "hall.reading_finished"
LOCKED = "hall.bids_locked"
READ_OUT = "hall.read_out"
SEALED = "bid.sealed"
DEPOSIT = "deposit.recorded"
MARKED = "bid.documents_marked"
reads_back(LOCKED, SEALED, MARKED, READ_OUT, DEPOSIT)

OPENED = ("decrypted", "recovered")
PERSONS = ("project_manager",)  # the summary's named persons (trading.bids.rules.summary_schema)
# names Windows and Office fill in by themselves: they tell nothing of who wrote a document
DEFAULT_NAMES = frozenset(
    {
        "administrator", "admin", "user", "owner", "author", "unknown", "microsoft",
        "microsoft office user", "windows user", "windows 用户", "微软用户", "微软中国",
        "microsoft china", "china", "中国", "番茄花园", "雨林木风", "深度技术", "sky123.org",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Bid:
    """A bid locked at the opening: its number there, and its ``bid.sealed`` fact."""

    no: int
    sealed: Fact

    @property
    def id(self) -> int:
        return self.sealed.payload["bid_id"]

    @property
    def organisation_id(self) -> int:
        return self.sealed.payload["organisation_id"]

    @property
    def origin(self) -> dict:
        return self.sealed.payload.get("origin") or {}


def _bids(scope: Scope) -> tuple[dict[int, _Bid], list[int]]:
    """The opening's bids by number, and the seq of the list that numbered them."""
    locked = scope.history(LOCKED)
    if not locked:
        return {}, []
    sealed = {f.payload.get("manifest_sha256"): f for f in scope.history(SEALED)}
    bids = {}
    for entry in locked[-1].payload.get("bids") or []:
        fact = sealed.get(entry.get("manifest_sha256"))
        if fact is not None:
            bids[entry["bid_no"]] = _Bid(entry["bid_no"], fact)
    return bids, [locked[-1].seq]


def _shared(
    bids: dict[int, _Bid], values: dict[int, Iterable[Any]]
) -> Iterator[tuple[Any, list[int]]]:
    """Each value held by bids of at least two bidders, with those bids' numbers."""
    holders: dict[Any, set[int]] = {}
    for no, held in values.items():
        for value in held:
            holders.setdefault(value, set()).add(no)
    for value, numbers in sorted(holders.items(), key=lambda item: min(item[1])):
        if len({bids[no].organisation_id for no in numbers}) >= 2:
            yield value, sorted(numbers)


def _named(numbers: list[int]) -> str:
    words = [str(no) for no in numbers]
    return "bids " + (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0])


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _red(
    scope: Scope, name: str, key: str, summary: str, numbers: list[int], bids: dict[int, _Bid],
    seqs: Iterable[int], figures: dict, rule: str,
) -> Finding:  # fmt: skip
    organisations = {bids[no].organisation_id for no in numbers}
    return scope.finding(
        name,
        f"tender:{scope.tender_id}:{key}",
        Severity.RED,
        f"{_named(numbers)}, of {len(organisations)} different bidders, {summary}",
        seqs,
        figures={
            "bids": numbers,
            "bid_ids": [bids[no].id for no in numbers],
            "bidders": len(organisations),
            **figures,
        },
        threshold={"kind": "fixed", "rule": rule},
        subject=", ".join(f"bid {no}" for no in numbers),
    )


def normal_name(value: object) -> str:
    """A name as the screens compare it: NFKC, casefolded, spaces collapsed and stripped."""
    if not isinstance(value, str):
        return ""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


# --- bid.same_origin ----------------------------------------------------------------------------


@detector(
    "bid.same_origin",
    basis="Regs Art 40 (1)(2): bid documents made or handled by the same unit or person",
    on=(FINISHED, MARKED),
)
def same_origin(fact: Fact, scope: Scope):
    if fact.type == FINISHED:
        bids, locked = _bids(scope)
        yield from _same_address(scope, bids, locked)
        yield from _same_device(scope, bids, locked)
    elif _all_marked_perhaps(scope):
        yield from _same_documents(scope, *_bids(scope))


def _all_marked_perhaps(scope: Scope) -> bool:
    """False when fewer bids have their documents marked than were opened: the documents'
    screen waits for every opened bid's (checked exactly by ``_same_documents``); this spares
    each marking before the last its reading of the opening's bids."""
    opened = {
        f.payload.get("bid_no")
        for f in scope.history(READ_OUT)
        if f.payload.get("outcome") in OPENED
    }
    marked = {f.payload.get("bid_id") for f in scope.history(MARKED)}
    return bool(opened) and len(marked) >= len(opened)


def _source(address: object) -> str | None:
    """The network an address stands for (an IPv6 /64, as the login throttle counts it); none
    for the platform's own host or a proxy in front of it (loopback), or no address at all."""
    if not isinstance(address, str):
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local:
        return None
    return login_source(str(ip))


def _same_address(scope: Scope, bids: dict[int, _Bid], locked: list[int]) -> Iterator[Finding]:
    sources = {
        no: {s for s in map(_source, bid.origin.get("addresses") or []) if s}
        for no, bid in bids.items()
    }
    for source, numbers in _shared(bids, sources):
        yield _red(
            scope,
            "bid.same_origin",
            f"address:{source}",
            "were uploaded from one network address",
            numbers,
            bids,
            [*locked, *(bids[no].sealed.seq for no in numbers)],
            {"kind": "address", "address": source},
            "the same upload address (IPv4, or IPv6 /64) on bids of different bidders",
        )


def _same_device(scope: Scope, bids: dict[int, _Bid], locked: list[int]) -> Iterator[Finding]:
    devices = {
        no: {(bid.origin["user_agent"], bid.origin["sealing_tool"])}
        for no, bid in bids.items()
        if bid.origin.get("user_agent") and bid.origin.get("sealing_tool")
    }
    for (agent, tool), numbers in _shared(bids, devices):
        group = {bids[no].organisation_id for no in numbers}
        others = set(scope.read("origin.device_bidders", user_agent=agent, sealing_tool=tool))
        if others - group:
            continue  # a browser and tool many bidders use: no fingerprint
        traits = bids[numbers[0]].origin.get("sealing_tool_traits") or {}
        yield _red(
            scope,
            "bid.same_origin",
            f"device:{_digest(agent, tool)}",
            "were uploaded from one device: the same browser (User-Agent) and sealing tool, "
            "used by no other bidder on the platform",
            numbers,
            bids,
            [*locked, *(bids[no].sealed.seq for no in numbers)],
            {"kind": "device", "user_agent": agent, "sealing_tool": tool, "tool_traits": traits},
            "the same User-Agent and sealing-tool fingerprint on bids of different bidders, "
            "seen from no other bidder on the platform",
        )


def _same_documents(scope: Scope, bids: dict[int, _Bid], locked: list[int]) -> Iterator[Finding]:
    by_id = {bid.id: no for no, bid in bids.items()}
    marked = {
        by_id[f.payload["bid_id"]]: f
        for f in scope.history(MARKED)
        if f.payload.get("bid_id") in by_id
    }
    opened = {
        f.payload.get("bid_no")
        for f in scope.history(READ_OUT)
        if f.payload.get("outcome") in OPENED
    }
    if not opened or not opened <= set(marked):
        return  # every opened bid's documents first: one comparison, whole groups
    files = {
        no: {e["sha256"] for e in f.payload.get("files") or [] if e.get("size", 0) > 0}
        for no, f in marked.items()
    }
    shared = list(_shared(bids, files))
    published = set(scope.read("origin.published_files", hashes=[sha for sha, _ in shared]))
    for sha256, numbers in shared:
        if sha256 in published or _common(scope, bids, numbers, "file", sha256):
            continue
        names = {
            str(no): sorted(
                {e["name"] for e in marked[no].payload["files"] if e["sha256"] == sha256}
            )
            for no in numbers
        }
        yield _red(
            scope,
            "bid.same_origin",
            f"file:{sha256}",
            f"hold an identical file ({'; '.join(', '.join(n) for n in names.values())})",
            numbers,
            bids,
            [*locked, *(marked[no].seq for no in numbers)],
            {"kind": "file", "sha256": sha256, "files": names},
            "a file with the same plaintext SHA-256 in bids of different bidders, in no other "
            "bidder's bid and not published as tender documents",
        )
    for kind, field in (("author", "authors"), ("company", "companies")):
        values = {
            no: {
                v for e in f.payload.get("files") or [] for v in e.get(field) or []
                if normal_name(v) not in DEFAULT_NAMES
            }
            for no, f in marked.items()
        }  # fmt: skip
        for value, numbers in _shared(bids, values):
            if _common(scope, bids, numbers, kind, value):
                continue
            yield _red(
                scope,
                "bid.same_origin",
                f"{kind}:{_digest(value)}",
                f"hold documents whose {kind} is the same ({value!r})",
                numbers,
                bids,
                [*locked, *(marked[no].seq for no in numbers)],
                {"kind": kind, kind: value},
                f"the same document {kind} (office or PDF metadata, normalised) in bids of "
                "different bidders, in no other bidder's documents, not a default name",
            )


def _common(scope: Scope, bids: dict[int, _Bid], numbers: list[int], kind: str, value: str) -> bool:
    group = {bids[no].organisation_id for no in numbers}
    return bool(set(scope.read("origin.mark_bidders", kind=kind, value=value)) - group)


# --- bid.same_payer -----------------------------------------------------------------------------


@detector(
    "bid.same_payer",
    basis="Regs Art 40 (6): different bidders' deposits paid from one unit's or person's account",
    on=(FINISHED,),
)
def same_payer(fact: Fact, scope: Scope):
    bids, locked = _bids(scope)
    deposits: dict[int, list[Fact]] = {}
    for f in scope.history(DEPOSIT):
        deposits.setdefault(f.payload.get("organisation_id"), []).append(f)
    accounts = {
        no: {f.payload["payer_account_sha256"] for f in deposits.get(bid.organisation_id, [])}
        for no, bid in bids.items()
    }
    for digest, numbers in _shared(bids, accounts):
        paid = [
            f
            for no in numbers
            for f in deposits[bids[no].organisation_id]
            if f.payload["payer_account_sha256"] == digest
        ]
        yield _red(
            scope,
            "bid.same_payer",
            f"payer:{digest[:16]}",
            "had their deposits paid from one bank account",
            numbers,
            bids,
            [*locked, *(bids[no].sealed.seq for no in numbers), *(f.seq for f in paid)],
            {
                "payer_account_sha256": digest,
                "deposits": sorted({f.payload["deposit_id"] for f in paid}),
            },
            "the same payer account (its SHA-256) on the deposits of different bidders",
        )


# --- bid.same_person ----------------------------------------------------------------------------


@detector(
    "bid.same_person",
    basis="Regs Art 40 (3): the same project manager or other person named in different bids",
    on=(FINISHED,),
)
def same_person(fact: Fact, scope: Scope):
    bids, locked = _bids(scope)
    read_out = {
        f.payload.get("bid_no"): f
        for f in scope.history(READ_OUT)
        if f.payload.get("bid_no") in bids
    }
    for field in PERSONS:
        named = {}
        for no, f in read_out.items():
            items = {item[0]: item[1] for item in f.payload.get("items") or [] if len(item) == 2}
            person = normal_name(items.get(field))
            if person:
                named[no] = {person}
        for person, numbers in _shared(bids, named):
            as_read = sorted({
                dict(read_out[no].payload["items"]).get(field) for no in numbers
            })  # fmt: skip
            yield _red(
                scope,
                "bid.same_person",
                f"{field}:{_digest(person)}",
                f"name the same {field.replace('_', ' ')} ({', '.join(as_read)})",
                numbers,
                bids,
                [*locked, *(read_out[no].seq for no in numbers)],
                {"field": field, "person": person, "as_read": as_read},
                f"the same {field} (NFKC, casefolded, spaces collapsed) in bids of different "
                "bidders",
            )


# --- read models --------------------------------------------------------------------------------


@read("origin.device_bidders")
def device_bidders(session: Session, user_agent: str, sealing_tool: str) -> list[int]:
    """The organisations that sealed any bid on the platform with this User-Agent and tool."""
    return sorted(
        session.scalars(
            select(Bid.organisation_id)
            .where(Bid.user_agent == user_agent, Bid.sealing_tool == sealing_tool)
            .distinct()
        )
    )


@read("origin.mark_bidders")
def mark_bidders(session: Session, kind: str, value: str) -> list[int]:
    """The organisations whose opened documents anywhere on the platform carry this mark."""
    return sorted(
        session.scalars(
            select(BidMark.organisation_id)
            .where(BidMark.kind == kind, BidMark.value == value)
            .distinct()
        )
    )


@read("origin.published_files")
def published_files(session: Session, hashes: list[str]) -> list[str]:
    """Which of these SHA-256s are files some tender published as its documents (a form every
    bidder fills in and sends back unchanged)."""
    if not hashes:
        return []
    return sorted(
        set(session.scalars(select(TenderDocument.sha256).where(TenderDocument.sha256.in_(hashes))))
    )
