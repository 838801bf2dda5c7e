"""When a region's reserves run out, a supplementary round (a new commit/reveal draw among the
remaining eligible experts) fills the empty seats; it is recorded and verifiable."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bidhall.db import db


@pytest.fixture
def exhausted(world, tender, make_expert, draw_request, answer):
    """A committee of 5 with 1 reserve from a pool of 9: two members decline, so the reserve
    is called and then the region's reserves run out."""
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(9))}
    draw = services.draw_experts(world.agency, tender.id, draw_request(reserves={"310000": 1}))
    members = [experts[p.expert_id] for p in draw.places if p.status == "invited"]
    assert answer(draw.id, members[0], False).status_code == 200  # the reserve takes this seat
    assert answer(draw.id, members[1], False).status_code == 200  # nobody left: a new round
    return draw, experts, members


def test_a_supplementary_round_fills_the_seat_once_the_reserves_run_out(exhausted):
    from evaluation.draws.models import DrawRound
    from evaluation.draws.services import get_draw
    from evaluation.draws.supplements import vacancies

    draw, _experts, members = exhausted
    rounds = list(db.session.scalars(select(DrawRound).where(DrawRound.draw_id == draw.id)))
    assert [(r.number, r.state, r.region) for r in rounds] == [(1, "drawn", "310000")]
    places = get_draw(draw.id).places
    newcomer = next(p for p in places if p.round == 1)
    assert newcomer.status == "invited"
    assert newcomer.expert_id not in {p.expert_id for p in places if p.round == 0}
    declined = next(p for p in places if p.expert_id == members[1].id)
    assert declined.replaced_by_id == newcomer.id
    assert vacancies(draw.id) == {}


def test_the_supplementary_round_commits_before_it_draws(exhausted):
    from audit.ledger.models import LedgerEntry

    kinds = list(
        db.session.scalars(
            select(LedgerEntry.type)
            .where(LedgerEntry.type.like("draw.%"))
            .order_by(LedgerEntry.seq)
        )
    )
    tail = kinds[kinds.index("draw.reserves_exhausted") :]
    assert tail == ["draw.reserves_exhausted", "draw.supplement_committed", "draw.supplement_drawn"]


def test_the_supplementary_round_verifies_and_a_changed_round_seed_fails(
    exhausted, answer, api_for, world, tender, read_out, client, runner, tmp_path
):
    from evaluation.draws.services import get_draw

    draw, experts, _members = exhausted
    for place in get_draw(draw.id).places:
        if place.status == "invited":
            assert answer(draw.id, experts[place.expert_id], True).status_code == 200
    assert api_for(world.agency).post(f"/api/draws/{draw.id}/publish").status_code == 200
    read_out(tender)
    document = client.get(f"/api/draws/{draw.id}/verification").get_json()
    assert [s["round"] for s in document["supplements"]] == [1]
    path = tmp_path / "DRAW.json"
    path.write_text(json.dumps(document))
    assert runner.invoke(args=["draw", "verify", str(path)]).exit_code == 0

    document["supplements"][0]["seed"] = "11" * 32
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["draw", "verify", str(path)])
    assert result.exit_code == 1
    assert "supplementary round 1" in result.output


def test_each_supplementary_round_publishes_its_signed_commitment_when_it_commits(
    exhausted, client
):
    from evaluation.draws import commitment
    from evaluation.draws.models import DrawRound

    draw, experts, _members = exhausted
    round_ = db.session.scalar(select(DrawRound).where(DrawRound.draw_id == draw.id))

    response = client.get(f"/api/draws/{draw.id}/commitment?round=1")  # before the reveal

    assert response.status_code == 200
    assert response.get_json()["commitment"] == {
        "format": "bidhall-draw-commitment/1",
        "draw_id": draw.id,
        "tender_id": draw.tender_id,
        "round": 1,
        "region": "310000",
        "list_format": "bidhall-draw-supplement/1",
        "seed_sha256": round_.seed_sha256,
        "list_sha256": round_.list_sha256,
        "exclusions_sha256": commitment.sha256_hex(commitment.canonical(round_.frozen["excluded"])),
        "committed_at": round_.created_at.isoformat(),
    }
    assert not any(e.name in response.get_data(as_text=True) for e in experts.values())


def test_a_rewritten_supplementary_round_fails_against_its_commitment(
    exhausted, answer, api_for, world, tender, read_out, client, runner, tmp_path
):
    from evaluation.draws import commitment
    from evaluation.draws.services import get_draw

    draw, experts, _members = exhausted
    for place in get_draw(draw.id).places:
        if place.status == "invited":
            assert answer(draw.id, experts[place.expert_id], True).status_code == 200
    assert api_for(world.agency).post(f"/api/draws/{draw.id}/publish").status_code == 200
    read_out(tender)
    document = client.get(f"/api/draws/{draw.id}/verification").get_json()
    supplement = document["supplements"][0]
    supplement["frozen"]["excluded"].append({"expert_id": 999999, "reasons": ["penalised"]})
    supplement["list_sha256"] = commitment.sha256_hex(commitment.canonical(supplement["frozen"]))
    path = tmp_path / "DRAW.json"
    path.write_text(json.dumps(document))
    main, first = tmp_path / "commitment.json", tmp_path / "commitment-1.json"
    main.write_bytes(client.get(f"/api/draws/{draw.id}/commitment").data)
    first.write_bytes(client.get(f"/api/draws/{draw.id}/commitment?round=1").data)

    main_only = runner.invoke(args=["draw", "verify", str(path), "--commitment", str(main)])
    both = runner.invoke(
        args=["draw", "verify", str(path), "--commitment", str(main), "--commitment", str(first)]
    )

    assert main_only.exit_code == 0, main_only.output
    assert "supplementary round 1: only its internal consistency was checked" in main_only.output
    assert both.exit_code == 1
    assert (
        "supplementary round 1: the exclusions do not hash to the committed exclusions_sha256"
        in both.output
    )


def test_an_exhausted_pool_is_recorded_once_and_blocks_publication(
    world, tender, make_expert, draw_request, answer, api_for, clock
):
    from bidhall import scheduler
    from evaluation.draws import services
    from evaluation.draws.models import DrawRound

    experts = {e.id: e for e in (make_expert() for _ in range(5))}
    draw = services.draw_experts(world.agency, tender.id, draw_request())
    members = [experts[p.expert_id] for p in draw.places]
    for expert in members[1:]:
        assert answer(draw.id, expert, True).status_code == 200
    assert answer(draw.id, members[0], False).status_code == 200
    clock.advance(minutes=1)
    scheduler.tick(clock.now())  # no second attempt for the same seat
    rounds = list(db.session.scalars(select(DrawRound).where(DrawRound.draw_id == draw.id)))
    assert [(r.number, r.state) for r in rounds] == [(1, "short")]
    response = api_for(world.agency).post(f"/api/draws/{draw.id}/publish")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "seats_vacant"


def test_a_seat_left_by_a_timeout_is_filled_by_the_tick(
    world, tender, make_expert, draw_request, answer, clock
):
    from bidhall import scheduler
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(7))}
    draw = services.draw_experts(world.agency, tender.id, draw_request())
    members = [experts[p.expert_id] for p in draw.places]
    for expert in members[1:]:
        assert answer(draw.id, expert, True).status_code == 200
    clock.advance(minutes=120)
    report = scheduler.tick(clock.now())["evaluation"]
    assert [(r.draw_id, r.happened) for r in report] == [
        (draw.id, ("timed_out",)),
        (draw.id, ("supplement_drawn",)),
    ]
    assert sum(1 for p in services.get_draw(draw.id).places if p.status == "invited") == 1
