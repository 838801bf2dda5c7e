"""Live tender updates over Socket.IO (namespace /tenders)."""

from datetime import timedelta

import pytest

from bidhall.extensions import socketio
from trading.tenders import jobs
from trading.tenders import notices as services

NS = "/tenders"


@pytest.fixture
def watcher(app):
    client = socketio.test_client(app, namespace=NS)
    yield client
    client.disconnect(namespace=NS)


def updates(client):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == "tender.updated"]


def test_watching_a_published_tender_returns_its_deadline(watcher, make_tender):
    tender = make_tender("published")
    ack = watcher.emit("watch", {"tender_id": tender.id}, namespace=NS, callback=True)
    assert ack == {
        "ok": True,
        "tender_id": tender.id,
        "state": "published",
        "bid_deadline": tender.bid_deadline.isoformat(),
    }


def test_watching_a_draft_is_refused_as_not_found(watcher, make_tender):
    tender = make_tender("draft")
    ack = watcher.emit("watch", {"tender_id": tender.id}, namespace=NS, callback=True)
    assert ack["error"]["code"] == "tender_not_found"


def test_watching_without_a_tender_id_is_refused_with_the_reason(watcher):
    ack = watcher.emit("watch", {"tender": "x"}, namespace=NS, callback=True)
    assert ack["error"]["code"] == "invalid_field"


def test_watchers_hear_when_an_amendment_moves_the_deadline(watcher, make_tender, world, clock):
    tender = make_tender("published")
    watcher.emit("watch", {"tender_id": tender.id}, namespace=NS, callback=True)
    clock.set(tender.bid_deadline - timedelta(days=5))
    services.issue_notice(world.agency, tender.id, "amendment", "BoQ", "Corrected.", True)
    heard = updates(watcher)
    assert [m["type"] for m in heard] == ["tender.notice_issued", "tender.deadline_moved"]
    assert heard[1]["after"] == (clock.now() + timedelta(days=15)).isoformat()
    assert heard[0]["seq"] < heard[1]["seq"]


def test_watchers_hear_nothing_of_a_refused_change(watcher, make_tender, world):
    from bidhall.errors import DomainError

    tender = make_tender("published")
    watcher.emit("watch", {"tender_id": tender.id}, namespace=NS, callback=True)
    with pytest.raises(DomainError):
        services.issue_notice(world.agency, tender.id, "amendment", "", "empty title", True)
    assert updates(watcher) == []


def test_watchers_of_another_tender_hear_nothing(watcher, make_tender, world, clock):
    first = make_tender("published")
    second = make_tender("published", title="Another tender")
    watcher.emit("watch", {"tender_id": second.id}, namespace=NS, callback=True)
    services.issue_notice(world.agency, first.id, "clarification", "Site visit", "Day 3.", False)
    assert updates(watcher) == []


def test_watchers_hear_the_download_period_close_without_the_holder_count(
    watcher, make_tender, world, api_for, clock
):
    """The ledger records how many hold the documents when the download period ends; the
    public watchers hear only that it ended (Law Art 22: no count before the opening)."""
    tender = make_tender("published")
    for _ in range(2):
        api_for(world.bidder()).get(f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}")
    watcher.emit("watch", {"tender_id": tender.id}, namespace=NS, callback=True)
    clock.set(tender.issue_end)
    jobs.tick(clock.now())
    (closed,) = [m for m in updates(watcher) if m["type"] == "tender.download_closed"]
    assert set(closed) == {"type", "tender_id", "seq", "at"}
