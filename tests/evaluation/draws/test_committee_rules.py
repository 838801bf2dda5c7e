"""Pure rules added with venues: tenderer's representatives, relations naming a person only,
venue quotas, seating and supplementary rounds, check-in conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bidhall.errors import RuleViolation
from evaluation.draws import commitment, rules
from evaluation.experts import rules as expert_rules
from evaluation.venues import rules as venue_rules

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(("members", "representatives"), [(5, 1), (7, 2), (9, 3), (5, 0)])
def test_experts_at_least_two_thirds_of_the_members_are_accepted(members, representatives):
    quotas = {"310000": members - representatives}
    rules.check_committee(
        members, quotas, {}, "construction", Decimal(1), representatives=representatives
    )


@pytest.mark.parametrize(("members", "representatives"), [(5, 2), (7, 3), (9, 4)])
def test_more_than_a_third_of_representatives_is_refused(members, representatives):
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(
            members,
            {"310000": members - representatives},
            {},
            "construction",
            Decimal(1),
            representatives=representatives,
        )
    assert error.value.code == "representatives"
    assert error.value.details["allowed"] == members // 3


def test_an_even_committee_with_representatives_is_still_refused():
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(6, {"310000": 4}, {}, "construction", Decimal(1), representatives=2)
    assert error.value.code == "committee_size"


def test_the_quotas_count_the_drawn_experts_only():
    with pytest.raises(RuleViolation) as error:
        rules.check_committee(7, {"310000": 7}, {}, "construction", Decimal(1), representatives=2)
    assert error.value.code == "quota_sum"


@pytest.mark.parametrize(
    ("declared", "held"),
    [("Wang Fang", "wang  fang"), ("王芳", "王 芳"), ("Ｗａｎｇ Ｆａｎｇ", "Wang Fang")],
)
def test_a_persons_name_matches_across_case_spacing_and_width(declared, held):
    assert rules.normal_name(declared) == rules.normal_name(held)


def test_a_relation_naming_a_bidders_or_tenderers_person_excludes_the_expert():
    conflicts = rules.Conflicts(
        tenderer_id=1,
        bidder_ids=frozenset({2}),
        scheduled_at=AT,
        bidder_people=frozenset({"wang fang"}),
        tenderer_people=frozenset({"李雷"}),
    )
    bidder = rules.Candidate(1, relation_person_names=frozenset({"wang fang"}))
    tenderer = rules.Candidate(2, relation_person_names=frozenset({"李雷"}))
    stranger = rules.Candidate(3, relation_person_names=frozenset({"zhao min"}))
    assert rules.exclusion_reasons(bidder, conflicts) == [rules.PERSON_BIDDER]
    assert rules.exclusion_reasons(tenderer, conflicts) == [rules.PERSON_TENDERER]
    assert rules.exclusion_reasons(stranger, conflicts) == []


def test_a_csv_relation_may_name_a_person_without_an_organisation():
    row, errors = expert_rules.parse_row(
        2,
        {
            "id_number": "310101199001010011",
            "name": "Expert",
            "username": "e1",
            "region": "310000",
            "specialties": "A01",
            "employer": "X",
            "relations": "relative::Wang Fang;former_employer:7",
        },
    )
    assert errors == []
    assert row.relations == (("relative", None, "Wang Fang"), ("former_employer", 7, None))
    _row, errors = expert_rules.parse_row(3, {"relations": "relative::"})
    assert any("relation 'relative::'" in e for e in errors)


def venue_list(quotas):
    candidates = {"310000": list(range(1, 11)), "320000": list(range(11, 17))}
    venues = [
        {
            "venue_id": 1,
            "code": "A",
            "region": "310000",
            "role": "main",
            "quota": quotas[0],
            "workstations": range(1, 9),
        },
        {
            "venue_id": 2,
            "code": "B",
            "region": "310000",
            "role": "secondary",
            "quota": quotas[1],
            "workstations": range(1, 5),
        },
        {
            "venue_id": 3,
            "code": "C",
            "region": "320000",
            "role": "secondary",
            "quota": quotas[2],
            "workstations": [2, 4, 6],
        },
    ]
    region_quotas = {"310000": quotas[0] + quotas[1], "320000": quotas[2]}
    return commitment.freeze(7, 3, ["A01"], AT, region_quotas, {}, candidates, {}, venues)


def test_seating_is_a_function_of_seed_and_list_with_distinct_free_workstations():
    frozen = venue_list((2, 1, 2))
    seed = bytes(range(32))
    committee = rules.draw(seed, frozen)
    seats = rules.seat(seed, frozen, committee)
    assert seats == rules.seat(seed, frozen, rules.draw(seed, frozen))
    assert [len(seats[v]) for v in ("1", "2", "3")] == [2, 1, 2]
    assert {station for _e, station in seats["3"]} <= {2, 4, 6}
    region_members = committee["310000"]["members"]
    assert [e for e, _s in seats["1"] + seats["2"]] == region_members
    assert seats != rules.seat(bytes(32), frozen, rules.draw(bytes(32), frozen))


def test_a_list_over_venues_is_format_2_and_a_list_by_region_stays_format_1():
    assert venue_list((2, 1, 2))["format"] == "bidhall-draw/2"
    plain = commitment.freeze(7, 3, ["A01"], AT, {"310000": 5}, {}, {"310000": [1, 2, 3, 4, 5]}, {})
    assert plain["format"] == "bidhall-draw/1" and "venues" not in plain
    assert rules.seat(bytes(32), plain, rules.draw(bytes(32), plain)) == {}


def test_a_supplementary_round_draws_one_expert_per_empty_seat_never_a_drawn_one():
    frozen = commitment.freeze_supplement(
        7,
        3,
        1,
        "310000",
        ["A01"],
        AT,
        [{"vacated_place_id": 40, "venue_id": 1, "workstation": 5}],
        already_drawn=[1, 2, 3, 4, 5, 6],
        eligible=[1, 2, 3, 4, 5, 6, 7, 8],
        excluded={9: ["penalised"]},
    )
    assert frozen["candidates"] == [7, 8]
    members = rules.draw_supplement(bytes(32), frozen)
    assert len(members) == 1 and members[0] in (7, 8)
    assert members == rules.draw_supplement(bytes(32), frozen)


def test_a_supplementary_round_short_of_candidates_is_refused_whole():
    frozen = commitment.freeze_supplement(
        7,
        3,
        1,
        "310000",
        ["A01"],
        AT,
        [{"vacated_place_id": 40}, {"vacated_place_id": 41}],
        already_drawn=[1],
        eligible=[1, 2],
        excluded={},
    )
    with pytest.raises(rules.PoolShort):
        rules.draw_supplement(bytes(32), frozen)


def test_check_in_opens_at_the_configured_time_before_the_evaluation():
    with pytest.raises(RuleViolation):
        venue_rules.check_checkin_window(AT, AT - timedelta(minutes=121), 120)
    venue_rules.check_checkin_window(AT, AT - timedelta(minutes=120), 120)


def test_an_expert_who_declared_a_conflict_is_not_checked_in():
    with pytest.raises(RuleViolation) as error:
        venue_rules.check_checkin(True, True, True, False)
    assert error.value.code == "expert_recused"
