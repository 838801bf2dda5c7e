"""The hall's fan-out coalesces bursts (HALL_COALESCE_MS): a message into a quiet room goes out
at once; the messages of a burst follow in one `hall.batch` frame, in seq order."""

from __future__ import annotations

import time

import pytest

from tests.fixtures.opening import NS, heard


@pytest.fixture
def app_overrides():
    return {"HALL_COALESCE_MS": 600}  # wide: the burst below must fit in it on a loaded machine


def frames(client, seconds: float = 3.0) -> list[dict]:
    """The frames received until a batch arrived (or the time is up), polling."""
    received: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        received.extend(client.get_received(NS))
        if any(m["name"] == "hall.batch" for m in received):
            break
        time.sleep(0.02)
    return [m for m in received if m["name"] in ("hall", "hall.batch")]


def joined(hall_client, hall, user):
    client = hall_client(user)
    client.emit("join", {"tender_id": hall.id, "last_seq": None}, namespace=NS, callback=True)
    return client


def test_a_message_into_a_quiet_hall_goes_out_at_once(make_hall, hall_client):
    hall = make_hall(3)
    client = joined(hall_client, hall, hall.bidders[0].user)
    said = hall.run(hall.agency, "say", text="Welcome to the opening.")
    assert [m["seq"] for m in heard(client)] == [said["seq"]]


def test_a_burst_follows_in_one_batch_in_seq_order(make_hall, hall_client):
    hall = make_hall(3)
    client = joined(hall_client, hall, hall.bidders[0].user)
    said = [hall.run(hall.agency, "say", text=f"Item {n}.")["seq"] for n in range(4)]
    received = frames(client)
    assert [m["name"] for m in received] == ["hall", "hall.batch"]
    assert received[0]["args"][0]["seq"] == said[0]
    assert [m["seq"] for m in received[1]["args"][0]] == said[1:]
