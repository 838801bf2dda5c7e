"""`bidhall serve` in production mode: gevent (monkey-patched before any import, by
bidhall.__main__), websockets through pywsgi + simple-websocket, and the in-process scheduler
ticking as a greenlet against the same database the test writes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import socketio as socketio_client

from bidhall import clock as clock_module
from bidhall.__main__ import serve_async_mode
from tests.fixtures.app import wait_until_serving

pytest.importorskip("gevent")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["serve"], {}, "gevent"),
        (["serve", "--port", "5001", "--async-mode", "threading"], {}, "threading"),
        (["serve", "--async-mode=threading"], {"SOCKETIO_ASYNC_MODE": "gevent"}, "threading"),
        (["serve"], {"SOCKETIO_ASYNC_MODE": "threading"}, "threading"),
        (["--app", "serve", "tick"], {}, None),  # an option's value is not the command
        (["-e", ".env", "serve"], {}, "gevent"),
        (["tick", "serve"], {}, None),
        (["demo", "--serve"], {}, None),
        (["sandbox", "serve"], {}, "gevent"),  # the training sandbox serves the same way
        (["sandbox", "serve", "--async-mode", "threading"], {}, "threading"),
        (["sandbox", "init"], {}, None),
        ([], {}, None),
    ],
)
def test_only_serve_and_sandbox_serve_are_prepared_for_gevent(argv, environ, expected):
    assert serve_async_mode(argv, environ) == expected


@pytest.fixture
def gevent_server(app, tmp_path):
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=app.config["DATABASE_URL"],
        BIDHALL_INSTANCE=str(tmp_path / "server"),
        BIDHALL_ENV="testing",
        SCHEDULER_ENABLED="true",
        TICK_SECONDS="1",
    )
    env.pop("SOCKETIO_ASYNC_MODE", None)
    env.pop("REDIS_URL", None)
    bidhall = os.path.join(os.path.dirname(sys.executable), "bidhall")
    process = subprocess.Popen(
        [bidhall, "serve", "--port", str(port), "--async-mode", "gevent"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_until_serving(process, port, "bidhall serve")
    yield f"http://127.0.0.1:{port}", process
    process.terminate()
    output = process.communicate(timeout=10)[0].decode()
    assert "(gevent mode)" in output, output
    assert "Traceback" not in output, output


def test_gevent_server_serves_websockets_and_ticks(gevent_server, make_tender, clock):
    from bidhall.db import db
    from trading.tenders import queries as services

    url, _process = gevent_server
    # published ten days ago by the fake clock: the download period ended three days before the
    # server's real clock, so the server's own scheduler has a transition to make
    clock.set(clock_module.SystemClock().now() - timedelta(days=10))
    tender = make_tender("published")
    assert tender.download_closed_at is None

    client = socketio_client.Client(reconnection=False)
    client.connect(url, namespaces=["/tenders"], transports=["websocket"], wait_timeout=5)
    try:
        assert client.transport() == "websocket"
        ack = client.call("watch", {"tender_id": tender.id}, namespace="/tenders", timeout=5)
    finally:
        client.disconnect()
    assert ack["ok"] is True
    assert ack["tender_id"] == tender.id

    def download_closed_at():
        db.session.remove()  # a fresh read: the server process writes
        return services.get_tender(tender.id).download_closed_at

    for _ in range(60):  # the tick runs every second in a greenlet of the server
        if download_closed_at() is not None:
            break
        time.sleep(0.1)
    assert download_closed_at() is not None
