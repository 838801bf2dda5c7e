"""The opening hall over Socket.IO (namespace /opening): authorization, persist-then-broadcast
with gap-free seqs, reconnection, idempotent commands (DESIGN.md §5)."""

from __future__ import annotations

from sqlalchemy import func, select

from bidhall.db import db
from tests.fixtures.opening import NS, cmd_id, heard


def join(client, hall, last_seq=None):
    return client.emit(
        "join", {"tender_id": hall.id, "last_seq": last_seq}, namespace=NS, callback=True
    )


def test_a_bidder_joins_its_hall_and_sees_the_countdown_from_the_server_clock(
    make_hall, hall_client, clock
):
    hall = make_hall(3)
    ack = join(hall_client(hall.bidders[0].user), hall)
    assert ack["ok"] and ack["role"] == "bidder"
    assert ack["state"]["now"] == clock.now().isoformat()
    assert ack["state"]["bid_deadline"] == hall.deadline.isoformat()


def test_an_anonymous_watcher_may_not_enter_before_the_reading_out(make_hall, hall_client):
    hall = make_hall(3)
    ack = join(hall_client(), hall)
    assert ack["error"]["code"] == "not_in_hall"


def test_a_bidder_without_a_bid_may_not_enter(make_hall, hall_client, world):
    hall = make_hall(3)
    ack = join(hall_client(world.bidder()), hall)
    assert ack["error"]["code"] == "not_in_hall"


def test_a_refused_command_also_arrives_as_an_error_event(make_hall, hall_client):
    hall = make_hall(3)
    client = hall_client(hall.bidders[0].user)
    join(client, hall)
    client.emit("say", {"tender_id": hall.id, "cmd_id": cmd_id(), "text": "hi"}, namespace=NS)
    errors = [m for m in client.get_received(NS) if m["name"] == "hall.error"]
    assert errors[0]["args"][0]["error"]["code"] == "not_allowed_in_hall"


def test_a_bidders_sign_in_before_the_deadline_is_not_announced_in_the_hall(make_hall, hall_client):
    """Each "a bidder signed in", even nameless, would let the hall count the bidders before
    the opening (Law Art 22): the sign-in is acknowledged and recorded in the ledger only."""
    from audit.ledger.models import LedgerEntry

    hall = make_hall(3)
    agency = hall_client(hall.agency)
    join(agency, hall)
    bidder = hall_client(hall.bidders[0].user)
    join(bidder, hall)
    heard(agency)
    ack = bidder.emit(
        "sign_in", {"tender_id": hall.id, "cmd_id": cmd_id()}, namespace=NS, callback=True
    )
    assert ack["ok"] and ack["signed_in_at"]
    assert heard(agency) == []
    recorded = db.session.scalars(
        select(LedgerEntry.type).where(LedgerEntry.type == "opening.signed_in")
    ).all()
    assert recorded == ["opening.signed_in"]


def test_after_the_deadline_a_sign_in_is_announced_with_the_count_but_no_name(
    make_hall, hall_client
):
    hall = make_hall(3)
    hall.reach_deadline()
    agency = hall_client(hall.agency)
    join(agency, hall)
    heard(agency)
    bidder = hall_client(hall.bidders[0].user)
    join(bidder, hall)
    bidder.emit("sign_in", {"tender_id": hall.id, "cmd_id": cmd_id()}, namespace=NS, callback=True)
    message = heard(agency)[-1]
    assert message["type"] == "hall.signed_in"
    assert message["payload"] == {"role": "bidder", "bidders_present": 1, "staff_present": 0}
    assert hall.bidders[0].user.organisation.name not in str(message)


def test_a_decryption_attempt_before_the_deadline_is_refused_and_recorded(make_hall, hall_client):
    from audit.ledger.models import LedgerEntry

    hall = make_hall(3)
    seat = hall.bidders[0]
    client = hall_client(seat.user)
    join(client, hall)
    ack = client.emit(
        "decrypt",
        {"tender_id": hall.id, "cmd_id": cmd_id(), "bid_id": seat.bid_id, **hall.keys(seat)},
        namespace=NS,
        callback=True,
    )
    assert ack["error"]["code"] == "before_opening"
    recorded = db.session.scalar(
        select(func.count(LedgerEntry.seq)).where(LedgerEntry.type == "crypto.early_access_refused")
    )
    assert recorded == 1


