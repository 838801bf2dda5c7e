"""Check-in at a venue: the expert's recusal declaration signed with its certificate, the local
supervisor's identity check and phone box, attendance in and out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest


@pytest.fixture
def on_the_day(opened, clock):
    """The bids read out at the opening, the clock at the evaluation's start: check-in is open."""
    clock.set(opened.draw.scheduled_at)
    return opened


def test_the_declaration_is_canonical_json_naming_the_tender_the_bids_read_out_and_the_seat(
    on_the_day, api_for, user_of, holder
):
    expert = on_the_day.members_at(on_the_day.main)[0]
    answer = api_for(user_of(expert)).get(f"/api/draws/{on_the_day.draw.id}/declaration")
    assert answer.status_code == 200
    data = answer.get_json()
    document = data["document"]
    assert document["format"] == "bidhall-recusal/1"
    # the bidders whose bids the hall read out, not the firm that only holds the documents
    read = sorted(seat.user.organisation.name for seat in on_the_day.hall.bidders)
    assert document["bidders"] == read and holder.organisation.name not in read
    assert document["venue"]["code"] == "SH-A" and document["no_conflict"] is True
    assert data["signed_bytes"] == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def test_a_declaration_signed_with_the_experts_key_is_kept(on_the_day, declare):
    expert = on_the_day.members_at(on_the_day.main)[0]
    response = declare(on_the_day.draw.id, expert)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["no_conflict"] is True
    again = declare(on_the_day.draw.id, expert)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_declared"


