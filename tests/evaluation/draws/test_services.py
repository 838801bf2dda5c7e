"""The draw through its services and API: recusal, quotas, reserves, verification."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bidhall import clock as clock_module
from bidhall.db import db
from tests.fixtures.experts import EVALUATION_DAYS

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment):
    return moment.astimezone(SHANGHAI).date().isoformat()


def places_by_status(draw_id):
    from evaluation.draws.services import get_draw

    draw = get_draw(draw_id)
    return {(p.region, p.position): p.status for p in draw.places}


def test_each_conflict_kind_is_excluded_with_its_reason(
    world, tender, holder, make_expert, draw_request
):
    from evaluation.draws import services

    scheduled = clock_module.now() + timedelta(days=EVALUATION_DAYS)
    bidder_org, tenderer_org = holder.organisation_id, world.tenderer_org.id
    conflicted = {
        "employer_bidder": make_expert(employer_organisation_id=bidder_org),
        "employer_tenderer": make_expert(employer_organisation_id=tenderer_org),
        "relation_bidder": make_expert(relations=f"relative:{bidder_org}:Wang Fang"),
        "relation_tenderer": make_expert(relations=f"shareholding:{tenderer_org}"),
        "unavailable": make_expert(unavailable=f"{local_date(scheduled)}/{local_date(scheduled)}"),
        "penalised": make_expert(penalised_until=local_date(scheduled + timedelta(days=30))),
        "no_certificate": make_expert(certificate=False),
    }
    clean = [make_expert() for _ in range(5)]
    other_field = make_expert(specialties="B02")  # not a candidate at all
    draw = services.draw_experts(world.agency, tender.id, draw_request(scheduled_at=scheduled))
    excluded = {e["expert_id"]: e["reasons"] for e in draw.frozen["excluded"]}
    assert excluded == {expert.id: [reason] for reason, expert in conflicted.items()}
    assert draw.frozen["regions"][0]["candidates"] == sorted(e.id for e in clean)
    assert {p.expert_id for p in draw.places} == {e.id for e in clean}
    assert other_field.id not in excluded


def test_the_draw_seats_the_quota_of_each_region_and_its_reserves(
    world, tender, make_expert, draw_request
):
    from evaluation.draws import services

    for _ in range(6):
        make_expert(region="310000", specialties="A0101;C03")
    for _ in range(4):
        make_expert(region="320000", specialties="A01")
    draw = services.draw_experts(
        world.agency,
        tender.id,
        draw_request(quotas={"310000": 3, "320000": 2}, reserves={"310000": 2, "320000": 1}),
    )
    statuses = places_by_status(draw.id)
    assert sorted(k for k, v in statuses.items() if v == "invited") == [
        ("310000", 0),
        ("310000", 1),
        ("310000", 2),
        ("320000", 0),
        ("320000", 1),
    ]
    assert sorted(k for k, v in statuses.items() if v == "reserve") == [
        ("310000", 3),
        ("310000", 4),
        ("320000", 2),
    ]
    assert len(draw.seed_sha256) == 64 and draw.state == "drawn"


def test_a_pool_short_of_its_quota_refuses_with_the_region_and_draws_nobody(
    world, tender, make_expert, draw_request, api_for
):
    from evaluation.draws.models import DrawPlace, ExpertDraw

    for _ in range(6):
        make_expert(region="310000")
    for _ in range(2):
        make_expert(region="320000")
    response = api_for(world.agency).post(
        f"/api/tenders/{tender.id}/draws",
        json={
            "specialties": ["A01"],
            "members": 5,
            "quotas": {"310000": 3, "320000": 2},
            "reserves": {"310000": 1, "320000": 1},
            "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
        },
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "pool_short"
    assert "region 320000 has 2 eligible experts for 3 places (short by 1)" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(ExpertDraw)) == 0
    assert db.session.scalar(select(func.count()).select_from(DrawPlace)) == 0


def test_an_even_committee_is_refused(world, tender, make_expert, draw_request):
    from bidhall.errors import RuleViolation
    from evaluation.draws import services

    with pytest.raises(RuleViolation) as error:
        services.draw_experts(world.agency, tender.id, draw_request(quotas={"310000": 6}))
    assert error.value.code == "committee_size"


def test_an_expert_who_served_the_tenderer_often_enough_is_excluded(
    world, make_tender, make_expert, draw_request, answer, monkeypatch
):
    from evaluation.draws import services

    experts = [make_expert() for _ in range(10)]
    first = services.draw_experts(world.agency, make_tender("published").id, draw_request())
    served = [p.expert_id for p in first.places]
    for expert in experts:
        if expert.id in served:
            assert answer(first.id, expert, True).status_code == 200
    # the default limit is 3 services in 12 months; the setting is lowered for this centre
    from bidhall import config

    monkeypatch.setitem(config.current(), "EXPERT_MAX_SERVICES", 1)
    second = services.draw_experts(world.agency, make_tender("published").id, draw_request())
    excluded = {e["expert_id"]: e["reasons"] for e in second.frozen["excluded"]}
    assert excluded == {expert_id: ["served_too_often"] for expert_id in served}
    assert not {p.expert_id for p in second.places} & set(served)


def test_a_decline_calls_the_next_reserve_of_the_region_in_draw_order(
    world, tender, make_expert, draw_request, answer
):
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(7))}
    draw = services.draw_experts(world.agency, tender.id, draw_request(reserves={"310000": 2}))
    order = {p.position: experts[p.expert_id] for p in draw.places}
    assert answer(draw.id, order[0], accept=False).get_json()["status"] == "declined"
    assert places_by_status(draw.id)[("310000", 5)] == "invited"
    assert places_by_status(draw.id)[("310000", 6)] == "reserve"
    assert answer(draw.id, order[1], accept=False).status_code == 200
    assert places_by_status(draw.id)[("310000", 6)] == "invited"
    # a reserve that is not (yet) called has nothing to answer
    assert answer(draw.id, order[5], accept=True).status_code == 200
    assert answer(draw.id, order[0], accept=True).status_code == 409


def test_no_answer_by_the_end_of_the_window_calls_the_next_reserve(
    world, tender, make_expert, draw_request, answer, clock
):
    from bidhall import scheduler
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(7))}
    draw = services.draw_experts(world.agency, tender.id, draw_request(reserves={"310000": 2}))
    order = {p.position: experts[p.expert_id] for p in draw.places}
    for position in (0, 1, 2, 3):
        assert answer(draw.id, order[position], True).status_code == 200
    clock.advance(minutes=119)
    assert scheduler.tick(clock.now())["evaluation"] == []
    clock.advance(minutes=1)
    report = scheduler.tick(clock.now())["evaluation"]
    assert [(r.draw_id, r.happened) for r in report] == [(draw.id, ("timed_out",))]
    statuses = places_by_status(draw.id)
    assert statuses[("310000", 4)] == "timed_out" and statuses[("310000", 5)] == "invited"
    late = answer(draw.id, order[4], True)
    assert late.status_code == 409
    clock.advance(minutes=120)
    scheduler.tick(clock.now())
    assert places_by_status(draw.id)[("310000", 6)] == "invited"
    assert scheduler.tick(clock.now())["evaluation"] == []  # idempotent


@pytest.fixture
def published(world, tender, make_expert, draw_request, answer, api_for):
    """A draw of 5 (with 1 reserve) whose members all accepted, then published."""
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(8))}
    draw = services.draw_experts(world.agency, tender.id, draw_request(reserves={"310000": 1}))
    for place in draw.places:
        if place.status == "invited":
            assert answer(draw.id, experts[place.expert_id], True).status_code == 200
    response = api_for(world.agency).post(f"/api/draws/{draw.id}/publish")
    assert response.status_code == 200, response.get_data(as_text=True)
    return draw, experts


@pytest.fixture
def verifiable(published, tender, read_out):
    """The published draw once its tender's opening is read out: its DRAW.json is served."""
    read_out(tender)
    return published


