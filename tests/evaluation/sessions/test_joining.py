"""Who enters an evaluation session over /evaluation, and what opening one needs."""

from __future__ import annotations

from tests.fixtures.sessions import NS, emit, heard


def test_a_checked_in_member_joins_and_sees_its_seat_and_the_leader_vote(committee, session_client):
    client = session_client(committee.member(2))
    answer = emit(client, "join", session_id=committee.id)
    assert answer["ok"] is True and answer["role"] == "member"
    state = answer["state"]
    assert state["me"]["seat"] == 2 and state["stage"] == "election"
    assert [v["matter"] for v in state["votes"]] == ["leader"]
    assert [m["seat"] for m in state["members"]] == [1, 2, 3, 4, 5]
    # the committee does not see each other's names: supervisors do
    assert all("name" not in m for m in state["members"])
    assert [m["type"] for m in answer["missed"]] == [
        "evaluation.session_opened",
        "evaluation.vote_opened",
    ]


def test_a_supervisor_joins_and_sees_every_members_name_and_venue(committee, session_client):
    client = session_client(committee.supervisor)
    answer = emit(client, "join", session_id=committee.id)
    assert answer["role"] == "supervisor"
    members = answer["state"]["members"]
    assert all(m["name"] for m in members)
    assert len({m["venue"] for m in members}) == 2  # the main and the secondary venue


def test_a_bidder_is_refused(committee, session_client):
    bidder = committee.seated.hall.bidders[0].user
    answer = emit(session_client(bidder), "join", session_id=committee.id)
    assert answer["error"]["code"] == "not_in_session"


def test_an_expert_of_another_session_is_refused(committee, session_client, make_expert, user_of):
    stranger = user_of(make_expert())
    answer = emit(session_client(stranger), "join", session_id=committee.id)
    assert answer["error"]["code"] == "not_in_session"


def test_the_public_is_refused(committee, session_client):
    client = session_client()
    answer = emit(client, "join", session_id=committee.id)
    assert answer["error"]["code"] == "not_in_session"
    errors = [r for r in client.get_received(NS) if r["name"] == "evaluation.error"]
    assert errors, "a refusal is also sent as an error event"


def test_the_tenders_agency_is_refused(committee, session_client, world):
    answer = emit(session_client(world.agency), "join", session_id=committee.id)
    assert answer["error"]["code"] == "not_in_session"


def test_a_member_checked_out_cannot_join(committee, session_client, clock):

    from evaluation.venues import services as venues

    seated = committee.seated
    expert = seated.members_at(seated.main)[0]
    clock.advance(hours=1)
    venues.check_out(seated.main_supervisor, seated.draw.id, expert.id)
    user = next(
        committee.member(s) for s in committee.seats if committee.member(s).id == expert.user_id
    )
    answer = emit(session_client(user), "join", session_id=committee.id)
    assert answer["error"]["code"] == "not_checked_in"


def test_a_session_cannot_be_opened_twice(committee, api_for, world):
    response = api_for(world.agency).post(f"/api/tenders/{committee.tender_id}/evaluation", json={})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "session_exists"


def test_a_session_waits_for_every_member_to_be_checked_in(opened, clock, api_for, world):
    opened.hall.run(opened.hall.agency, "close")
    clock.set(opened.draw.scheduled_at)
    response = api_for(world.agency).post(
        f"/api/tenders/{opened.draw.tender_id}/evaluation", json={}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "members_not_checked_in"


def test_a_session_waits_for_the_opening_record(opened, api_for, world):
    response = api_for(world.agency).post(
        f"/api/tenders/{opened.draw.tender_id}/evaluation", json={}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "tender_not_opened"


def test_a_bidder_cannot_open_a_session(checked_in, api_for):
    bidder = checked_in.hall.bidders[0].user
    response = api_for(bidder).post(f"/api/tenders/{checked_in.draw.tender_id}/evaluation", json={})
    assert response.status_code == 403


def test_the_http_state_refuses_a_bidder_as_the_socket_does(committee, api_for):
    bidder = committee.seated.hall.bidders[0].user
    response = api_for(bidder).get(f"/api/evaluation/{committee.id}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_in_session"


def test_members_hear_what_another_member_does(committee, session_client):
    listener = session_client(committee.member(3))
    emit(listener, "join", session_id=committee.id)
    heard(listener)
    answer = emit(
        session_client(committee.member(1)),
        "cast",
        session_id=committee.id,
        cmd_id="c-1",
        vote=1,
        choice="2",
    )
    assert answer["ok"] is True, answer
    messages = heard(listener)
    assert [m["type"] for m in messages] == ["evaluation.vote_cast"]
    assert messages[0]["payload"] == {"vote": 1, "seat": 1, "ballots": 1}


def test_a_members_joining_and_leaving_are_on_the_record(committee, session_client):
    listener = session_client(committee.supervisor)
    emit(listener, "join", session_id=committee.id)
    heard(listener)
    member = session_client(committee.member(2))
    emit(member, "join", session_id=committee.id)
    member.disconnect(namespace=NS)
    assert [(m["type"], m["payload"]["seat"]) for m in heard(listener)] == [
        ("evaluation.member_joined", 2),
        ("evaluation.member_left", 2),
    ]
