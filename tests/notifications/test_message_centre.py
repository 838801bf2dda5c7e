"""The message centre through its pages and API: what the domains tell whom (holders, managers,
an objector, a bidder, a drawn expert), the bell's count, opening a message, marking all read,
the e-mail address, and that a failing notifier never blocks the action it follows."""

from __future__ import annotations

import html
import re

import pytest

from tests.fixtures.app import csrf_token
from trading.tenders import notices
from trading.tenders import services as tenders


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def texts(browser) -> list[str]:
    return [m["text"] for m in browser.get("/api/messages").get_json()["messages"]]


@pytest.fixture
def holder(make_tender, world, login):
    """A published tender and a bidder holding its documents, signed in."""
    tender = make_tender(title="Harbour bridge repairs")
    bidder = world.bidder()
    tenders.download_document(bidder, tender.id, tender.documents[0].id)
    return tender, bidder, login(bidder)


def test_a_holder_is_told_of_a_clarification_with_a_link_to_it(holder, world):
    tender, _bidder, browser = holder

    notice = notices.issue_notice(
        world.agency, tender.id, "clarification", "Site visit moved", "Now Monday.", False
    )

    [message] = browser.get("/api/messages").get_json()["messages"]
    assert message["text"] == (
        "A clarification of “Harbour bridge repairs” was published: Site visit moved"
    )
    assert message["link"] == f"/tenders/{tender.id}#notice-{notice.id}"


def test_a_bidder_that_holds_no_documents_is_told_nothing(holder, world, login):
    tender, _bidder, _browser = holder
    outsider = login(world.bidder())

    notices.issue_notice(world.agency, tender.id, "amendment", "Lot 1 drawings", "New.", False)

    assert texts(outsider) == []


def test_an_amendment_close_to_the_deadline_also_tells_of_the_new_deadline(holder, world, clock):
    tender, _bidder, browser = holder
    clock.set(tender.bid_deadline - (tender.bid_deadline - tender.issue_start) / 4)

    notices.issue_notice(world.agency, tender.id, "amendment", "Lot 1 drawings", "New.", True)

    assert any(
        text.startswith("The bid deadline of “Harbour bridge repairs” moved to ")
        for text in texts(browser)
    )


def test_the_managers_hear_of_an_objection_without_the_objectors_name(holder, world, login):
    tender, bidder, _browser = holder

    notices.raise_objection(bidder, tender.id, "Clause 4 favours one brand.")

    [text] = [t for t in texts(login(world.agency)) if t.startswith("An objection")]
    assert text.startswith("An objection to the documents of “Harbour bridge repairs” awaits")
    assert bidder.organisation.name not in text
    assert text in texts(login(world.tenderer))


def test_the_objector_is_told_when_its_objection_is_answered(holder, world):
    tender, bidder, browser = holder
    objection = notices.raise_objection(bidder, tender.id, "Clause 4 favours one brand.")

    notices.answer_objection(world.agency, objection.id, "Clause 4 now names no brand.")

    assert texts(browser) == ["Your objection to “Harbour bridge repairs” was answered."]


def test_the_holders_are_told_of_a_termination_and_its_reason(holder, world):
    tender, _bidder, browser = holder

    tenders.terminate_tender(world.agency, tender.id, "The budget was withdrawn.")

    assert texts(browser) == ["“Harbour bridge repairs” was terminated: The budget was withdrawn."]


def test_the_managers_are_told_of_the_filing_decision(make_tender, world, login):
    tender = make_tender("filing", title="Harbour bridge repairs")

    tenders.decide_filing(world.supervisor, tender.id, accept=False, reason="Lot 1 unclear.")

    assert texts(login(world.agency)) == [
        "The filing of “Harbour bridge repairs” was returned: Lot 1 unclear."
    ]
    assert texts(login(world.tenderer)) == texts(login(world.agency))


