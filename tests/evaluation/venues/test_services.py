"""Committees spread over venues: quotas per venue, dispersed workstations, a clear refusal
when the pools or the venues cannot meet the quota, and a verifiable seating."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bidhall import clock as clock_module
from bidhall.db import db
from tests.fixtures.experts import EVALUATION_DAYS


def test_the_admin_opens_a_venue_with_its_local_supervisor_and_workstations(
    make_user, make_pool, api_for
):
    make_pool("310000")
    supervisor = make_user("supervisor")
    response = api_for(make_user("admin")).post(
        "/api/venues",
        json={
            "code": "SH-A",
            "name": "Shanghai room A",
            "region": "310000",
            "supervisor": supervisor.username,
            "workstations": 12,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    venue = response.get_json()
    assert venue | {"id": 0} == {
        "id": 0,
        "code": "SH-A",
        "name": "Shanghai room A",
        "region": "310000",
        "supervisor_id": supervisor.id,
        "workstations": 12,
    }
    listed = api_for(supervisor).get("/api/venues").get_json()
    assert [v["code"] for v in listed] == ["SH-A"]


def test_a_venue_needs_a_supervisor_as_its_local_supervisor(make_user, make_pool, api_for):
    make_pool("310000")
    response = api_for(make_user("admin")).post(
        "/api/venues",
        json={
            "code": "SH-A",
            "region": "310000",
            "supervisor_id": make_user("agency").id,
            "workstations": 5,
        },
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "not_a_supervisor"


def test_the_cli_opens_a_venue(runner, make_user, make_pool):
    make_pool("310000")
    supervisor = make_user("supervisor")
    result = runner.invoke(
        args=[
            "experts",
            "venue",
            "SH-B",
            "--region",
            "310000",
            "--supervisor",
            supervisor.username,
            "--workstations",
            "6",
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["workstations"] == 6


def test_each_member_gets_a_venue_of_its_region_and_its_own_workstation(seated):
    from evaluation.draws.services import get_draw

    draw = get_draw(seated.draw.id)
    members = [p for p in draw.places if p.status == "accepted"]
    by_venue = {}
    for place in members:
        by_venue.setdefault(place.venue_id, []).append(place)
    assert {v: len(p) for v, p in by_venue.items()} == {seated.main.id: 3, seated.secondary.id: 2}
    assert all(p.region == "310000" for p in by_venue[seated.main.id])
    assert all(p.region == "320000" for p in by_venue[seated.secondary.id])
    main_stations = [p.workstation for p in by_venue[seated.main.id]]
    assert len(set(main_stations)) == 3 and all(1 <= n <= 8 for n in main_stations)
    assert {p.workstation for p in by_venue[seated.secondary.id]} <= {1, 2, 3, 4}
    reserves = [p for p in draw.places if p.status == "reserve"]
    assert [p.venue_id for p in reserves] == [None, None]  # seated only when called


def test_the_agency_requests_a_draw_per_venue_through_the_api(
    world, tender, make_expert, make_venue, api_for
):
    main = make_venue("310000", workstations=5)
    secondary = make_venue("320000", workstations=5)
    for region in ("310000",) * 3 + ("320000",) * 2:
        make_expert(region=region)
    response = api_for(world.agency).post(
        f"/api/tenders/{tender.id}/draws",
        json={
            "specialties": ["A01"],
            "members": 5,
            "venues": [
                {"venue_id": main.id, "quota": 3, "role": "main"},
                {"venue_id": secondary.id, "quota": 2},
            ],
            "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()
    assert data["quotas"] == {"310000": 3, "320000": 2}
    assert [v["role"] for v in data["venues"]] == ["main", "secondary"]
    assert "places" not in data  # still counts only for the agency


def test_a_venue_without_enough_free_workstations_refuses_the_whole_draw(
    world, tender, make_expert, make_venue, draw_request
):
    from evaluation.draws import services
    from evaluation.draws.models import DrawPlace, ExpertDraw
    from evaluation.draws.rules import VenueShort

    small = make_venue("310000", workstations=2, code="TINY")
    for _ in range(5):
        make_expert(region="310000")
    with pytest.raises(VenueShort) as error:
        services.draw_experts(
            world.agency,
            tender.id,
            draw_request(venues=[{"venue_id": small.id, "quota": 5, "role": "main"}]),
        )
    assert "venue TINY has 2 free workstations for 5 members (short by 3)" in error.value.message
    assert db.session.scalar(select(func.count()).select_from(ExpertDraw)) == 0
    assert db.session.scalar(select(func.count()).select_from(DrawPlace)) == 0


def test_a_pool_short_of_a_venues_quota_refuses_with_the_region(
    world, tender, make_expert, make_venue, api_for
):
    main, secondary = make_venue("310000"), make_venue("320000")
    for region in ("310000",) * 3 + ("320000",):
        make_expert(region=region)
    response = api_for(world.agency).post(
        f"/api/tenders/{tender.id}/draws",
        json={
            "specialties": ["A01"],
            "members": 5,
            "venues": [
                {"venue_id": main.id, "quota": 3, "role": "main"},
                {"venue_id": secondary.id, "quota": 2},
            ],
            "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert (
        "region 320000 has 1 eligible experts for 2 places"
        in (response.get_json()["error"]["message"])
    )


def test_workstations_held_by_another_committee_that_day_are_not_given_again(
    world, make_tender, make_expert, make_venue, draw_request
):
    from evaluation.draws import services
    from evaluation.draws.rules import VenueShort

    first_tender, second_tender, third_tender = (make_tender("published") for _ in range(3))
    venue = make_venue("310000", workstations=7)
    for _ in range(15):
        make_expert(region="310000")
    first = services.draw_experts(
        world.agency,
        first_tender.id,
        draw_request(venues=[{"venue_id": venue.id, "quota": 5, "role": "main"}]),
    )
    taken = {p.workstation for p in first.places if p.status == "invited"}
    with pytest.raises(VenueShort):
        services.draw_experts(
            world.agency,
            second_tender.id,
            draw_request(venues=[{"venue_id": venue.id, "quota": 5, "role": "main"}]),
        )  # the same day: 2 of the 7 workstations are free for 5 members
    # another day: every workstation is free again
    later = services.draw_experts(
        world.agency,
        third_tender.id,
        draw_request(
            venues=[{"venue_id": venue.id, "quota": 5, "role": "main"}],
            scheduled_at=first.scheduled_at + timedelta(days=1),
        ),
    )
    assert later.frozen["venues"][0]["workstations"] == [1, 2, 3, 4, 5, 6, 7]
    assert len(taken) == 5


@pytest.mark.parametrize(
    ("venues", "code"),
    [
        ([{"quota": 3, "role": "main"}, {"quota": 2, "role": "main"}], "main_venue"),
        ([{"quota": 3}, {"quota": 2}], "main_venue"),
        ([{"quota": 3, "role": "main"}, {"quota": 2, "role": "remote"}], "venue_role"),
    ],
)
def test_a_committee_over_venues_has_exactly_one_main_venue(
    world, tender, make_venue, draw_request, venues, code
):
    from bidhall.errors import RuleViolation
    from evaluation.draws import services

    made = [make_venue("310000"), make_venue("320000")]
    request = draw_request(
        venues=[v | {"venue_id": venue.id} for v, venue in zip(venues, made, strict=True)]
    )
    with pytest.raises(RuleViolation) as error:
        services.draw_experts(world.agency, tender.id, request)
    assert error.value.code == code


def test_region_quotas_given_beside_venue_quotas_must_agree(
    world, tender, make_venue, draw_request
):
    from bidhall.errors import RuleViolation
    from evaluation.draws import services

    venue = make_venue("310000")
    request = draw_request(
        quotas={"310000": 5, "320000": 0},
        venues=[{"venue_id": venue.id, "quota": 5, "role": "main"}],
        members=5,
    )
    with pytest.raises(RuleViolation) as error:
        services.draw_experts(world.agency, tender.id, request)
    assert error.value.code == "quota_mismatch"


def test_a_published_draw_over_venues_verifies_with_its_seats_and_a_moved_seat_fails(
    seated, api_for, client, runner, tmp_path, world, tender, read_out
):
    assert api_for(world.agency).post(f"/api/draws/{seated.draw.id}/publish").status_code == 200
    read_out(tender)
    document = client.get(f"/api/draws/{seated.draw.id}/verification").get_json()
    assert document["frozen"]["format"] == "bidhall-draw/2"
    assert sorted(document["seats"]) == sorted([str(seated.main.id), str(seated.secondary.id)])
    path = tmp_path / "DRAW.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["draw", "verify", str(path)])
    assert result.exit_code == 0, result.output

    seats = document["seats"][str(seated.main.id)]
    seats[0][1], seats[1][1] = seats[1][1], seats[0][1]  # two members swap workstations
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["draw", "verify", str(path)])
    assert result.exit_code == 1
    assert "workstations" in result.output


def test_the_drawn_expert_learns_its_venue_and_workstation(seated, api_for, user_of):
    expert = seated.members_at(seated.secondary)[0]
    own = api_for(user_of(expert)).get(f"/api/draws/{seated.draw.id}").get_json()
    assert own["venue"]["code"] == "JS-B"
    assert 1 <= own["workstation"] <= 4