def test_the_published_draw_verifies_offline_and_tampering_fails(
    verifiable, client, runner, tmp_path
):
    draw, _experts = verifiable
    document = client.get(f"/api/draws/{draw.id}/verification").get_json()
    path = tmp_path / "DRAW.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["draw", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output

    tampered = json.loads(json.dumps(document))
    tampered["seed"] = "00" * 32
    path.write_text(json.dumps(tampered))
    result = runner.invoke(args=["draw", "verify", str(path)])
    assert result.exit_code == 1
    assert "commitment" in result.output

    tampered = json.loads(json.dumps(document))
    tampered["frozen"]["regions"][0]["candidates"].pop()
    path.write_text(json.dumps(tampered))
    result = runner.invoke(args=["draw", "verify", str(path)])
    assert result.exit_code == 1
    assert "candidate list" in result.output

    tampered = json.loads(json.dumps(document))
    members = tampered["committee"]["310000"]["members"]
    members[0], tampered["committee"]["310000"]["reserves"][0] = (
        tampered["committee"]["310000"]["reserves"][0],
        members[0],
    )
    path.write_text(json.dumps(tampered))
    assert runner.invoke(args=["draw", "verify", str(path)]).exit_code == 1


def test_the_seed_stays_secret_until_the_result_is_published(
    world, tender, make_expert, draw_request, client, api_for
):
    from evaluation.draws import services

    for _ in range(5):
        make_expert()
    draw = services.draw_experts(world.agency, tender.id, draw_request())
    for api in (client, api_for(world.supervisor), api_for(world.agency)):
        assert api.get(f"/api/draws/{draw.id}/verification").status_code == 404
    for viewer in (world.supervisor, world.agency):
        text = api_for(viewer).get(f"/api/draws/{draw.id}").get_data(as_text=True)
        assert draw.seed_hex not in text
    assert draw.seed_sha256 == hashlib.sha256(bytes.fromhex(draw.seed_hex)).hexdigest()