def test_a_declaration_signed_by_another_key_is_refused(on_the_day, api_for, user_of, expert_keys):
    from bidhall.crypto import keys
    from evaluation.draws import commitment

    expert, other = on_the_day.members_at(on_the_day.main)[:2]
    api = api_for(user_of(expert))
    document = api.get(f"/api/draws/{on_the_day.draw.id}/declaration").get_json()["document"]
    forged = expert_keys[other.id].signing_key.sign(commitment.canonical(document))
    response = api.post(
        f"/api/draws/{on_the_day.draw.id}/declaration",
        json={"no_conflict": True, "signature": keys.b64(forged)},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bad_signature"


def test_a_declaration_signed_over_other_bytes_is_refused(
    on_the_day, api_for, user_of, expert_keys
):
    from bidhall.crypto import keys
    from evaluation.draws import commitment

    expert = on_the_day.members_at(on_the_day.main)[0]
    api = api_for(user_of(expert))
    document = api.get(f"/api/draws/{on_the_day.draw.id}/declaration").get_json()["document"]
    # signs "no conflict" but posts a declared conflict: the rebuilt bytes differ
    signature = expert_keys[expert.id].signing_key.sign(commitment.canonical(document))
    response = api.post(
        f"/api/draws/{on_the_day.draw.id}/declaration",
        json={"no_conflict": False, "note": "my brother", "signature": keys.b64(signature)},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bad_signature"


def test_an_expert_whose_certificate_was_revoked_cannot_declare(
    on_the_day, api_for, user_of, expert_keys
):
    from bidhall.crypto import keys
    from bidhall.crypto import services as crypto
    from evaluation.draws import commitment

    expert = on_the_day.members_at(on_the_day.main)[0]
    api = api_for(user_of(expert))
    document = api.get(f"/api/draws/{on_the_day.draw.id}/declaration").get_json()["document"]
    certificate = crypto.active_certificate(expert.user_id, "signing")
    crypto.revoke("system:test", certificate.serial, "key_compromise")
    signature = expert_keys[expert.id].signing_key.sign(commitment.canonical(document))
    response = api.post(
        f"/api/draws/{on_the_day.draw.id}/declaration",
        json={"no_conflict": True, "signature": keys.b64(signature), "document": document},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "no_certificate"


def test_the_cli_signs_a_declaration_offline_with_the_experts_key_file(
    on_the_day, api_for, user_of, expert_keys, runner, tmp_path, monkeypatch
):
    from bidhall.crypto import keys

    expert = on_the_day.members_at(on_the_day.main)[0]
    key_file = tmp_path / "expert.key"
    keys.save_bundle(key_file, expert_keys[expert.id], "expert passphrase 1", iterations=1000)
    api = api_for(user_of(expert))
    fetched = tmp_path / "declaration.json"
    fetched.write_text(
        api.get(f"/api/draws/{on_the_day.draw.id}/declaration").get_data(as_text=True)
    )
    monkeypatch.setenv("BIDHALL_KEY_PASSPHRASE", "expert passphrase 1")
    signed = tmp_path / "signed.json"
    result = runner.invoke(
        args=["experts", "declare", str(fetched), "--key", str(key_file), "--output", str(signed)]
    )
    assert result.exit_code == 0, result.output
    response = api.post(
        f"/api/draws/{on_the_day.draw.id}/declaration", json=json.loads(signed.read_text())
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def test_declaring_a_conflict_recuses_the_expert_and_calls_the_reserve_to_its_seat(
    on_the_day, declare
):
    from evaluation.draws.services import get_draw

    expert = on_the_day.members_at(on_the_day.main)[0]
    before = {p.expert_id: p for p in get_draw(on_the_day.draw.id).places}
    seat = (before[expert.id].venue_id, before[expert.id].workstation)
    response = declare(on_the_day.draw.id, expert, no_conflict=False, note="my cousin bids")
    assert response.status_code == 201
    places = get_draw(on_the_day.draw.id).places
    recused = next(p for p in places if p.expert_id == expert.id)
    assert recused.status == "recused"
    called = next(p for p in places if p.id == recused.replaced_by_id)
    assert called.status == "invited" and called.region == "310000"
    assert (called.venue_id, called.workstation) == seat


def test_a_conflict_needs_a_note(on_the_day, declare):
    expert = on_the_day.members_at(on_the_day.main)[0]
    response = declare(on_the_day.draw.id, expert, no_conflict=False, note="")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "conflict_note"


def checkin(api, draw_id, expert, identity=True, phone=True):
    return api.post(
        f"/api/draws/{draw_id}/checkins",
        json={"expert_id": expert.id, "identity_confirmed": identity, "phone_handed_in": phone},
    )


def test_the_local_supervisor_checks_a_declared_expert_in_and_out(
    on_the_day, declare, api_for, clock
):
    draw_id = on_the_day.draw.id
    expert = on_the_day.members_at(on_the_day.main)[0]
    assert declare(draw_id, expert).status_code == 201
    supervisor = api_for(on_the_day.main_supervisor)
    response = checkin(supervisor, draw_id, expert)
    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.get_json()
    assert record["phone_handed_in"] and record["identity_confirmed"]
    assert record["checked_in_at"] == clock.now().isoformat()
    assert checkin(supervisor, draw_id, expert).get_json()["error"]["code"] == "already_checked_in"
    clock.advance(hours=3)
    out = supervisor.post(
        f"/api/draws/{draw_id}/checkouts", json={"expert_id": expert.id, "bids_reviewed": 4}
    )
    assert out.status_code == 200
    assert out.get_json()["checked_out_at"] == clock.now().isoformat()


@pytest.mark.parametrize(
    ("identity", "phone", "code"),
    [(False, True, "identity_unconfirmed"), (True, False, "phone_not_handed_in")],
)
def test_check_in_needs_the_identity_confirmed_and_the_phone_handed_in(
    on_the_day, declare, api_for, identity, phone, code
):
    expert = on_the_day.members_at(on_the_day.main)[0]
    declare(on_the_day.draw.id, expert)
    response = checkin(
        api_for(on_the_day.main_supervisor), on_the_day.draw.id, expert, identity, phone
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_check_in_needs_the_signed_declaration(on_the_day, api_for):
    expert = on_the_day.members_at(on_the_day.main)[0]
    response = checkin(api_for(on_the_day.main_supervisor), on_the_day.draw.id, expert)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "declaration_missing"


def test_only_the_venues_own_supervisor_checks_its_experts_in(on_the_day, declare, api_for, world):
    expert = on_the_day.members_at(on_the_day.main)[0]
    declare(on_the_day.draw.id, expert)
    for other in (on_the_day.secondary_supervisor, world.supervisor):
        response = checkin(api_for(other), on_the_day.draw.id, expert)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "not_local_supervisor"
    assert checkin(api_for(world.agency), on_the_day.draw.id, expert).status_code == 403


def test_check_in_opens_two_hours_before_the_evaluation(opened, declare, api_for, clock):
    expert = opened.members_at(opened.main)[0]
    declare(opened.draw.id, expert)
    clock.set(opened.draw.scheduled_at - timedelta(hours=2, minutes=1))
    response = checkin(api_for(opened.main_supervisor), opened.draw.id, expert)
    assert response.get_json()["error"]["code"] == "checkin_not_open"
    clock.advance(minutes=1)
    assert checkin(api_for(opened.main_supervisor), opened.draw.id, expert).status_code == 201


def test_the_roster_shows_the_local_supervisor_only_its_venues_seats(on_the_day, api_for, world):
    local = api_for(on_the_day.secondary_supervisor).get(f"/api/draws/{on_the_day.draw.id}/roster")
    seats = local.get_json()["seats"]
    assert [s["venue"] for s in seats] == ["JS-B", "JS-B"] and all(s["local"] for s in seats)
    watching = api_for(world.supervisor).get(f"/api/draws/{on_the_day.draw.id}/roster")
    assert len(watching.get_json()["seats"]) == 5
    assert not any(s["local"] for s in watching.get_json()["seats"])


def test_checking_in_and_out_is_recorded_in_the_ledger(on_the_day, declare, api_for, clock):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    expert = on_the_day.members_at(on_the_day.main)[0]
    declare(on_the_day.draw.id, expert)
    supervisor = api_for(on_the_day.main_supervisor)
    checkin(supervisor, on_the_day.draw.id, expert)
    clock.advance(hours=1)
    supervisor.post(f"/api/draws/{on_the_day.draw.id}/checkouts", json={"expert_id": expert.id})
    kinds = list(
        db.session.scalars(
            select(LedgerEntry.type)
            .where(LedgerEntry.type.like("expert.%"))
            .order_by(LedgerEntry.seq)
        )
    )
    assert kinds[-3:] == ["expert.declared", "expert.checked_in", "expert.checked_out"]


# --- Law Art 22: the declaration names the bidders, so nothing before the reading out ----------


def test_before_the_reading_out_the_declaration_is_refused_saying_from_when(
    seated, api_for, user_of, tender, seal_bids, clock
):
    from bidhall.crypto import keys

    hall = seal_bids(tender)
    names = [seat.user.organisation.name for seat in hall.bidders]
    expert = seated.members_at(seated.main)[0]
    api = api_for(user_of(expert))
    url = f"/api/draws/{seated.draw.id}/declaration"
    # accepted days before the deadline, and at the opening itself, until the bids are read out
    for moment in (clock.now(), tender.bid_deadline):
        hall.tick_at(moment)
        for response in (
            api.get(url),
            api.post(url, json={"no_conflict": True, "signature": keys.b64(b"x" * 64)}),
        ):
            assert response.status_code == 422
            error = response.get_json()["error"]
            assert error["code"] == "declaration_not_yet"
            assert error["details"]["opening"] == tender.bid_deadline.isoformat()
            assert not any(name in response.get_data(as_text=True) for name in names)
    hall.read_out()
    assert api.get(url).status_code == 200


def test_before_the_reading_out_check_in_is_refused_saying_when(seated, api_for, clock):
    # the evaluation's day, check-in open, but the opening never read the bids out
    clock.set(seated.draw.scheduled_at)
    expert = seated.members_at(seated.main)[0]
    response = checkin(api_for(seated.main_supervisor), seated.draw.id, expert)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "declaration_not_yet"


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "only from the reading out of the bids"), ("zh", "唱标后方可签署")],
)
def test_the_check_in_page_says_check_in_waits_for_the_reading_out(
    seated, login, clock, language, said
):
    import html

    from tests.fixtures.app import csrf_token

    clock.set(seated.draw.scheduled_at)
    expert = seated.members_at(seated.main)[0]
    browser = login(seated.main_supervisor)
    page = f"/checkin/draws/{seated.draw.id}"
    response = browser.post(
        f"{page}/arrive",
        data={
            "csrf_token": csrf_token(browser, page),
            "expert_id": str(expert.id),
            "identity_confirmed": "y",
            "phone_handed_in": "y",
        },
        headers={"Accept-Language": language},
    )
    assert response.status_code == 422
    assert said in html.unescape(response.get_data(as_text=True))
