"""With REDIS_URL set, broadcasts cross processes: an event committed in one process reaches
Socket.IO clients connected to another server process (the multi-worker deployment)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest
import redis
import socketio as socketio_client

from trading.tenders import notices as services

REDIS_URL = os.environ.get("BIDHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not redis_answers(), reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def app_overrides():
    # a channel of this test's own: other tests (and other runs) share the Redis server
    return {"REDIS_URL": REDIS_URL, "SOCKETIO_CHANNEL": f"bidhall-test-{uuid.uuid4().hex}"}


@pytest.fixture
def server_process(serve_processes):
    return serve_processes(1)[0]


def test_a_change_in_one_process_reaches_watchers_of_another(
    server_process, make_tender, world, clock
):
    tender = make_tender("published")
    client = socketio_client.Client()
    heard: list[dict] = []
    client.on("tender.updated", lambda message: heard.append(message), namespace="/tenders")
    client.connect(server_process, namespaces=["/tenders"], transports=["websocket"])
    try:
        ack = client.call("watch", {"tender_id": tender.id}, namespace="/tenders", timeout=10)
        assert ack["ok"] is True
        clock.set(tender.bid_deadline - timedelta(days=2))
        services.issue_notice(world.agency, tender.id, "amendment", "BoQ", "Corrected.", True)
        for _ in range(100):
            if len(heard) >= 2:
                break
            time.sleep(0.05)
    finally:
        client.disconnect()
    assert [m["type"] for m in heard] == ["tender.notice_issued", "tender.deadline_moved"]
