"""Presence (DOMAIN.md §5): presence.lost from the venue's AV device over the telemetry API: an
AV event at a seated member's workstation, and a workstation silent for more than
AUDIT_OFFLINE_MINUTES (5), told by the tick while it lasts or by its heartbeats' return."""

from __future__ import annotations

import pytest

from tests.evaluation.presence.conftest import SEGMENT, Device


@pytest.fixture
def device(committee, api_for, make_user, client) -> Device:
    """The main venue's AV system, its token issued by an admin."""
    venue = committee.seated.main
    response = api_for(make_user("admin")).post(f"/api/venues/{venue.id}/devices", json={})
    assert response.status_code == 201, response.get_data(as_text=True)
    return Device(client, response.get_json()["secret"], venue)


@pytest.fixture
def seat(committee):
    """The first seat at the main venue: (seat, workstation)."""
    from bidhall.db import db
    from evaluation.sessions.models import SessionMember

    member = (
        db.session.query(SessionMember)
        .filter_by(session_id=committee.id, venue_id=committee.seated.main.id)
        .order_by(SessionMember.seat)
        .first()
    )
    return member.seat, member.workstation


@pytest.fixture
def seats_taken(committee) -> set[int]:
    """The main venue's workstations where a member sits."""
    from bidhall.db import db
    from evaluation.sessions.models import SessionMember

    members = db.session.query(SessionMember).filter_by(
        session_id=committee.id, venue_id=committee.seated.main.id
    )
    return {m.workstation for m in members}


def tick(clock):
    from bidhall import scheduler

    return scheduler.tick(clock.now())


def test_every_kind_of_av_event_at_a_seated_members_workstation_raises_a_yellow_alert(
    committee, device, seat, clock, raised
):
    number, workstation = seat
    kinds = ["face_absent", "extra_face", "voice", "seat_left"]
    for kind in kinds:
        clock.advance(minutes=1)
        assert device.event(workstation, kind).get_json()["posted"] is True
    alerts = raised("presence.lost")
    assert [a["evidence"]["figures"]["kind"] for a in alerts] == kinds
    assert {(a["severity"], a["subject"], a["session_id"]) for a in alerts} == {
        ("yellow", f"seat {number}", committee.id)
    }
    first = alerts[0]
    assert first["venue_id"] == committee.seated.main.id
    assert first["evidence"]["figures"]["segment_sha256"] == SEGMENT
    assert SEGMENT in first["summary"] and "SH-A" in first["summary"]


def test_an_av_event_at_a_workstation_where_nobody_sits_raises_nothing(
    committee, device, seats_taken, raised
):
    empty = next(n for n in range(1, 9) if n not in seats_taken)
    assert device.event(empty, "extra_face").get_json()["posted"] is False
    assert raised("presence.lost") == []


def test_a_workstation_silent_for_more_than_five_minutes_raises_one_alert_on_the_tick(
    committee, device, seat, clock, raised
):
    number, workstation = seat
    device.heartbeat(workstation)
    heard_at = clock.now()
    clock.advance(minutes=5, seconds=1)
    tick(clock)
    tick(clock)
    [alert] = raised("presence.lost")
    assert (alert["severity"], alert["subject"]) == ("yellow", f"seat {number}")
    assert alert["tender_id"] == committee.tender_id and alert["session_id"] == committee.id
    figures = alert["evidence"]["figures"]
    assert figures["silent_since"] == heard_at.isoformat()
    assert (figures["silent_seconds"], figures["back_online"]) == (301, False)
    assert alert["evidence"]["threshold"]["minutes"] == 5
    assert len(alert["evidence"]["seqs"]) == 1  # the outage's workstation_offline


def test_a_workstation_silent_for_five_minutes_raises_nothing(
    committee, device, seat, clock, raised
):
    device.heartbeat(seat[1])
    clock.advance(minutes=5)
    tick(clock)
    assert raised("presence.lost") == []


def test_an_outage_over_five_minutes_raises_an_alert_when_its_heartbeats_return(
    committee, device, seat, clock, raised
):
    workstation = seat[1]
    device.heartbeat(workstation)
    clock.advance(seconds=61)
    tick(clock)  # posted offline, silent 61 s: nothing yet
    assert raised("presence.lost") == []
    clock.advance(minutes=4, seconds=29)
    device.heartbeat(workstation)
    [alert] = raised("presence.lost")
    figures = alert["evidence"]["figures"]
    assert (figures["silent_seconds"], figures["back_online"]) == (330, True)
    assert len(alert["evidence"]["seqs"]) == 2  # its offline and its online


def test_an_outage_of_five_minutes_raises_nothing_when_its_heartbeats_return(
    committee, device, seat, clock, raised
):
    workstation = seat[1]
    device.heartbeat(workstation)
    clock.advance(seconds=61)
    tick(clock)
    clock.advance(minutes=3, seconds=59)
    device.heartbeat(workstation)
    assert raised("presence.lost") == []


def test_an_outage_raised_on_the_tick_is_not_raised_again_when_its_heartbeats_return(
    committee, device, seat, clock, raised
):
    workstation = seat[1]
    device.heartbeat(workstation)
    clock.advance(minutes=6)
    tick(clock)
    clock.advance(minutes=1)
    device.heartbeat(workstation)
    [alert] = raised("presence.lost")
    assert alert["evidence"]["figures"]["back_online"] is False


def test_a_second_outage_is_a_second_alert(committee, device, seat, clock, raised):
    workstation = seat[1]
    for _ in range(2):
        device.heartbeat(workstation)
        clock.advance(minutes=6)
        tick(clock)
    assert len(raised("presence.lost")) == 2


def test_a_clean_session_with_steady_heartbeats_raises_no_presence_alert(
    committee, device, seat, clock, raised
):
    for _ in range(12):
        device.heartbeat(seat[1])
        clock.advance(seconds=30)
        tick(clock)
    committee.to_ranking()
    assert raised("presence.lost") == []
