"""The venues' telemetry in a live evaluation session: an AV event becomes a session message
with its recording segment's hash; heartbeats are kept, not posted; a silent workstation is
posted offline once after the window, and online again when its heartbeats return."""

from __future__ import annotations

import pytest

from tests.evaluation.presence.conftest import SEGMENT, event_body


@pytest.fixture
def main_device(committee, issue):
    return issue(committee.seated.main)


@pytest.fixture
def secondary_device(committee, issue):
    return issue(committee.seated.secondary)


def at_venue(seats, venue) -> list:
    return sorted((s for s in seats.values() if s.venue_id == venue.id), key=lambda s: s.seat)


def tick(clock):
    from evaluation.presence import jobs

    return jobs.tick(clock.now())


# --- AV events ----------------------------------------------------------------------------------


def test_an_av_event_becomes_a_session_message_with_its_segment_hash(
    committee, main_device, seats, messages, clock
):
    seat = at_venue(seats, committee.seated.main)[0]
    before = messages()[-1]["seq"]
    body = event_body(seat.workstation, "extra_face")
    response = main_device.event(seat.workstation, "extra_face")
    assert response.status_code == 202
    assert response.get_json()["posted"] is True
    [message] = messages(before)
    assert message["type"] == "evaluation.presence_event"
    assert message["payload"] == {
        "seat": seat.seat,
        "venue_id": committee.seated.main.id,
        "workstation": seat.workstation,
        "kind": "extra_face",
        "started_at": body["started_at"],
        "ended_at": body["ended_at"],
        "segment_sha256": SEGMENT,
        "segment_from": body["segment"]["from"],
        "segment_to": body["segment"]["to"],
    }


def test_an_av_event_is_in_the_ledger_as_the_venues_device(committee, main_device, seats):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    seat = at_venue(seats, committee.seated.main)[0]
    main_device.event(seat.workstation, "voice")
    entry = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.type == "evaluation.presence_event")
    )
    assert entry.actor == "device:SH-A"
    assert SEGMENT in entry.payload


def test_a_devices_retry_of_an_event_is_answered_with_the_first_result(
    committee, main_device, seats, messages
):
    seat = at_venue(seats, committee.seated.main)[0]
    before = messages()[-1]["seq"]
    body = event_body(seat.workstation)
    first = main_device.post("/api/telemetry/events", body)
    again = main_device.post("/api/telemetry/events", body)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.get_json() == {**first.get_json(), "replayed": True}
    assert len(messages(before)) == 1


def test_another_report_of_the_same_event_start_is_refused(committee, main_device, seats, clock):
    seat = at_venue(seats, committee.seated.main)[0]
    body = event_body(seat.workstation)
    main_device.post("/api/telemetry/events", body)
    changed = {**body, "segment": {**body["segment"], "sha256": "0" * 64}}
    response = main_device.post("/api/telemetry/events", changed)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "event_conflict"


def test_an_event_at_a_workstation_with_no_session_is_kept_and_posts_nothing(
    committee, main_device, seats, messages
):
    from bidhall.db import db
    from evaluation.presence.models import PresenceEvent

    occupied = {s.workstation for s in at_venue(seats, committee.seated.main)}
    empty = next(n for n in range(1, 9) if n not in occupied)
    before = messages()[-1]["seq"]
    response = main_device.event(empty, "seat_left")
    assert response.status_code == 202
    assert response.get_json()["posted"] is False
    assert messages(before) == []
    kept = db.session.get(PresenceEvent, response.get_json()["event_id"])
    assert (kept.workstation, kept.kind, kept.session_id) == (empty, "seat_left", None)


def test_a_suspended_session_still_hears_its_workstations(committee, main_device, seats, messages):
    committee.run(committee.supervisor, "suspend", reason="the video link to JS-B dropped")
    seat = at_venue(seats, committee.seated.main)[0]
    before = messages()[-1]["seq"]
    assert main_device.event(seat.workstation).get_json()["posted"] is True
    assert [m["type"] for m in messages(before)] == ["evaluation.presence_event"]


