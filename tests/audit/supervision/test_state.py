"""The console's state (``join``): every ongoing opening (its bidders counted only from the
opening time, Law Art 22), every live evaluation session with its key nodes and workstations,
and the alerts not yet resolved with their counts by card."""

from __future__ import annotations

from datetime import timedelta

from tests.audit.supervision.conftest import close_early, emit, heard


def _state(console_client, user) -> dict:
    answer = emit(console_client(user), "join")
    assert answer["ok"] is True, answer
    return answer["state"]


def test_a_live_session_shows_its_stage_votes_review_and_workstations(committee, console_client):
    committee.elect(1)
    [session] = _state(console_client, committee.supervisor)["sessions"]
    assert session["session_id"] == committee.id and session["tender"]["id"] == committee.tender_id
    assert session["state"] == "open" and session["stage"] == "review"
    assert session["votes"] == {"number": 1, "closed": 1, "incomplete": 0, "open": None}
    assert session["review"]["started_at"] is not None and session["review"]["minutes"] == 0.0
    assert session["members"] == 5 and session["present"] == 5
    assert session["late_minutes"] == 0 and len(session["venues"]) == 2
    assert [w["seat"] for w in session["workstations"]] == [1, 2, 3, 4, 5]
    assert {w["online"] for w in session["workstations"]} == {None}  # no AV system reported


def test_the_open_alerts_are_listed_with_their_counts_by_card(committee, console_client):
    committee.elect(1)
    close_early(committee)
    state = _state(console_client, committee.supervisor)
    [alert] = [a for a in state["alerts"] if a["detector"] == "vote.incomplete"]
    assert alert["severity"] == "red" and alert["session_id"] == committee.id
    assert state["counts"]["red"] >= 1
    assert state["counts"] == {
        "yellow": sum(a["severity"] == "yellow" for a in state["alerts"]),
        "red": sum(a["severity"] == "red" for a in state["alerts"]),
    }
    [session] = state["sessions"]
    assert session["votes"]["incomplete"] == 1


def test_before_the_opening_time_an_opening_says_nothing_about_its_bidders(
    make_hall, console_client, world, clock
):
    hall = make_hall(bids=3)
    clock.set(hall.deadline - timedelta(hours=1))
    [opening] = _state(console_client, world.supervisor)["openings"]
    assert opening["tender_id"] == hall.id and opening["phase"] == "waiting"
    assert opening["bids_locked"] is None and opening["decrypted"] is None


def test_from_the_opening_time_the_bids_locked_and_decrypted_are_counted(
    make_hall, console_client, world
):
    hall = make_hall(bids=3)
    client = console_client(world.supervisor)
    emit(client, "join")
    hall.reach_deadline()
    [node] = heard(client, "supervision.node")
    assert node["kind"] == "hall_phase" and node["phase"] == "decrypting"
    assert node["tender_id"] == hall.id and node["bids_locked"] == 3
    hall.run(
        hall.bidders[0].user, "decrypt", bid_id=hall.bidders[0].bid_id, **hall.keys(hall.bidders[0])
    )
    [opening] = emit(client, "state")["state"]["openings"]
    assert opening["phase"] == "decrypting"
    assert opening["bids_locked"] == 3 and opening["decrypted"] == 1
