"""A synthetic year of ledger events for bench/audit.py: ``tenders`` tenders published over the
year, each with the events the real services emit for it (docs/evaluation.md "Events: the
contract", docs/opening.md, and a demo ledger: ``bidhall demo``), interleaved by time as
overlapping tenders are. Deterministic for a seed.

Per tender: drafting, filing and publication; a few notices and objections; each bidder's sealed
bid (with its upload origin) and, for tenders that ask for one, its deposit; the deadline and the
opening hall (the bids locked, each bid read out with its price, the reading finished, the
documents' marks, the hall closed), or a failed opening (fewer than 3 bids). For most opened
tenders, the expert draw and an evaluation session: the leader's election, a sample of the
review marks (``marks_per_bid`` per member and bid: not every mark), veto votes and other votes,
the review closed, each member's ``score.submitted`` and ``evaluation.scores_submitted``, the
results and the report. ``full=True`` adds what the detectors never read (holders, downloads,
upload starts, decryptions, sign-ins, draw answers, check-ins and -outs, report signatures).

Most tenders are clean; a small share carries one planted condition (``Mix``): identical prices,
prices in progression or barely spread, an abnormally low bid, a late start, a vote closed
early, a revoted or flipping matter, a lone dissenter, a review too short, a member scoring too
fast, several vetoes, a veto while an objection is pending, suspension, termination, presence
events, an outage, an unbacked pause, an early access request, a conflict declared, bids of
different bidders from one address, device, payer, person, author or file. ``planted`` counts
them. What a detector can only find through the domain tables (criteria, ceilings, notices,
committees) is not planted: the synthetic tenders have no rows there.

Prices are normal around 88 % of the ceiling (sd 4 %), so the statistical screens also fire on
some clean tenders, as they would on real data.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in China
YEAR = timedelta(days=365)
REQUIREMENTS = ("q-licence", "q-manager", "q-security", "r-signed", "r-price", "r-terms")
CRITERIA = (  # (name, maximum): the judgement items of a comprehensive evaluation, + price
    ("construction organisation plan", 30),
    ("project manager track record", 10),
    ("quality assurance plan", 10),
)
PRICE_POINTS = 50
SEALING_TOOL = hashlib.sha256(b"bidhall-seal 1.0").hexdigest()
TOOL_TRAITS = {
    "chain_length": 2,
    "chunk_size": 1048576,
    "created_at_form": "9999-99-99T99:99:99Z",
    "format": "bidhall-seal/1",
    "header_fields": ["chunk_size", "commitment", "created_at", "format", "sections", "suite"],
    "suite": "bidhall-ed25519-x25519-hkdfsha256-aes256gcm/1",
    "trailer_fields": ["chain", "manifest", "signature", "signer"],
}
CATEGORIES = (  # (category, rule set, share, bidder organisation ids)
    ("construction", "construction", 0.5, range(1001, 2501)),
    ("goods", "government", 0.3, range(2501, 3301)),
    ("services", "government", 0.2, range(3301, 4001)),
)
TENDERERS = range(1, 601)
AGENCIES = range(601, 701)
EXPERTS = range(10001, 13001)  # expert user ids
VENUES = 30
ADMIN = "user:2"  # records the deposits
BIDDERS_PER_TENDER = ((2, 3), (3, 20), (4, 22), (5, 22), (6, 14), (7, 8), (8, 6), (10, 5))


@dataclass(frozen=True)
class Mix:
    """The share of tenders (or sessions, lots) carrying each planted condition."""

    evaluated: float = 0.85  # of the opened tenders
    lowest_price: float = 0.5  # of the government rule set's tenders: no scoring
    two_lots: float = 0.05
    deposits: float = 0.6
    notice: float = 0.08
    amendment: float = 0.03
    objection: float = 0.02
    objection_pending: float = 0.003
    hall_objection: float = 0.01
    early_access: float = 0.001
    identical_price: float = 0.005  # of the lots
    progression: float = 0.003
    low_spread: float = 0.005
    abnormally_low: float = 0.01
    same_address: float = 0.002
    same_device: float = 0.002
    same_payer: float = 0.002
    same_person: float = 0.002
    same_author: float = 0.002
    same_file: float = 0.002
    start_late_yellow: float = 0.03  # of the sessions
    start_late_red: float = 0.02
    leader_dissent: float = 0.1
    vetoed_one: float = 0.06
    vetoed_two: float = 0.015
    vote_closed_early: float = 0.01
    vote_repeated: float = 0.004
    lone_dissent: float = 0.004
    clarification: float = 0.03
    review_too_short: float = 0.02
    too_fast: float = 0.02
    outlier: float = 0.03
    identical_sheets: float = 0.003
    suspended: float = 0.005
    terminated: float = 0.001
    unbacked_pause: float = 0.001
    presence: float = 0.01
    outage: float = 0.01
    conflict_declared: float = 0.002


Event = tuple[datetime, str, str, dict[str, Any]]  # at, actor, type, payload


def iso(at: datetime) -> str:
    return at.isoformat()


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values)


def sha(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


class Year:
    """``events()``: the year's ledger events in time order, as (at, actor, type, payload)."""

    def __init__(
        self, tenders: int, seed: int = 13, *, full: bool = False, marks_per_bid: int = 1
    ) -> None:
        self.tenders = tenders
        self.rng = random.Random(seed)
        self.full = full
        self.marks_per_bid = marks_per_bid
        self.mix = Mix()
        self.planted: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()  # tenders, bids, sessions, failed
        self._ids: Counter[str] = Counter()

    def id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def chance(self, share: float) -> bool:
        return self.rng.random() < share

    # --- the year ------------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        """Every tender's events merged by time (ties: the order they were made in). Tenders
        are made in the order of their first event; an event no later than the next tender's
        first can no longer be overtaken, so only the running tenders' events wait in the heap."""
        rng = self.rng
        span = (YEAR - timedelta(days=50)).total_seconds()  # the last ones finish in the year
        starts = sorted(self._working_time(rng.uniform(0, span)) for _ in range(self.tenders))
        pending: list[tuple[datetime, int, str, str, dict]] = []
        order = 0
        for number, start in enumerate(starts, start=1):
            while pending and pending[0][0] <= start:
                at, _, actor, type_, payload = heapq.heappop(pending)
                yield at, actor, type_, payload
            for at, actor, type_, payload in self._tender(number, start):
                order += 1
                heapq.heappush(pending, (at, order, actor, type_, payload))
        while pending:
            at, _, actor, type_, payload = heapq.heappop(pending)
            yield at, actor, type_, payload

    def _working_time(self, seconds: float) -> datetime:
        """A moment in the working hours (01:00-09:00 UTC, 09:00-17:00 in China) of a weekday,
        about ``seconds`` into the year."""
        at = START + timedelta(seconds=seconds)
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day + timedelta(hours=1, seconds=self.rng.uniform(0, 8 * 3600))

    # --- one tender ----------------------------------------------------------------------------

    def _tender(self, tid: int, start: datetime) -> list[Event]:
        rng, mix, full = self.rng, self.mix, self.full
        self.counts["tenders"] += 1
        category, rule_set, bidders_pool = self._category()
        rng.choice(TENDERERS)  # the tenderer: no synthetic event names it (kept for the seed)
        agency = rng.choice(AGENCIES)
        manager = f"user:{agency}"
        method = (
            "lowest_price"
            if rule_set == "government" and self.chance(mix.lowest_price)
            else "comprehensive"
        )
        out: list[Event] = []

        def say(at: datetime, actor: str, type_: str, /, **payload: Any) -> None:
            out.append((at, actor, type_, payload))

        reference = f"BH-2026-{tid:05d}"
        say(start, manager, "tender.drafted", reference=reference, rule_set=rule_set, tender_id=tid)
        document = self.id("document")
        say(
            start + timedelta(minutes=4),
            manager,
            "tender.document_added",
            document_id=document,
            sha256=sha("document", document),
            size=rng.randint(20_000, 4_000_000),
            tender_id=tid,
        )
        filing = self.id("filing")
        say(
            start + timedelta(minutes=9),
            manager,
            "tender.filing_submitted",
            filing_id=filing,
            tender_id=tid,
        )
        published = start + timedelta(days=1, minutes=rng.randint(0, 180))
        say(
            published - timedelta(hours=1),
            "user:3",
            "tender.filing_accepted",
            filing_id=filing,
            tender_id=tid,
        )
        deadline = (published + timedelta(days=rng.randint(20, 35))).replace(
            hour=1, minute=30, second=0, microsecond=0
        )
        while deadline.weekday() >= 5:
            deadline += timedelta(days=1)
        say(
            published,
            manager,
            "tender.published",
            bid_deadline=iso(deadline),
            issue_start=iso(published),
            reference=reference,
            tender_id=tid,
        )

        count = self._bidder_count()
        organisations = rng.sample(bidders_pool, count)
        lots = 2 if count >= 6 and self.chance(mix.two_lots) else 1
        if full:
            for org in organisations + rng.sample(bidders_pool, rng.randint(0, 2)):
                at = published + timedelta(hours=rng.uniform(1, 120))
                say(at, f"user:{org}", "tender.holder_joined", organisation_id=org, tender_id=tid)
                say(
                    at + timedelta(minutes=2),
                    f"user:{org}",
                    "tender.document_downloaded",
                    document_id=document,
                    tender_id=tid,
                )
        self._notices(say, tid, manager, published, deadline)
        pending_objection = self._objections(say, tid, manager, organisations, published)

        # --- bids, deposits ---
        bids = self._bids(tid, organisations, lots, deadline)
        for bid in bids:
            if full:
                say(
                    bid["sealed_at"] - timedelta(minutes=3),
                    bid["actor"],
                    "bid.upload_started",
                    size=bid["size"],
                    tender_id=tid,
                    upload_id=sha("upload", bid["id"])[:32],
                )
            say(
                bid["sealed_at"],
                bid["actor"],
                "bid.sealed",
                bid_id=bid["id"],
                lot=bid["lot"],
                manifest_sha256=bid["manifest"],
                organisation_id=bid["org"],
                origin=bid["origin"],
                size=bid["size"],
                tender_id=tid,
            )
        if self.chance(mix.deposits):
            payer = {b["org"]: sha("account", b["org"]) for b in bids}
            if len(bids) >= 2 and self.chance(mix.same_payer):
                first, second = rng.sample(bids, 2)
                if first["org"] != second["org"]:
                    payer[second["org"]] = payer[first["org"]]
                    self.planted["bid.same_payer"] += 1
            for bid in bids:
                say(
                    bid["sealed_at"] - timedelta(days=rng.uniform(0.5, 3)),
                    ADMIN,
                    "deposit.recorded",
                    deposit_id=self.id("deposit"),
                    lot=bid["lot"],
                    organisation_id=bid["org"],
                    payer_account_sha256=payer[bid["org"]],
                    tender_id=tid,
                )
        if self.chance(mix.early_access) and bids:
            self.planted["crypto.early_access"] += 1
            say(
                deadline - timedelta(days=rng.uniform(1, 10)),
                manager,
                "crypto.early_access_refused",
                bid_id=rng.choice(bids)["id"],
                opening=iso(deadline),
                requested="summary",
                tender_id=tid,
            )

        # --- the opening ---
        say(
            deadline,
            "system:tick",
            "tender.deadline_reached",
            bid_deadline=iso(deadline),
            tender_id=tid,
        )
        hall = Counter()

        def hall_say(at: datetime, actor: str, kind: str, /, **payload: Any) -> None:
            hall["seq"] += 1
            say(at, actor, f"hall.{kind}", hall_seq=hall["seq"], tender_id=tid, **payload)

        if full:
            for staff, role in ((manager, "manager"), ("user:4", "supervisor")):
                hall["staff"] += 1
                hall_say(
                    deadline - timedelta(minutes=20),
                    staff,
                    "signed_in",
                    bidders_present=None,
                    role=role,
                    staff_present=hall["staff"],
                )
            for bid in bids:
                say(
                    deadline - timedelta(minutes=10),
                    bid["actor"],
                    "opening.signed_in",
                    role="bidder",
                    tender_id=tid,
                )
        listed = [
            {
                "bid_no": number,
                "lot": bid["lot"],
                "manifest_sha256": bid["manifest"],
                "received_at": iso(bid["sealed_at"]),
            }
            for number, bid in enumerate(bids, start=1)
        ]
        per_lot = {str(lot): sum(b["lot"] == lot for b in bids) for lot in range(1, lots + 1)}
        if all(n < 3 for n in per_lot.values()):
            self.counts["failed"] += 1
            hall_say(
                deadline,
                "system:opening",
                "failed",
                bids=listed,
                per_lot=per_lot,
                reason="fewer than 3 bids were received: the tender is to be re-tendered",
            )
            say(
                deadline,
                "system:opening",
                "tender.failed",
                per_lot=per_lot,
                reason="too_few_bids",
                tender_id=tid,
            )
            return out
        failed_lots = [int(lot) for lot, n in per_lot.items() if n < 3]
        hall_say(
            deadline,
            "system:opening",
            "bids_locked",
            bids=listed,
            decrypt_deadline=iso(deadline + timedelta(minutes=30)),
            failed_lots=failed_lots,
            per_lot=per_lot,
        )
        opened = [b for b in bids if b["lot"] not in failed_lots]
        opened_ids = {b["id"] for b in opened}
        at = deadline
        for number, bid in enumerate(bids, start=1):
            if bid["id"] in opened_ids and full:
                at += timedelta(seconds=rng.uniform(20, 200))
                hall_say(at, bid["actor"], "decrypted", bid_no=number, path="holder")
                say(
                    at,
                    bid["actor"],
                    "bid.decrypted",
                    bid_id=bid["id"],
                    path="holder",
                    section="both",
                    tender_id=tid,
                )
        at += timedelta(minutes=rng.uniform(1, 25))
        hall_say(at, "system:opening", "reading_started", bids=len(bids), opened=len(opened))
        self._price(opened)
        for number, bid in enumerate(bids, start=1):
            at += timedelta(seconds=rng.uniform(20, 90))
            if bid["id"] in opened_ids:
                items = [
                    ["lot", bid["lot"]],
                    ["price", money(bid["cents"])],
                    ["duration_days", rng.randrange(180, 720, 10)],
                    ["quality", "qualified"],
                    ["project_manager", bid["manager"]],
                ]
                outcome = "decrypted"
            else:
                items, outcome = [], "lot_failed"
            hall_say(
                at,
                manager,
                "read_out",
                bid_no=number,
                bidder=bid["name"],
                items=items,
                lot=bid["lot"],
                manifest_sha256=bid["manifest"],
                of=len(bids),
                outcome=outcome,
            )
        at += timedelta(seconds=5)
        hall_say(at, "system:opening", "reading_finished", bids=len(bids))
        if self.chance(mix.hall_objection):
            hall_say(
                at + timedelta(minutes=2),
                bids[0]["actor"],
                "objection",
                bidder=bids[0]["name"],
                number=1,
                text="Was every bid decrypted in time?",
            )
            hall_say(
                at + timedelta(minutes=6), manager, "answer", number=1, text="Yes: see the record."
            )
        for bid in opened:
            say(
                at + timedelta(minutes=rng.uniform(1, 40)),
                "system:opening",
                "bid.documents_marked",
                bid_id=bid["id"],
                files=bid["files"],
                organisation_id=bid["org"],
                tender_id=tid,
                unreadable=False,
            )
        record = sha("record", tid)
        closed_at = at + timedelta(minutes=rng.uniform(8, 20))
        hall_say(closed_at, manager, "closed", record_sha256=record)
        if full:
            say(
                closed_at,
                manager,
                "opening.record_published",
                bids=len(bids),
                record_sha256=record,
                tender_id=tid,
            )

        if not self.chance(mix.evaluated):
            return out
        self._evaluation(say, tid, manager, deadline, opened, method, pending_objection)
        return out

    def _category(self) -> tuple[str, str, range]:
        roll, total = self.rng.random(), 0.0
        for category, rule_set, share, pool in CATEGORIES:
            total += share
            if roll < total:
                return category, rule_set, pool
        return CATEGORIES[-1][0], CATEGORIES[-1][1], CATEGORIES[-1][3]

    def _bidder_count(self) -> int:
        counts, weights = zip(*BIDDERS_PER_TENDER, strict=True)
        return self.rng.choices(counts, weights)[0]

    def _notices(self, say, tid: int, manager: str, published: datetime, deadline: datetime):
        rng, mix = self.rng, self.mix
        if self.chance(mix.notice):
            say(
                published + timedelta(days=rng.uniform(1, 8)),
                manager,
                "tender.notice_issued",
                affects_preparation=False,
                kind="clarification",
                notice_id=self.id("notice"),
                tender_id=tid,
            )
        if self.chance(mix.amendment):
            notice = self.id("notice")
            at = published + timedelta(days=rng.uniform(3, 10))
            say(
                at,
                manager,
                "tender.notice_issued",
                affects_preparation=True,
                kind="amendment",
                notice_id=notice,
                tender_id=tid,
            )
            say(
                at,
                manager,
                "tender.deadline_moved",
                after=iso(deadline),
                before=iso(deadline - timedelta(days=5)),
                notice_id=notice,
                reason="regs_art_21_15_days",
                tender_id=tid,
            )

    def _objections(self, say, tid: int, manager: str, organisations, published) -> bool:
        """Objections to the documents: answered, or (a few) still pending at the review."""
        rng, mix = self.rng, self.mix
        pending = self.chance(mix.objection_pending)
        if not (pending or self.chance(mix.objection)):
            return False
        objection = self.id("objection")
        who = f"user:{organisations[0]}"
        at = published + timedelta(days=rng.uniform(2, 6))
        say(
            at,
            who,
            "tender.objection_raised",
            answer_due_at=iso(at + timedelta(days=3)),
            objection_id=objection,
            tender_id=tid,
        )
        if not pending:
            say(
                at + timedelta(days=rng.uniform(0.5, 2.5)),
                manager,
                "tender.objection_answered",
                late=False,
                objection_id=objection,
                tender_id=tid,
            )
        return pending

    # --- bids and their prices -----------------------------------------------------------------

    def _bids(self, tid: int, organisations: list[int], lots: int, deadline: datetime) -> list:
        rng, mix = self.rng, self.mix
        bids = []
        for n, org in enumerate(organisations):
            bid_id = self.id("bid")
            uses_browser = rng.random() < 0.4
            files = [
                {
                    "name": name,
                    "sha256": sha("file", bid_id, name),
                    "size": rng.randint(10_000, 30_000_000),
                    **(
                        {
                            "authors": ["administrator" if rng.random() < 0.2 else f"staff {org}"],
                            "companies": [f"bidder {org} co., ltd."],
                        }
                        if name.endswith((".docx", ".pdf"))
                        else {}
                    ),
                }
                for name in ("technical/plan.docx", "commercial/price.xlsx", "qualification.pdf")
            ]
            bids.append(
                {
                    "id": bid_id,
                    "org": org,
                    "actor": f"user:{org}",
                    "name": f"Bidder {org} Co., Ltd.",
                    "lot": 1 + n % lots,
                    "manifest": sha("manifest", bid_id),
                    "size": rng.randint(40_000, 60_000_000),
                    "sealed_at": deadline - timedelta(days=rng.uniform(0.05, 10)),
                    "manager": f"PM {org}-{rng.randint(1, 40)}",
                    "origin": {
                        "addresses": [f"10.{org // 256}.{org % 256}.{rng.randint(2, 9)}"],
                        "sealing_tool": SEALING_TOOL,
                        "sealing_tool_traits": TOOL_TRAITS,
                        # one browser build per bidder: the synthetic platform has no Bid rows
                        # for origin.device_bidders to find a browser common to many
                        "user_agent": (
                            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                            f"(KHTML, like Gecko) Chrome/126.0.{org}.0 Safari/537.36"
                            if uses_browser
                            else None
                        ),
                    },
                    "files": files,
                }
            )
        bids.sort(key=lambda b: b["sealed_at"])
        if len(bids) >= 2:
            first, second = rng.sample(bids, 2)
            plants = (
                ("same_address", "bid.same_origin:address"),
                ("same_device", "bid.same_origin:device"),
                ("same_person", "bid.same_person"),
                ("same_author", "bid.same_origin:author"),
                ("same_file", "bid.same_origin:file"),
            )
            for share, name in plants:
                if not self.chance(getattr(mix, share)):
                    continue
                self.planted[name] += 1
                if share == "same_address":
                    second["origin"]["addresses"] = list(first["origin"]["addresses"])
                elif share == "same_device":
                    agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/115.0 (build 7731)"
                    first["origin"]["user_agent"] = second["origin"]["user_agent"] = agent
                elif share == "same_person":
                    second["manager"] = first["manager"]
                elif share == "same_author":
                    second["files"][0]["authors"] = list(first["files"][0]["authors"])
                    if second["files"][0]["authors"] == ["administrator"]:
                        first["files"][0]["authors"] = second["files"][0]["authors"] = [
                            f"staff {first['org']}"
                        ]
                else:
                    second["files"][1] = dict(first["files"][1])
        return bids

    def _price(self, opened: list[dict]) -> None:
        """Each opened bid's price in cents: normal around 88 % of its lot's ceiling; a few lots
        with a planted pattern."""
        rng, mix = self.rng, self.mix
        for lot in sorted({b["lot"] for b in opened}):
            bids = [b for b in opened if b["lot"] == lot]
            ceiling = round(10 ** rng.uniform(5, 8.5), -3) * 100  # cents
            for bid in bids:
                bid["cents"] = int(ceiling * min(0.999, rng.gauss(0.88, 0.04)))
            roll = rng.random()
            if roll < mix.identical_price:
                self.planted["bid.identical_price"] += 1
                bids[1]["cents"] = bids[0]["cents"]
            elif (roll := roll - mix.identical_price) < mix.progression:
                self.planted["bid.price_pattern:progression"] += 1
                base, step = int(ceiling * 0.84), int(ceiling * rng.uniform(0.005, 0.02))
                for n, bid in enumerate(rng.sample(bids, len(bids))):
                    bid["cents"] = base + n * step
            elif (roll := roll - mix.progression) < mix.low_spread:
                self.planted["bid.price_pattern:dispersion"] += 1
                base = int(ceiling * 0.9)
                for bid in bids:
                    bid["cents"] = base + int(base * rng.uniform(-0.004, 0.004))
            elif roll - mix.low_spread < mix.abnormally_low:
                self.planted["bid.abnormally_low"] += 1
                others = [b["cents"] for b in bids[1:]]
                bids[0]["cents"] = int(sum(others) / len(others) * rng.uniform(0.55, 0.75))

    # --- the evaluation ------------------------------------------------------------------------

    def _evaluation(self, say, tid, manager, deadline, opened, method, pending_objection) -> None:
        rng, mix, full = self.rng, self.mix, self.full
        self.counts["sessions"] += 1
        sid = self.id("session")
        draw = self.id("draw")
        size = 5 if len(opened) < 6 else rng.choice((5, 7, 7, 9))
        experts = rng.sample(EXPERTS, size)
        seats = {seat: f"user:{user}" for seat, user in enumerate(experts, start=1)}
        places = {seat: self.id("place") for seat in seats}
        venues = rng.sample(range(1, VENUES + 1), 2 if size > 5 else 1)
        seat_venue = {seat: venues[(seat - 1) % len(venues)] for seat in seats}
        drawn_at = deadline - timedelta(days=rng.uniform(1, 3))
        say(
            drawn_at,
            manager,
            "draw.committed",
            commitment_sha256=sha("commit", draw),
            draw_id=draw,
            eligible={"330100": rng.randint(20, 90)},
            excluded=rng.randint(0, 4),
            exclusions_sha256=sha("excl", draw),
            list_sha256=sha("list", draw),
            seed_sha256=sha("seed", draw),
            tender_id=tid,
        )
        say(
            drawn_at,
            manager,
            "draw.drawn",
            committee_sha256=sha("committee", draw),
            draw_id=draw,
            members=size,
            seats_sha256=sha("seats", draw),
            tender_id=tid,
        )
        if full:
            for seat, actor in seats.items():
                say(
                    drawn_at + timedelta(minutes=rng.uniform(5, 120)),
                    actor,
                    "draw.answered",
                    accepted=True,
                    draw_id=draw,
                    place_id=places[seat],
                    reason=None,
                )
        scheduled = (deadline + timedelta(days=rng.randint(1, 3))).replace(
            hour=1, minute=0, second=0, microsecond=0
        ) + timedelta(minutes=30 * rng.randint(0, 8))
        for seat, actor in seats.items():
            conflict = self.chance(mix.conflict_declared)
            self.planted["expert.conflict"] += conflict
            say(
                scheduled - timedelta(minutes=50),
                actor,
                "expert.declared",
                certificate_fingerprint=sha("cert", actor),
                document_sha256=sha("decl", sid, seat),
                draw_id=draw,
                no_conflict=not conflict,
                place_id=places[seat],
            )
            if full:
                say(
                    scheduled - timedelta(minutes=45),
                    f"user:{20000 + seat_venue[seat]}",
                    "expert.checked_in",
                    attendance_id=places[seat],
                    draw_id=draw,
                    identity_confirmed=True,
                    phone_handed_in=True,
                    place_id=places[seat],
                    venue_id=seat_venue[seat],
                    workstation=seat,
                )
        Session(
            self, say, tid, sid, seats, seat_venue, venues, opened, method, pending_objection
        ).run(scheduled)
        if full:
            end = scheduled + timedelta(hours=6)
            for seat in seats:
                say(
                    end,
                    f"user:{20000 + seat_venue[seat]}",
                    "expert.checked_out",
                    attendance_id=places[seat],
                    draw_id=draw,
                    minutes=360,
                    place_id=places[seat],
                )
            say(
                end,
                manager,
                "draw.published",
                draw_id=draw,
                list_sha256=sha("list", draw),
                seated=sorted(places.values()),
                seed_hex=sha("seedhex", draw),
                seed_sha256=sha("seed", draw),
                tender_id=tid,
            )


