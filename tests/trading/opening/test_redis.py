"""Two server processes sharing Redis: hall messages committed in one process reach the hall's
members connected to the other, in the same gap-free sequence."""

from __future__ import annotations

import time
import uuid

import pytest
import socketio as socketio_client

from tests.kernel.test_redis_queue import REDIS_URL, redis_answers

pytestmark = pytest.mark.skipif(not redis_answers(), reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def app_overrides():
    # a channel of this test's own: other tests (and other runs) share the Redis server
    return {"REDIS_URL": REDIS_URL, "SOCKETIO_CHANNEL": f"bidhall-test-{uuid.uuid4().hex}"}


@pytest.fixture
def workers(serve_processes):
    return serve_processes


def member(url: str, user) -> tuple[socketio_client.Client, list[dict]]:
    from bidhall.accounts import services

    _token, secret = services.issue_token(user.id, "hall")
    client = socketio_client.Client()
    heard: list[dict] = []
    client.on("hall", lambda message: heard.append(message), namespace="/opening")
    client.on("hall.batch", lambda batch: heard.extend(batch), namespace="/opening")
    client.connect(url, namespaces=["/opening"], transports=["websocket"], auth={"token": secret})
    return client, heard


def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


def test_a_message_said_through_one_process_reaches_members_on_the_other(make_hall, workers):
    hall = make_hall(3)
    first, second = workers(2)
    host, host_heard = member(first, hall.agency)
    bidder, bidder_heard = member(second, hall.bidders[0].user)
    try:
        for client in (host, bidder):
            ack = client.call(
                "join", {"tender_id": hall.id, "last_seq": None}, namespace="/opening", timeout=10
            )
            assert ack["ok"] is True
        said = host.call(
            "say",
            {"tender_id": hall.id, "cmd_id": "r-1", "text": "Welcome."},
            namespace="/opening",
            timeout=10,
        )
        wait_until(lambda: bidder_heard and host_heard)
    finally:
        host.disconnect()
        bidder.disconnect()
    assert [m["seq"] for m in bidder_heard] == [said["seq"]]
    assert bidder_heard == host_heard


def test_the_tick_in_a_third_process_reaches_both_workers_members_in_order(make_hall, workers):
    hall = make_hall(3)
    first, second = workers(2)
    a, a_heard = member(first, hall.bidders[0].user)
    b, b_heard = member(second, hall.bidders[1].user)
    try:
        for client in (a, b):
            client.call(
                "join", {"tender_id": hall.id, "last_seq": None}, namespace="/opening", timeout=10
            )
        hall.reach_deadline()  # in this (the test's) process: the scheduler's process
        for seat in hall.bidders:
            hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
        wait_until(lambda: len(a_heard) >= 5 and len(b_heard) >= 5)
    finally:
        a.disconnect()
        b.disconnect()
    assert [m["type"] for m in a_heard] == [
        "hall.bids_locked",
        "hall.decrypted",
        "hall.decrypted",
        "hall.decrypted",
        "hall.reading_started",
    ]
    assert a_heard == b_heard