def test_a_terminated_session_hears_nothing_more(committee, main_device, seats, messages):
    committee.run(committee.supervisor, "terminate", reason="the main venue lost power")
    seat = at_venue(seats, committee.seated.main)[0]
    before = messages()[-1]["seq"]
    assert main_device.event(seat.workstation).get_json()["posted"] is False
    assert messages(before) == []


def test_a_device_speaks_only_for_its_own_venues_seats(
    committee, main_device, secondary_device, seats, messages
):
    # a secondary venue's workstation number exists at the main venue too (1..4 of 1..8): each
    # venue's device reaches only the member seated at its own venue's workstation of that number
    main, secondary = committee.seated.main, committee.seated.secondary
    there = at_venue(seats, secondary)[0]
    here = next((s for s in at_venue(seats, main) if s.workstation == there.workstation), None)
    before = messages()[-1]["seq"]
    secondary_device.event(there.workstation)
    main_device.event(there.workstation)
    expected = [(there.seat, secondary.id)] + ([(here.seat, main.id)] if here else [])
    assert [(m["payload"]["seat"], m["payload"]["venue_id"]) for m in messages(before)] == expected


def test_a_workstation_beyond_the_devices_venue_is_refused(committee, secondary_device, seats):
    # the secondary venue JS-B has workstations 1..4; 5 is only at the main venue SH-A
    response = secondary_device.event(5)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unknown_workstation"
    response = secondary_device.heartbeat(5)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["field"] == "workstation"


# --- heartbeats and outages ---------------------------------------------------------------------


def test_heartbeats_post_nothing(committee, main_device, seats, messages, clock):
    before = messages()[-1]["seq"]
    for seat in at_venue(seats, committee.seated.main):
        assert main_device.heartbeat(seat.workstation).status_code == 204
    clock.advance(seconds=20)
    response = main_device.post(
        "/api/telemetry/heartbeats",
        {
            "heartbeats": [
                {"workstation": s.workstation, "at": clock.now().isoformat()}
                for s in at_venue(seats, committee.seated.main)
            ]
        },
    )
    assert response.status_code == 204
    assert tick(clock) == []
    assert messages(before) == []


def test_a_silent_workstation_is_posted_offline_once_after_the_window(
    committee, main_device, seats, messages, clock
):
    seat = at_venue(seats, committee.seated.main)[0]
    main_device.heartbeat(seat.workstation)
    heard_at = clock.now()
    before = messages()[-1]["seq"]
    # PRESENCE_OFFLINE_SECONDS = 60: silent for 59 s is still online, for 60 s offline
    clock.advance(seconds=59)
    assert tick(clock) == []
    clock.advance(seconds=1)
    assert len(tick(clock)) == 1
    assert tick(clock) == []  # the double tick
    clock.advance(seconds=300)
    assert tick(clock) == []  # a later tick of the same outage
    [message] = messages(before)
    assert message["type"] == "evaluation.workstation_offline"
    assert message["payload"] == {
        "seat": seat.seat,
        "venue_id": committee.seated.main.id,
        "workstation": seat.workstation,
        "last_heartbeat_at": heard_at.isoformat(),
    }


def test_a_workstation_whose_heartbeats_return_is_posted_online_once(
    committee, main_device, seats, messages, clock
):
    seat = at_venue(seats, committee.seated.main)[0]
    main_device.heartbeat(seat.workstation)
    clock.advance(seconds=90)
    tick(clock)
    before = messages()[-1]["seq"]
    clock.advance(seconds=30)
    back_at = clock.now()
    main_device.heartbeat(seat.workstation)
    main_device.heartbeat(seat.workstation)
    assert tick(clock) == []
    [message] = messages(before)
    assert message["type"] == "evaluation.workstation_online"
    assert message["payload"]["seat"] == seat.seat
    assert message["payload"]["last_heartbeat_at"] == back_at.isoformat()


