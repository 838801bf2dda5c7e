"""The opening hall page (GET /tenders/<id>/opening) through the test client: who may open it, and
that it names no bidder before the reading out (the page renders no hall state; opening.js shows
what the server says over Socket.IO). The whole opening in a browser is
tests/browser/test_opening_hall.py."""

from __future__ import annotations

import html


def page(client, hall):
    return client.get(f"/tenders/{hall.id}/opening")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def names(hall) -> list[str]:
    return [seat.user.organisation.name for seat in hall.bidders]


def test_a_bidder_with_a_bid_opens_the_hall_with_its_decrypt_panel(make_hall, login):
    hall = make_hall(3)
    response = page(login(hall.bidders[0].user), hall)
    assert response.status_code == 200
    body = text_of(response)
    assert 'data-role="bidder"' in body
    assert 'data-testid="decrypt-panel"' in body
    assert 'data-testid="host-panel"' not in body
    assert "vendor/socket.io.min.js" in body and "js/opening.js" in body


def test_the_agency_hosts_the_hall_and_the_supervisor_watches_it(make_hall, login):
    hall = make_hall(3)
    agency = text_of(page(login(hall.agency), hall))
    assert 'data-role="manager"' in agency and 'data-testid="host-panel"' in agency
    supervisor = page(login(hall.supervisor), hall)
    assert supervisor.status_code == 200
    assert 'data-role="supervisor"' in text_of(supervisor)
    assert 'data-testid="host-panel"' not in text_of(supervisor)


def test_an_outsider_is_refused_and_a_visitor_is_sent_to_sign_in(make_hall, login, world, client):
    hall = make_hall(3)
    refused = page(login(world.bidder()), hall)  # a bidder without a bid in this tender
    assert refused.status_code == 403
    assert 'data-error-code="not_in_hall"' in refused.get_data(as_text=True)
    visitor = page(client, hall)
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_no_bidder_is_named_in_the_page_before_the_reading_out(make_hall, login):
    hall = make_hall(3)
    hall.reach_deadline()  # the bids are locked and listed, named only from the reading out
    for user in (hall.agency, hall.supervisor, hall.bidders[0].user):
        body = text_of(page(login(user), hall))
        assert [name for name in names(hall) if name in body] == []


def test_the_public_watches_once_the_reading_out_starts(make_hall, client):
    hall = make_hall(3)
    hall.reach_deadline()
    assert page(client, hall).status_code == 302
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    response = page(client, hall)
    assert response.status_code == 200
    assert 'data-role="public"' in text_of(response)


def test_the_tender_pages_link_to_the_hall(make_hall, login):
    hall = make_hall(3)
    link = f'href="/tenders/{hall.id}/opening"'
    bidder = login(hall.bidders[0].user)
    assert link in bidder.get(f"/tenders/{hall.id}").get_data(as_text=True)
    assert link in bidder.get(f"/tenders/{hall.id}/bid").get_data(as_text=True)
    assert link in login(hall.agency).get(f"/agency/tenders/{hall.id}").get_data(as_text=True)


def test_the_hall_page_is_in_chinese_for_a_chinese_browser(make_hall, login):
    hall = make_hall(3)
    bidder = login(hall.bidders[0].user)
    body = text_of(
        bidder.get(f"/tenders/{hall.id}/opening", headers={"Accept-Language": "zh-CN,zh"})
    )
    assert "开标大厅" in body
    assert "Decrypt my bid" not in body