def test_the_bell_counts_the_unread_messages(holder, world):
    tender, _bidder, browser = holder
    for title in ("One", "Two"):
        notices.issue_notice(world.agency, tender.id, "clarification", title, "Text.", False)

    bell = page(browser.get("/")).split('data-testid="nav-messages"')[1].split("</a>")[0]

    assert 'data-testid="unread-count">2<' in bell


def test_opening_a_message_marks_it_read_and_goes_where_to_act(holder, world):
    tender, _bidder, browser = holder
    notice = notices.issue_notice(world.agency, tender.id, "clarification", "T", "B.", False)
    [message] = browser.get("/api/messages").get_json()["messages"]
    token = csrf_token(browser, "/messages")

    response = browser.post(f"/messages/{message['id']}/open", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/tenders/{tender.id}#notice-{notice.id}"
    assert browser.get("/api/messages").get_json()["unread"] == 0


def test_another_users_message_is_not_found(holder, world, login):
    tender, _bidder, browser = holder
    notices.issue_notice(world.agency, tender.id, "clarification", "T", "B.", False)
    [message] = browser.get("/api/messages").get_json()["messages"]
    other = login(world.bidder())

    response = other.post(
        f"/messages/{message['id']}/open", data={"csrf_token": csrf_token(other, "/messages")}
    )

    assert response.status_code == 404
    assert browser.get("/api/messages").get_json()["unread"] == 1


def test_all_messages_are_marked_read_at_once(holder, world):
    tender, _bidder, browser = holder
    for title in ("One", "Two"):
        notices.issue_notice(world.agency, tender.id, "clarification", title, "Text.", False)

    browser.post("/messages/read", data={"csrf_token": csrf_token(browser, "/messages")})

    assert browser.get("/api/messages").get_json()["unread"] == 0
    assert 'data-testid="unread-count"' not in page(browser.get("/messages"))


def test_the_unread_filter_lists_only_unread_messages(holder, world):
    tender, _bidder, browser = holder
    for title in ("One", "Two"):
        notices.issue_notice(world.agency, tender.id, "clarification", title, "Text.", False)
    first = browser.get("/api/messages").get_json()["messages"][-1]
    browser.post(
        f"/messages/{first['id']}/open", data={"csrf_token": csrf_token(browser, "/messages")}
    )

    unread = page(browser.get("/messages?unread=1"))

    assert len(re.findall(r'data-testid="message" ', unread)) == 1
    assert "published: Two" in unread


def test_a_user_sets_the_address_its_messages_are_mailed_to(login, world):
    browser = login(world.agency)

    response = browser.post(
        "/messages/email",
        data={"csrf_token": csrf_token(browser, "/messages"), "email": "ops@example.org"},
    )

    assert response.status_code == 302
    assert 'value="ops@example.org"' in page(browser.get("/messages"))


def test_an_address_that_is_not_one_is_refused_at_its_field_and_kept(login, world):
    browser = login(world.agency)

    response = browser.post(
        "/messages/email",
        data={"csrf_token": csrf_token(browser, "/messages"), "email": "ops at example"},
    )

    assert response.status_code == 400
    assert 'id="email-error"' in page(response)
    assert 'value="ops at example"' in page(response)


def test_the_message_centre_needs_a_signed_in_user(client):
    assert client.get("/api/messages").status_code == 401


def test_a_failing_notifier_never_blocks_the_action(holder, world, monkeypatch):
    from trading import notify

    tender, _bidder, browser = holder

    def broken(session, event):
        raise RuntimeError("the notifier broke")

    monkeypatch.setattr(notify, "holders", broken)

    notice = notices.issue_notice(world.agency, tender.id, "clarification", "T", "B.", False)

    assert notice.id is not None
    assert [n.id for n in tenders_queries_notices(tender.id)] == [notice.id]
    assert texts(browser) == []


def tenders_queries_notices(tender_id: int):
    from trading.tenders import queries

    return queries.get_tender(tender_id).notices
