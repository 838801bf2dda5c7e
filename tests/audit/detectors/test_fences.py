"""The fences' arithmetic (audit/detectors/fences.py): type-7 quantiles, Tukey's fences and the
5th percentile, none below the minimum count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.detectors import fences


def test_a_quantile_falling_on_a_value_is_that_value():
    assert fences.quartiles(range(1, 10)) == (Decimal(3), Decimal(7))


def test_a_quantile_between_two_values_interpolates_linearly():
    # n = 4: Q1 at rank 0.75, Q3 at rank 2.25 (numpy's default, Excel's QUARTILE.INC)
    assert fences.quartiles([1, 2, 3, 4]) == (Decimal("1.75"), Decimal("3.25"))


def test_quartiles_do_not_depend_on_the_order_given():
    assert fences.quartiles([4, 1, 3, 2]) == fences.quartiles([1, 2, 3, 4])


def test_quantiles_are_exact_decimals():
    assert fences.quantile(["0.1", "0.2"], "0.5") == Decimal("0.15")
    assert fences.quantile([0.1, 0.2], "0.5") == Decimal("0.15")  # floats by their repr


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert fences.quantile([600, 600, 149, 600], Decimal("0.5")) == Decimal(600)
    assert fences.quantile([1, 2, 3, 10], Decimal("0.5")) == Decimal("2.5")


def test_the_extreme_quantiles_are_the_least_and_the_greatest_values():
    assert fences.quantile([5, 1, 9], 0) == 1
    assert fences.quantile([5, 1, 9], 1) == 9


def test_a_quantile_of_nothing_or_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        fences.quantile([], "0.5")
    with pytest.raises(ValueError):
        fences.quantile([1, 2], "1.5")


def test_the_iqr_fence_reaches_one_and_a_half_iqr_beyond_the_quartiles():
    fence = fences.iqr_fence([1, 2, 3, 4], minimum=4)
    assert fence == fences.Fence(
        q1=Decimal("1.75"),
        q3=Decimal("3.25"),
        iqr=Decimal("1.5"),
        low=Decimal("-0.5"),
        high=Decimal("5.5"),
        count=4,
    )


def test_no_fence_is_drawn_below_the_minimum_count():
    assert fences.iqr_fence(range(29), minimum=30) is None


def test_a_fence_is_drawn_at_the_minimum_count():
    fence = fences.iqr_fence(range(30), minimum=30)
    assert fence is not None and fence.count == 30


def test_a_fence_needs_at_least_one_value_whatever_the_minimum():
    assert fences.iqr_fence([], minimum=0) is None


def test_a_fence_over_equal_values_is_that_value_on_both_sides():
    fence = fences.iqr_fence(["0.2"] * 3, minimum=3)
    assert (fence.low, fence.high, fence.iqr) == (Decimal("0.2"), Decimal("0.2"), 0)


def test_a_fence_records_what_it_was_drawn_from():
    fence = fences.iqr_fence([1, 2, 3, 4], minimum=4)
    assert fence.threshold("high") == {
        "kind": "fence",
        "q1": "1.75",
        "q3": "3.25",
        "iqr": "1.5",
        "high": "5.5",
        "tenders": 4,
    }
    assert fence.threshold("low")["low"] == "-0.5" and "high" not in fence.threshold("low")


def test_the_fifth_percentile_of_twenty_one_values_is_the_second_least():
    assert fences.fifth_percentile(range(1, 22), minimum=21) == 2


def test_the_fifth_percentile_interpolates():
    assert fences.fifth_percentile([10, 20], minimum=2) == Decimal("10.5")


def test_no_fifth_percentile_below_the_minimum_count():
    assert fences.fifth_percentile(range(29), minimum=30) is None


def test_a_percentile_fence_records_its_share_and_count():
    assert fences.percentile_threshold(Decimal("0.004"), Decimal("0.05"), 31) == {
        "kind": "fence",
        "percentile": "5",
        "value": "0.004",
        "tenders": 31,
    }
