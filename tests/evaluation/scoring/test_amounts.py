"""Amounts in Chinese capital numerals (大写金额) as written on a bid form."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bidhall.errors import InvalidInput
from evaluation.scoring.amounts import amount_in_words, parse_chinese_amount

D = Decimal


def test_a_bid_form_amount_with_prefix_and_closing_is_read():
    # 壹仟 (1000) 零 (no 佰) 叁拾 (30) 伍 (5) 万 -> 1035 × 10^4 = 10350000
    assert parse_chinese_amount("人民币壹仟零叁拾伍万元整") == D("10350000.00")


def test_yuan_may_be_left_out_before_the_jiao():
    # 玖佰玖拾捌万 = 998 × 10^4 = 9980000; 零 for the zero units; 伍角 = 0.50
    assert parse_chinese_amount("玖佰玖拾捌万零伍角") == D("9980000.50")


def test_one_zero_stands_for_one_missing_digit():
    # 壹佰 (100) 零 (no 拾) 伍 (5) = 105
    assert parse_chinese_amount("壹佰零伍元") == D(105)


def test_one_zero_stands_for_a_run_of_missing_digits():
    # 壹仟 (1000) 零 (no 佰, no 拾) 伍 = 1005
    assert parse_chinese_amount("壹仟零伍元整") == D(1005)


def test_a_zero_after_wan_marks_the_missing_thousands():
    # 壹万 (10000) 零 (no 仟) 伍佰 (500) = 10500
    assert parse_chinese_amount("壹万零伍佰元整") == D(10500)


def test_the_zero_may_be_left_out_before_a_digit_with_its_unit():
    # 壹仟 (1000) 伍拾 (50) = 1050: 拾 says where the 伍 stands
    assert parse_chinese_amount("壹仟伍拾元") == D(1050)


def test_jiao_and_fen_are_read():
    # 壹拾贰元 = 12; 叁角 = 0.30; 肆分 = 0.04
    assert parse_chinese_amount("壹拾贰元叁角肆分") == D("12.34")
    assert parse_chinese_amount("叁角伍分") == D("0.35")


def test_a_zero_between_yuan_and_fen_marks_no_jiao():
    # 壹元 = 1; 零 = no 角; 伍分 = 0.05
    assert parse_chinese_amount("壹元零伍分") == D("1.05")


def test_yi_multiplies_everything_before_it():
    # 贰拾 × 10^8 = 2000000000; 壹亿 + 零 (no 仟万) + 伍佰万 = 105000000
    assert parse_chinese_amount("贰拾亿元整") == D(2000000000)
    assert parse_chinese_amount("壹亿零伍佰万元整") == D(105000000)
    assert parse_chinese_amount("壹亿伍万元") == D(100050000)  # 伍万 is plain: its unit is 万


def test_yuan_may_be_written_yuan_and_zheng_zheng():
    # 圆 = 元, 正 = 整; a bare leading 拾 reads 壹拾
    assert parse_chinese_amount("陆佰圆正") == D(600)
    assert parse_chinese_amount("拾万元整") == D(100000)
    assert parse_chinese_amount("零元整") == D(0)


@pytest.mark.parametrize(
    "words, reason",
    [
        ("", "empty"),
        ("人民币", "empty"),
        ("人民币元整", "no amount before 元"),
        ("壹佰", "must end with 元"),
        ("one hundred yuan", "must end with 元"),
        ("100元", "not a digit or a unit"),
        ("壹佰伍元", "ambiguous"),  # 150 in speech, 105 by the units
        ("壹万伍元", "ambiguous"),
        ("壹仟零伍佰元", "marks no missing digit"),  # 1500 needs no 零
        ("壹万零零伍元", "written once"),
        ("壹零元", "not by a unit"),
        ("伍伍元", "not by a unit"),
        ("佰元", "must follow a digit"),
        ("万元", "must follow a digit"),
        ("壹亿亿元", "more than once"),
        ("壹佰零元", "must be followed by a digit"),
        ("壹拾壹佰元", "out of order"),
        ("壹佰元零角", "角 must follow a digit"),
    ],
)
def test_what_is_not_an_amount_in_words_is_refused(words, reason):
    with pytest.raises(InvalidInput) as error:
        parse_chinese_amount(words)
    assert error.value.code == "invalid_amount_words"
    assert reason in error.value.message


def test_words_that_are_not_text_are_refused():
    with pytest.raises(InvalidInput) as error:
        parse_chinese_amount(105)  # type: ignore[arg-type]
    assert error.value.code == "invalid_amount_words"


@pytest.mark.parametrize(
    "value, words",
    [
        ("10350000", "壹仟零叁拾伍万元整"),
        ("10005000", "壹仟万零伍仟元整"),
        ("100000500", "壹亿零伍佰元整"),
        ("1.05", "壹元零伍分"),
        ("0.5", "伍角整"),
        ("16.00", "壹拾陆元整"),
        ("0", "零元整"),
    ],
)
def test_an_amount_is_written_the_standard_way(value, words):
    assert amount_in_words(D(value)) == words


def test_every_written_amount_reads_back_as_itself():
    # hypothesis is not installed: a seeded sample of amounts of every length stands in for it
    rng = random.Random(20260301)
    for _ in range(3000):
        cents = rng.randrange(10 ** rng.randrange(1, 15))
        value = D(cents) / 100
        assert parse_chinese_amount("人民币" + amount_in_words(value)) == value
