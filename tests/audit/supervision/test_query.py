"""A supervisor's written query to a session's committee, from the console (HTTP): said in the
session's room for every member, on the record, and a key node on the console."""

from __future__ import annotations

from tests.audit.supervision.conftest import emit as console_emit
from tests.audit.supervision.conftest import heard as console_heard
from tests.audit.supervision.conftest import ledger
from tests.fixtures.sessions import emit, heard


def _query(api, committee, **body):
    return api.post(f"/api/supervision/sessions/{committee.id}/query", json=body)


def test_a_query_without_its_text_is_refused(committee, api_for):
    response = _query(api_for(committee.supervisor), committee, text="")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "reason_required" and error["details"]["field"] == "text"
    assert ledger("evaluation.supervisor_query") == []


def test_a_query_reaches_the_committee_on_the_record_and_the_console(
    committee, api_for, session_client, console_client
):
    member = session_client(committee.member(3))
    emit(member, "join", session_id=committee.id)
    console = console_client(committee.supervisor)
    console_emit(console, "join")
    question = "Why was bid 2's licence accepted without its annex?"
    response = _query(api_for(committee.supervisor), committee, text=question)
    assert response.status_code == 200, response.get_data(as_text=True)
    [said] = [m for m in heard(member) if m["type"] == "evaluation.supervisor_query"]
    assert said["payload"] == {"text": question, "by": committee.supervisor.display_name}
    [recorded] = ledger("evaluation.supervisor_query")
    assert recorded["text"] == question and recorded["session_id"] == committee.id
    [node] = [
        n for n in console_heard(console, "supervision.node") if n["kind"] == "supervisor_query"
    ]
    assert node["session_id"] == committee.id and node["text"] == question
