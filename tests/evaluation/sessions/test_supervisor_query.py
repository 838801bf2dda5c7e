"""A supervisor's written question to the committee (``query``): said in the room for every
member, supervisors only, a text required, on a suspended session too."""

from __future__ import annotations

import pytest

from bidhall.errors import DomainError, Forbidden
from tests.fixtures.sessions import emit, heard


def test_a_supervisors_query_is_said_in_the_room_with_its_text_and_author(
    committee, session_client
):
    member = session_client(committee.member(4))
    emit(member, "join", session_id=committee.id)
    committee.run(committee.supervisor, "query", text="Is member 2 still at the workstation?")
    [said] = [m for m in heard(member) if m["type"] == "evaluation.supervisor_query"]
    assert said["payload"] == {
        "text": "Is member 2 still at the workstation?",
        "by": committee.supervisor.display_name,
    }


def test_a_member_cannot_send_a_supervisors_query(committee):
    committee.elect(1)
    with pytest.raises(Forbidden) as refused:
        committee.run(committee.member(1), "query", text="Any questions?")
    assert refused.value.code == "not_supervisor"


def test_a_query_needs_a_text(committee):
    with pytest.raises(DomainError) as refused:
        committee.run(committee.supervisor, "query", text=" ")
    assert refused.value.code == "invalid_field"


def test_a_suspended_session_still_hears_a_query(committee):
    committee.run(committee.supervisor, "suspend", reason="the secondary venue lost its link")
    answer = committee.run(committee.supervisor, "query", text="Which venue lost the link?")
    assert answer["ok"] is True and answer["seq"] > 0
