"""Price formulas (GP-87 lowest-price base, construction mean minus K, lowest evaluated price),
the tender's formula spec, and the abnormally-low-price check. Pure: no app, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bidhall.errors import InvalidInput, RuleViolation
from evaluation.scoring.prices import (
    PriceFormula,
    abnormally_low,
    price_formula_of,
    price_scores,
)

D = Decimal
GP = PriceFormula("lowest_price_base")


def mean_minus_k(k="0.02", above="1", below="0.5"):
    return PriceFormula("mean_minus_k", k=D(k), deduct_above=D(above), deduct_below=D(below))


# --- GP-87 Art 55: score = base / price × max, base = the lowest valid price ----------------------


def test_lowest_price_base_gives_the_lowest_bid_the_whole_max_and_the_others_in_proportion():
    # base = 100; 100/100 × 30 = 30; 100/120 × 30 = 25; 100/150 × 30 = 20
    scores = price_scores(GP, D(30), {"A": D(100), "B": D(120), "C": D(150)})
    assert scores == {"A": D("30.00"), "B": D("25.00"), "C": D("20.00")}


def test_lowest_price_base_rounds_half_up_at_the_end_only():
    # 100 × 30 / 4800 = 0.625 exactly -> 0.63 (half-even would give 0.62);
    # 100 × 30 / 300 = 10; 100 × 30 / 700 = 4.2857... -> 4.29
    scores = price_scores(GP, D(30), {"A": D(100), "B": D(4800), "C": D(700)})
    assert scores == {"A": D("30.00"), "B": D("0.63"), "C": D("4.29")}


def test_a_single_valid_bid_gets_the_whole_price_score():
    assert price_scores(GP, D(40), {"A": D("123.45")}) == {"A": D("40.00")}


def test_no_valid_bids_give_no_price_scores():
    assert price_scores(GP, D(30), {}) == {}


# --- construction: base = mean × (1 − k), points per 1 % above / below --------------------------


def test_mean_minus_k_deducts_points_per_percent_above_and_below_the_base():
    # sum 93.10 + 107.80 + 99.10 = 300, mean 100, base = 100 × (1 − 0.02) = 98
    # A: 98 − 93.10 = 4.90 below = 5 % of 98 -> 5 × 0.5 = 2.5 -> 30 − 2.5 = 27.50
    # B: 107.80 − 98 = 9.80 above = 10 % of 98 -> 10 × 1 = 10 -> 30 − 10 = 20.00
    scores = price_scores(
        mean_minus_k(), D(30), {"A": D("93.10"), "B": D("107.80"), "C": D("99.10")}
    )
    assert scores["A"] == D("27.50")
    assert scores["B"] == D("20.00")


def test_mean_minus_k_interpolates_fractions_of_one_percent():
    # same bids, base 98; C: 99.10 − 98 = 1.10 above = 1.1224489...% -> deduct 1.1224489...
    # 30 − 1.1224489... = 28.877551... -> 28.88 (not 29, as whole percent steps would give)
    scores = price_scores(
        mean_minus_k(), D(30), {"A": D("93.10"), "B": D("107.80"), "C": D("99.10")}
    )
    assert scores["C"] == D("28.88")


def test_a_price_equal_to_the_base_gets_the_whole_max():
    # mean (98 + 102) / 2 = 100, base 98: A is the base -> 30; B: 4/98 = 4.0816...% above
    # -> 30 − 4.0816... = 25.918... -> 25.92
    scores = price_scores(mean_minus_k(), D(30), {"A": D(98), "B": D(102)})
    assert scores == {"A": D("30.00"), "B": D("25.92")}


def test_mean_minus_k_never_goes_below_zero():
    # mean (60 + 140) / 2 = 100, base 98; B: 42/98 = 42.857...% above -> 30 − 42.857... < 0 -> 0
    # A: 38/98 = 38.7755...% below × 0.5 = 19.3877... -> 10.6122... -> 10.61
    scores = price_scores(mean_minus_k(), D(30), {"A": D(60), "B": D(140)})
    assert scores == {"A": D("10.61"), "B": D("0.00")}


def test_k_lowers_the_base():
    # k = 0.1: mean 100, base 90 -> A (90) = 30; B: 20/90 = 22.22...% above -> 7.777... -> 7.78
    scores = price_scores(mean_minus_k(k="0.1"), D(30), {"A": D(90), "B": D(110)})
    assert scores == {"A": D("30.00"), "B": D("7.78")}


def test_lowest_evaluated_gives_no_price_score():
    formula = PriceFormula("lowest_evaluated")
    assert price_scores(formula, D(30), {"A": D(100), "B": D(120)}) == {}


@pytest.mark.parametrize("price", [D(0), D(-5), D("NaN"), 100.0, True, "100"])
def test_a_price_that_is_not_a_positive_decimal_is_refused(price):
    with pytest.raises(InvalidInput) as error:
        price_scores(GP, D(30), {"A": D(100), "B": price})
    assert error.value.code == "invalid_price"
    assert error.value.details["bid"] == "B"


# --- the tender's formula spec --------------------------------------------------------------------


def test_the_lowest_price_method_defaults_to_ranking_by_evaluated_price():
    assert price_formula_of("construction", "lowest_price", None) == PriceFormula(
        "lowest_evaluated"
    )


def test_government_procurement_defaults_to_the_lowest_price_base():
    assert price_formula_of("gov_procurement", "comprehensive", None) == GP


def test_construction_defaults_to_mean_minus_two_percent_one_point_above_half_below():
    assert price_formula_of("construction", "comprehensive", None) == mean_minus_k(
        "0.02", "1", "0.5"
    )


def test_a_spec_overrides_the_defaults_and_json_floats_are_read_as_written():
    formula = price_formula_of("construction", "comprehensive", {"k": 0.03, "deduct_below": "1"})
    assert formula == mean_minus_k("0.03", "1", "1")


def test_construction_may_use_the_lowest_price_base():
    spec = {"kind": "lowest_price_base"}
    assert price_formula_of("construction", "comprehensive", spec) == GP


@pytest.mark.parametrize(
    "spec, field",
    [
        ({"kind": "average"}, "kind"),
        ({"kind": 3}, "kind"),
        ({"k": "0.11"}, "k"),
        ({"k": "-0.01"}, "k"),
        ({"deduct_above": "-1"}, "deduct_above"),
        ({"deduct_below": -0.5}, "deduct_below"),
        ({"deduct_above": 0, "deduct_below": 0}, "deduct_above"),
        ({"k": True}, "k"),
        ({"k": "two percent"}, "k"),
        ({"weight": 1}, "weight"),
        ({"kind": "lowest_price_base", "k": "0.02"}, "k"),
        ({"kind": "lowest_evaluated"}, "kind"),
    ],
)
def test_an_invalid_construction_spec_is_refused(spec, field):
    with pytest.raises(InvalidInput) as error:
        price_formula_of("construction", "comprehensive", spec)
    assert error.value.code == "invalid_price_formula"
    assert error.value.details["field"] == field


def test_the_lowest_price_method_refuses_a_scoring_formula():
    with pytest.raises(InvalidInput) as error:
        price_formula_of("construction", "lowest_price", {"kind": "mean_minus_k"})
    assert error.value.code == "invalid_price_formula"


def test_government_procurement_refuses_mean_minus_k():
    with pytest.raises(RuleViolation) as error:
        price_formula_of("gov_procurement", "comprehensive", {"kind": "mean_minus_k"})
    assert error.value.code == "price_formula_not_allowed"
    assert "GP-87 Art 55" in error.value.message


def test_a_spec_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput) as error:
        price_formula_of("construction", "comprehensive", ["mean_minus_k"])  # type: ignore[arg-type]
    assert error.value.code == "invalid_price_formula"


def test_an_unknown_method_is_refused():
    with pytest.raises(InvalidInput) as error:
        price_formula_of("construction", "cheapest", None)
    assert error.value.code == "invalid_method"


def test_an_unknown_rule_set_is_refused():
    with pytest.raises(InvalidInput) as error:
        price_formula_of("mining", "comprehensive", None)
    assert error.value.code == "invalid_rule_set"


def test_a_formula_built_directly_is_checked_too():
    with pytest.raises(InvalidInput) as error:
        PriceFormula("mean_minus_k", k=D("0.2"), deduct_above=D(1))
    assert error.value.details["field"] == "k"


# --- abnormally low (GP-87: the bidder must explain) ----------------------------------------------


def test_a_bid_below_eighty_percent_of_the_others_mean_is_abnormally_low():
    # A: others' mean (100 + 100) / 2 = 100, 0.80 × 100 = 80, 79 < 80 -> flagged
    # B: others' mean (79 + 100) / 2 = 89.5, 0.80 × 89.5 = 71.6, 100 is not below
    assert abnormally_low({"A": D(79), "B": D(100), "C": D(100)}) == ["A"]


def test_a_bid_exactly_at_eighty_percent_of_the_others_mean_is_not_abnormally_low():
    # A: 0.80 × 100 = 80, and 80 is not below 80
    assert abnormally_low({"A": D(80), "B": D(100), "C": D(100)}) == []


def test_abnormally_low_needs_three_bids_by_default():
    # A would be far below B, but two bids are too few to judge
    assert abnormally_low({"A": D(10), "B": D(100)}) == []


def test_the_ratio_and_the_minimum_number_of_bids_are_settings():
    # A: 0.90 × 100 = 90, 85 < 90 -> flagged with ratio 0.90 and two bids allowed
    assert abnormally_low({"A": D(85), "B": D(100)}, ratio=D("0.90"), minimum_bids=2) == ["A"]
