"""The bids' documents in the evaluation session, through the HTTP interface: the committee's
members list and read them, decrypted by the server and streamed; every file opened is a
session message; nobody else reads them."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.evaluation.documents.conftest import DRAWING_BYTES


def listing(committee, bid_id: int) -> str:
    return f"/api/evaluation/{committee.id}/bids/{bid_id}/documents"


def file_url(committee, bid_id: int, name: str) -> str:
    return f"{listing(committee, bid_id)}/{quote(name)}"


def opened_messages(api, committee) -> list[dict]:
    messages = api.get(f"/api/evaluation/{committee.id}/messages").get_json()["messages"]
    return [m for m in messages if m["type"] == "evaluation.document_opened"]


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.get_json()["error"]["code"]


# --- a member reads -----------------------------------------------------------------------------


def test_a_member_lists_every_file_of_a_bid_with_its_size_and_type(committee, api_for, originals):
    bid_id = committee.bids[0]
    response = api_for(committee.member(1)).get(listing(committee, bid_id))
    assert response.status_code == 200
    files = {f["name"]: f for f in response.get_json()["files"]}
    sealed = originals(bid_id)
    assert set(files) == set(sealed)
    assert {name: f["size"] for name, f in files.items()} == {
        name: len(data) for name, data in sealed.items()
    }
    assert files["technical/proposal.pdf"]["content_type"] == "application/pdf"
    assert files["commercial/prices.csv"]["content_type"] == "text/csv"


def test_a_member_reads_a_pdf_in_the_page_byte_for_byte(committee, api_for, originals):
    bid_id = committee.bids[1]
    response = api_for(committee.member(2)).get(
        file_url(committee, bid_id, "technical/proposal.pdf")
    )
    assert response.status_code == 200
    assert response.get_data() == originals(bid_id)["technical/proposal.pdf"]
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=proposal.pdf"
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_a_file_larger_than_an_encryption_chunk_arrives_whole(committee, api_for, originals):
    bid_id = committee.bids[2]
    response = api_for(committee.member(3)).get(
        file_url(committee, bid_id, "drawings/site-plan.dwg")
    )
    data = response.get_data()
    assert len(data) == DRAWING_BYTES  # 2.5 MB: three 1 MiB chunks of the section, at least
    assert data == originals(bid_id)["drawings/site-plan.dwg"]
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_file_with_a_chinese_name_keeps_its_name_in_the_browser(committee, api_for, originals):
    bid_id = committee.bids[0]
    response = api_for(committee.member(1)).get(file_url(committee, bid_id, "资质/营业执照.pdf"))
    assert response.get_data() == originals(bid_id)["资质/营业执照.pdf"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in disposition


def test_a_bidders_html_file_is_downloaded_as_bytes_never_shown_in_the_platforms_pages(
    committee, api_for
):
    response = api_for(committee.member(1)).get(
        file_url(committee, committee.bids[0], "notes.html")
    )
    assert response.get_data().startswith(b"<script>")
    assert response.content_type == "application/octet-stream"
    assert response.headers["Content-Disposition"] == "attachment; filename=notes.html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_browser_or_proxy_keeps_a_copy_of_a_document_or_a_listing(committee, api_for):
    api = api_for(committee.member(1))
    document = api.get(file_url(committee, committee.bids[0], "technical/proposal.pdf"))
    document.close()
    files = api.get(listing(committee, committee.bids[0]))
    assert document.headers["Cache-Control"] == "no-store"
    assert files.headers["Cache-Control"] == "no-store"


def test_reading_a_document_writes_no_file_on_the_server(committee, api_for, app):
    from pathlib import Path

    instance = Path(app.instance_path)
    before = {p for p in instance.rglob("*") if p.is_file()}
    response = api_for(committee.member(4)).get(
        file_url(committee, committee.bids[0], "drawings/site-plan.dwg")
    )
    assert len(response.get_data()) == DRAWING_BYTES
    assert {p for p in instance.rglob("*") if p.is_file()} == before


def test_a_suspended_session_still_lets_its_members_read(committee, api_for):
    committee.run(committee.supervisor, "suspend", reason="the network at venue 2 is down")
    response = api_for(committee.member(1)).get(
        file_url(committee, committee.bids[0], "commercial/prices.csv")
    )
    assert response.get_data().startswith(b"item,amount")


# --- every open is recorded ---------------------------------------------------------------------


def test_opening_a_file_is_a_session_message_naming_the_seat_the_bid_and_the_file(
    committee, api_for, originals
):
    bid_id = committee.bids[1]
    api = api_for(committee.member(3))
    api.get(file_url(committee, bid_id, "technical/proposal.pdf")).get_data()
    [message] = opened_messages(api, committee)
    assert message["payload"] == {
        "seat": 3,
        "bid_id": bid_id,
        "file": "technical/proposal.pdf",
        "size": len(originals(bid_id)["technical/proposal.pdf"]),
    }


def test_the_ledger_holds_the_open_with_the_session_and_its_seq(committee, api_for):
    import json

    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    api = api_for(committee.member(5))
    api.get(file_url(committee, committee.bids[2], "commercial/prices.csv")).get_data()
    [message] = opened_messages(api, committee)
    entry = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.type == "evaluation.document_opened")
    )
    assert json.loads(entry.payload) == message["payload"] | {
        "session_id": committee.id,
        "evaluation_seq": message["seq"],
    }
    assert entry.actor == f"user:{committee.member(5).id}"


def test_the_supervisors_see_who_opened_what(committee, api_for):
    api_for(committee.member(2)).get(
        file_url(committee, committee.bids[0], "commercial/prices.csv")
    ).get_data()
    [message] = opened_messages(api_for(committee.supervisor), committee)
    assert message["payload"]["seat"] == 2


def test_each_open_is_its_own_message(committee, api_for):
    api = api_for(committee.member(1))
    for _ in range(2):
        api.get(file_url(committee, committee.bids[0], "commercial/prices.csv")).get_data()
    assert len(opened_messages(api, committee)) == 2


def test_listing_a_bids_files_posts_no_message(committee, api_for):
    api = api_for(committee.member(1))
    seq = api.get(f"/api/evaluation/{committee.id}").get_json()["seq"]
    assert api.get(listing(committee, committee.bids[0])).status_code == 200
    assert api.get(f"/api/evaluation/{committee.id}").get_json()["seq"] == seq


def test_a_refused_open_posts_no_message(committee, api_for):
    api = api_for(committee.member(1))
    assert api.get(file_url(committee, committee.bids[0], "no/such.pdf")).status_code == 404
    assert opened_messages(api, committee) == []


# --- nobody else reads --------------------------------------------------------------------------


def both_routes(committee, bid_id: int) -> list[str]:
    return [listing(committee, bid_id), file_url(committee, bid_id, "technical/proposal.pdf")]


def test_a_supervisor_watches_the_session_but_does_not_read_the_bids(committee, api_for):
    api = api_for(committee.supervisor)
    for url in both_routes(committee, committee.bids[0]):
        assert refusal(api.get(url)) == (403, "not_member")


def test_a_bidder_is_refused_even_its_own_bids_documents(committee, api_for):
    seat = committee.seated.hall.bidders[0]
    api = api_for(seat.user)
    for url in both_routes(committee, seat.bid_id):
        assert refusal(api.get(url)) == (403, "not_in_session")


def test_an_expert_of_another_session_is_refused(committee, api_for, make_expert, user_of):
    api = api_for(user_of(make_expert()))
    for url in both_routes(committee, committee.bids[0]):
        assert refusal(api.get(url)) == (403, "not_in_session")


def test_the_tenders_agency_is_refused(committee, api_for, world):
    api = api_for(world.agency)
    for url in both_routes(committee, committee.bids[0]):
        assert refusal(api.get(url)) == (403, "not_in_session")


def test_an_anonymous_client_is_refused(committee, client):
    for url in both_routes(committee, committee.bids[0]):
        response = client.get(url, headers={"Accept": "application/json"})
        assert refusal(response) == (401, "login_required")


def test_a_member_checked_out_of_its_workstation_is_refused(committee, api_for, clock):
    from evaluation.venues import services as venues

    seated = committee.seated
    expert = seated.members_at(seated.main)[0]
    clock.advance(hours=1)
    venues.check_out(seated.main_supervisor, seated.draw.id, expert.id)
    user = next(
        committee.member(s) for s in committee.seats if committee.member(s).id == expert.user_id
    )
    for url in both_routes(committee, committee.bids[0]):
        assert refusal(api_for(user).get(url)) == (403, "not_checked_in")


def test_nobody_is_told_of_a_session_that_does_not_exist(committee, api_for):
    url = f"/api/evaluation/{committee.id + 1000}/bids/{committee.bids[0]}/documents"
    assert refusal(api_for(committee.member(1)).get(url)) == (404, "session_not_found")


# --- what is there to read, and when ------------------------------------------------------------


def test_a_bid_outside_the_session_is_not_found(committee, api_for, make_hall):
    other = make_hall(bids=1).bidders[0].bid_id  # a sealed bid of another tender
    api = api_for(committee.member(1))
    for url in both_routes(committee, other):
        assert refusal(api.get(url)) == (404, "bid_not_found")


def test_a_file_not_in_the_bid_is_not_found(committee, api_for):
    response = api_for(committee.member(1)).get(
        file_url(committee, committee.bids[0], "technical/other.pdf")
    )
    assert refusal(response) == (404, "file_not_found")


def test_a_folder_of_the_bid_is_not_a_file(committee, api_for):
    response = api_for(committee.member(1)).get(file_url(committee, committee.bids[0], "technical"))
    assert refusal(response) == (404, "file_not_found")


@pytest.mark.parametrize(
    "trick",
    [
        "../technical/proposal.pdf",
        "technical/../technical/proposal.pdf",
        "./technical/proposal.pdf",
        "%2E%2E/%2E%2E/instance/bidhall.db",
        "technical%5Cproposal.pdf",
    ],
)
def test_a_path_trick_is_refused(committee, api_for, trick):
    url = f"{listing(committee, committee.bids[0])}/{trick}"
    assert refusal(api_for(committee.member(1)).get(url)) == (400, "invalid_file_name")


def test_a_terminated_session_closes_the_documents(committee, api_for):
    committee.run(committee.supervisor, "terminate", reason="a member's phone rang in the hall")
    api = api_for(committee.member(1))
    for url in both_routes(committee, committee.bids[0]):
        assert refusal(api.get(url)) == (409, "session_closed")


def test_a_session_terminated_while_the_file_is_sought_refuses_it_and_records_nothing(
    committee, api_for, monkeypatch
):
    from evaluation.documents import services

    find = services._Documents.find

    def terminated_meanwhile(documents, name):
        committee.run(committee.supervisor, "terminate", reason="the hall lost power")
        return find(documents, name)

    monkeypatch.setattr(services._Documents, "find", terminated_meanwhile)
    api = api_for(committee.member(1))
    response = api.get(file_url(committee, committee.bids[0], "technical/proposal.pdf"))
    assert refusal(response) == (409, "session_closed")
    assert opened_messages(api_for(committee.supervisor), committee) == []


def test_a_head_request_is_refused_and_records_no_reading(committee, api_for, originals):
    api = api_for(committee.member(2))
    response = api.client.head(
        file_url(committee, committee.bids[0], "technical/proposal.pdf"), headers=api.headers
    )
    assert response.status_code == 405
    assert opened_messages(api, committee) == []
