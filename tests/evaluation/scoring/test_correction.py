"""The arithmetic correction: words over figures, unit price over total unless the decimal point
is plainly wrong, and the bid price as the sum of the line totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bidhall.errors import InvalidInput
from evaluation.scoring.correction import Line, correct_price

D = Decimal


def test_a_consistent_bid_is_not_changed():
    # 10 × 12.50 = 125.00; 2 × 37.50 = 75.00; 125 + 75 = 200 = the figures = the words
    lines = [Line(D(10), D("12.50"), D("125.00")), Line(D(2), D("37.50"), D("75.00"))]
    correction = correct_price(D("200.00"), "人民币贰佰元整", lines)
    assert (correction.corrected, correction.changed, correction.steps) == (D(200), False, ())
    assert correction.lines == tuple(lines)


def test_the_words_prevail_over_the_figures():
    # 壹佰零伍万叁仟 = 1053000, the figures say 1035000
    correction = correct_price(D("1035000.00"), "人民币壹佰零伍万叁仟元整")
    assert (correction.original, correction.corrected) == (D("1035000.00"), D("1053000.00"))
    assert correction.changed
    [step] = correction.steps
    assert step.startswith("Words over figures")
    assert "1053000.00" in step and "1035000.00" in step


def test_words_that_agree_with_the_figures_change_nothing():
    correction = correct_price(D(1035000), "人民币壹佰零叁万伍仟元整")
    assert not correction.changed and correction.corrected == D(1035000)


def test_the_unit_price_prevails_over_a_wrong_total():
    # 10 × 12.50 = 125.00, not 130.00: the total becomes 125.00 and the price 125.00 + 75.00
    lines = [Line(D(10), D("12.50"), D("130.00"), "rebar"), Line(D(2), D("37.50"), D("75.00"))]
    correction = correct_price(D("205.00"), lines=lines)
    assert correction.lines[0] == Line(D(10), D("12.50"), D("125.00"), "rebar")
    assert correction.corrected == D("200.00")
    assert correction.steps[0] == (
        "Line 1 (rebar): the unit price prevails over the total: 10 × 12.50 = 125.00, "
        "not 130.00; the total is corrected to 125.00."
    )
    assert correction.steps[1] == "The bid price is the sum of the line totals, 200.00, not 205.00."


def test_a_plainly_misplaced_decimal_point_in_the_unit_price_is_corrected_and_the_total_stands():
    # 1250.00 / 10 = 125.00 = 12.50 × 10^1: the unit price was meant as 125.00
    correction = correct_price(D("1250.00"), lines=[Line(D(10), D("12.50"), D("1250.00"))])
    assert correction.lines == (Line(D(10), D("125.00"), D("1250.00")),)
    assert correction.corrected == D("1250.00")
    assert correction.steps == (
        "Line 1: the unit price's decimal point is plainly wrong: 10 × 12.50 × 10^1 = 1250.00, "
        "the stated total; the unit price is corrected to 125.00 and the total stands.",
    )


def test_a_decimal_point_misplaced_the_other_way_is_corrected_too():
    # 1000 / 4 = 250 = 2500 × 10^-1
    correction = correct_price(D(1000), lines=[Line(D(4), D(2500), D(1000))])
    assert correction.lines[0].unit_price == D(250)


def test_a_total_rounded_to_the_cent_still_shows_a_misplaced_decimal_point():
    # 3 × (3.3333 × 10) = 99.999 -> 100.00 = the total (100 / 3 itself does not terminate)
    correction = correct_price(D(100), lines=[Line(D(3), D("3.3333"), D("100.00"))])
    assert correction.lines[0].unit_price == D("33.333")


def test_a_total_that_several_shifts_would_explain_is_not_a_plain_decimal_point_error():
    # 1 × 0.04 × 10^-1, 10^-2, ... all round to 0.00: no plain error, the unit price prevails
    correction = correct_price(D(0), lines=[Line(D(1), D("0.04"), D("0.00"))])
    assert correction.lines[0].total == D("0.04")
    assert "unit price prevails" in correction.steps[0]


def test_a_shift_beyond_four_places_is_not_a_decimal_point_error():
    # 1 × 1.00 × 10^5 = 100000 would explain the total, but only ±1..±4 count
    correction = correct_price(D(100000), lines=[Line(D(1), D("1.00"), D("100000.00"))])
    assert correction.lines[0].total == D("1.00") and correction.corrected == D("1.00")


def test_the_sum_of_the_lines_prevails_over_the_figures():
    # 125.00 + 75.00 = 200.00, the figures say 210.00
    lines = [Line(D(10), D("12.50"), D("125.00")), Line(D(2), D("37.50"), D("75.00"))]
    correction = correct_price(D("210.00"), lines=lines)
    assert correction.corrected == D("200.00")
    assert correction.steps == ("The bid price is the sum of the line totals, 200.00, not 210.00.",)


def test_the_rules_apply_in_order_words_then_lines_then_their_sum():
    # words 贰佰壹拾元 = 210 over figures 220; line: 10 × 20 = 200, not 210; price = 200
    correction = correct_price(D(220), "贰佰壹拾元整", [Line(D(10), D(20), D(210))])
    assert correction.corrected == D(200)
    assert [step.split(":")[0] for step in correction.steps] == [
        "Words over figures",
        "Line 1",
        "The bid price is the sum of the line totals, 200.00, not 210.00.",
    ]


def test_unreadable_words_are_refused():
    with pytest.raises(InvalidInput) as error:
        correct_price(D(105), "壹佰伍元")
    assert error.value.code == "invalid_amount_words"


@pytest.mark.parametrize(
    "line",
    [
        Line(D(0), D(1), D(0)),
        Line(D(-1), D(1), D(-1)),
        Line(D(1), D(-1), D(-1)),
        Line(D(1), 1.5, D("1.5")),  # type: ignore[arg-type]
    ],
)
def test_a_line_with_an_impossible_figure_is_refused(line):
    with pytest.raises(InvalidInput) as error:
        correct_price(D(1), lines=[line])
    assert error.value.code == "invalid_line"


def test_figures_that_are_not_a_decimal_are_refused():
    with pytest.raises(InvalidInput) as error:
        correct_price(105.0)  # type: ignore[arg-type]
    assert error.value.code == "invalid_price"
