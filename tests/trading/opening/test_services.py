"""The opening hall's rules through its services and its HTTP API (DOMAIN.md §2 step 7)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bidhall.errors import DomainError
from trading.opening import hall as opening
from trading.opening import record as opening_record


def decrypt_all(hall):
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))


def read_all(hall):
    for _ in hall.bidders:
        hall.run(hall.agency, "read_next")


def test_at_the_deadline_the_bids_are_locked_and_listed_without_names(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    messages = opening.messages_after(hall.supervisor, hall.id, 0)
    locked = messages[-1]
    assert locked["type"] == "hall.bids_locked"
    assert [b["bid_no"] for b in locked["payload"]["bids"]] == [1, 2, 3]
    assert all("bidder" not in b for b in locked["payload"]["bids"])
    assert opening.state(hall.agency, hall.id)["phase"] == "decrypting"


def test_fewer_than_three_bids_fail_the_opening_and_the_tender(make_hall):
    from trading.tenders import queries as services

    hall = make_hall(2)
    hall.reach_deadline()
    failed = opening.messages_after(hall.bidders[0].user, hall.id, 0)[-1]
    assert failed["type"] == "hall.failed"
    assert "fewer than 3 bids" in failed["payload"]["reason"]
    assert services.get_tender(hall.id).state.value == "failed"


def test_a_bidder_decrypting_with_its_own_keys_is_accepted_and_announced(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[0]
    result = hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    assert result["ok"] and result["bid_no"] == 1
    last = opening.messages_after(seat.user, hall.id, 0)[-1]
    assert last["type"] == "hall.decrypted"
    assert last["payload"] == {"bid_no": 1, "path": "holder"}


def test_keys_of_another_bid_are_refused(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    seat, other = hall.bidders[0], hall.bidders[1]
    with pytest.raises(DomainError) as refused:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(other))
    assert refused.value.code == "decryption_failed"


def test_when_every_bid_is_decrypted_the_reading_out_starts(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all(hall)
    assert opening.state(hall.agency, hall.id)["phase"] == "reading"


def test_the_reading_out_announces_each_summary_verbatim_in_order_of_receipt(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all(hall)
    read_all(hall)
    messages = opening.messages_after(hall.bidders[2].user, hall.id, 0)
    read = [m["payload"] for m in messages if m["type"] == "hall.read_out"]
    assert [r["bidder"] for r in read] == [s.user.organisation.name for s in hall.bidders]
    assert dict(read[1]["items"])["price"] == "9980000.50"
    assert messages[-1]["type"] == "hall.reading_finished"


def test_a_bid_not_decrypted_in_the_window_is_revoked(make_hall, clock):
    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders[:2]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    deadline = hall.deadline + timedelta(minutes=30)
    hall.tick_at(deadline - timedelta(seconds=1))
    assert opening.state(hall.agency, hall.id)["phase"] == "decrypting"
    hall.tick_at(deadline)
    state = opening.state(hall.agency, hall.id)
    assert [b["outcome"] for b in state["bids"]] == ["decrypted", "decrypted", "revoked"]
    assert state["phase"] == "reading"


def test_custodian_shares_reach_the_threshold_and_recover_an_excused_bid(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all_but_last(hall)
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="platform outage at 10:02")
    result = hall.run(
        hall.supervisor,
        "share",
        bid_id=stuck.bid_id,
        **hall.shares(hall.supervisor_id, stuck),
    )
    assert result["recovered"] is True and result["shares"] == 2
    state = opening.state(hall.agency, hall.id)
    assert state["bids"][2]["outcome"] == "recovered"
    assert state["phase"] == "reading"


def test_one_share_short_of_the_threshold_recovers_nothing(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all_but_last(hall)
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="platform outage at 10:02")
    # the platform's own share went in with the excuse: 1 of the 2 needed
    state = opening.state(hall.agency, hall.id)
    assert state["bids"][2]["outcome"] == "excused"
    last = opening.messages_after(hall.agency, hall.id, 0)[-1]
    assert last["type"] == "hall.share_received"
    assert last["payload"]["shares"] == 1 and last["payload"]["threshold"] == 2


def test_an_excused_bid_without_enough_shares_in_time_is_treated_as_withdrawn(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all_but_last(hall)
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="platform outage at 10:02")
    hall.tick_at(hall.deadline + timedelta(hours=2))
    state = opening.state(hall.agency, hall.id)
    assert state["bids"][2]["outcome"] == "withdrawn"
    assert state["phase"] == "reading"


def test_a_wrong_share_is_refused_and_changes_nothing(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all_but_last(hall)
    stuck, other = hall.bidders[2], hall.bidders[0]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="platform outage at 10:02")
    with pytest.raises(DomainError) as refused:
        hall.run(
            hall.supervisor,
            "share",
            bid_id=stuck.bid_id,
            **hall.shares(hall.supervisor_id, other),
        )
    assert refused.value.code == "shares_do_not_match"
    assert opening.state(hall.agency, hall.id)["bids"][2]["outcome"] == "excused"


def decrypt_all_but_last(hall):
    for seat in hall.bidders[:-1]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))


def test_a_whole_opening_publishes_a_record_that_verifies(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all(hall)
    read_all(hall)
    hall.run(hall.bidders[1].user, "object", text="Bid 2's duration was read wrongly?")
    hall.run(hall.agency, "answer", number=1, text="It was read as sealed: 600 days.")
    closed = hall.run(hall.agency, "close")
    record = opening_record.record(hall.id)
    finding = opening_record.verify_record(record)
    assert finding.ok, finding.problems
    assert finding.opened == 3
    assert closed["record_sha256"]
    assert record["record"]["objections"][0]["answer"].startswith("It was read")


def test_a_record_with_one_changed_digit_fails_verification(make_hall):
    hall = make_hall(3)
    hall.reach_deadline()
    decrypt_all(hall)
    read_all(hall)
    hall.run(hall.agency, "close")
    record = opening_record.record(hall.id)
    text = json.dumps(record).replace("9980000.50", "9980000.59")
    with pytest.raises(DomainError) as refused:
        opening_record.verify_record(json.loads(text))
    assert refused.value.code == "bad_signature"


def test_a_summary_off_the_tenders_form_is_read_out_as_sealed_with_its_problems(
    make_hall, world, enroll
):
    from tests.fixtures.opening import Seat
    from tests.fixtures.pki import SUMMARY, submit_bid

    hall = make_hall(2)
    user, off_form = world.bidder(), dict(SUMMARY, price="about ten million")
    del off_form["quality"]  # sealed by a tool that does not check the schema
    bundle = enroll(user)
    bid = submit_bid(user, bundle, hall.id, off_form)
    hall.bidders.append(Seat(user.id, bundle, bid.id, bid.storage_key, off_form))
    hall.reach_deadline()
    decrypt_all(hall)
    read_all(hall)
    read = [
        m["payload"]
        for m in opening.messages_after(hall.agency, hall.id, 0)
        if m["type"] == "hall.read_out"
    ]
    assert [r.get("problems") for r in read[:2]] == [None, None]  # the tools' own summaries
    assert dict(read[2]["items"])["price"] == "about ten million"  # announced verbatim
    assert [p.split(":")[0] for p in read[2]["problems"]] == ["(summary)", "price"]
    hall.run(hall.agency, "close")
    record = opening_record.record(hall.id)
    assert record["record"]["bids"][2]["problems"] == read[2]["problems"]
    assert opening_record.verify_record(record).ok
