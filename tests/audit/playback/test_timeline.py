"""History playback over HTTP: an evaluation session played by its committee through the real
commands, and an opening through the real hall, replayed from the ledger for supervisors (votes
in order with each seat's choice, the scores as entered, alerts at the entry that raised them,
the AV segments behind the moments); every other role refused, and an opening before its time
refused (Tender Law Art 22)."""

from __future__ import annotations

import pytest

from tests.evaluation.presence.conftest import SEGMENT, Device

NOT_SUPERVISORS = ("tenderer", "agency", "bidder", "expert", "issuer", "admin")


def timeline(api_for, supervisor, kind: str, id_: int) -> dict:
    response = api_for(supervisor).get(f"/api/supervision/timeline/{kind}/{id_}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def of_type(data: dict, event_type: str) -> list[dict]:
    return [e for e in data["events"] if e["type"] == event_type]


def vote(committee, choices: dict[int, str], question: str) -> int:
    leader = committee.member(1)
    number = committee.run(
        leader, "open_vote", matter="other", question=question, options=["yes", "no"]
    )["vote"]
    for seat, choice in choices.items():
        committee.run(committee.member(seat), "cast", vote=number, choice=choice)
    return number


# --- an evaluation --------------------------------------------------------------------------------


def test_the_votes_are_on_the_timeline_in_order_with_each_seats_choice_and_voter(
    committee, api_for, clock
):
    committee.elect(1)
    clock.advance(minutes=3)
    vote(committee, {1: "yes", 2: "no", 3: "yes", 4: "yes", 5: "no"}, "Visit the site?")
    clock.advance(minutes=2)
    vote(committee, {seat: "no" for seat in committee.seats}, "Break now?")
    data = timeline(api_for, committee.supervisor, "evaluation", committee.id)
    closed = of_type(data, "evaluation.vote_closed")
    assert [e["payload"]["vote"] for e in closed] == [1, 2, 3]
    assert closed[1]["payload"]["choices"] == {
        "1": "yes",
        "2": "no",
        "3": "yes",
        "4": "yes",
        "5": "no",
    }
    assert closed[1]["payload"]["result"]["winner"] == "yes"
    assert closed[1]["label"] == "Vote 2 closed, every present member voted: yes"
    seqs = [e["seq"] for e in data["events"]]
    assert seqs == sorted(seqs) and data["start"] < data["end"]
    ballot = of_type(data, "evaluation.vote_cast")[0]
    member = committee.member(ballot["payload"]["seat"])
    assert (ballot["actor"], ballot["actor_name"]) == (f"user:{member.id}", member.display_name)


def test_each_members_scores_are_on_the_timeline_as_entered(committee, api_for):
    committee.to_ranking(plans=(20, 22, 21, 19, 20))
    data = timeline(api_for, committee.supervisor, "evaluation", committee.id)
    sheets = {e["payload"]["seat"]: e["payload"] for e in of_type(data, "score.submitted")}
    assert sorted(sheets) == committee.seats
    bid = str(committee.bids[0])
    assert sheets[2]["scores"][bid] == {"construction plan": "22.00", "track record": "8.00"}
    assert sheets[4]["scores"][bid]["construction plan"] == "19.00"


def test_an_alert_is_placed_at_the_ledger_entry_that_raised_it(committee, api_for, raised):
    committee.elect(1)
    number = vote(committee, {2: "yes", 3: "yes"}, "Visit the site?")
    committee.run(committee.member(1), "close_vote", vote=number)  # before all voted
    data = timeline(api_for, committee.supervisor, "evaluation", committee.id)
    [closed] = [
        e for e in of_type(data, "evaluation.vote_closed") if e["payload"]["vote"] == number
    ]
    [alert] = [a for a in data["alerts"] if a["detector"] == "vote.incomplete"]
    assert alert["seq"] == closed["seq"]
    assert alert["severity"] == "red"
    assert alert["alert_id"] == raised("vote.incomplete")[0]["id"]
    assert closed["label"] == "Vote 2 closed early by the leader: yes"


def test_an_av_event_brings_the_recording_segment_behind_it(committee, api_for, make_user, client):
    from bidhall.db import db
    from evaluation.sessions.models import SessionMember

    venue = committee.seated.main
    response = api_for(make_user("admin")).post(f"/api/venues/{venue.id}/devices", json={})
    device = Device(client, response.get_json()["secret"], venue)
    member = (
        db.session.query(SessionMember)
        .filter_by(session_id=committee.id, venue_id=venue.id)
        .order_by(SessionMember.seat)
        .first()
    )
    assert device.event(member.workstation, "extra_face").status_code == 202
    data = timeline(api_for, committee.supervisor, "evaluation", committee.id)
    [segment] = data["segments"]
    [event] = of_type(data, "evaluation.presence_event")
    assert segment["sha256"] == SEGMENT and segment["seq"] == event["seq"]
    assert (segment["venue_id"], segment["workstation"], segment["seat"]) == (
        venue.id,
        member.workstation,
        member.seat,
    )
    assert segment["from"] == event["payload"]["segment_from"]
    assert segment["to"] == event["payload"]["segment_to"]
    assert event["actor_name"] == "The AV system of venue SH-A"


def test_only_supervisors_replay_a_session(committee, api_for, make_user):
    for role in NOT_SUPERVISORS:
        api = api_for(make_user(role))
        for path in (
            f"/api/supervision/timeline/evaluation/{committee.id}",
            f"/api/supervision/timeline/opening/{committee.tender_id}",
            f"/supervision/playback/evaluation/{committee.id}",
            f"/supervision/playback/opening/{committee.tender_id}",
            "/supervision/playback",
        ):
            assert api.get(path).status_code == 403, (role, path)
    # the committee's own members neither
    member = api_for(committee.member(1))
    response = member.get(f"/api/supervision/timeline/evaluation/{committee.id}")
    assert response.status_code == 403


def test_no_such_session_is_a_404(app, api_for, world):
    response = api_for(world.supervisor).get("/api/supervision/timeline/evaluation/999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "session_not_found"


# --- an opening -----------------------------------------------------------------------------------


@pytest.fixture
def hall(make_hall):
    """A published tender with three sealed bids, before its deadline."""
    return make_hall()


def test_an_opening_before_its_time_is_refused(hall, api_for):
    response = api_for(hall.supervisor).get(f"/api/supervision/timeline/opening/{hall.id}")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_opened"
    page = api_for(hall.supervisor).get(f"/supervision/playback/opening/{hall.id}")
    assert page.status_code == 409


def test_an_opening_before_its_time_is_not_listed(hall, login):
    page = login(hall.supervisor).get("/supervision/playback").get_data(as_text=True)
    assert f'data-kind="opening" data-id="{hall.id}"' not in page


def test_an_opening_is_replayed_from_its_deadline_to_its_reading_out(hall, api_for, login):
    hall.read_out()
    data = timeline(api_for, hall.supervisor, "opening", hall.id)
    types = [e["type"] for e in data["events"]]
    assert types[0] == "hall.bids_locked"
    assert types.count("hall.decrypted") == 3 and types.count("bid.decrypted") == 3
    assert types.count("hall.read_out") == 3 and types[-1] == "hall.reading_finished"
    assert not any(t.startswith(("bid.sealed", "tender.", "evaluation.")) for t in types)
    [first] = [e for e in data["events"] if e["type"] == "hall.decrypted"][:1]
    bidder = hall.bidders[0].user
    assert first["actor"] == f"user:{bidder.id}" and first["actor_name"] == bidder.display_name
    assert data["segments"] == [] and data["tender_id"] == hall.id
    page = login(hall.supervisor).get("/supervision/playback").get_data(as_text=True)
    assert f'data-kind="opening" data-id="{hall.id}"' in page


def test_an_early_request_for_a_key_is_on_the_opening_once_it_is_open(hall, api_for):
    seat = hall.bidders[0]
    api = api_for(seat.user)
    early = api.post(
        f"/api/tenders/{hall.id}/opening/decrypt",
        json={"cmd_id": "early-1", "bid_id": seat.bid_id, **hall.keys(seat)},
    )
    assert early.status_code == 403
    hall.reach_deadline()
    data = timeline(api_for, hall.supervisor, "opening", hall.id)
    [refused] = [e for e in data["events"] if e["type"] == "crypto.early_access_refused"]
    assert refused["actor"] == f"user:{seat.user_id}"
    assert data["events"][0] == refused  # before the deadline's lock
    [alert] = data["alerts"]
    assert (alert["detector"], alert["seq"]) == ("crypto.early_access", refused["seq"])
