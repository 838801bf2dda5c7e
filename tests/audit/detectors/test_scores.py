"""Scores (DOMAIN.md §5): score.outlier, score.objective_disagreement, score.identical and
score.favoritism, raised from the session's real scoring commands.

The tender's criteria (tests/fixtures/factories.py): price (computed), "construction plan" (a
judgement item, max 30: an outlier is more than 6 from the others' mean, red more than 10.5)
and "track record" (objective, max 10)."""

from __future__ import annotations

import pytest

PLAN, RECORD = "construction plan", "track record"
SCORE_ALERTS = (
    "score.outlier",
    "score.objective_disagreement",
    "score.identical",
    "score.favoritism",
)
# an ordinary committee: every member its own view of each bid's plan, the facts agreed
PLANS = {1: (20, 24, 18), 2: (22, 23, 17), 3: (21, 25, 19), 4: (19, 22, 18), 5: (20, 24, 16)}
RECORDS = (8, 7, 9)
REASON = "its plan leaves out the winter works the drawings require"


def _sheet(bids, plans, records=RECORDS) -> dict:
    return {
        str(bid): {PLAN: plan, RECORD: record}
        for bid, plan, record in zip(bids, plans, records, strict=True)
    }


def _score(committee, plans=PLANS, *, records=None, reasons=None) -> None:
    """Every member submits, seat by seat: ``plans[seat]`` per bid, ``records[seat]`` (the
    agreed RECORDS by default), ``reasons[seat]``."""
    committee.to_scoring()
    for seat in committee.seats:
        sheet = _sheet(committee.bids, plans[seat], (records or {}).get(seat, RECORDS))
        extra = {"reasons": reasons[seat]} if reasons and seat in reasons else {}
        committee.run(committee.member(seat), "submit_scores", scores=sheet, **extra)


def _far(seat_5_plan) -> dict:
    """Seats 1-4 score the first bid's plan 20, 22, 21, 19 (mean 20.5, 2 × MAD = 2: the outlier
    threshold is 20% of 30 = 6); seat 5, submitting last, scores it ``seat_5_plan``."""
    firsts = {1: 20, 2: 22, 3: 21, 4: 19, 5: seat_5_plan}
    return {seat: (first, 24, 18) for seat, first in firsts.items()}


def _outlying(committee, seat_5_plan, reason: str | None = REASON) -> None:
    plans = _far(seat_5_plan)
    reasons = {5: {f"{committee.bids[0]}/{PLAN}": reason}} if reason else None
    _score(committee, plans, reasons=reasons)


# --- score.outlier ------------------------------------------------------------------------------


def test_a_score_more_than_a_fifth_of_the_maximum_away_raises_a_yellow_alert(committee, raised):
    _outlying(committee, 27)  # 6.5 from the others' mean of 20.5
    [alert] = raised("score.outlier")
    assert alert["severity"] == "yellow" and alert["subject"] == "seat 5"
    figures = alert["evidence"]["figures"]
    assert figures["bid_id"] == committee.bids[0] and figures["criterion"] == PLAN
    assert figures["deviation"] == "6.50" and figures["allowed"] == "6.00"
    assert figures["reason"] == REASON and REASON in alert["summary"]
    assert figures["compared_with_seats"] == [1, 2, 3, 4]


def test_a_score_exactly_at_the_outlier_threshold_raises_nothing(committee, raised):
    _outlying(committee, "26.5", reason=None)  # 6.0 away: the session asks no reason either
    assert raised("score.outlier") == []


def test_a_score_more_than_the_red_share_of_the_maximum_away_raises_a_red_alert(committee, raised):
    _outlying(committee, "9.99")  # 10.51 away, more than 35% of 30 = 10.5
    [alert] = raised("score.outlier")
    assert alert["severity"] == "red"
    assert alert["evidence"]["threshold"]["red_above"] == "10.50"


def test_a_score_exactly_at_the_red_share_stays_yellow(committee, raised):
    _outlying(committee, 10)  # 10.5 away
    [alert] = raised("score.outlier")
    assert alert["severity"] == "yellow"


def test_a_reopened_outlier_resubmitted_is_raised_once(committee, raised):
    _outlying(committee, 27)
    bid = committee.bids[0]
    committee.run(
        committee.member(1), "reopen", seat=5, bid_id=bid, criterion=PLAN, reason="check it"
    )
    committee.run(
        committee.member(5),
        "submit_scores",
        scores=_sheet(committee.bids, _far(28)[5]),
        reasons={f"{bid}/{PLAN}": REASON},
    )
    [alert] = raised("score.outlier")
    assert alert["evidence"]["figures"]["submission"] == 1


# --- score.objective_disagreement ---------------------------------------------------------------


