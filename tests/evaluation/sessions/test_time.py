"""Time: more than a third of the members finding the time insufficient extends the session;
suspension (resumable) and termination, each with a reason, on the record."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict, DomainError, Forbidden


def test_two_of_five_finding_the_time_insufficient_extend_the_session(committee):
    before = committee.state(committee.supervisor)["ends_at"]
    first = committee.run(committee.member(1), "declare_time", insufficient=True)
    assert first == {**first, "extended": False, "count": 1}
    second = committee.run(committee.member(2), "declare_time", insufficient=True)
    assert second["extended"] is True
    state = committee.state(committee.supervisor)
    assert state["extended_minutes"] == 60 and state["ends_at"] > before
    assert state["time_insufficient"] == 0  # counted afresh after the extension


def test_one_of_five_does_not_extend_the_session(committee):
    answer = committee.run(committee.member(1), "declare_time", insufficient=True)
    assert answer["extended"] is False
    assert committee.state(committee.supervisor)["extended_minutes"] == 0


def test_a_member_may_withdraw_its_declaration(committee):
    committee.run(committee.member(1), "declare_time", insufficient=True)
    committee.run(committee.member(1), "declare_time", insufficient=False)
    committee.run(committee.member(2), "declare_time", insufficient=True)
    assert committee.state(committee.supervisor)["extended_minutes"] == 0


def test_a_suspended_session_refuses_work_until_it_is_resumed(committee):
    committee.run(committee.supervisor, "suspend", reason="the secondary venue lost its link")
    with pytest.raises(Conflict) as refused:
        committee.run(committee.member(1), "cast", vote=1, choice="1")
    assert refused.value.code == "session_suspended"
    committee.run(committee.supervisor, "resume")
    assert committee.run(committee.member(1), "cast", vote=1, choice="1")["closed"] is False


def test_a_suspension_needs_a_reason(committee):
    with pytest.raises(DomainError) as refused:
        committee.run(committee.supervisor, "suspend", reason=" ")
    assert refused.value.code == "invalid_field"


def test_a_member_who_is_not_the_leader_cannot_suspend(committee):
    with pytest.raises(Forbidden) as refused:
        committee.run(committee.member(2), "suspend", reason="tired")
    assert refused.value.code == "not_supervisor"


def test_a_terminated_session_is_final(committee):
    committee.run(committee.supervisor, "terminate", reason="the tender was terminated")
    with pytest.raises(Conflict) as refused:
        committee.run(committee.supervisor, "resume")
    assert refused.value.code == "session_terminated"
    assert committee.state(committee.supervisor)["state"] == "terminated"


def test_only_a_supervisor_terminates(committee):
    committee.elect(1)
    with pytest.raises(Forbidden):
        committee.run(committee.member(1), "terminate", reason="done")
