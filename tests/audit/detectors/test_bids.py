"""Bids (DOMAIN.md §5): the price screens at the end of the opening's reading out
(bid.identical_price, bid.price_pattern, bid.cover_pattern, bid.abnormally_low) and the screens
on the committee's report (award.far_below_ceiling, bid.rotation), raised from real openings and
real evaluation sessions.

The fixtures' ordinary prices (10,350,000.00, 9,980,000.50, 10,120,000.00 under a ceiling of
11,500,000.00) trip none of them; every other opening here seals its own prices."""

from __future__ import annotations

import pytest

from tests.fixtures.opening import Hall, Seat
from tests.fixtures.pki import SUMMARY, submit_bid

SCREENS = ("bid.identical_price", "bid.price_pattern", "bid.cover_pattern", "bid.abnormally_low")
CEILING = "11500000.00"


def _lots(ceiling: str) -> list[dict]:
    return [
        {
            "number": 1,
            "title": "Lot 1: main works",
            "estimated_price": max(ceiling, "12000000.00", key=float),
            "ceiling_price": ceiling,
            "guarantee_amount": "200000.00",
        }
    ]


@pytest.fixture
def lot_ceiling() -> str:
    """The ceiling price of the committee's tender (a test parametrizes it)."""
    return CEILING


@pytest.fixture
def tender(make_tender, lot_ceiling):
    """The committee fixtures' tender, with ``lot_ceiling`` as its lot's ceiling price."""
    return make_tender("published", lots=_lots(lot_ceiling))


@pytest.fixture
def read_out_at(make_tender, world, enroll, clock):
    """``read_out_at(prices, ceiling=CEILING, bidders=None) -> Hall``: a tender whose bidders
    (new ones, or the seats given) seal these prices, opened and read out through the hall."""

    def read(prices, ceiling: str = CEILING, bidders=None) -> Hall:
        tender = make_tender("published", lots=_lots(ceiling))
        hall = _seal(tender, prices, world, enroll, clock, bidders)
        hall.read_out()
        return hall

    return read


def _seal(tender, prices, world, enroll, clock, bidders=None) -> Hall:
    seats = []
    for index, price in enumerate(prices):
        if bidders is None:
            user = world.bidder()
            bundle = enroll(user)
        else:
            user, bundle = bidders[index].user, bidders[index].bundle
        summary = SUMMARY | {"price": price, "project_manager": f"Manager {user.id}"}
        bid = submit_bid(user, bundle, tender.id, summary)
        seats.append(Seat(user.id, bundle, bid.id, bid.storage_key, summary))
    return Hall(
        tender.id,
        tender.bid_deadline,
        seats,
        world,
        clock,
        world.agency.id,
        world.supervisor.id,
    )


# --- an ordinary opening --------------------------------------------------------------------


def test_an_opening_at_the_fixtures_ordinary_prices_raises_no_price_screen(make_hall, raised):
    hall = make_hall(3)
    hall.read_out()
    assert [a for a in raised() if a["detector"] in SCREENS] == []


# --- bid.identical_price ----------------------------------------------------------------------


def test_two_bids_read_out_at_one_price_raise_a_red_alert(read_out_at, raised):
    hall = read_out_at(["10000000.00", "10000000.00", "10350000.00"])
    [alert] = raised("bid.identical_price")
    assert alert["severity"] == "red" and alert["tender_id"] == hall.id
    assert alert["evidence"]["figures"]["bids"] == [1, 2]
    assert alert["subject"] == "bids 1, 2"
    assert len(alert["evidence"]["seqs"]) == 3  # the two read-outs and the end of the reading


def test_two_bids_a_fen_apart_raise_no_identical_price(read_out_at, raised):
    read_out_at(["10000000.00", "10000000.01", "10350000.00"])
    assert raised("bid.identical_price") == []


# --- bid.price_pattern ------------------------------------------------------------------------


def _by_rule(raised, detector: str, word: str) -> list[dict]:
    return [a for a in raised(detector) if word in a["evidence"]["threshold"]["rule"]]


def test_prices_in_arithmetic_progression_raise_a_yellow_alert(read_out_at, raised):
    # gaps 500,000, 500,000 and 507,500: 0.995% from their mean, within the 1% tolerance
    read_out_at(["9000000.00", "9500000.00", "10000000.00", "10507500.00"])
    [alert] = _by_rule(raised, "bid.price_pattern", "gap")
    assert alert["severity"] == "yellow"
    assert alert["evidence"]["figures"]["gaps"] == ["500000.00", "500000.00", "507500.00"]
    assert alert["evidence"]["threshold"]["tolerance"] == "0.01"


