"""A venue's AV device talking to the telemetry API, and where the committee sits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest

SEGMENT = hashlib.sha256(b"recording SH-A ws1 09:30-09:35").hexdigest()


class Device:
    """A venue's audio-video system: its bearer secret on every telemetry call."""

    def __init__(self, client, secret: str, venue) -> None:
        self.client = client
        self.secret = secret
        self.venue = venue
        self.headers = {"Authorization": f"Bearer {secret}"}

    def post(self, path: str, body):
        return self.client.post(path, json=body, headers=self.headers)

    def heartbeat(self, workstation: int, at=None):
        from bidhall import clock

        return self.post(
            "/api/telemetry/heartbeats",
            {"workstation": workstation, "at": (at or clock.now()).isoformat()},
        )

    def event(self, workstation: int, kind: str = "face_absent", **fields):
        return self.post("/api/telemetry/events", event_body(workstation, kind, **fields))


def event_body(workstation: int, kind: str = "face_absent", **fields) -> dict:
    """An event that started 40 s ago and lasted 30 s, inside a 5-minute segment that ended
    now."""
    from bidhall import clock

    now = clock.now()
    body = {
        "workstation": workstation,
        "kind": kind,
        "started_at": (now - timedelta(seconds=40)).isoformat(),
        "ended_at": (now - timedelta(seconds=10)).isoformat(),
        "segment": {
            "sha256": SEGMENT,
            "from": (now - timedelta(minutes=5)).isoformat(),
            "to": now.isoformat(),
        },
    }
    body.update(fields)
    return body


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def issue(client, api_for, admin):
    """``issue(venue, **body) -> Device``: the admin issues the venue's device token."""

    def make(venue, **body) -> Device:
        response = api_for(admin).post(f"/api/venues/{venue.id}/devices", json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return Device(client, response.get_json()["secret"], venue)

    return make


@dataclass(frozen=True)
class Seat:
    seat: int
    venue_id: int
    workstation: int


@pytest.fixture
def seats(committee):
    """The committee's seats: where each member sits, by seat."""
    from bidhall.db import db
    from evaluation.sessions.models import SessionMember

    members = db.session.query(SessionMember).filter_by(session_id=committee.id).all()
    return {m.seat: Seat(m.seat, m.venue_id, m.workstation) for m in members}


@pytest.fixture
def messages(committee, api_for):
    """``messages(after=0)``: the session's messages as its supervisor reads them."""
    supervisor = api_for(committee.supervisor)

    def read(after: int = 0) -> list[dict]:
        response = supervisor.get(f"/api/evaluation/{committee.id}/messages?after={after}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["messages"]

    return read