def test_an_expert_whose_certificate_was_revoked_is_excluded(
    world, tender, make_expert, draw_request
):
    from bidhall.crypto import services as crypto
    from evaluation.draws import services

    revoked = make_expert()
    certificate = crypto.active_certificate(revoked.user_id, "signing")
    crypto.revoke("system:test", certificate.serial, "key_compromise")
    assert crypto.active_certificate(revoked.user_id, "signing") is None
    for _ in range(5):
        make_expert()
    draw = services.draw_experts(world.agency, tender.id, draw_request())
    assert draw.frozen["excluded"] == [{"expert_id": revoked.id, "reasons": ["no_certificate"]}]


def test_the_agency_requests_a_draw_through_the_api_and_learns_counts_only(
    world, tender, make_user, make_expert, api_for
):
    experts = [make_expert(region="310000") for _ in range(4)]
    experts += [make_expert(region="320000", specialties="A0102") for _ in range(3)]
    body = {
        "specialties": ["a01"],
        "members": 5,
        "quotas": {"310000": 3, "320000": 2},
        "reserves": {"310000": 1},
        "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS + 1)).isoformat(),
    }
    other = api_for(make_user("agency")).post(f"/api/tenders/{tender.id}/draws", json=body)
    assert other.status_code == 403
    response = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()
    assert data["regions"]["310000"] == {
        "quota": 3,
        "invited": 3,
        "accepted": 0,
        "declined": 0,
        "timed_out": 0,
        "recused": 0,
        "reserve": 1,
        "excluded": 0,
    }
    assert data["regions"]["320000"]["invited"] == 2 and data["specialties"] == ["A01"]
    assert "places" not in data
    assert not any(e.name in response.get_data(as_text=True) for e in experts)
    again = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "draw_exists"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"members": "five"}, "members"),
        ({"quotas": []}, "quotas"),
        ({"scheduled_at": "2026-03-05T09:00"}, "scheduled_at"),
        ({"specialties": "A01"}, "specialties"),
    ],
)
def test_a_malformed_draw_request_is_refused_at_the_edge(world, tender, api_for, change, field):
    body = {
        "specialties": ["A01"],
        "members": 5,
        "quotas": {"310000": 5},
        "scheduled_at": "2026-03-05T09:00:00+08:00",
    } | change
    response = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["message"]


