"""Who learns whom: names only for supervisors and the drawn expert itself until the result is
published; the agency sees counts and confirmation status; bidders and everyone else nothing.
The public draw document names nobody; and until the tender's reading out nobody learns which
experts were excluded or why (Law Art 22)."""

from __future__ import annotations

import pytest


@pytest.fixture
def drawn(world, tender, holder, make_user, make_expert, draw_request, api_for, client, answer):
    from evaluation.draws import services

    experts = {e.id: e for e in (make_expert() for _ in range(6))}
    # works for the holder of the documents: excluded, and the reason would name the holder
    make_expert(employer_organisation_id=holder.organisation_id)
    draw = services.draw_experts(world.agency, tender.id, draw_request(reserves={"310000": 1}))
    members = [experts[p.expert_id] for p in draw.places if p.status == "invited"]
    reserve = next(experts[p.expert_id] for p in draw.places if p.status == "reserve")
    assert answer(draw.id, members[0], True).status_code == 200
    outsider_expert = make_expert()  # in the pool, not drawn
    viewers = {
        "anonymous": client,
        "agency": api_for(world.agency),
        "tenderer": api_for(world.tenderer),
        "other_agency": api_for(make_user("agency")),
        "bidder": api_for(holder),
        "supervisor": api_for(world.supervisor),
        "admin": api_for(make_user("admin")),
        "undrawn_expert": api_for(db_user(outsider_expert)),
        "member": api_for(db_user(members[0])),
        "reserve": api_for(db_user(reserve)),
    }
    names = [e.name for e in experts.values() if e.id in {p.expert_id for p in draw.places}]
    return draw, viewers, names, members[0]


def db_user(expert):
    from bidhall.accounts.models import User
    from bidhall.db import db

    return db.session.get(User, expert.user_id)


def test_before_publication_each_role_sees_only_its_share(drawn):
    draw, viewers, names, member = drawn
    seen = {}
    for role, api in viewers.items():
        response = api.get(f"/api/draws/{draw.id}")
        text = response.get_data(as_text=True)
        seen[role] = (response.status_code, [n for n in names if f'"{n}"' in text])
    assert seen["supervisor"] == (200, sorted(names, key=names.index))
    for role in ("agency", "tenderer"):
        assert seen[role] == (200, []), role
    assert seen["member"] == (200, [])  # its own invitation, not even its own name echoed back
    assert seen["reserve"] == (200, [])
    for role in ("other_agency", "bidder", "admin", "undrawn_expert"):
        assert seen[role] == (404, []), role
    assert seen["anonymous"][0] == 401


def test_the_agency_sees_counts_and_confirmation_status(drawn):
    draw, viewers, _names, _member = drawn
    data = viewers["agency"].get(f"/api/draws/{draw.id}").get_json()
    assert data["regions"] == {
        "310000": {
            "quota": 5,
            "invited": 4,
            "accepted": 1,
            "declined": 0,
            "timed_out": 0,
            "recused": 0,
            "reserve": 1,
            "excluded": 1,
        }
    }
    assert "places" not in data and "exclusions" not in data


def test_the_drawn_expert_sees_its_own_invitation(drawn):
    draw, viewers, _names, _member = drawn
    own = viewers["member"].get(f"/api/draws/{draw.id}").get_json()
    assert own["status"] == "accepted" and own["draw_id"] == draw.id
    assert "places" not in own and "expert_id" not in own
    invitations = viewers["member"].get("/api/my/invitations").get_json()
    assert [i["draw_id"] for i in invitations] == [draw.id]
    assert viewers["reserve"].get("/api/my/invitations").get_json() == []


def publish(draw, viewers, answer):
    from evaluation.draws import services

    for place in services.get_draw(draw.id).places:
        if place.status == "invited":
            assert answer(draw.id, place.expert, True).status_code == 200
    assert viewers["supervisor"].post(f"/api/draws/{draw.id}/publish").status_code == 200


def test_after_publication_the_managers_see_the_names(drawn, answer):
    draw, viewers, names, _member = drawn
    publish(draw, viewers, answer)
    text = viewers["agency"].get(f"/api/draws/{draw.id}").get_data(as_text=True)
    assert all(f'"{n}"' in text for n in names)
    assert viewers["bidder"].get(f"/api/draws/{draw.id}").status_code == 404