def test_a_second_outage_is_posted_again(committee, main_device, seats, messages, clock):
    seat = at_venue(seats, committee.seated.main)[0]
    before = messages()[-1]["seq"]
    for _ in range(2):
        main_device.heartbeat(seat.workstation)
        clock.advance(seconds=60)
        tick(clock)
    main_device.heartbeat(seat.workstation)
    assert [m["type"].removeprefix("evaluation.") for m in messages(before)] == [
        "workstation_offline",
        "workstation_online",
        "workstation_offline",
        "workstation_online",
    ]


def test_a_silent_workstation_with_no_session_is_marked_offline_but_posts_nothing(
    committee, main_device, seats, messages, clock
):
    from evaluation.presence import services

    occupied = {s.workstation for s in at_venue(seats, committee.seated.main)}
    empty = next(n for n in range(1, 9) if n not in occupied)
    before = messages()[-1]["seq"]
    main_device.heartbeat(empty)
    clock.advance(seconds=120)
    assert tick(clock) == []
    assert services.venues_with_outages(clock.now()) == []  # marked: the next tick skips it
    main_device.heartbeat(empty)
    assert messages(before) == []


def test_the_supervisors_see_each_seats_workstation_online_or_not(
    committee, main_device, seats, clock
):
    from evaluation.presence import services

    main = at_venue(seats, committee.seated.main)
    main_device.heartbeat(main[0].workstation)
    clock.advance(seconds=45)
    main_device.heartbeat(main[1].workstation)
    heard_at = clock.now()
    clock.advance(seconds=30)
    # seat of main[0]: silent for 75 s (offline); main[1]: 30 s (online); the rest never heard
    view = {w["seat"]: w for w in services.workstations(committee.id)}
    assert sorted(view) == sorted(seats)
    assert view[main[0].seat]["online"] is False
    assert view[main[1].seat] == {
        "seat": main[1].seat,
        "venue_id": committee.seated.main.id,
        "venue": "SH-A",
        "workstation": main[1].workstation,
        "online": True,
        "last_heartbeat_at": heard_at.isoformat(),
        "offline_since": None,
    }
    assert {view[s]["online"] for s in seats if s not in (main[0].seat, main[1].seat)} == {None}


# --- validation ---------------------------------------------------------------------------------


def _late(seconds: int) -> str:
    from datetime import timedelta

    from bidhall import clock

    return (clock.now() + timedelta(seconds=seconds)).isoformat()


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"workstation": None}, 400, "missing_field", "workstation"),
        ({"workstation": "one"}, 400, "invalid_field", "workstation"),
        ({"workstation": 0}, 400, "invalid_field", "workstation"),
        ({"workstation": 2**40}, 400, "invalid_field", "workstation"),
        ({"kind": None}, 400, "missing_field", "kind"),
        ({"kind": "sneeze"}, 400, "invalid_field", "kind"),
        ({"started_at": "2026-03-22 09:30"}, 400, "invalid_field", "started_at"),
        ({"started_at": "yesterday"}, 400, "invalid_field", "started_at"),
        ({"ended_at": None}, 400, "missing_field", "ended_at"),
        ({"segment": None}, 400, "missing_field", "segment"),
        ({"segment": "ab" * 32}, 400, "invalid_field", "segment"),
        ({"segment": {"sha256": "ab" * 31}}, 400, "invalid_field", "segment.sha256"),
    ],
)
def test_a_malformed_event_is_refused_naming_its_field(
    committee, main_device, change, status, code, field
):
    response = main_device.post("/api/telemetry/events", {**event_body(1), **change})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert (error["code"], error["details"]["field"]) == (code, field)


@pytest.mark.parametrize("missing", ["from", "to"])
def test_an_event_without_its_segments_range_is_refused(committee, main_device, missing):
    body = event_body(1)
    del body["segment"][missing]
    response = main_device.post("/api/telemetry/events", body)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == f"segment.{missing}"