def test_a_relation_naming_only_a_person_of_a_bidder_or_the_tenderer_recuses_the_expert(
    world, tender, holder, make_user, make_expert, draw_request
):
    from evaluation.draws import services

    _rename(make_user("bidder", organisation=holder.organisation), "Wang  Fang")
    _rename(world.tenderer, "李雷")
    near_bidder = make_expert(relations="relative::wang fang")
    near_tenderer = make_expert(relations="relative::李 雷")
    unrelated = make_expert(relations="relative::Zhao Min")
    for _ in range(4):
        make_expert()
    draw = services.draw_experts(world.agency, tender.id, draw_request())
    excluded = {e["expert_id"]: e["reasons"] for e in draw.frozen["excluded"]}
    assert excluded == {near_bidder.id: ["person_bidder"], near_tenderer.id: ["person_tenderer"]}
    assert unrelated.id in draw.frozen["regions"][0]["candidates"]


def _rename(user, name):
    from bidhall.accounts.models import User

    with db.transaction() as session:
        session.get(User, user.id).display_name = name


def test_the_agency_declares_tenderers_representatives_beside_the_drawn_experts(
    world, tender, make_expert, api_for
):
    for _ in range(5):
        make_expert()
    body = {
        "specialties": ["A01"],
        "members": 7,
        "representatives": 2,
        "quotas": {"310000": 5},
        "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
    }
    response = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["representatives"] == 2
    assert response.get_json()["regions"]["310000"]["invited"] == 5


def test_too_many_tenderers_representatives_are_refused(world, tender, make_expert, api_for):
    body = {
        "specialties": ["A01"],
        "members": 5,
        "representatives": 2,
        "quotas": {"310000": 3},
        "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
    }
    response = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "representatives"


@pytest.mark.parametrize("after_deadline", [timedelta(days=-1), timedelta(0)])
def test_an_evaluation_scheduled_before_the_opening_is_refused_and_nothing_is_drawn(
    world, tender, make_expert, api_for, after_deadline
):
    from evaluation.draws.models import ExpertDraw

    deadline = tender.bid_deadline
    for _ in range(5):
        make_expert()
    body = {
        "specialties": ["A01"],
        "members": 5,
        "quotas": {"310000": 5},
        "scheduled_at": (deadline + after_deadline).isoformat(),
    }
    agency, url = api_for(world.agency), f"/api/tenders/{tender.id}/draws"
    response = agency.post(url, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "evaluation_before_opening"
    assert error["details"]["opening"] == deadline.isoformat()
    assert db.session.scalar(select(func.count()).select_from(ExpertDraw)) == 0
    body["scheduled_at"] = (deadline + timedelta(minutes=1)).isoformat()
    response = agency.post(url, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)


# --- the draw's own confirmation window ---------------------------------------------------------


def test_a_draws_answer_minutes_set_its_members_answer_due_at(
    world, tender, make_expert, draw_request, clock
):
    from evaluation.draws import services

    for _ in range(5):
        make_expert()

    draw = services.draw_experts(world.agency, tender.id, draw_request(answer_minutes=30))

    assert draw.answer_minutes == 30
    assert {p.answer_due_at for p in draw.places} == {clock.now() + timedelta(minutes=30)}


def test_a_reserve_called_later_gets_the_draws_own_window(
    world, tender, make_expert, draw_request, answer, clock
):
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(6))}
    draw = services.draw_experts(
        world.agency,
        tender.id,
        draw_request(reserves={"310000": 1}, answer_minutes=45),
    )
    member = next(experts[p.expert_id] for p in draw.places if p.status == "invited")
    clock.advance(minutes=10)

    answer(draw.id, member, accept=False)

    reserve = next(p for p in services.get_draw(draw.id).places if p.position == 5)
    assert reserve.answer_due_at == clock.now() + timedelta(minutes=45)