def test_the_draw_document_waits_for_the_tenders_reading_out(drawn, answer, tender, read_out):
    draw, viewers, _names, _member = drawn
    publish(draw, viewers, answer)
    early = {
        role: viewers[role].get(f"/api/draws/{draw.id}/verification")
        for role in ("anonymous", "bidder", "supervisor", "agency")
    }
    read_out(tender)

    for role, response in early.items():
        assert response.status_code == 404, role
        error = response.get_json()["error"]
        assert error["code"] == "draw_not_verifiable_yet", role
        assert "reading out" in error["message"]
    assert viewers["anonymous"].get(f"/api/draws/{draw.id}/verification").status_code == 200


def test_the_draw_document_names_the_experts_only_to_the_supervisor_and_the_managers(
    drawn, answer, tender, read_out
):
    """Law Art 38: the names are secret until the result; the file's check needs ids only."""
    draw, viewers, names, _member = drawn
    publish(draw, viewers, answer)
    read_out(tender)

    documents = {
        role: viewers[role].get(f"/api/draws/{draw.id}/verification")
        for role in ("anonymous", "bidder", "undrawn_expert", "supervisor", "agency", "tenderer")
    }

    for role in ("anonymous", "bidder", "undrawn_expert"):
        assert documents[role].status_code == 200, role
        assert not [n for n in names if n in documents[role].get_data(as_text=True)], role
        drawn_experts = documents[role].get_json()["drawn"]
        assert [e for e in drawn_experts.values() if "name" in e] == [], role
    for role in ("supervisor", "agency", "tenderer"):
        drawn_experts = documents[role].get_json()["drawn"]
        assert sorted(e["name"] for e in drawn_experts.values()) == sorted(names), role


def test_before_the_reading_out_nobody_sees_who_was_excluded_or_why(drawn, answer, holder):
    """Law Art 22: "employer_bidder" next to an expert tells who holds the documents."""
    draw, viewers, _names, _member = drawn
    publish(draw, viewers, answer)

    for role in ("supervisor", "agency", "tenderer"):
        response = viewers[role].get(f"/api/draws/{draw.id}")
        data = response.get_json()
        assert data["exclusions"] is None, role
        assert (data["excluded"], data["regions"]["310000"]["excluded"]) == (1, 1), role
        assert "employer_bidder" not in response.get_data(as_text=True), role


def test_from_the_reading_out_the_supervisor_sees_who_was_excluded_and_why(
    drawn, answer, holder, tender, read_out
):
    from sqlalchemy import select

    from bidhall.db import db
    from evaluation.experts.models import Expert

    draw, viewers, _names, _member = drawn
    publish(draw, viewers, answer)
    read_out(tender)

    seen = {
        role: viewers[role].get(f"/api/draws/{draw.id}").get_json()["exclusions"]
        for role in ("supervisor", "agency")
    }

    excluded = db.session.scalar(
        select(Expert.id).where(Expert.employer_organisation_id == holder.organisation_id)
    )
    rows = [{"expert_id": excluded, "reasons": ["employer_bidder"]}]
    assert seen == {"supervisor": rows, "agency": rows}


def test_publication_waits_for_every_answer(drawn):
    draw, viewers, _names, _member = drawn
    response = viewers["agency"].post(f"/api/draws/{draw.id}/publish")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "answers_pending"


def test_before_publication_the_new_venue_and_fee_endpoints_name_nobody_to_outsiders(drawn):
    draw, viewers, names, _member = drawn
    for role in ("agency", "tenderer", "bidder", "other_agency", "undrawn_expert", "admin"):
        for path in (f"/api/draws/{draw.id}/roster", f"/api/draws/{draw.id}/fees"):
            response = viewers[role].get(path)
            text = response.get_data(as_text=True)
            assert response.status_code in (403, 404, 409), (role, path)
            assert not [n for n in names if n in text], (role, path)
    for role in ("bidder", "undrawn_expert", "agency"):
        declaration = viewers[role].get(f"/api/draws/{draw.id}/declaration")
        assert declaration.status_code in (403, 404), role
    assert viewers["supervisor"].get(f"/api/draws/{draw.id}/fees").status_code == 200


def test_an_expert_sees_no_one_elses_fees(drawn):
    _draw, viewers, names, _member = drawn
    text = viewers["member"].get("/api/my/fees").get_data(as_text=True)
    assert not [n for n in names if n in text]
    assert viewers["agency"].get("/api/my/fees").status_code == 403