def test_a_bidder_may_not_decrypt_another_bidders_bid(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    seat, other = hall.bidders[0], hall.bidders[1]
    client = hall_client(seat.user)
    join(client, hall)
    ack = client.emit(
        "decrypt",
        {"tender_id": hall.id, "cmd_id": cmd_id(), "bid_id": other.bid_id, **hall.keys(other)},
        namespace=NS,
        callback=True,
    )
    assert ack["error"]["code"] == "bid_not_found"


def test_a_bidder_may_not_use_the_hosts_commands(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    client = hall_client(hall.bidders[0].user)
    join(client, hall)
    for name in ("read_next", "excuse", "close", "answer"):
        ack = client.emit(
            name, {"tender_id": hall.id, "cmd_id": cmd_id()}, namespace=NS, callback=True
        )
        assert ack["error"]["code"] == "not_allowed_in_hall", name


def test_a_bidder_may_not_join_another_tenders_hall(make_hall, hall_client):
    first, second = make_hall(3), make_hall(3)
    ack = join(hall_client(first.bidders[0].user), second)
    assert ack["error"]["code"] == "not_in_hall"


def test_a_retried_command_is_applied_once(make_hall, hall_client):
    hall = make_hall(3)
    client = hall_client(hall.agency)
    join(client, hall)
    command = {"tender_id": hall.id, "cmd_id": "say-1", "text": "Sign in, please."}
    first = client.emit("say", command, namespace=NS, callback=True)
    again = client.emit("say", command, namespace=NS, callback=True)
    assert again["seq"] == first["seq"] and again["replayed"] is True
    announcements = [m for m in heard(client) if m["type"] == "hall.announcement"]
    assert len(announcements) == 1


def test_every_member_hears_each_message_once_with_consecutive_seqs(make_hall, hall_client):
    hall = make_hall(3)
    clients = [hall_client(s.user) for s in hall.bidders]
    for client in clients:
        join(client, hall)
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    for client in clients:
        seqs = [m["seq"] for m in heard(client)]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_client_reconnecting_mid_reading_out_gets_exactly_what_it_missed(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    watcher = hall_client(hall.bidders[2].user)
    join(watcher, hall)
    hall.run(hall.agency, "read_next")
    seen = heard(watcher)
    last = seen[-1]["seq"]
    watcher.disconnect(namespace=NS)
    hall.run(hall.agency, "read_next")
    hall.run(hall.agency, "read_next")
    again = hall_client(hall.bidders[2].user)
    ack = join(again, hall, last_seq=last)
    missed = ack["missed"]
    assert [m["seq"] for m in missed] == list(range(last + 1, ack["seq"] + 1))
    read = [m["payload"]["bid_no"] for m in missed if m["type"] == "hall.read_out"]
    assert read == [2, 3]


def test_the_public_may_watch_once_the_reading_out_starts(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    ack = join(hall_client(), hall)
    assert ack["ok"] and ack["role"] == "public"


def test_the_public_may_not_act_in_the_hall(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    client = hall_client()
    join(client, hall)
    ack = client.emit(
        "object",
        {"tender_id": hall.id, "cmd_id": cmd_id(), "text": "hello there"},
        namespace=NS,
        callback=True,
    )
    assert ack["error"]["code"] == "not_in_hall"


def test_an_unknown_token_is_refused_at_connect(app):
    from bidhall.extensions import socketio

    client = socketio.test_client(app, namespace=NS, auth={"token": "nope"})
    assert not client.is_connected(NS)


def test_a_refusal_is_worded_in_the_connections_language(make_hall, app):
    from bidhall.accounts import services
    from bidhall.extensions import socketio

    hall = make_hall(3)
    _token, secret = services.issue_token(hall.bidders[0].user.id, "hall")
    client = socketio.test_client(
        app, namespace=NS, auth={"token": secret}, headers={"Accept-Language": "zh-CN"}
    )
    join(client, hall)
    ack = client.emit(
        "say", {"tender_id": hall.id, "cmd_id": cmd_id(), "text": "hi"}, namespace=NS, callback=True
    )
    client.disconnect(namespace=NS)
    assert ack["error"]["code"] == "not_allowed_in_hall"
    assert ack["error"]["message"] == "您在开标大厅中的身份不能执行此操作。"


def test_members_hear_that_an_opening_with_two_bids_fails(make_hall, hall_client):
    hall = make_hall(2)
    client = hall_client(hall.bidders[0].user)
    join(client, hall)
    hall.reach_deadline()
    failed = heard(client)[-1]
    assert failed["type"] == "hall.failed"
    assert "fewer than 3 bids" in failed["payload"]["reason"]


def test_a_custodians_share_sent_over_the_socket_recovers_an_excused_bid(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders[:2]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="the centre's network failed")
    supervisor = hall_client(hall.supervisor)
    join(supervisor, hall)
    ack = supervisor.emit(
        "share",
        {
            "tender_id": hall.id,
            "cmd_id": cmd_id(),
            "bid_id": stuck.bid_id,
            **hall.shares(hall.supervisor_id, stuck),
        },
        namespace=NS,
        callback=True,
    )
    assert ack["recovered"] is True
    assert [m["type"] for m in heard(supervisor)][-2:] == ["hall.recovered", "hall.reading_started"]


def test_a_share_from_someone_who_is_no_custodian_is_refused(make_hall, hall_client):
    hall = make_hall(3)
    hall.reach_deadline()
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="the centre's network failed")
    bidder = hall_client(hall.bidders[0].user)
    join(bidder, hall)
    ack = bidder.emit(
        "share",
        {
            "tender_id": hall.id,
            "cmd_id": cmd_id(),
            "bid_id": stuck.bid_id,
            **hall.shares(hall.supervisor_id, stuck),
        },
        namespace=NS,
        callback=True,
    )
    assert ack["error"]["code"] == "not_custodian"