def test_gaps_just_beyond_the_tolerance_are_no_progression(read_out_at, raised):
    # gaps 500,000, 500,000 and 507,600: 1.0082% from their mean
    read_out_at(["9000000.00", "9500000.00", "10000000.00", "10507600.00"])
    assert _by_rule(raised, "bid.price_pattern", "gap") == []


def test_three_prices_are_too_few_for_a_progression(read_out_at, raised):
    read_out_at(["9000000.00", "9500000.00", "10000000.00"])  # two equal gaps
    assert _by_rule(raised, "bid.price_pattern", "gap") == []


def test_prices_varying_less_than_the_floor_raise_a_yellow_alert(read_out_at, raised):
    read_out_at(["10000000.00", "10080000.00", "10200000.00"])  # CV 0.997%
    [alert] = _by_rule(raised, "bid.price_pattern", "coefficient of variation")
    assert alert["evidence"]["threshold"] == {
        "kind": "fixed",
        "rule": "coefficient of variation < floor",
        "floor": "0.01",
    }
    assert alert["evidence"]["figures"]["cv"] == "0.009973"


def test_prices_varying_just_above_the_floor_raise_nothing(read_out_at, raised):
    read_out_at(["10000000.00", "10080000.00", "10205000.00"])  # CV 1.023%
    assert _by_rule(raised, "bid.price_pattern", "coefficient of variation") == []


@pytest.mark.parametrize("app_overrides", [{"AUDIT_FENCE_MIN_TENDERS": 1}])
def test_prices_varying_less_than_comparable_tenders_raise_an_alert_citing_the_fence(
    read_out_at, raised
):
    read_out_at(["10350000.00", "9980000.50", "10120000.00"])  # CV 1.8405%: the fence
    read_out_at(["10000000.00", "10180000.00", "10370000.00"])  # CV 1.8169%
    [alert] = _by_rule(raised, "bid.price_pattern", "coefficient of variation")
    threshold = alert["evidence"]["threshold"]
    assert threshold["kind"] == "fence" and threshold["percentile"] == "5"
    assert threshold["tenders"] == 1 and threshold["value"].startswith("0.018405")


@pytest.mark.parametrize("app_overrides", [{"AUDIT_FENCE_MIN_TENDERS": 1}])
def test_prices_varying_just_more_than_the_fence_raise_nothing(read_out_at, raised):
    read_out_at(["10350000.00", "9980000.50", "10120000.00"])
    read_out_at(["10000000.00", "10180000.00", "10375000.00"])  # CV 1.8414%
    assert _by_rule(raised, "bid.price_pattern", "coefficient of variation") == []


@pytest.mark.parametrize(
    "app_overrides", [{"AUDIT_FENCE_MIN_TENDERS": 1, "AUDIT_FENCE_RECENT_TENDERS": 1}]
)
def test_the_fence_is_drawn_from_the_most_recent_comparable_tenders(read_out_at, raised):
    read_out_at(["10350000.00", "9980000.50", "10120000.00"])  # CV 1.8405%: too old to count
    read_out_at(["10000000.00", "10200000.00", "10400000.00"])  # CV 1.9608%: the fence
    read_out_at(["10000000.00", "10190000.00", "10385000.00"])  # CV 1.8889%
    [alert] = _by_rule(raised, "bid.price_pattern", "coefficient of variation")
    assert alert["evidence"]["threshold"]["value"].startswith("0.019607")


def test_every_price_within_the_share_below_the_ceiling_raises_a_yellow_alert(read_out_at, raised):
    # the lowest exactly 1% below 11,500,000.00
    read_out_at(["11385000.00", "11420000.00", "11480000.00"])
    [alert] = _by_rule(raised, "bid.price_pattern", "ceiling")
    assert alert["evidence"]["figures"]["ceiling"] == CEILING
    assert alert["evidence"]["figures"]["largest_share_below"] == "0.010000"


def test_one_price_a_yuan_further_below_the_ceiling_raises_nothing(read_out_at, raised):
    read_out_at(["11384999.00", "11420000.00", "11480000.00"])
    assert _by_rule(raised, "bid.price_pattern", "ceiling") == []


# --- bid.cover_pattern ------------------------------------------------------------------------


