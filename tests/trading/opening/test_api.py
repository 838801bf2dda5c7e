"""The opening hall over HTTP: what each caller sees, command validation, the public record."""

from __future__ import annotations

from tests.fixtures.opening import cmd_id


def opened_and_read(hall):
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    for _ in hall.bidders:
        hall.run(hall.agency, "read_next")


def test_before_the_reading_out_a_bidder_sees_only_its_own_bid_named(make_hall, api_for):
    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[0]
    bids = api_for(seat.user).get(f"/api/tenders/{hall.id}/opening").get_json()["bids"]
    assert bids[0]["bidder"] == seat.user.organisation.name
    assert [b["bidder"] for b in bids[1:]] == [None, None]
    assert [b["bid_id"] for b in bids[1:]] == [None, None]


def test_before_the_reading_out_the_staff_see_numbered_bids_without_names(make_hall, api_for):
    """Law Art 22 and E-Rules Art 30: the names come with the reading out, for the tender's
    managers and supervisors as for everyone."""
    hall = make_hall(3)
    names = [seat.user.organisation.name for seat in hall.bidders]
    hall.reach_deadline()
    for staff in (hall.agency, hall.supervisor):
        answer = api_for(staff).get(f"/api/tenders/{hall.id}/opening")
        bids = answer.get_json()["bids"]
        assert [b["bid_no"] for b in bids] == [1, 2, 3]
        assert [b["bidder"] for b in bids] == [None, None, None]
        # the host excuses, a custodian hands in shares, by the bid's id: it names no firm
        assert [b["bid_id"] for b in bids] == [seat.bid_id for seat in hall.bidders]
        assert not [name for name in names if name in answer.get_data(as_text=True)]
    opened_and_read(hall)
    for staff in (hall.agency, hall.supervisor):
        bids = api_for(staff).get(f"/api/tenders/{hall.id}/opening").get_json()["bids"]
        assert [b["bidder"] for b in bids] == names


def test_once_reading_starts_every_bidder_sees_every_name(make_hall, api_for):
    hall = make_hall(3)
    opened_and_read(hall)
    bids = api_for(hall.bidders[1].user).get(f"/api/tenders/{hall.id}/opening").get_json()["bids"]
    assert None not in [b["bidder"] for b in bids]


