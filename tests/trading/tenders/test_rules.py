"""Pure rules of the tender life cycle: no database, no Flask."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bidhall.errors import Conflict, RuleViolation
from trading.bids import rules as bid_rules
from trading.tenders import rules
from trading.tenders.rules import LotTerms

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CONSTRUCTION = rules.RULE_SETS["construction"]
PROCUREMENT = rules.RULE_SETS["gov_procurement"]


def lot(estimate="10000000", ceiling="9500000", guarantee="200000", number=1):
    return LotTerms(number, "Lot", Decimal(estimate), Decimal(ceiling), Decimal(guarantee))


def test_a_bid_period_of_exactly_twenty_days_passes():
    rules.check_schedule(CONSTRUCTION, T0, T0 + timedelta(days=5), T0 + timedelta(days=20))


def test_a_bid_period_one_second_short_of_twenty_days_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_schedule(
            CONSTRUCTION, T0, T0 + timedelta(days=5), T0 + timedelta(days=20, seconds=-1)
        )
    assert refused.value.code == "bid_period_too_short"
    assert refused.value.details["shortfall_seconds"] == 1


def test_a_download_period_of_exactly_five_days_passes():
    rules.check_schedule(PROCUREMENT, T0, T0 + timedelta(days=5), T0 + timedelta(days=25))


def test_a_download_period_one_second_short_of_five_days_is_refused():
    with pytest.raises(RuleViolation, match="at least 5 days") as refused:
        rules.check_schedule(
            PROCUREMENT, T0, T0 + timedelta(days=5, seconds=-1), T0 + timedelta(days=25)
        )
    assert refused.value.code == "download_period_too_short"


def test_a_download_period_ending_after_the_deadline_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_schedule(CONSTRUCTION, T0, T0 + timedelta(days=21), T0 + timedelta(days=20))
    assert refused.value.code == "download_after_deadline"


def test_documents_are_issued_at_publication_when_the_planned_start_has_passed():
    assert rules.actual_issue_start(T0, T0 + timedelta(hours=3)) == T0 + timedelta(hours=3)
    assert rules.actual_issue_start(T0 + timedelta(days=1), T0) == T0 + timedelta(days=1)


def test_a_notice_affecting_preparation_fifteen_days_ahead_keeps_the_deadline():
    deadline = T0 + timedelta(days=15)
    assert rules.deadline_after_notice(CONSTRUCTION, deadline, T0, True) == deadline


def test_a_notice_affecting_preparation_later_moves_the_deadline_to_fifteen_days():
    deadline = T0 + timedelta(days=15, seconds=-1)
    assert rules.deadline_after_notice(CONSTRUCTION, deadline, T0, True) == T0 + timedelta(days=15)


def test_a_notice_not_affecting_preparation_never_moves_the_deadline():
    deadline = T0 + timedelta(days=2)
    assert rules.deadline_after_notice(CONSTRUCTION, deadline, T0, False) == deadline


def test_an_objection_exactly_ten_days_before_the_deadline_is_allowed():
    rules.check_objection_window(CONSTRUCTION, T0 + timedelta(days=10), T0)


def test_an_objection_less_than_ten_days_before_the_deadline_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_objection_window(CONSTRUCTION, T0 + timedelta(days=10, seconds=-1), T0)
    assert refused.value.code == "objection_too_late"


def test_an_objection_is_due_for_an_answer_within_three_days():
    assert rules.objection_answer_due(CONSTRUCTION, T0) == T0 + timedelta(days=3)


def test_a_guarantee_of_exactly_two_percent_passes():
    rules.check_lot_prices(CONSTRUCTION, lot(guarantee="200000"))


def test_a_guarantee_above_two_percent_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_lot_prices(CONSTRUCTION, lot(guarantee="200000.01"))
    assert refused.value.code == "guarantee_too_high"


def test_a_construction_guarantee_is_capped_at_eight_hundred_thousand():
    big = lot(estimate="100000000", ceiling="90000000", guarantee="800000.01")
    with pytest.raises(RuleViolation, match="at most 800000"):
        rules.check_lot_prices(CONSTRUCTION, big)


def test_a_procurement_guarantee_has_no_fixed_cap():
    rules.check_lot_prices(
        PROCUREMENT, lot(estimate="100000000", ceiling="90000000", guarantee="2000000")
    )


def test_a_ceiling_above_the_estimate_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_lot_prices(CONSTRUCTION, lot(ceiling="10000000.01"))
    assert refused.value.code == "ceiling_above_estimate"


def test_duplicate_lot_numbers_are_refused():
    with pytest.raises(RuleViolation):
        rules.check_lots(CONSTRUCTION, [lot(), lot()])


def test_comprehensive_criteria_must_total_one_hundred_points():
    criteria = [
        {"name": "price", "kind": "price", "max_score": 60},
        {"name": "plan", "kind": "technical", "max_score": 30},
    ]
    with pytest.raises(RuleViolation) as refused:
        rules.check_criteria("comprehensive", "works", "construction", criteria)
    assert refused.value.code == "criteria_total"


def test_procurement_goods_price_weight_must_be_thirty_to_sixty_percent():
    criteria = [
        {"name": "price", "kind": "price", "max_score": 70},
        {"name": "plan", "kind": "technical", "max_score": 30},
    ]
    with pytest.raises(RuleViolation) as refused:
        rules.check_criteria("comprehensive", "goods", "gov_procurement", criteria)
    assert refused.value.code == "price_weight"


def test_procurement_services_price_weight_of_thirty_percent_passes():
    criteria = [
        {"name": "price", "kind": "price", "max_score": 30},
        {"name": "plan", "kind": "technical", "max_score": 70},
    ]
    rules.check_criteria("comprehensive", "services", "gov_procurement", criteria)


def test_lowest_price_needs_no_scoring_criteria():
    rules.check_criteria("lowest_price", "works", "construction", [])


def test_a_centre_may_tighten_a_rule_set():
    tightened = rules.rule_set("construction", {"construction": {"min_bid_days": 25}})
    assert tightened.min_bid_days == 25


def test_a_centre_may_not_loosen_a_legal_minimum():
    with pytest.raises(ValueError, match="looser than the law"):
        rules.rule_set("construction", {"construction": {"min_bid_days": 19}})


def test_a_published_tender_cannot_be_edited():
    with pytest.raises(Conflict) as refused:
        rules.check_action("edit", "published")
    assert refused.value.code == "invalid_state"


def test_downloads_are_refused_while_suspended_with_the_reason():
    with pytest.raises(Conflict) as refused:
        rules.check_action("download", "suspended")
    assert refused.value.code == "tender_suspended"


def test_the_next_check_is_the_earliest_pending_moment():
    end, deadline = T0 + timedelta(days=5), T0 + timedelta(days=20)
    assert rules.next_check("published", end, deadline, False, None) == end
    assert rules.next_check("published", end, deadline, True, None) == deadline
    assert rules.next_check(
        "suspended", end, deadline, True, T0 + timedelta(days=3)
    ) == T0 + timedelta(days=3)
    assert rules.next_check("closed", end, deadline, True, None) is None


# --- what may be known of the participants (Law Art 22) -----------------------------------------


def test_a_second_before_the_deadline_neither_counts_nor_names_are_disclosed():
    deadline = T0 + timedelta(days=20)
    shown = bid_rules.disclosure(deadline, deadline - timedelta(seconds=1), "waiting")
    assert (shown.counts, shown.names) == (False, False)


def test_at_the_deadline_the_counts_are_disclosed_but_not_the_names():
    deadline = T0 + timedelta(days=20)
    for phase in (None, "waiting", "decrypting", "failed"):
        shown = bid_rules.disclosure(deadline, deadline, phase)
        assert (shown.counts, shown.names) == (True, False), phase


def test_from_the_reading_out_the_names_are_disclosed():
    deadline = T0 + timedelta(days=20)
    for phase in ("reading", "read", "closed"):
        shown = bid_rules.disclosure(deadline, deadline + timedelta(hours=1), phase)
        assert (shown.counts, shown.names) == (True, True), phase


def test_a_hall_phase_never_discloses_names_before_the_deadline():
    # a moved deadline: the hall's phase of an earlier schedule does not outrun the law
    deadline = T0 + timedelta(days=20)
    shown = bid_rules.disclosure(deadline, deadline - timedelta(days=1), "reading")
    assert (shown.counts, shown.names) == (False, False)