def test_a_winner_far_below_a_tight_group_of_losers_raises_a_yellow_alert(read_out_at, raised):
    read_out_at(["8000000.00", "10000000.00", "10100000.00", "10200000.00"])  # RD 20, ND 2.7273
    [alert] = raised("bid.cover_pattern")
    assert alert["severity"] == "yellow" and alert["subject"] == "lot 1: bid 1"
    [whole] = alert["evidence"]["figures"]["groups"]
    assert (whole["rd"], whole["nd"]) == ("20.000000", "2.727273")
    assert alert["evidence"]["threshold"]["limit"] == "2.5"


def test_a_normalised_distance_at_the_limit_raises_nothing(read_out_at, raised):
    read_out_at(["8000000.00", "10000000.00", "10200000.00", "10400000.00"])  # ND 2.5, RD 10
    assert raised("bid.cover_pattern") == []


def test_a_tight_group_beside_the_winner_is_seen_over_the_lowest_four(read_out_at, raised):
    # over the six: RD 2.2389 (the two far bids widen the losers' spread), ND 2.75; the lowest
    # four: RD 550, ND 2.9891
    prices = ["9000000.00", "9550000.00", "9551000.00", "9552000.00", "9999000.00", "10000000.00"]
    read_out_at(prices)
    [alert] = raised("bid.cover_pattern")
    whole, lowest = alert["evidence"]["figures"]["groups"]
    assert whole["rd"] == "2.238914" and lowest["nd"] == "2.989130"
    assert lowest["group"] == "the lowest 4 bids" and lowest["bids"] == [1, 2, 3, 4]


def test_three_bids_are_too_few_for_the_cover_screen(read_out_at, raised):
    read_out_at(["8000000.00", "10000000.00", "10010000.00"])  # RD 282.8, ND 1.998
    assert raised("bid.cover_pattern") == []


# --- bid.abnormally_low -----------------------------------------------------------------------


def test_a_bid_below_the_sessions_ratio_of_the_others_raises_a_yellow_alert(read_out_at, raised):
    # 8,000,000 < 0.80 × 10,050,000 = 8,040,000
    read_out_at(["8000000.00", "10000000.00", "10100000.00"])
    [alert] = raised("bid.abnormally_low")
    assert alert["subject"] == "bid 1"
    assert alert["evidence"]["threshold"]["kind"] == "fixed"
    assert alert["evidence"]["threshold"]["ratio"] == "0.80"


def test_a_bid_exactly_at_the_sessions_ratio_raises_nothing(read_out_at, raised):
    read_out_at(["8040000.00", "10000000.00", "10100000.00"])
    assert raised("bid.abnormally_low") == []


@pytest.mark.parametrize("app_overrides", [{"AUDIT_FENCE_MIN_TENDERS": 1}])
def test_a_bid_below_the_comparable_tenders_low_fence_raises_an_alert_citing_it(
    read_out_at, raised
):
    # the earlier tender's prices over its ceiling: 0.8678, 0.88, 0.90: the low fence 0.849783
    read_out_at(["10350000.00", "9980000.50", "10120000.00"])
    read_out_at(["9772000.00", "10000000.00", "10100000.00"])  # 0.849739 (the ratio: no)
    [alert] = raised("bid.abnormally_low")
    threshold = alert["evidence"]["threshold"]
    assert threshold["kind"] == "fence" and threshold["tenders"] == 1
    assert threshold["low"].startswith("0.849782")
    assert alert["evidence"]["figures"]["price_over_ceiling"] == "0.849739"


@pytest.mark.parametrize("app_overrides", [{"AUDIT_FENCE_MIN_TENDERS": 1}])
def test_a_bid_just_above_the_low_fence_raises_nothing(read_out_at, raised):
    read_out_at(["10350000.00", "9980000.50", "10120000.00"])
    read_out_at(["9773000.00", "10000000.00", "10100000.00"])  # 0.849826
    assert raised("bid.abnormally_low") == []


# --- award.far_below_ceiling ------------------------------------------------------------------


@pytest.fixture
def reported(committee):
    """The committee's tender evaluated to its report: every member scores every bid alike, so
    the lowest price (9,980,000.50, bid 2 in the hall) is the first candidate."""
    committee.to_ranking()
    committee.run(committee.member(1), "finalize")
    return committee