def test_a_command_without_a_client_id_is_refused_with_the_field(make_hall, api_for):
    hall = make_hall(3)
    answer = api_for(hall.agency).post(f"/api/tenders/{hall.id}/opening/say", json={"text": "x"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_field"


def test_an_unknown_command_is_refused_by_name(make_hall, api_for):
    hall = make_hall(3)
    answer = api_for(hall.agency).post(
        f"/api/tenders/{hall.id}/opening/reveal_all", json={"cmd_id": cmd_id()}
    )
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_command"


def test_a_supervisor_watches_but_may_not_host(make_hall, api_for):
    hall = make_hall(3)
    answer = api_for(hall.supervisor).post(
        f"/api/tenders/{hall.id}/opening/say", json={"cmd_id": cmd_id(), "text": "hello"}
    )
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "not_allowed_in_hall"


def test_reading_out_before_every_bid_is_decided_is_refused(make_hall, api_for):
    hall = make_hall(3)
    hall.reach_deadline()
    answer = api_for(hall.agency).post(
        f"/api/tenders/{hall.id}/opening/read_next", json={"cmd_id": cmd_id()}
    )
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "hall_decrypting"


def test_the_hall_does_not_close_with_an_objection_unanswered(make_hall, api_for):
    hall = make_hall(3)
    opened_and_read(hall)
    hall.run(hall.bidders[0].user, "object", text="The read-out skipped key commitments.")
    answer = api_for(hall.agency).post(
        f"/api/tenders/{hall.id}/opening/close", json={"cmd_id": cmd_id()}
    )
    assert answer.status_code == 409
    assert answer.get_json()["error"]["details"]["objections"] == [1]


def test_a_bidder_gets_only_its_own_envelope_header(make_hall, api_for):
    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[1]
    listed = api_for(seat.user).get(f"/api/tenders/{hall.id}/opening/envelopes").get_json()
    assert [e["bid_id"] for e in listed["envelopes"]] == [seat.bid_id]
    assert listed["envelopes"][0]["as"] == "holder"


def test_a_custodian_gets_the_headers_of_excused_bids_only(make_hall, api_for):
    hall = make_hall(3)
    hall.reach_deadline()
    stuck = hall.bidders[0]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="a power cut at the centre")
    listed = api_for(hall.supervisor).get(f"/api/tenders/{hall.id}/opening/envelopes").get_json()
    assert [(e["bid_id"], e["as"]) for e in listed["envelopes"]] == [(stuck.bid_id, "custodian")]


def test_the_record_is_public_once_published(make_hall, client):
    hall = make_hall(3)
    opened_and_read(hall)
    assert client.get(f"/api/tenders/{hall.id}/opening/record").status_code == 404
    hall.run(hall.agency, "close")
    answer = client.get(f"/api/tenders/{hall.id}/opening/record")
    assert answer.status_code == 200
    assert answer.get_json()["record"]["format"] == "bidhall-opening-record/1"


def test_the_downloaded_record_hashes_to_the_halls_record_sha256(make_hall, client):
    import hashlib

    hall = make_hall(3)
    opened_and_read(hall)
    closed = hall.run(hall.agency, "close")
    body = client.get(f"/api/tenders/{hall.id}/opening/record?download=1").data
    assert hashlib.sha256(body).hexdigest() == closed["record_sha256"]


def test_the_record_publishes_summary_keys_but_never_document_keys(make_hall, client):
    hall = make_hall(3)
    opened_and_read(hall)
    hall.run(hall.agency, "close")
    text = client.get(f"/api/tenders/{hall.id}/opening/record").get_data(as_text=True)
    for seat in hall.bidders:
        keys = hall.keys(seat)
        assert keys["summary_key"] in text
        assert keys["documents_key"] not in text


def test_the_documents_key_is_kept_for_the_evaluation_wrapped_to_the_platform(make_hall):
    import base64

    from trading.opening import keys as opening

    hall = make_hall(3)
    opened_and_read(hall)
    seat = hall.bidders[0]
    assert seat.bid.documents_key_wrapped is not None
    expected = base64.b64decode(hall.keys(seat)["documents_key"])
    assert opening.documents_key(seat.bid) == expected


def test_an_objection_before_the_reading_out_does_not_name_its_bidder_to_others(make_hall, api_for):
    hall = make_hall(3)
    hall.reach_deadline()
    hall.run(hall.bidders[0].user, "object", text="The bid list shows only two hashes.")
    own = api_for(hall.bidders[0].user).get(f"/api/tenders/{hall.id}/opening").get_json()
    assert own["objections"][0]["bidder"] == hall.bidders[0].user.organisation.name
    for other in (hall.bidders[1].user, hall.agency, hall.supervisor):
        state = api_for(other).get(f"/api/tenders/{hall.id}/opening").get_json()
        assert state["objections"][0]["bidder"] is None


def present(api, hall) -> dict:
    return api.get(f"/api/tenders/{hall.id}/opening").get_json()["present"]


def test_before_the_deadline_the_hall_counts_no_bidder_present(make_hall, api_for):
    """A count of the bidders present before the opening is a count of bidders (Law Art 22):
    the hall counts and lists staff only, and says nothing when a bidder signs in."""
    hall = make_hall(3)
    names = [seat.user.organisation.name for seat in hall.bidders]
    for seat in hall.bidders[:2]:
        hall.run(seat.user, "sign_in")
    hall.run(hall.supervisor, "sign_in")
    for who in (hall.agency, hall.supervisor, hall.bidders[0].user):
        api = api_for(who)
        seen = present(api, hall)
        assert seen["bidders"] is None
        assert seen["staff"] == 1
        assert [entry["role"] for entry in seen["entries"]] == ["supervisor"]
        said = api.get(f"/api/tenders/{hall.id}/opening/messages").get_json()["messages"]
        assert [m["payload"] for m in said if m["type"] == "hall.signed_in"] == [
            {"role": "supervisor", "bidders_present": None, "staff_present": 1}
        ]
        assert not [name for name in names if name in str(seen) + str(said)]


def test_from_the_deadline_the_present_bidders_are_counted_and_numbered_without_names(
    make_hall, api_for
):
    hall = make_hall(3)
    names = [seat.user.organisation.name for seat in hall.bidders]
    for seat in hall.bidders[:2]:
        hall.run(seat.user, "sign_in")
    hall.reach_deadline()
    hall.run(hall.bidders[2].user, "sign_in")
    for who in (hall.agency, hall.supervisor, hall.bidders[1].user):
        seen = present(api_for(who), hall)
        assert seen["bidders"] == 3
        entries = [e for e in seen["entries"] if e["role"] == "bidder"]
        assert [e["number"] for e in entries] == [1, 2, 3]
        others = [e for e in entries if e["name"] != who.display_name]
        assert {(e["name"], e["organisation"]) for e in others} == {(None, None)}
    own = present(api_for(hall.bidders[1].user), hall)["entries"]
    assert [e["organisation"] for e in own if e["organisation"]] == [names[1]]
    said = api_for(hall.agency).get(f"/api/tenders/{hall.id}/opening/messages").get_json()
    (late,) = [m for m in said["messages"] if m["type"] == "hall.signed_in"]
    assert late["payload"] == {"role": "bidder", "bidders_present": 3, "staff_present": 0}


def test_from_the_reading_out_everyone_in_the_hall_sees_who_is_present(make_hall, api_for):
    hall = make_hall(3)
    for seat in hall.bidders:
        hall.run(seat.user, "sign_in")
    opened_and_read(hall)
    names = [seat.user.organisation.name for seat in hall.bidders]
    for who in (hall.agency, hall.bidders[2].user):
        entries = present(api_for(who), hall)["entries"]
        assert [e["organisation"] for e in entries if e["role"] == "bidder"] == names


def test_the_state_tells_a_member_when_it_signed_in(make_hall, api_for):
    hall = make_hall(3)
    seat = hall.bidders[0]
    assert (
        api_for(seat.user).get(f"/api/tenders/{hall.id}/opening").get_json()["signed_in_at"] is None
    )
    signed = hall.run(seat.user, "sign_in")
    state = api_for(seat.user).get(f"/api/tenders/{hall.id}/opening").get_json()
    assert state["signed_in_at"] == signed["signed_in_at"]