def test_a_supplementary_round_gets_the_draws_own_window(
    world, tender, make_expert, draw_request, answer, clock
):
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(7))}
    draw = services.draw_experts(world.agency, tender.id, draw_request(answer_minutes=20))
    member = next(experts[p.expert_id] for p in draw.places if p.status == "invited")
    clock.advance(minutes=5)

    answer(draw.id, member, accept=False)  # no reserve: a supplementary round at once

    supplementary = [p for p in services.get_draw(draw.id).places if p.round == 1]
    assert [p.answer_due_at for p in supplementary] == [clock.now() + timedelta(minutes=20)]


def test_without_answer_minutes_the_draw_keeps_the_platforms_setting(
    world, tender, make_expert, draw_request
):
    from evaluation.draws import services

    for _ in range(5):
        make_expert()

    draw = services.draw_experts(world.agency, tender.id, draw_request())

    assert draw.answer_minutes == 120


@pytest.mark.parametrize("minutes", [4, 1441])
def test_a_window_outside_5_to_1440_minutes_is_refused(
    world, tender, make_expert, draw_request, minutes
):
    from bidhall.errors import RuleViolation
    from evaluation.draws import services

    for _ in range(5):
        make_expert()

    with pytest.raises(RuleViolation) as refused:
        services.draw_experts(world.agency, tender.id, draw_request(answer_minutes=minutes))

    assert refused.value.code == "answer_minutes"


def test_the_api_takes_answer_minutes_and_shows_them(world, tender, make_expert, api_for, clock):
    from evaluation.draws import services

    for _ in range(5):
        make_expert()
    body = {
        "specialties": ["A01"],
        "members": 5,
        "quotas": {"310000": 5},
        "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
        "answer_minutes": 60,
    }

    response = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["answer_minutes"] == 60
    draw = services.get_draw(response.get_json()["id"])
    assert {p.answer_due_at for p in draw.places} == {clock.now() + timedelta(minutes=60)}


def test_the_api_refuses_answer_minutes_that_are_not_a_number(world, tender, api_for):
    body = {
        "specialties": ["A01"],
        "members": 5,
        "quotas": {"310000": 5},
        "scheduled_at": (clock_module.now() + timedelta(days=EVALUATION_DAYS)).isoformat(),
        "answer_minutes": "an hour",
    }

    response = api_for(world.agency).post(f"/api/tenders/{tender.id}/draws", json=body)

    assert response.status_code == 400
    assert "answer_minutes" in response.get_json()["error"]["message"]


# --- the signed commitment ----------------------------------------------------------------------


COMMITMENT_KEYS = {
    "format",
    "draw_id",
    "tender_id",
    "round",
    "list_format",
    "seed_sha256",
    "list_sha256",
    "exclusions_sha256",
    "committed_at",
}


def rehashed(document):
    """The draw file as someone rewriting it consistently would: the list's hash recomputed."""
    from evaluation.draws import commitment as draw_commitment

    document["list_sha256"] = draw_commitment.sha256_hex(
        draw_commitment.canonical(document["frozen"])
    )
    return document


@pytest.fixture
def draw_files(verifiable, client, tmp_path):
    """``draw_files(document=None) -> (DRAW.json, commitment.json, root.pem)`` of the published
    draw: its verification file (or ``document``), its signed commitment, the platform's root."""
    draw, _experts = verifiable

    def write(document=None):
        if document is None:
            document = client.get(f"/api/draws/{draw.id}/verification").get_json()
        paths = tmp_path / "DRAW.json", tmp_path / "commitment.json", tmp_path / "root.pem"
        paths[0].write_text(json.dumps(document))
        paths[1].write_bytes(client.get(f"/api/draws/{draw.id}/commitment").data)
        paths[2].write_bytes(client.get("/ca/root.pem").data)
        return paths

    return write


