"""Chapter 6, the evaluation (远程异地评标), the day after the opening: each drawn expert signs its
recusal declaration with its own key and its venue's supervisor checks it in; the agency opens
the live session; the committee elects its leader, reviews the bids and vetoes one by a vote,
asks a bidder a written question that the bidder answers in time, scores (one member's outlying
score with its written reason), gets the server's ranking, and every member signs the report with
its own key; the platform seals the PDF, which is checked offline as `bidhall report verify`
does. Every step goes through the services the pages, the API and the sockets call."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bidhall import clock
from bidhall.crypto import keys
from bidhall.crypto import services as pki
from bidhall.errors import InvalidInput
from bidhall.shell.demo.context import Demo
from bidhall.shell.demo.world import BIDDERS
from evaluation.draws import services as draws
from evaluation.draws import visibility
from evaluation.reports.verify import verify_pdf
from evaluation.sessions import clarifications, commands, room
from evaluation.sessions import report as session_report
from evaluation.sessions import services as sessions
from evaluation.venues import services as venues

HUADONG, JIANGCHENG, MINSHENG = BIDDERS
LEADER = 1  # the seat every member votes for
PLAN, TRACK = "construction organisation plan", "project manager track record"
# seat -> bidder -> (plan, out of 30; track record, out of 10, objective: the same for all).
# Seat 5's 16 for Huadong's plan is 8 from the others' mean of 24, more than the score.outlier
# rule's max(20 % × 30, 2 × the others' median absolute deviation 0.5) = 6: it needs a reason.
SCORES = {
    1: {HUADONG: (24, 8), JIANGCHENG: (22, 9)},
    2: {HUADONG: (25, 8), JIANGCHENG: (21, 9)},
    3: {HUADONG: (23, 8), JIANGCHENG: (22, 9)},
    4: {HUADONG: (24, 8), JIANGCHENG: (23, 9)},
    5: {HUADONG: (16, 8), JIANGCHENG: (22, 9)},
}
OUTLIER = 5
OUTLIER_REASON = (
    "The plan's winter works programme has no frost protection for the concrete of floors 4-5: "
    "a substantial gap, not a minor one."
)
# the member who fails Minsheng's bid, on which requirement; the one member who votes to pass it
FLAGGER, VETOED_ON, AGAINST_VETO = 3, "q-manager", 5
# the member out of the room when the leader closes a vote early (the audit's vote.incomplete),
# and the minutes each member spends on its sheet: seat 2 is done in a fraction of the others'
# time (eval.expert_too_fast: under a quarter of the committee's median)
AWAY = 4
SCORING_MINUTES = {1: 8, 2: 1, 3: 7, 4: 9, 5: 8}


@dataclass
class Room:
    """The live session as its members and the supervisors reach it."""

    demo: Demo
    id: int
    watcher: Any  # the main venue's supervisor, who sees everything (names included)
    seats: dict[int, Any] = field(default_factory=dict)  # seat -> the member's user
    bids: dict[str, dict] = field(default_factory=dict)  # bidder name -> the bid as shown

    def run(self, user: Any, name: str, **data: Any) -> dict:
        return commands.run(user, self.id, name, {"cmd_id": self.demo.cmd_id("eval"), **data})

    def state(self, user: Any = None) -> dict:
        user = user or self.watcher
        role, member, key = room.enter(user, self.id)
        return room.snapshot(user, role, member, key)

    def members(self) -> list[tuple[int, Any]]:
        return sorted(self.seats.items())

    def bidder(self, bid_id: int) -> str:
        return next(name for name, bid in self.bids.items() if bid["bid_id"] == bid_id)


def run(demo: Demo) -> None:
    places = [p for p in draws.get_draw(demo.draw.id).places if p.status == "accepted"]
    demo.fake.set(clock.as_utc(demo.draw.scheduled_at) - timedelta(hours=1))
    bundles = _arrive(demo, places)
    demo.fake.set(clock.as_utc(demo.draw.scheduled_at))
    evaluation = _open(demo)
    leader = evaluation.seats[LEADER]
    demo.fake.advance(minutes=5)
    for _seat, user in evaluation.members():
        evaluation.run(user, "cast", vote=1, choice=str(LEADER))
    demo.say(
        f"all {len(evaluation.seats)} members voted for member {LEADER}: elected leader "
        "(评标委员会负责人)"
    )
    demo.fake.advance(minutes=45)  # the review's minimum for 3 bids is an hour (the audit's)
    _review(demo, evaluation, leader)
    demo.fake.advance(minutes=5)
    _clarify(demo, evaluation, leader)
    demo.fake.advance(minutes=3)
    closed = evaluation.run(leader, "close_review")
    demo.say(
        f"the leader closed the review: {len(closed['passed'])} bids pass, "
        f"{len(closed['vetoed'])} vetoed; the scoring (详细评审) begins"
    )
    demo.fake.advance(minutes=5)
    ranking = _score(demo, evaluation, closed["passed"])
    demo.fake.advance(minutes=5)
    candidates, pdf_path, verified = _report(demo, evaluation, leader, bundles)
    demo.fake.advance(minutes=5)
    for place in places:
        venues.check_out(
            demo.cast.venue_supervisors[place.venue_id], demo.draw.id, place.expert_id, 3
        )
    draws.publish_result(demo.cast.agency, demo.draw.id)
    demo.say(
        "the local supervisors checked the experts out (签退); the agency published the draw's "
        "result, revealing its seed: anyone may now re-run the draw"
    )
    final = evaluation.state()
    demo.evaluation = {
        "session_id": evaluation.id,
        "members": len(evaluation.seats),
        "venues": len(demo.venues),
        "leader_seat": final["leader_seat"],
        "vetoed_bids": [evaluation.bidder(v["bid_id"]) for v in closed["vetoed"]],
        "clarifications_answered": sum(1 for c in final["clarifications"] if c["answer"]),
        "ranking": ranking,
        "candidates": candidates,
        "report_pdf": str(pdf_path),
        "report_verified": verified,
    }


def _arrive(demo: Demo, places: list) -> dict[int, Any]:
    """An hour before the start: each member signs its recusal declaration, which names the
    bidders read out, with the key opened from its own key file; its venue's supervisor checks
    it in. Returns the members' key bundles by user id."""
    excluded = visibility.exclusions(demo.draw).rows or []
    names = visibility.expert_names([row["expert_id"] for row in excluded])
    demo.say(
        "the reading out named the bidders, so the draw now shows whom it excluded and why: "
        + "; ".join(f"{names[row['expert_id']]} ({', '.join(row['reasons'])})" for row in excluded)
    )
    bundles = {}
    for venue in demo.venues:
        supervisor = demo.cast.venue_supervisors[venue.id]
        here = sorted((p for p in places if p.venue_id == venue.id), key=lambda p: p.workstation)
        for place in here:
            user = demo.cast.experts[place.expert.name]
            bundles[user.id] = demo.open_key(user)
            to_sign = venues.declaration_to_sign(user, demo.draw.id)
            signature = bundles[user.id].signing_key.sign(to_sign["signed_bytes"].encode())
            venues.sign_declaration(
                user,
                demo.draw.id,
                venues.SignedDeclaration(True, "", signature, to_sign["document"]),
            )
            venues.check_in(supervisor, demo.draw.id, place.expert_id, True, True)
        demo.say(
            f"{venue.code} ({'主场' if venue is demo.venues[0] else '副场'}): {len(here)} experts "
            "signed their recusal declarations (回避声明), naming the "
            f"{len(to_sign['document']['bidders'])} bidders read out, with their own keys; "
            f"{supervisor.username} checked them in at workstations "
            f"{', '.join(str(p.workstation) for p in here)} (identity confirmed, phones "
            "handed in)"
        )
    return bundles


