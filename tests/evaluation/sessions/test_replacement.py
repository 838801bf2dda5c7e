"""Replacing a member (Regs Art 48): its conclusions are void, the draw's next reserve is called
to its workstation, and once seated the replacement redoes what the stage needs."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict, DomainError
from tests.fixtures.sessions import emit


def seat_at_main_venue(committee) -> int:
    from bidhall.db import db
    from evaluation.sessions.models import SessionMember

    main = committee.seated.main.id
    return max(  # not seat 1, which the tests elect leader
        m.seat
        for m in db.session.query(SessionMember).filter_by(session_id=committee.id, active=True)
        if m.venue_id == main
    )


def call_in_reserve(committee, answer, declare):
    """The reserve the draw invited answers, declares and is checked in at its venue."""
    from evaluation.draws.services import get_draw
    from evaluation.venues import services as venues

    seated = committee.seated
    place = next(p for p in get_draw(committee.draw_id).places if p.status == "invited")
    reserve = seated.experts[place.expert_id]
    assert answer(committee.draw_id, reserve, True).status_code == 200
    assert declare(committee.draw_id, reserve).status_code == 201
    supervisor = (
        seated.main_supervisor if place.venue_id == seated.main.id else seated.secondary_supervisor
    )
    venues.check_in(supervisor, committee.draw_id, reserve.id, True, True)
    return reserve


def test_nothing_closes_while_a_seat_is_vacant(committee):
    committee.elect(1)
    seat = seat_at_main_venue(committee)
    committee.pass_all()
    committee.run(committee.supervisor, "replace", seat=seat, reason="taken ill")
    with pytest.raises(Conflict) as refused:
        committee.run(committee.member(1), "close_review")
    assert refused.value.code == "seat_vacant"
    assert committee.state(committee.supervisor)["vacant_seats"] == [seat]


def test_a_replaced_members_review_marks_are_void(committee, answer, declare):
    committee.elect(1)
    seat = seat_at_main_venue(committee)
    committee.pass_all()
    committee.run(committee.supervisor, "replace", seat=seat, reason="taken ill")
    call_in_reserve(committee, answer, declare)
    committee.run(committee.supervisor, "seat_replacement", seat=seat)
    with pytest.raises(Conflict) as refused:
        committee.run(committee.member(1), "close_review")
    assert refused.value.code == "review_incomplete"


def test_replacing_calls_the_next_reserve_to_the_same_workstation(committee):
    from evaluation.draws.services import get_draw

    seat = seat_at_main_venue(committee)
    before = {p.id: p.status for p in get_draw(committee.draw_id).places}
    answer = committee.run(committee.supervisor, "replace", seat=seat, reason="taken ill")
    assert answer["reserve_called"] is True
    places = get_draw(committee.draw_id).places
    replaced = next(p for p in places if p.status == "replaced")
    reserve = next(p for p in places if p.status == "invited")
    assert before[reserve.id] == "reserve"
    assert (reserve.venue_id, reserve.workstation) == (replaced.venue_id, replaced.workstation)


def test_the_replaced_member_can_no_longer_join(committee, session_client):
    seat = seat_at_main_venue(committee)
    user = committee.member(seat)
    committee.run(committee.supervisor, "replace", seat=seat, reason="a conflict came to light")
    answer = emit(session_client(user), "join", session_id=committee.id)
    assert answer["error"]["code"] == "not_in_session"


def test_only_a_supervisor_replaces(committee):
    with pytest.raises(DomainError) as refused:
        committee.run(committee.member(1), "replace", seat=2, reason="I dislike them")
    assert refused.value.code == "not_supervisor"


def test_the_replacement_redoes_the_scores_before_the_results(committee, answer, declare):
    committee.to_scoring()
    seat = seat_at_main_venue(committee)
    for each in committee.seats:
        if each != seat:
            scores = {str(b): {"construction plan": 20, "track record": 8} for b in committee.bids}
            committee.run(committee.member(each), "submit_scores", scores=scores)
    committee.run(committee.supervisor, "replace", seat=seat, reason="taken ill")
    with pytest.raises(Conflict) as refused:
        committee.run(committee.supervisor, "seat_replacement", seat=seat)
    assert refused.value.code == "replacement_not_ready"
    reserve = call_in_reserve(committee, answer, declare)
    committee.run(committee.supervisor, "seat_replacement", seat=seat)
    state = committee.state(committee.supervisor)
    assert state["stage"] == "scoring"
    committee.member_ids[seat] = reserve.user_id
    scores = {str(b): {"construction plan": 21, "track record": 8} for b in committee.bids}
    committee.run(committee.member(seat), "submit_scores", scores=scores)
    assert committee.state(committee.supervisor)["stage"] == "ranked"


def test_replacing_a_member_after_the_results_voids_them(committee):
    committee.to_ranking()
    committee.run(committee.supervisor, "replace", seat=2, reason="a conflict came to light")
    state = committee.state(committee.supervisor)
    assert state["stage"] == "scoring" and state["results"] is None