def verify_args(draw_file, commitment=None, root=None):
    args = ["draw", "verify", str(draw_file)]
    if commitment is not None:
        args += ["--commitment", str(commitment)]
    if root is not None:
        args += ["--root", str(root)]
    return args


def test_the_signed_commitment_is_public_right_after_the_commit_with_hashes_only(
    world, tender, holder, make_expert, draw_request, client
):
    from audit.ledger.models import LedgerEntry
    from evaluation.draws import commitment as draw_commitment
    from evaluation.draws import services

    experts = [make_expert() for _ in range(6)]
    excluded = make_expert(employer_organisation_id=holder.organisation_id)
    draw = services.draw_experts(world.agency, tender.id, draw_request())

    response = client.get(f"/api/draws/{draw.id}/commitment")  # anonymous, before the reveal

    assert draw.state == "drawn"
    assert response.status_code == 200
    body = response.get_json()["commitment"]
    assert set(body) == COMMITMENT_KEYS
    assert body == {
        "format": "bidhall-draw-commitment/1",
        "draw_id": draw.id,
        "tender_id": tender.id,
        "round": 0,
        "list_format": "bidhall-draw/1",
        "seed_sha256": draw.seed_sha256,
        "list_sha256": draw.list_sha256,
        "exclusions_sha256": draw_commitment.sha256_hex(
            draw_commitment.canonical(draw.frozen["excluded"])
        ),
        "committed_at": draw.created_at.isoformat(),
    }
    text = response.get_data(as_text=True)
    assert draw.seed_hex not in text
    assert not any(e.name in text for e in [*experts, excluded])
    payload = json.loads(
        db.session.scalar(select(LedgerEntry.payload).where(LedgerEntry.type == "draw.committed"))
    )
    # made and signed in the commit's own unit: the ledger holds its hash
    assert payload["commitment_sha256"] == hashlib.sha256(response.data).hexdigest()
    assert payload["exclusions_sha256"] == body["exclusions_sha256"]


def test_the_commitments_signature_verifies_against_the_platforms_root(draw_files, client):
    from bidhall.crypto import signed

    _draw_file, commitment, root = draw_files()

    body = signed.verify(
        json.loads(commitment.read_text()),
        "commitment",
        "bidhall-draw-commitment/1",
        "draw commitment",
        root.read_text(),
    )

    assert body["round"] == 0


def test_an_honest_draw_file_passes_against_its_signed_commitment(draw_files, runner):
    draw_file, commitment, root = draw_files()

    result = runner.invoke(args=verify_args(draw_file, commitment, root))

    assert result.exit_code == 0, result.output
    assert "committed" in result.output and "root given" in result.output
    assert "internal consistency" not in result.output


def test_a_file_whose_exclusions_were_removed_and_list_rehashed_fails_against_the_commitment(
    world,
    tender,
    holder,
    make_expert,
    draw_request,
    answer,
    api_for,
    read_out,
    client,
    runner,
    tmp_path,
):
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(5))}
    make_expert(employer_organisation_id=holder.organisation_id)
    draw = services.draw_experts(world.agency, tender.id, draw_request())
    for place in draw.places:
        assert answer(draw.id, experts[place.expert_id], True).status_code == 200
    assert api_for(world.agency).post(f"/api/draws/{draw.id}/publish").status_code == 200
    read_out(tender)
    document = client.get(f"/api/draws/{draw.id}/verification").get_json()
    assert document["frozen"]["excluded"]
    document["frozen"]["excluded"] = []
    draw_file = tmp_path / "DRAW.json"
    draw_file.write_text(json.dumps(rehashed(document)))
    commitment = tmp_path / "commitment.json"
    commitment.write_bytes(client.get(f"/api/draws/{draw.id}/commitment").data)

    alone = runner.invoke(args=verify_args(draw_file))
    against = runner.invoke(args=verify_args(draw_file, commitment))

    # consistent in itself, so the file alone passes, and says that is all it showed
    assert alone.exit_code == 0, alone.output
    assert "only the file's internal consistency was checked" in alone.output
    assert against.exit_code == 1
    assert "the exclusions do not hash to the committed exclusions_sha256" in against.output
    assert "the candidate list does not hash to the committed list_sha256" in against.output
    assert "seed does not" not in against.output