@pytest.mark.parametrize("lot_ceiling", ["14257143.58"])
def test_a_first_candidate_30_percent_below_the_ceiling_raises_a_yellow_alert(reported, raised):
    [alert] = raised("award.far_below_ceiling")
    assert alert["severity"] == "yellow" and alert["session_id"] == reported.id
    figures = alert["evidence"]["figures"]
    assert figures["price"] == "9980000.50" and figures["share_below"] == "0.300000"
    assert alert["evidence"]["threshold"]["share"] == "0.30"


@pytest.mark.parametrize("lot_ceiling", ["14257143.57"])
def test_a_first_candidate_just_under_30_percent_below_raises_nothing(reported, raised):
    assert raised("award.far_below_ceiling") == []


# --- bid.rotation -----------------------------------------------------------------------------


@pytest.fixture
def evaluate(
    world, make_tender, draw_request, answer, declare, api_for, expert_keys, clock, enroll
):
    """``evaluate(first, prices) -> Committee``: another tender of the same tenderer, bid for
    by the first committee's bidders at ``prices``, drawn from the same pool and venues,
    opened, evaluated alike and reported."""
    from bidhall.db import db
    from evaluation.draws import services as draws
    from evaluation.sessions.models import EvaluationSession, SessionMember
    from evaluation.venues import services as venues
    from tests.fixtures.committee import Seated
    from tests.fixtures.sessions import Committee

    def run(first, prices) -> Committee:
        seated = first.seated
        tender = make_tender("published")
        draw = draws.draw_experts(
            world.agency,
            tender.id,
            draw_request(
                venues=[
                    {"venue_id": seated.main.id, "quota": 3, "reserves": 1, "role": "main"},
                    {"venue_id": seated.secondary.id, "quota": 2, "reserves": 1},
                ]
            ),
        )
        for place in draw.places:
            if place.status == "invited":
                assert answer(draw.id, seated.experts[place.expert_id]).status_code == 200
        again = Seated(
            draw,
            seated.experts,
            seated.main,
            seated.secondary,
            seated.main_supervisor,
            seated.secondary_supervisor,
        )
        hall = _seal(tender, prices, world, enroll, clock, seated.hall.bidders)
        hall.read_out()
        hall.run(hall.agency, "close")
        clock.set(draw.scheduled_at)
        for venue, supervisor in (
            (again.main, again.main_supervisor),
            (again.secondary, again.secondary_supervisor),
        ):
            for expert in again.members_at(venue):
                assert declare(draw.id, expert).status_code == 201
                venues.check_in(supervisor, draw.id, expert.id, True, True)
        response = api_for(world.agency).post(f"/api/tenders/{tender.id}/evaluation", json={})
        assert response.status_code == 201, response.get_data(as_text=True)
        session_id = response.get_json()["session_id"]
        evaluation = db.session.get(EvaluationSession, session_id)
        members = db.session.query(SessionMember).filter_by(session_id=session_id).all()
        committee = Committee(
            id=session_id,
            tender_id=tender.id,
            draw_id=draw.id,
            member_ids={m.seat: m.user_id for m in members},
            supervisor_id=seated.main_supervisor.id,
            seated=again,
            bids=list(evaluation.bid_ids),
            keys={m.seat: expert_keys[m.expert_id] for m in members},
        )
        committee.to_ranking()
        committee.run(committee.member(1), "finalize")
        return committee

    return run


@pytest.mark.parametrize("app_overrides", [{"AUDIT_ROTATION_MIN_TENDERS": 2}])
def test_the_same_bidders_taking_turns_to_win_raise_a_yellow_alert(reported, evaluate, raised):
    # the first tender went to the hall's second bidder; now the first bidder is lowest
    hall = reported.seated.hall
    evaluate(reported, ["9900000.00", "10100000.00", "10250000.00"])
    [alert] = raised("bid.rotation")
    figures = alert["evidence"]["figures"]
    assert alert["severity"] == "yellow"
    winners = [w["organisation_id"] for w in figures["winners"]]
    assert winners == sorted(seat.user.organisation_id for seat in hall.bidders[:2])
    assert [t["tender_id"] for t in figures["tenders"]] == [reported.tender_id, alert["tender_id"]]
    assert alert["evidence"]["threshold"]["tenders"] == 2


@pytest.mark.parametrize("app_overrides", [{"AUDIT_ROTATION_MIN_TENDERS": 2}])
def test_one_bidder_winning_every_time_is_no_rotation(reported, evaluate, raised):
    evaluate(reported, ["10100000.00", "9900000.00", "10250000.00"])
    assert raised("bid.rotation") == []
