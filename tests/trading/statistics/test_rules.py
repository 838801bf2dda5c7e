"""The statistics' periods and arithmetic, as plain values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bidhall.errors import InvalidInput
from trading.statistics import rules

TODAY = date(2026, 3, 15)


def test_by_default_the_last_twelve_months_up_to_this_one():
    window = rules.window(None, None, None, TODAY, "Asia/Shanghai")

    assert (window.first, window.end) == (date(2025, 4, 1), date(2026, 4, 1))
    assert (window.label_from, window.label_to) == ("2025-04", "2026-03")


def test_by_default_the_last_five_years_up_to_this_one():
    window = rules.window("year", None, None, TODAY, "Asia/Shanghai")

    assert (window.first, window.end) == (date(2022, 1, 1), date(2027, 1, 1))


def test_a_year_on_a_month_request_spans_its_january_to_its_december():
    window = rules.window("month", "2025", "2025", TODAY, "Asia/Shanghai")

    assert (window.first, window.end) == (date(2025, 1, 1), date(2026, 1, 1))


def test_a_december_ends_the_year():
    window = rules.window("month", "2025-12", "2025-12", TODAY, "Asia/Shanghai")

    assert window.end == date(2026, 1, 1)


def test_from_after_to_is_refused():
    with pytest.raises(InvalidInput) as refused:
        rules.window("month", "2026-02", "2026-01", TODAY, "Asia/Shanghai")

    assert refused.value.code == "bad_period"


def test_the_savings_rate_is_the_savings_over_the_ceiling_rounded_to_a_hundredth():
    saved = rules.savings(Decimal("11500000.00"), Decimal("9980000.50"))

    assert saved == Decimal("1519999.50")
    assert rules.rate(saved, Decimal("11500000.00")) == Decimal("13.22")


def test_a_share_of_nothing_is_no_figure():
    assert rules.rate(0, 0) is None


def test_an_award_above_the_ceiling_saves_a_negative_amount():
    saved = rules.savings(Decimal("100.00"), Decimal("110.00"))

    assert rules.money(saved) == "-10.00"
    assert rules.rate(saved, Decimal("100.00")) == Decimal("-10.00")