def test_a_file_with_another_seed_recomputed_consistently_fails_naming_the_seed(
    published, draw_files, runner
):
    import secrets

    from evaluation.draws import commitment as draw_commitment
    from evaluation.draws import rules

    draw_file, commitment, _root = draw_files()
    document = json.loads(draw_file.read_text())
    seed = secrets.token_bytes(32)
    document["seed"], document["seed_sha256"] = seed.hex(), draw_commitment.sha256_hex(seed)
    document["committee"] = rules.draw(seed, document["frozen"])
    draw_file.write_text(json.dumps(document))

    assert runner.invoke(args=verify_args(draw_file)).exit_code == 0
    result = runner.invoke(args=verify_args(draw_file, commitment))

    assert result.exit_code == 1
    assert "the seed does not hash to the committed seed_sha256" in result.output
    assert "candidate list does not" not in result.output


def test_a_commitment_with_one_changed_digit_fails(draw_files, runner):
    draw_file, commitment, root = draw_files()
    document = json.loads(commitment.read_text())
    digest = document["commitment"]["list_sha256"]
    document["commitment"]["list_sha256"] = ("1" if digest[0] != "1" else "2") + digest[1:]
    commitment.write_text(json.dumps(document))

    result = runner.invoke(args=verify_args(draw_file, commitment, root))

    assert result.exit_code == 1
    assert "signature does not verify" in result.output


def test_a_commitment_checked_against_another_root_fails(draw_files, runner, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from tests.kernel.test_envelope import Party

    draw_file, commitment, _root = draw_files()
    other_root = tmp_path / "other-root.pem"
    other_root.write_bytes(
        Party("other-root", ed25519.Ed25519PrivateKey.generate()).signing_cert.public_bytes(
            serialization.Encoding.PEM
        )
    )

    result = runner.invoke(args=verify_args(draw_file, commitment, other_root))

    assert result.exit_code == 1
    assert "does not chain to the platform's root" in result.output


def test_a_commitment_of_another_draw_is_refused(
    published, draw_files, world, make_tender, make_expert, draw_request, client, runner
):
    from evaluation.draws import services

    draw_file, commitment, root = draw_files()
    for _ in range(5):
        make_expert()
    other = services.draw_experts(world.agency, make_tender("published").id, draw_request())
    commitment.write_bytes(client.get(f"/api/draws/{other.id}/commitment").data)

    result = runner.invoke(args=verify_args(draw_file, commitment, root))

    assert result.exit_code == 1
    assert f"the commitment is for draw {other.id}" in result.output


def test_a_root_without_a_commitment_is_a_usage_error(draw_files, runner):
    draw_file, _commitment, root = draw_files()

    result = runner.invoke(args=verify_args(draw_file, root=root))

    assert result.exit_code == 2
    assert "--commitment" in result.output


def test_an_unreadable_commitment_file_exits_2(draw_files, runner):
    draw_file, commitment, _root = draw_files()
    commitment.write_text("not json")

    result = runner.invoke(args=verify_args(draw_file, commitment))

    assert result.exit_code == 2
    assert f"{commitment} is not a signed draw commitment" in result.output


def test_there_is_no_commitment_of_an_unknown_draw_or_round(published, client):
    draw, _experts = published

    assert client.get("/api/draws/999999/commitment").status_code == 404
    missing = client.get(f"/api/draws/{draw.id}/commitment?round=1")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "commitment_not_found"
    assert client.get(f"/api/draws/{draw.id}/commitment?round=one").status_code == 400


def test_a_root_that_is_not_a_certificate_exits_2(draw_files, runner):
    draw_file, commitment, root = draw_files()
    root.write_text("not a certificate")

    result = runner.invoke(args=verify_args(draw_file, commitment, root))

    assert result.exit_code == 2
    assert f"{root} is not a PEM certificate" in result.output
