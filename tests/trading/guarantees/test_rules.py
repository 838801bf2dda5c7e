"""Pure guarantee rules: the validity a guarantee must cover, account numbers compared as digits."""

from __future__ import annotations

from datetime import UTC, timedelta

from trading.guarantees import rules

# --- the rules ----------------------------------------------------------------------------------


def test_a_guarantee_covers_the_validity_up_to_its_last_second():
    from datetime import UTC, datetime

    deadline = datetime(2026, 3, 22, 1, 30, tzinfo=UTC)
    end = deadline + timedelta(days=90)
    assert rules.guarantee_covers(end, deadline, 90)
    assert not rules.guarantee_covers(end - timedelta(seconds=1), deadline, 90)
    # an amendment that moves the deadline makes the same guarantee too short
    assert not rules.guarantee_covers(end, deadline + timedelta(days=1), 90)


def test_account_numbers_compare_without_spaces_and_dashes():
    assert rules.normal_account("4420 1000-1234　5678") == "4420100012345678"


def test_deposit_interest_counts_whole_days_on_a_360_day_year():
    from datetime import datetime
    from decimal import Decimal

    paid = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)

    assert rules.deposit_interest(
        Decimal("200000.00"), paid, paid + timedelta(days=36, hours=23), Decimal("0.0035")
    ) == Decimal("70.00")
    assert rules.deposit_interest(
        Decimal("200000.00"), paid, paid + timedelta(hours=23), Decimal("0.0035")
    ) == Decimal("0.00")