def _open(demo: Demo) -> Room:
    """The agency opens the session; the seats are numbered, the leader's election begins."""
    opened = sessions.open_session(demo.cast.agency, demo.tender.id)
    evaluation = Room(demo, opened.id, demo.cast.venue_supervisors[demo.venues[0].id])
    seen = evaluation.state()
    evaluation.seats = {m["seat"]: demo.cast.experts[m["name"]] for m in seen["members"]}
    evaluation.bids = {bid["bidder"]: bid for bid in seen["bids"]}
    seats: dict[str, list[str]] = {}
    for member in seen["members"]:
        seats.setdefault(member["venue"].split(" · ")[0], []).append(str(member["seat"]))
    demo.say(
        f"agency opened the evaluation session {opened.id} (远程异地评标): members by seat "
        + ", ".join(f"{'/'.join(numbers)} at {venue}" for venue, numbers in seats.items())
        + f"; {len(evaluation.bids)} bids, {seen['planned_minutes']} minutes planned; the "
        "members elect their leader (vote 1)"
    )
    return evaluation


def _review(demo: Demo, evaluation: Room, leader: Any) -> None:
    """Every member marks every requirement of every bid; one fails Minsheng's bid with a veto
    reason, and the committee's vote decides it."""
    target = evaluation.bids[MINSHENG]
    requirements = evaluation.state()["requirements"]
    for seat, user in evaluation.members():
        for bid in evaluation.bids.values():
            for item in requirements:
                if seat == FLAGGER and bid is target and item["id"] == VETOED_ON:
                    mark = {
                        "passed": False,
                        "veto_reason": "unqualified",
                        "reason": "The project manager's registration certificate expired "
                        "before the bid deadline.",
                    }
                else:
                    mark = {"passed": True}
                evaluation.run(user, "mark", bid_id=bid["bid_id"], requirement=item["id"], **mark)
    demo.say(
        f"review (资格审查, 符合性审查): every member marked the {len(requirements)} requirements "
        f"of each bid; member {FLAGGER} failed bid No. {target['number']} ({MINSHENG}) on the "
        "project manager's registration: unqualified (Regs Art 51)"
    )
    demo.fake.advance(minutes=5)
    vote = evaluation.run(
        leader, "open_vote", matter="veto", bid_id=target["bid_id"], requirement=VETOED_ON
    )["vote"]
    for seat, user in evaluation.members():
        ballot = evaluation.run(
            user, "cast", vote=vote, choice="pass" if seat == AGAINST_VETO else "veto"
        )
    result = ballot["result"]  # the last ballot closes the vote
    outcome = "vetoed" if result["winner"] == "veto" else "did not veto"
    demo.say(
        f"the leader put the veto to the vote (表决, vote {vote}): {result['counts']['veto']} "
        f"veto, {result['counts']['pass']} pass; the majority {outcome} bid No. "
        f"{target['number']} (否决投标)"
    )
    demo.fake.advance(minutes=2)
    vote = evaluation.run(
        leader,
        "open_vote",
        matter="other",
        question="Ask the bidders for their site visit records?",
        options=["yes", "no"],
    )["vote"]
    for seat, user in evaluation.members():
        if seat != AWAY:
            evaluation.run(user, "cast", vote=vote, choice="no")
    closed = evaluation.run(leader, "close_vote", vote=vote)
    demo.say(
        f"the leader closed vote {vote} with {closed['result']['ballots']} of "
        f"{closed['result']['present']} present members voting: member {AWAY} had not voted yet"
    )


