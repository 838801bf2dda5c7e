"""The pure committee and draw rules: no database, no app."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bidhall.errors import RuleViolation
from evaluation.draws import commitment, rules

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def frozen(candidates: dict[str, list[int]], quotas: dict[str, int], reserves=None) -> dict:
    return commitment.freeze(7, 3, ["A01"], AT, quotas, reserves or {}, candidates, {})


@pytest.mark.parametrize("members", [3, 4, 6, 8])
def test_a_committee_needs_an_odd_number_of_at_least_five(members):
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(members, {"310000": members}, {}, "construction", Decimal(1))
    assert error.value.code == "committee_size"


def test_large_government_procurement_needs_seven_members():
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(5, {"310000": 5}, {}, "gov_procurement", Decimal("10000000"))
    assert error.value.details["minimum"] == 7
    rules.check_committee(7, {"310000": 7}, {}, "gov_procurement", Decimal("10000000"))
    rules.check_committee(5, {"310000": 5}, {}, "construction", Decimal("90000000"))


def test_quotas_must_add_up_to_the_members_and_reserves_need_a_quota():
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(5, {"310000": 3, "320000": 1}, {}, "construction", Decimal(1))
    assert error.value.code == "quota_sum"
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(5, {"310000": 5}, {"320000": 1}, "construction", Decimal(1))
    assert error.value.code == "reserve_region"


def test_a_request_for_a_code_is_met_by_that_code_or_one_below_it():
    assert rules.meets_specialty(["A01"], ["A0101"])
    assert rules.meets_specialty(["A01"], ["A01"])
    assert not rules.meets_specialty(["A0101"], ["A01"])
    assert not rules.meets_specialty(["A01"], ["A02", "B0101"])


CONFLICTS = rules.Conflicts(tenderer_id=1, bidder_ids=frozenset({2, 3}), scheduled_at=AT)


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"employer_organisation_id": 2}, rules.EMPLOYER_BIDDER),
        ({"employer_organisation_id": 1}, rules.EMPLOYER_TENDERER),
        ({"relation_organisation_ids": frozenset({3})}, rules.RELATION_BIDDER),
        ({"relation_organisation_ids": frozenset({1})}, rules.RELATION_TENDERER),
        ({"services_to_tenderer": 3}, rules.SERVED_TOO_OFTEN),
        ({"unavailable": ((AT - timedelta(days=1), AT + timedelta(hours=1)),)}, rules.UNAVAILABLE),
        ({"penalised_until": AT + timedelta(days=1)}, rules.PENALISED),
        ({"has_certificate": False}, rules.NO_CERTIFICATE),
    ],
)
def test_each_conflict_kind_excludes_the_expert_with_its_reason(facts, reason):
    assert rules.exclusion_reasons(rules.Candidate(1, **facts), CONFLICTS) == [reason]


def test_an_expert_without_conflicts_is_eligible():
    clean = rules.Candidate(
        1,
        employer_organisation_id=9,
        relation_organisation_ids=frozenset({8}),
        penalised_until=AT,  # the penalty ended at the evaluation's start
        unavailable=((AT + timedelta(hours=1), AT + timedelta(days=1)),),
        services_to_tenderer=2,
    )
    assert rules.exclusion_reasons(clean, CONFLICTS) == []


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert rules.months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert rules.months_before(datetime(2026, 3, 1, tzinfo=UTC), 12) == datetime(
        2025, 3, 1, tzinfo=UTC
    )


def test_the_same_seed_and_list_give_the_same_committee():
    listing = frozen(
        {"310000": list(range(1, 31)), "320000": list(range(31, 51))},
        {"310000": 3, "320000": 2},
        {"310000": 2, "320000": 1},
    )
    seed = bytes(range(32))
    first = rules.draw(seed, listing)
    assert first == rules.draw(seed, listing)
    assert len(first["310000"]["members"]) == 3 and len(first["310000"]["reserves"]) == 2
    assert set(first["320000"]["members"]) <= set(range(31, 51))
    assert rules.draw(bytes(32), listing) != first


def test_the_draw_order_is_the_hmac_order_of_the_documented_messages():
    import hmac

    seed = b"\x01" * 32
    order = rules.rank(seed, 7, "310000", [5, 1, 3])
    digests = {
        i: hmac.new(seed, f"7|310000|{i}".encode(), hashlib.sha256).digest() for i in (1, 3, 5)
    }
    assert order == sorted(digests, key=digests.get)


def test_a_region_short_of_experts_refuses_the_whole_draw_naming_it():
    listing = frozen(
        {"310000": list(range(10)), "320000": [11, 12]}, {"310000": 3, "320000": 2}, {"320000": 1}
    )
    with pytest.raises(rules.PoolShort) as error:
        rules.draw(b"\x00" * 32, listing)
    assert "region 320000" in error.value.message and "short by 1" in error.value.message
    assert error.value.details["regions"] == [
        {"region": "320000", "needed": 3, "eligible": 2, "shortfall": 1}
    ]


def _document(seed: bytes, listing: dict) -> dict:
    return {
        "seed": seed.hex(),
        "seed_sha256": hashlib.sha256(seed).hexdigest(),
        "frozen": listing,
        "list_sha256": commitment.sha256_hex(commitment.canonical(listing)),
        "committee": rules.draw(seed, listing),
    }


def test_verify_accepts_a_true_draw_and_names_each_kind_of_tampering():
    seed = b"\x07" * 32
    listing = frozen({"310000": list(range(1, 12))}, {"310000": 5}, {"310000": 2})
    assert commitment.verify(_document(seed, listing)) == []
    other_seed = _document(seed, listing) | {"seed": (b"\x08" * 32).hex()}
    assert any("commitment" in p for p in commitment.verify(other_seed))
    changed = _document(seed, listing)
    changed["frozen"]["regions"][0]["candidates"].remove(1)
    assert any("candidate list" in p for p in commitment.verify(changed))


def test_every_eligible_expert_is_drawn_with_equal_frequency():
    """2000 draws of 5 from 25 with fixed seeds: each expert is expected 400 times. The
    chi-square statistic (24 degrees of freedom) stays under 51.18, its 0.1 % critical value,
    and nobody is drawn more than 15 % away from the expectation."""
    pool = list(range(100, 125))
    hits = dict.fromkeys(pool, 0)
    draws = 2000
    for n in range(draws):
        seed = hashlib.sha256(f"fairness-{n}".encode()).digest()
        listing = commitment.freeze(n, 1, ["A01"], AT, {"310000": 5}, {}, {"310000": pool}, {})
        for expert_id in rules.draw(seed, listing)["310000"]["members"]:
            hits[expert_id] += 1
    expected = draws * 5 / len(pool)
    chi_square = sum((h - expected) ** 2 / expected for h in hits.values())
    assert sum(hits.values()) == draws * 5
    assert chi_square < 51.18, (chi_square, hits)
    assert max(abs(h - expected) for h in hits.values()) < 0.15 * expected, hits