def test_members_scoring_an_objective_criterion_differently_raise_a_yellow_alert(committee, raised):
    _score(committee, records={4: (8, 6, 9)})  # seat 4 alone gives the second bid 6, not 7
    [alert] = raised("score.objective_disagreement")
    assert alert["severity"] == "yellow" and alert["subject"] == f"bid {committee.bids[1]}"
    figures = alert["evidence"]["figures"]
    assert figures["criterion"] == RECORD and figures["distinct"] == 2
    assert figures["scores"]["4"] == "6.00" and figures["scores"]["1"] == "7.00"
    assert len(alert["evidence"]["seqs"]) == 6  # the five sheets and the results


def test_members_writing_the_same_objective_score_differently_raise_nothing(committee, raised):
    _score(committee, records={2: ("8.0", "7.00", 9), 3: ("8.00", 7, "9.0")})
    assert raised("score.objective_disagreement") == []


# --- score.identical ----------------------------------------------------------------------------


def test_two_members_submitting_identical_sheets_raise_a_red_alert(committee, raised):
    _score(committee, PLANS | {4: PLANS[2]})
    [alert] = raised("score.identical")
    assert alert["severity"] == "red" and alert["subject"] == "seats 2, 4"
    figures = alert["evidence"]["figures"]
    assert figures["values"] == 6 and figures["judgement_values"] == 3
    assert alert["evidence"]["threshold"]["min_judgement_values"] == 2


def test_two_sheets_differing_in_one_score_raise_nothing(committee, raised):
    _score(committee, PLANS | {4: (22, 23, "17.5")})  # seat 2's sheet but one half point
    assert raised("score.identical") == []


# --- none of them -------------------------------------------------------------------------------


def test_an_ordinary_committee_with_varied_scores_raises_no_score_alert(committee, raised):
    _score(committee)
    assert [a for a in raised() if a["detector"] in SCORE_ALERTS] == []


# --- score.favoritism ---------------------------------------------------------------------------


LOTS = [
    {
        "number": number,
        "title": f"Lot {number}: {title}",
        "estimated_price": "12000000.00",
        "ceiling_price": "11500000.00",
        "guarantee_amount": "200000.00",
    }
    for number, title in ((1, "main works"), (2, "annex works"))
]


class TestFavoritism:
    """A tender of two lots, three bidders each bidding for both (six bids): a member may rank
    one bidder first against the committee in each lot of one session. Across sessions the
    rule is the same (the expert's seats in every session, mapped through SessionMember)."""

    @pytest.fixture
    def tender(self, make_tender):
        return make_tender("published", lots=LOTS)

    @pytest.fixture
    def read_out(self, world, enroll, clock):
        from tests.fixtures.opening import SUMMARIES, Hall, Seat
        from tests.fixtures.pki import SUMMARY, submit_bid

        def read(tender):
            seats = []
            for index in range(3):
                user = world.bidder()
                bundle = enroll(user)
                for lot in (1, 2):
                    summary = SUMMARY | SUMMARIES[index] | {"lot": lot}
                    bid = submit_bid(user, bundle, tender.id, summary)
                    seats.append(Seat(user.id, bundle, bid.id, bid.storage_key, summary))
            hall = Hall(
                tender.id,
                tender.bid_deadline,
                seats,
                world,
                clock,
                world.agency.id,
                world.supervisor.id,
            )
            hall.read_out()
            return hall

        return read

    @staticmethod
    def _score(committee, favoured_lots: tuple[int, ...]) -> dict:
        """The committee prefers the second bidder's plans (22 against 20 and 18); seat 5
        prefers the first bidder's (25 against 19 and 18) in ``favoured_lots``. The bids by
        bidder and lot."""
        bids: dict[tuple[int, int], int] = {}
        for bidder in committee.seated.hall.bidders:
            bids[(bidder.user_id, bidder.summary["lot"])] = bidder.bid_id
        users = list(dict.fromkeys(user for user, _ in bids))
        committee.to_scoring()
        for seat in committee.seats:
            sheet = {}
            for (user, lot), bid in bids.items():
                ours, favoured = users.index(user), seat == 5 and lot in favoured_lots
                plan = (25, 19, 18)[ours] if favoured else (20, 22, 18)[ours]
                sheet[str(bid)] = {PLAN: plan, RECORD: 8}
            committee.run(committee.member(seat), "submit_scores", scores=sheet)
        return {lot: [bids[(user, lot)] for user in users] for lot in (1, 2)}

    def test_a_member_ranking_one_bidder_first_against_the_committee_twice_raises_a_yellow_alert(
        self, committee, raised
    ):
        by_lot = self._score(committee, favoured_lots=(1, 2))
        [alert] = raised("score.favoritism")
        assert alert["severity"] == "yellow" and alert["subject"] == "seat 5"
        figures = alert["evidence"]["figures"]
        assert figures["times"] == 2
        assert [(o["lot"], o["own_first"]) for o in figures["occurrences"]] == [
            (1, by_lot[1][0]),
            (2, by_lot[2][0]),
        ]
        assert all(o["committee_first"] == [by_lot[o["lot"]][1]] for o in figures["occurrences"])

    def test_a_member_against_the_committee_once_raises_nothing(self, committee, raised):
        self._score(committee, favoured_lots=(1,))
        assert raised("score.favoritism") == []