def _clarify(demo: Demo, evaluation: Room, leader: Any) -> None:
    """The leader's written question to one bidder, answered by that bidder in time."""
    bid, bidder = evaluation.bids[HUADONG], demo.cast.bidders[0]
    asked = evaluation.run(
        leader,
        "ask",
        bid_id=bid["bid_id"],
        question="Do the 510 days of your programme include the two-month winter shutdown "
        "the documents require?",
        due_minutes=30,
    )
    demo.say(
        f"the leader asked {HUADONG} in writing (澄清, Regs Art 52): answer due "
        f"{clock.local(datetime.fromisoformat(asked['due_at'])):%H:%M}"
    )
    demo.fake.advance(minutes=12)
    (question,) = [q for q in clarifications.my_clarifications(bidder) if q["open"]]
    clarifications.answer(
        bidder,
        question["session_id"],
        question["number"],
        "Yes: the 510 days include the winter shutdown; the price and the terms are unchanged.",
    )
    demo.say(
        f"{bidder.display_name} saw the question on its page (not who asked it) and answered "
        "in time; both are on the record and in the report"
    )


def _score(demo: Demo, evaluation: Room, passed: list[int]) -> list[str]:
    """Every member submits its sheet; the outlier's is refused until it gives its reason.
    Returns the ranking (bidder names, best first)."""
    bids = {name: bid for name, bid in evaluation.bids.items() if bid["bid_id"] in passed}
    for seat, user in evaluation.members():
        sheet = {
            str(bid["bid_id"]): dict(zip((PLAN, TRACK), SCORES[seat][name], strict=True))
            for name, bid in bids.items()
        }
        evaluation.run(user, "save_scores", scores=sheet)  # the draft starts its clock
        demo.fake.advance(minutes=SCORING_MINUTES[seat])
        if seat != OUTLIER:
            evaluation.run(user, "submit_scores", scores=sheet)
            continue
        try:
            evaluation.run(user, "submit_scores", scores=sheet)
        except InvalidInput as refused:
            if refused.code != "score_reason_required":
                raise
            reasons = {f"{bids[HUADONG]['bid_id']}/{PLAN}": OUTLIER_REASON}
            evaluation.run(user, "submit_scores", scores=sheet, reasons=reasons)
            demo.say(
                f"member {seat}'s sheet was refused ({refused.code}): its "
                f"{SCORES[seat][HUADONG][0]} for {HUADONG}'s plan is far from the others'; "
                "it resubmitted with its written reason (GP-87 Art 64)"
            )
    lot = evaluation.state()["results"]["lots"][0]
    demo.say(
        "every member submitted: the server computed the price scores and the ranking: "
        + "; ".join(
            f"{lot['ranks'][str(b)]}. {evaluation.bidder(b)} {lot['scores'][str(b)]}"
            for b in lot["ranking"]
        )
    )
    return [evaluation.bidder(bid_id) for bid_id in lot["ranking"]]