def test_an_event_ending_before_it_started_is_refused(committee, main_device):
    body = event_body(1, started_at=_late(-10), ended_at=_late(-20))
    response = main_device.post("/api/telemetry/events", body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "ended_before_started"


def test_an_event_in_the_future_beyond_the_skew_is_refused(committee, main_device):
    # the skew is 30 s: an end 31 s ahead of the server's clock is refused
    body = event_body(1, ended_at=_late(31))
    body["segment"]["to"] = _late(31)
    response = main_device.post("/api/telemetry/events", body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["details"]["field"]) == ("time_in_future", "ended_at")


def test_an_event_outside_its_segment_is_refused(committee, main_device):
    body = event_body(1)
    body["segment"]["from"] = _late(-20)  # after the event started (40 s ago)
    response = main_device.post("/api/telemetry/events", body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "segment_does_not_cover_event"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"heartbeats": []}, "invalid_field", "heartbeats"),
        ({"heartbeats": "all"}, "invalid_field", "heartbeats"),
        ({"heartbeats": [{"workstation": 1, "at": "now"}]}, "invalid_field", "heartbeats[0].at"),
        ({"heartbeats": [None]}, "invalid_field", "heartbeats[0]"),
        ({"at": "2026-03-22T09:30:00+08:00"}, "missing_field", "workstation"),
        ({"workstation": 1}, "missing_field", "at"),
    ],
)
def test_a_malformed_heartbeat_is_refused_naming_its_field(
    committee, main_device, body, code, field
):
    response = main_device.post("/api/telemetry/heartbeats", body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["details"]["field"]) == (code, field)


def test_one_bad_heartbeat_refuses_its_batch_naming_it(committee, main_device, clock, seats):
    from evaluation.presence import services

    now = clock.now().isoformat()
    response = main_device.post(
        "/api/telemetry/heartbeats",
        {"heartbeats": [{"workstation": 1, "at": now}, {"workstation": 1, "at": _late(60)}]},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["details"]["field"]) == ("time_in_future", "heartbeats[1].at")
    assert {w["online"] for w in services.workstations(committee.id)} == {None}  # none kept


def test_a_batch_larger_than_the_limit_is_refused(committee, main_device, clock):
    beats = [{"workstation": 1, "at": clock.now().isoformat()}] * 501
    response = main_device.post("/api/telemetry/heartbeats", {"heartbeats": beats})
    assert response.status_code == 400


ODD = [2**70, -1, "²", 1.5, True, [], {}, "a\x00b", "x" * 10_000, ""]


@pytest.mark.parametrize("field", ["workstation", "kind", "started_at", "ended_at", "segment"])
def test_no_odd_value_in_an_event_makes_the_api_answer_500(committee, main_device, field):
    for value in ODD:
        response = main_device.post("/api/telemetry/events", {**event_body(1), field: value})
        assert 400 <= response.status_code < 500, (field, value, response.status_code)


@pytest.mark.parametrize("field", ["workstation", "at"])
def test_no_odd_value_in_a_heartbeat_makes_the_api_answer_500(committee, main_device, field):
    for value in ODD:
        body = {"workstation": 1, "at": "2026-03-22T09:30:00+08:00", field: value}
        response = main_device.post("/api/telemetry/heartbeats", body)
        assert 400 <= response.status_code < 500, (field, value, response.status_code)


def test_a_session_opened_during_an_outage_is_told_of_it_once(
    checked_in, issue, api_for, world, clock
):
    from bidhall.db import db
    from evaluation.draws.models import DrawPlace
    from evaluation.sessions import room

    main = checked_in.main
    places = db.session.query(DrawPlace).filter_by(
        draw_id=checked_in.draw.id, venue_id=main.id, status="accepted"
    )
    workstations = sorted(p.workstation for p in places)
    device = issue(main)
    for workstation in workstations:
        device.heartbeat(workstation)
    clock.advance(seconds=120)
    assert tick(clock) == []  # no session yet: marked offline, told to nobody
    opened = api_for(world.agency).post(
        f"/api/tenders/{checked_in.draw.tender_id}/evaluation", json={}
    )
    assert opened.status_code == 201, opened.get_data(as_text=True)
    session_id = opened.get_json()["session_id"]
    told = tick(clock)
    assert tick(clock) == []
    assert sorted(t["workstation"] for t in told) == workstations
    offline = [
        m for m in room.MESSAGES.after(session_id, 0) if m["type"].endswith("workstation_offline")
    ]
    assert sorted(m["payload"]["workstation"] for m in offline) == workstations
