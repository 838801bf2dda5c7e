"""The committee's results: totals, mean or trimmed mean, ranking, tie-break and ties."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bidhall.errors import InvalidInput
from evaluation.scoring import rules

D = Decimal

# price 30 + plan 70 = 100; GP-87 base: price scores 100 -> 30, 120 -> 25, 150 -> 20
CRITERIA = (
    rules.Criterion("Price", "price", D(30)),
    rules.Criterion("Plan", "technical", D(70)),
)
GP = rules.PriceFormula("lowest_price_base")
LOWEST = rules.PriceFormula("lowest_evaluated")


def sheets(plan: dict[str, list]) -> dict[str, dict[str, dict[str, Decimal]]]:
    """{bid: [member 1's Plan score, member 2's, ...]} -> {member: {bid: {"Plan": score}}}."""
    members = len(next(iter(plan.values())))
    return {
        f"m{m + 1}": {bid: {"Plan": D(str(scores[m]))} for bid, scores in plan.items()}
        for m in range(members)
    }


def test_a_members_total_is_its_scores_plus_the_computed_price_score():
    result = rules.results(
        CRITERIA, GP, {"A": D(100), "B": D(120)}, sheets({"A": [60] * 5, "B": [50] * 5})
    )
    # A: 60 + 30 = 90; B: 50 + 25 = 75
    assert result.price_scores == {"A": D("30.00"), "B": D("25.00")}
    assert result.member_totals["m1"] == {"A": D("90.00"), "B": D("75.00")}
    assert result.method == "comprehensive"


def test_five_members_give_the_plain_mean():
    # A totals (plan + 30): 80, 90, 91, 92, 100 -> 453 / 5 = 90.60 (trimmed would be 91.00)
    result = rules.results(CRITERIA, GP, {"A": D(100)}, sheets({"A": [50, 60, 61, 62, 70]}))
    assert result.scores == {"A": D("90.60")}


def test_seven_members_drop_the_highest_and_the_lowest_total():
    # A totals: 70, 90, 91, 92, 93, 94, 100; drop 70 and 100 -> 460 / 5 = 92.00
    # (the plain mean would be 630 / 7 = 90.00)
    result = rules.results(CRITERIA, GP, {"A": D(100)}, sheets({"A": [40, 60, 61, 62, 63, 64, 70]}))
    assert result.scores == {"A": D("92.00")}


def test_the_number_of_members_from_which_totals_are_trimmed_is_a_setting():
    # A totals: 80, 90, 91, 92, 100; trim_at=5 drops 80 and 100 -> 273 / 3 = 91.00
    plan = sheets({"A": [50, 60, 61, 62, 70]})
    assert rules.results(CRITERIA, GP, {"A": D(100)}, plan, trim_at=5).scores["A"] == D("91.00")


def test_the_committee_score_is_rounded_half_up_at_the_end():
    # totals 90, 90, 90, 90.18 -> 360.18 / 4 = 90.045 -> 90.05 (half-even would give 90.04)
    result = rules.results(CRITERIA, GP, {"A": D(100)}, sheets({"A": [60, 60, 60, "60.18"]}))
    assert result.scores == {"A": D("90.05")}


def test_bids_are_ranked_by_committee_score_highest_first():
    # A: 40 + 30 = 70; B: 60 + 25 = 85; C: 55 + 20 = 75
    prices = {"A": D(100), "B": D(120), "C": D(150)}
    result = rules.results(
        CRITERIA, GP, prices, sheets({"A": [40] * 5, "B": [60] * 5, "C": [55] * 5})
    )
    assert result.ranking == ["B", "C", "A"]
    assert result.ranks == {"B": 1, "C": 2, "A": 3}
    assert result.ties == []


def test_an_equal_committee_score_is_broken_by_the_lower_evaluated_price():
    # A: 60 + 30 = 90 at price 100; B: 65 + 25 = 90 at price 120 -> A first
    prices = {"B": D(120), "A": D(100)}
    result = rules.results(CRITERIA, GP, prices, sheets({"B": [65] * 5, "A": [60] * 5}))
    assert result.scores == {"B": D("90.00"), "A": D("90.00")}
    assert result.ranking == ["A", "B"]
    assert result.ranks == {"A": 1, "B": 2}
    assert result.ties == []


def test_bids_equal_on_score_and_price_share_a_rank_and_go_to_a_vote():
    # A and B: 60 + 30 = 90 at price 100 each; C: 50 + 25 = 75
    prices = {"A": D(100), "B": D(100), "C": D(120)}
    result = rules.results(
        CRITERIA, GP, prices, sheets({"A": [60] * 5, "B": [60] * 5, "C": [50] * 5})
    )
    assert result.ranking == ["A", "B", "C"]
    assert result.ranks == {"A": 1, "B": 1, "C": 3}
    assert result.ties == [["A", "B"]]


def test_the_lowest_evaluated_price_method_ranks_by_price_without_scores():
    result = rules.results((), LOWEST, {"A": D(120), "B": D(100), "C": D(150)}, {})
    assert result.method == "lowest_price"
    assert result.ranking == ["B", "A", "C"]
    assert result.ranks == {"B": 1, "A": 2, "C": 3}
    assert (result.price_scores, result.scores, result.member_totals) == ({}, {}, {})


def test_equal_lowest_evaluated_prices_are_a_tie():
    result = rules.results((), LOWEST, {"A": D(120), "B": D(100), "C": D("100.00")}, {})
    assert result.ranks == {"B": 1, "C": 1, "A": 3}
    assert result.ties == [["B", "C"]]


def test_scores_of_a_bid_that_is_no_longer_valid_are_ignored():
    # D was vetoed after scoring: it has no evaluated price, so it is not ranked
    plan = sheets({"A": [60] * 5, "D": [70] * 5})
    result = rules.results(CRITERIA, GP, {"A": D(100)}, plan)
    assert result.ranking == ["A"] and "D" not in result.member_totals["m1"]


def test_a_sheet_missing_a_valid_bid_is_refused():
    plan = sheets({"A": [60] * 5, "B": [60] * 5})
    del plan["m3"]["B"]
    with pytest.raises(InvalidInput) as error:
        rules.results(CRITERIA, GP, {"A": D(100), "B": D(120)}, plan)
    assert error.value.code == "incomplete_sheet"
    assert (error.value.details["member"], error.value.details["bid"]) == ("m3", "B")


def test_comprehensive_scoring_without_a_price_criterion_is_refused():
    with pytest.raises(InvalidInput) as error:
        rules.results(CRITERIA[1:], GP, {"A": D(100)}, sheets({"A": [60] * 5}))
    assert error.value.code == "price_criterion"


def test_comprehensive_scoring_without_any_sheet_is_refused():
    with pytest.raises(InvalidInput) as error:
        rules.results(CRITERIA, GP, {"A": D(100)}, {})
    assert error.value.code == "no_sheets"


@pytest.mark.parametrize("trim_at", [2, 0, True, "7"])
def test_a_trim_threshold_that_would_leave_no_total_is_refused(trim_at):
    with pytest.raises(InvalidInput) as error:
        rules.results(CRITERIA, GP, {}, {}, trim_at=trim_at)
    assert error.value.code == "invalid_trim_at"


def test_the_construction_formula_feeds_the_totals():
    # mean (98 + 102) / 2 = 100, base 98: A = 30.00, B = 25.92 (see test_prices)
    formula = rules.price_formula_of("construction", "comprehensive", None)
    result = rules.results(
        CRITERIA, formula, {"A": D(98), "B": D(102)}, sheets({"A": [60] * 5, "B": [66] * 5})
    )
    # A: 60 + 30 = 90.00; B: 66 + 25.92 = 91.92
    assert result.scores == {"A": D("90.00"), "B": D("91.92")}
    assert result.ranking == ["B", "A"]