def _report(
    demo: Demo, evaluation: Room, leader: Any, bundles: dict[int, Any]
) -> tuple[list[str], Path, bool]:
    """The leader finalizes, every member signs with its own key, the platform seals the PDF;
    it is written to the instance folder and verified offline. Returns the candidates, the
    PDF's path and whether it verified."""
    final = evaluation.run(leader, "finalize")
    (ready,) = [
        m["payload"]
        for m in room.MESSAGES.after(evaluation.id, 0)
        if m["type"].endswith("report_ready")
    ]
    candidates = [evaluation.bidder(c["bid_id"]) for c in sorted(ready["candidates"], key=_rank)]
    demo.say(
        f"the leader finalized the report (评标报告, {final['report_sha256'][:16]}…) naming "
        f"{len(candidates)} ranked candidates (中标候选人); every member signs it by "
        f"{clock.local(datetime.fromisoformat(final['due_at'])):%H:%M}"
    )
    demo.fake.advance(minutes=5)
    for _seat, user in evaluation.members():
        to_sign = evaluation.state(user)["report"]["to_sign"]
        signature = bundles[user.id].signing_key.sign(base64.b64decode(to_sign["signing_bytes"]))
        evaluation.run(user, "sign_report", signature=keys.b64(signature))
    stream, pdf_sha256, _ = session_report.sealed_pdf(demo.cast.agency, evaluation.id)
    with stream:
        pdf = stream.read()
    path = demo.instance / f"evaluation-report-{evaluation.id}.pdf"
    path.write_bytes(pdf)
    finding = verify_pdf(pdf, pki.root_pem())
    demo.say(
        f"all {len(evaluation.seats)} members signed with their own keys; the platform sealed "
        f"the Chinese PDF ({pdf_sha256[:16]}…) in {path}; checked like `bidhall report verify "
        f"--root`: {'ok' if finding.ok else [c.name for c in finding.failed]} "
        f"({len(finding.checks)} checks: the seal, the report, every member's signature)"
    )
    return candidates, path, finding.ok


def _rank(candidate: dict) -> int:
    return candidate["rank"]