class Session:
    """One evaluation session's events (docs/evaluation.md), from the opening to the report."""

    def __init__(self, year, say, tid, sid, seats, seat_venue, venues, opened, method, pending):
        self.year, self.rng, self.mix = year, year.rng, year.mix
        self.say_ledger = say
        self.tid, self.sid, self.seats, self.seat_venue = tid, sid, seats, seat_venue
        self.venues, self.bids, self.method, self.pending = venues, opened, method, pending
        self.seq = 0
        self.votes = 0
        self.at = None

    def say(self, actor: str, kind: str, /, **payload: Any) -> None:
        self.seq += 1
        self.say_ledger(
            self.at,
            actor,
            f"evaluation.{kind}",
            evaluation_seq=self.seq,
            session_id=self.sid,
            **payload,
        )

    def later(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at

    def plant(self, name: str) -> None:
        self.year.planted[name] += 1

    def run(self, scheduled: datetime) -> None:
        rng, mix = self.rng, self.mix
        roll = rng.random()
        if roll < mix.start_late_red:
            late = rng.randint(60, 150)
            self.plant("eval.start_late:red")
        elif roll < mix.start_late_red + mix.start_late_yellow:
            late = rng.randint(30, 59)
            self.plant("eval.start_late:yellow")
        else:
            late = rng.randint(0, 12)
        self.at = scheduled + timedelta(minutes=late, seconds=rng.uniform(0, 59))
        bids = [b["id"] for b in self.bids]
        planned = max(120, 30 + 10 * len(bids) + 60)
        self.say(
            "user:" + str(rng.choice(AGENCIES)),
            "session_opened",
            bids=len(bids),
            ends_at=iso(self.at + timedelta(minutes=planned)),
            late_minutes=late,
            members=len(self.seats),
            opened_at=iso(self.at),
            planned_minutes=planned,
            scheduled_at=iso(scheduled),
            tender_id=self.tid,
            venues=self.venues,
        )
        # the leader's election
        leader = 1
        choices = {str(seat): str(leader) for seat in self.seats}
        if self.chance(mix.leader_dissent):
            choices[str(rng.choice(list(self.seats)[1:]))] = "2"
        self.vote(
            "leader",
            {},
            "Who leads the committee (评标委员会负责人)?",
            [str(s) for s in self.seats],
            choices,
            opened_by=None,
        )
        self.later(seconds=5)
        self.say("system:evaluation", "leader_elected", seat=leader, vote=1)
        self.say("system:evaluation", "stage_changed", stage="review")
        review_started = self.at
        if self.chance(mix.terminated):
            self.plant("eval.terminated")
            self.later(minutes=rng.uniform(10, 40))
            self.say("user:4", "session_terminated", reason="the tender was withdrawn")
            return
        minimum = 30 + 10 * len(bids)
        if self.chance(mix.review_too_short):
            self.plant("eval.too_short")
            minutes = minimum * rng.uniform(0.3, 0.95)
        else:
            minutes = minimum * rng.uniform(1.05, 1.8)
        self.review(bids, minutes)
        # the leader's own matters: votes closed early, revoted, a lone dissenter
        if self.chance(mix.vote_closed_early):
            self.plant("vote.incomplete")
            choices = {str(s): "no" for s in list(self.seats)[:-1]}
            self.vote(
                "other",
                {},
                "Ask the bidders for their site visit records?",
                ["yes", "no"],
                choices,
                closed_by="leader",
            )
        if self.chance(mix.vote_repeated):
            self.plant("vote.repeated")
            question = "Accept the late bank guarantee of bid No. 2?"
            for winner in ("no", "yes", "no"):
                choices = {str(s): winner for s in self.seats}
                self.vote("other", {}, question, ["yes", "no"], choices)
        if self.chance(mix.lone_dissent):
            self.plant("vote.lone_dissent")
            alone = str(rng.choice(list(self.seats)))
            for n in range(3):
                choices = {str(s): "yes" for s in self.seats} | {alone: "no"}
                self.vote("other", {}, f"Treat deviation {n + 1} as minor?", ["yes", "no"], choices)
        self.at = max(self.at, review_started + timedelta(minutes=minutes))
        passed, vetoed = self.outcome
        self.say(f"{self.seats[1]}", "review_closed", passed=passed, vetoed=vetoed)
        if self.method == "lowest_price" or not passed:
            self.results(passed, {})
        else:
            self.say("system:evaluation", "stage_changed", stage="scoring")
            self.results(passed, self.scoring(passed))
        self.say("system:evaluation", "stage_changed", stage="ranked")
        self.report()

    def chance(self, share: float) -> bool:
        return self.rng.random() < share

    def vote(
        self, matter, subject, question, options, choices, *, opened_by=1, closed_by="all_voted"
    ) -> dict:
        """Open a vote, cast the choices (seat -> option) and close it; its result."""
        self.votes += 1
        number = self.votes
        present = len(self.seats)
        self.later(seconds=self.rng.uniform(20, 90))
        self.say(
            "system:evaluation" if opened_by is None else self.seats[opened_by],
            "vote_opened",
            matter=matter,
            opened_by=opened_by,
            options=options,
            present=present,
            previous=None,
            question=question,
            subject=subject,
            vote=number,
        )
        for ballots, seat in enumerate(choices, start=1):
            self.later(seconds=self.rng.uniform(5, 60))
            self.say(
                self.seats[int(seat)], "vote_cast", ballots=ballots, seat=int(seat), vote=number
            )
        counts = {option: 0 for option in options}
        for choice in choices.values():
            counts[choice] += 1
        top = max(counts.values())
        winners = [o for o, n in counts.items() if n == top]
        result = {
            "ballots": len(choices),
            "complete": len(choices) == present,
            "counts": counts,
            "present": present,
            "tie": len(winners) > 1,
            "winner": winners[0] if len(winners) == 1 else None,
        }
        self.later(seconds=3)
        self.say(
            self.seats[1] if closed_by == "leader" else self.seats[int(list(choices)[-1])],
            "vote_closed",
            choices=choices,
            closed_by=closed_by,
            matter=matter,
            previous=None,
            result=result,
            subject=subject,
            vote=number,
        )
        return result

    def review(self, bids: list[int], minutes: float) -> None:
        """A sample of the review marks spread over the review, the vetoes voted on, a
        clarification, a suspension, presence events and an outage."""
        rng, mix = self.rng, self.mix
        marks = [
            (seat, bid, rng.choice(REQUIREMENTS))
            for seat in self.seats
            for bid in bids
            for _ in range(self.year.marks_per_bid)
        ]
        rng.shuffle(marks)
        step = minutes * 0.8 / max(1, len(marks))
        vetoes = 2 if self.chance(mix.vetoed_two) else 1 if self.chance(mix.vetoed_one) else 0
        vetoes = min(vetoes, len(bids) - 1)
        if vetoes == 2:
            self.plant("eval.rejections:vetoed")
        if vetoes and self.pending:
            self.plant("eval.rejections:pending")
        self.vetoed: list[dict] = []
        extras = []
        if self.chance(mix.clarification):
            extras.append("clarification")
        if self.chance(mix.suspended):
            extras.append("suspended")
        if self.chance(mix.unbacked_pause):
            extras.append("pause")
        if self.chance(mix.presence):
            extras.append("presence")
        if self.chance(mix.outage):
            extras.append("outage")
        extra_at = {kind: rng.randrange(len(marks)) for kind in extras}
        for n, (seat, bid, requirement) in enumerate(marks):
            self.later(minutes=step)
            self.say(
                self.seats[seat],
                "review_marked",
                bid_id=bid,
                passed=True,
                reason="",
                requirement=requirement,
                seat=seat,
                veto_reason=None,
            )
            for kind, when in extra_at.items():
                if when == n:
                    getattr(self, kind)(bids)
        for bid in rng.sample(bids, vetoes):
            requirement = rng.choice(REQUIREMENTS[:3])
            self.later(minutes=1)
            self.say(
                self.seats[2],
                "review_marked",
                bid_id=bid,
                passed=False,
                reason="the licence shown has expired",
                requirement=requirement,
                seat=2,
                veto_reason="unqualified",
            )
            subject = {"bid_id": bid, "requirement": requirement, "veto_reason": "unqualified"}
            choices = {str(s): "veto" for s in self.seats}
            self.vote(
                "veto",
                subject,
                f"Veto bid {bid} on {requirement}: unqualified?",
                ["veto", "pass"],
                choices,
            )
            self.vetoed.append(
                {
                    "bid_id": bid,
                    "reason": "unqualified",
                    "requirement": requirement,
                    "vote": self.votes,
                }
            )

    @property
    def outcome(self) -> tuple[list[int], list[dict]]:
        out = {v["bid_id"] for v in self.vetoed}
        return [b["id"] for b in self.bids if b["id"] not in out], self.vetoed

    def clarification(self, bids) -> None:
        bid = self.rng.choice(bids)
        self.later(seconds=30)
        self.say(
            self.seats[1],
            "clarification_asked",
            asked_by=1,
            bid_id=bid,
            due_at=iso(self.at + timedelta(minutes=30)),
            number=1,
            question="Does your programme include the winter shutdown?",
        )
        self.later(minutes=self.rng.uniform(5, 25))
        self.say(
            f"user:{self.bids[0]['org']}",
            "clarification_answered",
            answer="Yes.",
            answered_at=iso(self.at),
            bid_id=bid,
            number=1,
        )

    def suspended(self, bids) -> None:
        self.plant("eval.suspended")
        self.later(seconds=20)
        self.say("user:4", "session_suspended", reason="a fire alarm in venue 1")
        self.later(minutes=self.rng.uniform(10, 30))
        self.say("user:4", "session_resumed")

    def pause(self, bids) -> None:
        self.plant("supervision.unbacked_pause")
        self.plant("eval.suspended")
        self.later(seconds=20)
        self.say("user:4", "session_suspended", reason="supervisor's pause")
        self.say_ledger(
            self.at,
            "user:4",
            "supervision.paused",
            alert_id=None,
            reason="checking the venue's recordings",
            session_id=self.sid,
        )
        self.later(minutes=self.rng.uniform(5, 15))
        self.say("user:4", "session_resumed")

    def presence(self, bids) -> None:
        self.plant("presence.lost:av")
        seat = self.rng.choice(list(self.seats))
        venue = self.seat_venue[seat]
        self.later(seconds=10)
        started = self.at - timedelta(seconds=40)
        self.say(
            f"device:V{venue:02d}",
            "presence_event",
            ended_at=iso(self.at),
            kind=self.rng.choice(("face_absent", "extra_face", "voice", "seat_left")),
            seat=seat,
            segment_from=iso(started - timedelta(seconds=20)),
            segment_sha256=sha("segment", self.sid, seat, self.seq),
            segment_to=iso(self.at + timedelta(seconds=20)),
            started_at=iso(started),
            venue_id=venue,
            workstation=seat,
        )

    def outage(self, bids) -> None:
        seat = self.rng.choice(list(self.seats))
        venue = self.seat_venue[seat]
        beat = self.later(seconds=5)
        self.later(seconds=60)
        self.say(
            f"device:V{venue:02d}",
            "workstation_offline",
            last_heartbeat_at=iso(beat),
            seat=seat,
            venue_id=venue,
            workstation=seat,
        )
        silent = self.rng.uniform(2, 15)
        if silent > 5:
            self.plant("presence.lost:offline")
        self.at = beat + timedelta(minutes=silent)
        self.say(
            f"device:V{venue:02d}",
            "workstation_online",
            last_heartbeat_at=iso(self.at),
            offline_since=iso(beat),
            seat=seat,
            venue_id=venue,
            workstation=seat,
        )

    def scoring(self, passed: list[int]) -> dict[int, dict[str, dict[str, str]]]:
        """Each member's sheet (``score.submitted``, ledger only) and its announcement."""
        rng, mix = self.rng, self.mix
        merit = {bid: {name: rng.uniform(0.55, 0.95) for name, _ in CRITERIA} for bid in passed}
        sheets: dict[int, dict[str, dict[str, str]]] = {}
        for seat in self.seats:
            sheets[seat] = {
                str(bid): {
                    name: f"{max(0.0, min(top, top * (merit[bid][name] + rng.gauss(0, 0.05)))):.2f}"
                    for name, top in CRITERIA
                }
                for bid in passed
            }
        if len(self.seats) >= 2 and self.chance(mix.identical_sheets):
            self.plant("score.identical")
            sheets[3] = {bid: dict(row) for bid, row in sheets[2].items()}
        outlier = self.chance(mix.outlier)
        fast = rng.choice(list(self.seats)) if self.chance(mix.too_fast) else None
        if fast:
            self.plant("eval.expert_too_fast")
        for count, seat in enumerate(self.seats, start=1):
            seconds = rng.randint(60, 200) if seat == fast else rng.randint(900, 2700)
            self.later(seconds=rng.uniform(60, 400))
            outliers, reasons = [], {}
            if outlier and seat == len(self.seats):
                self.plant("score.outlier")
                bid = str(passed[0])
                name, top = CRITERIA[0]
                sheets[seat][bid][name] = f"{top * 0.3:.2f}"
                outliers = [
                    {
                        "bid_id": bid,
                        "criterion": name,
                        "deviation": f"{top * 0.45:.2f}",
                        "severity": "red",
                        "threshold": f"{top * 0.2:.2f}",
                    }
                ]
                reasons = {f"{bid}/{name}": "the plan misses the winter works entirely"}
            self.say_ledger(
                self.at,
                self.seats[seat],
                "score.submitted",
                outliers=outliers,
                previous=None,
                reasons=reasons,
                scores=sheets[seat],
                seat=seat,
                seconds=seconds,
                session_id=self.sid,
                submission=1,
            )
            self.say(
                self.seats[seat],
                "scores_submitted",
                members=len(self.seats),
                seat=seat,
                submission=1,
                submitted=count,
            )
        return sheets

    def results(self, passed: list[int], sheets: dict) -> None:
        """``evaluation.results`` as scoring.rules computes it, one entry per lot."""
        lots = []
        for lot in sorted({b["lot"] for b in self.bids}):
            mine = [b for b in self.bids if b["lot"] == lot and b["id"] in passed]
            if not mine:
                continue
            prices = {str(b["id"]): b["cents"] for b in mine}
            low = min(prices.values())
            price_scores = {bid: PRICE_POINTS * low / cents for bid, cents in prices.items()}
            if sheets:
                totals = {
                    str(seat): {
                        bid: price_scores[bid] + sum(float(v) for v in sheet[bid].values())
                        for bid in prices
                    }
                    for seat, sheet in sheets.items()
                }
                scores = {b: sum(t[b] for t in totals.values()) / len(totals) for b in prices}
                means = {
                    bid: {
                        name: f"{_mean(s[bid][name] for s in sheets.values()):.2f}"
                        for name, _ in CRITERIA
                    }
                    for bid in prices
                }
                method = "comprehensive"
            else:
                totals, means, method = {}, {}, "lowest_price"
                scores = {bid: -cents for bid, cents in prices.items()}
            ranking = sorted(prices, key=lambda bid: (-scores[bid], prices[bid]))
            lots.append(
                {
                    "criterion_means": means,
                    "lot": lot,
                    "member_totals": {
                        seat: {bid: f"{v:.2f}" for bid, v in row.items()}
                        for seat, row in totals.items()
                    },
                    "method": method,
                    "price_scores": {bid: f"{v:.2f}" for bid, v in price_scores.items()},
                    "prices": {bid: money(cents) for bid, cents in prices.items()},
                    "ranking": [int(bid) for bid in ranking],
                    "ranks": {bid: n for n, bid in enumerate(ranking, start=1)},
                    "scores": {
                        bid: f"{v:.2f}" if sheets else money(prices[bid])
                        for bid, v in scores.items()
                    },
                    "ties": [],
                }
            )
        self.ranking = [bid for lot in lots for bid in lot["ranking"][:3]]
        self.later(seconds=2)
        self.say(self.seats[len(self.seats)], "results", computed_at=iso(self.at), lots=lots)

    def report(self) -> None:
        self.later(minutes=self.rng.uniform(5, 20))
        report = sha("report", self.sid)
        self.say(
            self.seats[1],
            "report_ready",
            candidates=[{"bid_id": b, "rank": n} for n, b in enumerate(self.ranking, 1)],
            due_at=iso(self.at + timedelta(hours=1)),
            report_sha256=report,
        )
        self.say("system:evaluation", "stage_changed", stage="report")
        if self.year.full:
            for seat, actor in self.seats.items():
                self.later(seconds=self.rng.uniform(20, 120))
                self.say(
                    actor,
                    "report_signed",
                    certificate_serial=sha("serial", actor)[:40],
                    seat=seat,
                    with_dissent=False,
                )
            self.say(
                "system:evaluation",
                "report_sealed",
                pdf_sha256=sha("pdf", self.sid),
                refused=0,
                report_sha256=report,
                signed=len(self.seats),
            )
