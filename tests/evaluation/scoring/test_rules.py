"""The evaluation session's arithmetic: criteria, a member's score sheet, the score alerts
(DOMAIN.md §5 score.outlier, score.objective_disagreement) and the committee's results."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bidhall.errors import InvalidInput
from evaluation.scoring import rules

D = Decimal

CRITERIA = rules.criteria_of(
    [
        {"name": "Price", "kind": "price", "max_score": 40},
        {"name": "Plan", "kind": "technical", "max_score": 30},
        {"name": "Team", "kind": "technical", "max_score": 20},
        {"name": "ISO 9001", "kind": "commercial", "max_score": 10, "objective": True},
    ]
)
GP = rules.PriceFormula("lowest_price_base")


# --- criteria -------------------------------------------------------------------------------------


def test_criteria_are_read_from_the_tenders_json():
    assert CRITERIA[0] == rules.Criterion("Price", "price", D(40))
    assert CRITERIA[3] == rules.Criterion("ISO 9001", "commercial", D(10), objective=True)
    assert [c.subjective for c in CRITERIA] == [False, True, True, False]


@pytest.mark.parametrize(
    "items",
    [
        [{"name": "Plan", "kind": "artistic", "max_score": 10}],
        [{"name": "Plan", "kind": "technical", "max_score": 0}],
        [{"name": "Plan", "kind": "technical", "max_score": True}],
        [{"name": "Plan", "kind": "technical", "max_score": "ten"}],
        [{"name": "", "kind": "technical", "max_score": 10}],
        [{"name": "Plan", "kind": "technical", "max_score": 10, "objective": "yes"}],
        [{"name": "Plan", "kind": "technical", "max_score": 10}] * 2,
        [
            {"name": "P1", "kind": "price", "max_score": 30},
            {"name": "P2", "kind": "price", "max_score": 30},
        ],
        ["Plan"],
    ],
)
def test_malformed_criteria_are_refused(items):
    with pytest.raises(InvalidInput) as error:
        rules.criteria_of(items)
    assert error.value.code == "invalid_criterion"


# --- a member's score sheet -----------------------------------------------------------------------


def sheet(**overrides):
    rows = {
        "1": {"Plan": 25, "Team": "17.5", "ISO 9001": D(10)},
        "2": {"Plan": 20.25, "Team": 0, "ISO 9001": "0"},
    }
    rows.update(overrides)
    return rows


def refusal(raw, bid_ids=("1", "2")):
    with pytest.raises(InvalidInput) as error:
        rules.check_sheet(CRITERIA, raw, list(bid_ids))
    return error.value


def test_a_complete_sheet_is_returned_as_decimals_with_two_places():
    checked = rules.check_sheet(CRITERIA, sheet(), ["1", "2"])
    assert checked == {
        "1": {"Plan": D(25), "Team": D("17.5"), "ISO 9001": D(10)},
        "2": {"Plan": D("20.25"), "Team": D(0), "ISO 9001": D(0)},
    }
    assert [str(v) for v in checked["1"].values()] == ["25.00", "17.50", "10.00"]


def test_a_score_in_exponent_form_or_a_negative_zero_is_written_plainly():
    raw = {"1": {"Plan": D("1E+1"), "Team": "-0", "ISO 9001": 0.0}}
    checked = rules.check_sheet(CRITERIA, raw, ["1"])
    assert [str(v) for v in checked["1"].values()] == ["10.00", "0.00", "0.00"]


def test_the_criteria_may_be_given_as_the_tenders_json():
    raw = [{"name": "Plan", "kind": "technical", "max_score": 30}]
    assert rules.check_sheet(raw, {"1": {"Plan": 7}}, ["1"]) == {"1": {"Plan": D("7.00")}}


def test_a_score_for_a_bid_not_under_evaluation_is_refused():
    error = refusal(sheet(**{"3": {"Plan": 1, "Team": 1, "ISO 9001": 1}}))
    assert (error.code, error.details["field"]) == ("unknown_bid", "3")


def test_a_sheet_missing_a_bid_is_refused():
    error = refusal({"1": sheet()["1"]})
    assert (error.code, error.details["field"]) == ("missing_bid", "2")


def test_a_score_for_an_unknown_criterion_is_refused():
    error = refusal(sheet(**{"2": {"Plan": 1, "Team": 1, "ISO 9001": 1, "Style": 5}}))
    assert (error.code, error.details["field"]) == ("unknown_criterion", "2.Style")


def test_a_missing_score_is_refused():
    error = refusal(sheet(**{"2": {"Plan": 1, "ISO 9001": 1}}))
    assert (error.code, error.details["field"]) == ("missing_score", "2.Team")


def test_a_price_score_given_by_hand_is_refused_because_the_server_computes_it():
    error = refusal(sheet(**{"1": {"Price": 40, "Plan": 1, "Team": 1, "ISO 9001": 1}}))
    assert (error.code, error.details["field"]) == ("price_is_computed", "1.Price")


@pytest.mark.parametrize("value", [True, None, "abc", "1e1", "", [7], float("nan"), D("Inf")])
def test_a_score_that_is_not_a_number_is_refused(value):
    error = refusal(sheet(**{"1": {"Plan": value, "Team": 1, "ISO 9001": 1}}))
    assert (error.code, error.details["field"]) == ("invalid_score", "1.Plan")


@pytest.mark.parametrize("value", ["7.555", 7.555, D("7.001"), 0.1 + 0.2])
def test_a_score_with_more_than_two_decimals_is_refused(value):
    error = refusal(sheet(**{"1": {"Plan": value, "Team": 1, "ISO 9001": 1}}))
    assert error.code == "too_many_decimals"


@pytest.mark.parametrize("value", [31, "30.01", -1, D("-0.01")])
def test_a_score_outside_zero_to_the_criterions_max_is_refused(value):
    error = refusal(sheet(**{"1": {"Plan": value, "Team": 1, "ISO 9001": 1}}))
    assert error.code == "score_out_of_range"
    assert "between 0 and 30" in error.message and "'Plan'" in error.message
    assert (error.details["minimum"], error.details["maximum"]) == ("0", "30")


def test_zero_and_the_max_are_both_accepted():
    checked = rules.check_sheet(
        CRITERIA, sheet(**{"1": {"Plan": 0, "Team": 20, "ISO 9001": 10}}), ["1", "2"]
    )
    assert checked["1"] == {"Plan": D(0), "Team": D(20), "ISO 9001": D(10)}


def test_a_sheet_that_is_not_a_mapping_is_refused():
    assert refusal([("1", {})]).code == "invalid_sheet"
    assert refusal(sheet(**{"1": [25, 17, 10]})).code == "invalid_sheet"


# --- score.outlier --------------------------------------------------------------------------------

PLAN = [rules.Criterion("Plan", "technical", D(30))]  # 20 % of 30 = 6; 35 % of 30 = 10.5


def plan_sheets(*values):
    return [{"1": {"Plan": D(value)}} for value in values]


def outliers_for(value, *others):
    return rules.outliers(PLAN, {"1": {"Plan": D(value)}}, plan_sheets(*others))


def test_a_score_just_above_twenty_percent_of_the_max_from_the_others_mean_is_an_outlier():
    # others 20, 20, 20, 20: mean 20, MAD 0 -> threshold max(6, 2 × 0) = 6; |26.01 − 20| = 6.01 > 6
    [found] = outliers_for("26.01", 20, 20, 20, 20)
    assert found == rules.Outlier(
        bid_id="1",
        criterion="Plan",
        value=D("26.01"),
        others_mean=D("20.00"),
        others_mad=D("0.00"),
        threshold=D("6.00"),
        deviation=D("6.01"),
        severity="yellow",
    )


def test_a_score_exactly_at_the_threshold_or_just_below_is_not_an_outlier():
    # |26 − 20| = 6 is not more than 6; |14.01 − 20| = 5.99 < 6
    assert outliers_for("26.00", 20, 20, 20, 20) == []
    assert outliers_for("14.01", 20, 20, 20, 20) == []


def test_a_wide_spread_among_the_others_raises_the_threshold_to_twice_their_mad():
    # others 10, 14, 20, 26, 30: mean 100/5 = 20, median 20, |deviations| 10, 6, 0, 6, 10,
    # MAD = median(0, 6, 6, 10, 10) = 6 -> threshold max(6, 2 × 6) = 12
    # 30: |30 − 20| = 10 > 6 but not > 12 -> no outlier
    assert outliers_for("30", 10, 14, 20, 26, 30) == []
    # 7.99: |7.99 − 20| = 12.01 > 12 -> outlier, and 12.01 > 10.5 -> red
    [found] = outliers_for("7.99", 10, 14, 20, 26, 30)
    assert (found.threshold, found.others_mad, found.deviation) == (D(12), D(6), D("12.01"))
    assert found.severity == "red"


def test_a_deviation_above_thirty_five_percent_of_the_max_is_red():
    # others 15, 15, 15: mean 15; |25.51 − 15| = 10.51 > 10.5 (35 % of 30) -> red
    assert outliers_for("25.51", 15, 15, 15)[0].severity == "red"
    # |25.50 − 15| = 10.50 is not more than 10.5 -> yellow (it is still > 6)
    assert outliers_for("25.50", 15, 15, 15)[0].severity == "yellow"


def test_the_shown_mean_is_rounded_but_the_decision_is_exact():
    # others 20, 20, 21: mean 61/3 = 20.333...; |26.34 − 20.333...| = 6.00666... > 6 -> fires
    [found] = outliers_for("26.34", 20, 20, 21)
    assert (found.others_mean, found.deviation) == (D("20.33"), D("6.01"))
    # |26.33 − 20.333...| = 5.99666... -> does not fire
    assert outliers_for("26.33", 20, 20, 21) == []


def test_objective_and_price_criteria_are_never_outliers():
    member = {"1": {"Plan": D(20), "ISO 9001": D(0)}}
    others = [{"1": {"Plan": D(20), "ISO 9001": D(10)}}] * 4
    assert rules.outliers(CRITERIA, member, others) == []


def test_the_first_member_to_submit_has_no_outliers():
    assert outliers_for("30") == []


def test_the_thresholds_are_settings():
    # rate 10 % of 30 = 3: |24 − 20| = 4 > 3 -> fires; red_rate 10 % -> 4 > 3 -> red
    found = rules.outliers(
        PLAN, {"1": {"Plan": D(24)}}, plan_sheets(20, 20), rate=D("0.10"), red_rate=D("0.10")
    )
    assert [(f.threshold, f.severity) for f in found] == [(D("3.00"), "red")]


# --- score.objective_disagreement -----------------------------------------------------------------


def test_members_differing_at_all_on_an_objective_criterion_are_reported():
    sheets = {
        "m1": {"1": {"Plan": D(20), "ISO 9001": D(10)}, "2": {"Plan": D(9), "ISO 9001": D(10)}},
        "m2": {
            "1": {"Plan": D(25), "ISO 9001": D("10.00")},
            "2": {"Plan": D(9), "ISO 9001": D(10)},
        },
        "m3": {"1": {"Plan": D(29), "ISO 9001": D(10)}, "2": {"Plan": D(9), "ISO 9001": D(5)}},
    }
    # bid 1: 10, 10.00, 10 are equal; bid 2: 10, 10, 5 differ; Plan is subjective: not checked
    assert rules.objective_disagreements(CRITERIA, sheets) == [("2", "ISO 9001")]


def test_members_agreeing_on_every_objective_criterion_report_nothing():
    sheets = {m: {"1": {"ISO 9001": D(10)}} for m in ("m1", "m2", "m3")}
    assert rules.objective_disagreements(CRITERIA, sheets) == []
