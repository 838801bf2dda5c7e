"""The console's clients and what they heard; the ledger read back. Everything the tests look
at is made by driving the real services (the ``committee`` and ``make_hall`` fixtures)."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.opening import socket_clients

NS = "/supervision"


@pytest.fixture
def console_client(app):
    """``console_client(user=None)``: a Socket.IO test client on /supervision, by API token."""
    make, close = socket_clients(app, NS, "console")
    yield make
    close()


def emit(client, event: str, data=None) -> dict:
    return client.emit(event, data if data is not None else {}, namespace=NS, callback=True)


def heard(client, event: str) -> list[dict]:
    """What the client received of ``event`` since last asked for that event (what it received
    of other events is kept for when they are asked for)."""
    kept = client.__dict__.setdefault("_console_kept", [])
    kept.extend(client.get_received(NS))
    wanted = [r["args"][0] for r in kept if r["name"] == event]
    kept[:] = [r for r in kept if r["name"] != event]
    return wanted


def ledger(type_: str) -> list[dict]:
    """The payloads of the ledger's entries of this type, in order."""
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    rows = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == type_).order_by(LedgerEntry.seq)
    )
    payloads = [json.loads(row.payload) for row in rows]
    db.session.rollback()
    return payloads


def close_early(committee, question: str = "Visit the site?") -> int:
    """The leader opens a vote, one member votes and the leader closes it: vote.incomplete."""
    leader = committee.member(1)
    number = committee.run(
        leader, "open_vote", matter="other", question=question, options=["yes", "no"]
    )["vote"]
    committee.run(committee.member(2), "cast", vote=number, choice="yes")
    committee.run(leader, "close_vote", vote=number)
    return number
