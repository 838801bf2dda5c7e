"""The alerts the supervisors handle in these tests, raised by the detectors from a real
evaluation session (the ``committee`` fixture): never rows written by hand."""

from __future__ import annotations

import pytest

QUESTIONS = ("Visit the site?", "Break now?", "Ask bid 2 to clarify?")


def close_early(committee, question: str = "Visit the site?") -> int:
    """The leader opens a vote, one member votes and the leader closes it: vote.incomplete."""
    leader = committee.member(1)
    answer = committee.run(
        leader, "open_vote", matter="other", question=question, options=["yes", "no"]
    )
    number = answer["vote"]
    committee.run(committee.member(2), "cast", vote=number, choice="yes")
    committee.run(leader, "close_vote", vote=number)
    return number


def alone(committee, seat: int, question: str) -> None:
    """A vote every member casts, ``seat`` alone against the others."""
    leader = committee.member(1)
    number = committee.run(
        leader, "open_vote", matter="other", question=question, options=["yes", "no"]
    )["vote"]
    for each in committee.seats:
        choice = "no" if each == seat else "yes"
        committee.run(committee.member(each), "cast", vote=number, choice=choice)


@pytest.fixture
def alert(committee, raised):
    """One open red alert: the leader closed a vote after one ballot of five (vote.incomplete)."""
    committee.elect(1)
    close_early(committee)
    [found] = raised("vote.incomplete")
    return found


@pytest.fixture
def log(committee, raised, clock):
    """A log of several alerts: a red vote.incomplete, then a day later seat 4 alone against
    the others in three votes (a yellow vote.lone_dissent). Oldest first, as the API shows
    them; whatever else the detectors found in these votes is in it too."""
    committee.elect(1)
    close_early(committee)
    clock.advance(days=1)
    for question in QUESTIONS:
        alone(committee, 4, question)
    found = raised()
    assert {"vote.incomplete", "vote.lone_dissent"} <= {a["detector"] for a in found}
    return found


@pytest.fixture
def supervisor_api(api_for, world):
    return api_for(world.supervisor)


def listed(api, path: str = "/api/alerts", **params) -> dict:
    """The JSON list with these query parameters (every row: limit 200)."""
    params.setdefault("limit", 200)
    response = api.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def ids(alerts: list[dict]) -> list[int]:
    return [a["id"] for a in alerts]
