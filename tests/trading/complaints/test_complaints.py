"""Complaints (投诉) to the supervisor: filed in time by a holder of the documents after its
objection, accepted or not within 3 working days, decided within 30; the tender suspended
meanwhile when the supervisor so decides, and resumed by the decision (Regs Art 60-62)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trading.complaints import rules


def ledger(type_: str) -> list[dict]:
    import json

    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    return [
        json.loads(e.payload)
        for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.type == type_))
    ]


def today(clock) -> str:
    from bidhall import clock as clock_module

    return clock_module.local(clock.now(), "Asia/Shanghai").date().isoformat()


@pytest.fixture
def objected(make_tender, world, clock):
    """A published tender whose holder objected to its documents and was answered."""
    from tests.fixtures.pki import ensure_holder
    from trading.tenders import notices

    tender = make_tender("published")
    bidder = world.bidder()
    ensure_holder(bidder, tender.id)
    objection = notices.raise_objection(bidder, tender.id, "Clause 4 favours one brand.")
    notices.answer_objection(world.agency, objection.id, "Clause 4 stays: it is functional.")
    return tender, bidder


@pytest.fixture
def people(objected, api_for, world):
    tender, bidder = objected
    return tender, api_for(bidder), api_for(world.supervisor)


def complain(api, tender_id: int, clock, **overrides):
    body = {
        "subject": "documents",
        "body": "The answer to my objection ignores the brand named in clause 4.",
        "known_on": today(clock),
    } | overrides
    return api.post(f"/api/tenders/{tender_id}/complaints", json=body)


# --- the calendar -------------------------------------------------------------------------------


def test_working_days_skip_the_weekend_and_the_public_holidays():
    friday = date(2026, 9, 25)

    assert rules.add_working_days(friday, 3) == date(2026, 9, 30)
    assert rules.add_working_days(friday, 3, holidays={date(2026, 9, 29)}) == date(2026, 10, 1)


def test_a_weekend_day_made_a_working_day_counts():
    friday = date(2026, 9, 25)

    assert rules.add_working_days(friday, 1, workdays={date(2026, 9, 26)}) == date(2026, 9, 26)


# --- filing -------------------------------------------------------------------------------------


def test_a_holder_complains_about_the_documents_after_its_objection(people, clock):
    tender, bidder, _ = people

    response = complain(bidder, tender.id, clock)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["state"] == "filed"
    assert ledger("complaint.filed")[0]["subject"] == "documents"


def test_a_complaint_about_the_documents_without_an_objection_is_refused(
    make_tender, world, api_for, clock
):
    from tests.fixtures.pki import ensure_holder

    tender = make_tender("published")
    bidder = world.bidder()
    ensure_holder(bidder, tender.id)

    response = complain(api_for(bidder), tender.id, clock)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "objection_first"


def test_a_complaint_eleven_days_after_knowing_is_too_late(people, clock):
    tender, bidder, _ = people
    late = (date.fromisoformat(today(clock)) - timedelta(days=11)).isoformat()

    response = complain(bidder, tender.id, clock, known_on=late)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "complaint_too_late"


def test_a_complaint_on_the_tenth_day_is_in_time(people, clock):
    tender, bidder, _ = people
    tenth = (date.fromisoformat(today(clock)) - timedelta(days=10)).isoformat()

    assert complain(bidder, tender.id, clock, known_on=tenth).status_code == 201


def test_a_bidder_that_does_not_hold_the_documents_cannot_complain(people, api_for, world, clock):
    tender, _, _ = people

    response = complain(api_for(world.bidder()), tender.id, clock)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_concerned"


# --- the supervisor -----------------------------------------------------------------------------


def test_an_accepted_complaint_suspends_the_tender_until_its_decision(people, clock, client):
    from trading.tenders.queries import get_tender

    tender, bidder, supervisor = people
    complaint = complain(bidder, tender.id, clock).get_json()
    supervisor.post(f"/api/complaints/{complaint['id']}/accept", json={"suspend": True})
    assert get_tender(tender.id).state.value == "suspended"

    supervisor.post(
        f"/api/complaints/{complaint['id']}/decide",
        json={"outcome": "dismissed", "decision": "Clause 4 names a function, not a brand."},
    )

    assert get_tender(tender.id).state.value == "published"
    clock.set(get_tender(tender.id).bid_deadline)  # published from the deadline
    [published] = client.get(f"/api/tenders/{tender.id}/complaints").get_json()
    assert published["decision"] == "Clause 4 names a function, not a brand."
    assert "body" not in published


def test_a_decision_is_published_from_the_bid_deadline_not_before(people, clock, client):
    from trading.tenders.queries import get_tender

    tender, bidder, supervisor = people
    complaint = complain(bidder, tender.id, clock).get_json()
    supervisor.post(f"/api/complaints/{complaint['id']}/refuse", json={"reason": "Filed too late."})
    # before the deadline it would tell the public that someone holds the documents
    assert client.get(f"/api/tenders/{tender.id}/complaints").get_json() == []
    assert len(bidder.get("/api/complaints").get_json()) == 1  # the complainant sees it
    clock.set(get_tender(tender.id).bid_deadline)
    [published] = client.get(f"/api/tenders/{tender.id}/complaints").get_json()
    assert published["state"] == "not_accepted"


def test_a_refusal_needs_its_reasons(people, clock):
    tender, bidder, supervisor = people
    complaint = complain(bidder, tender.id, clock).get_json()

    response = supervisor.post(f"/api/complaints/{complaint['id']}/refuse", json={"reason": ""})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_field"


def test_a_missed_acceptance_is_reported_once(people, clock):
    from bidhall import scheduler
    from bidhall.db import db
    from trading.complaints.models import Complaint

    tender, bidder, supervisor = people
    complaint = complain(bidder, tender.id, clock).get_json()

    clock.set(db.session.get(Complaint, complaint["id"]).acceptance_due_at)
    scheduler.tick(clock.now())
    assert ledger("complaint.acceptance_overdue") == []

    clock.advance(seconds=1)
    scheduler.tick(clock.now())
    scheduler.tick(clock.now())

    assert len(ledger("complaint.acceptance_overdue")) == 1


def test_the_bidder_sees_its_own_complaints_and_not_anothers(people, api_for, world, clock):
    from tests.fixtures.pki import ensure_holder

    tender, bidder, _ = people
    complain(bidder, tender.id, clock)
    other = world.bidder()
    ensure_holder(other, tender.id)

    assert len(bidder.get("/api/complaints").get_json()) == 1
    assert api_for(other).get("/api/complaints").get_json() == []


# --- a complaint holding the award --------------------------------------------------------------


def test_a_complaint_about_the_result_holds_the_award_until_it_is_decided(
    publicised, api_for, clock
):
    from trading.award.queries import get_award

    loser = api_for(publicised.bidder(2))
    loser.post(
        f"/api/awards/{publicised.award_id}/objections", json={"body": "The winner's price is low."}
    )
    agency = api_for(publicised.hall.agency)
    [objection] = loser.get(f"/api/tenders/{publicised.tender_id}/awards").get_json()[0][
        "objections"
    ]
    agency.post(
        f"/api/awards/{publicised.award_id}/objections/{objection['id']}/answer",
        json={"answer": "The price was explained to the committee."},
    )
    complaint = complain(loser, publicised.tender_id, clock, subject="result").get_json()
    supervisor = api_for(publicised.hall.supervisor)
    supervisor.post(f"/api/complaints/{complaint['id']}/accept", json={"suspend": True})
    clock.set(get_award(publicised.award_id).publicity_end)

    held = agency.post(f"/api/awards/{publicised.award_id}/decision", json={})
    supervisor.post(
        f"/api/complaints/{complaint['id']}/decide",
        json={"outcome": "dismissed", "decision": "The explanation stands."},
    )
    decided = agency.post(f"/api/awards/{publicised.award_id}/decision", json={})

    assert held.status_code == 409
    assert held.get_json()["error"]["code"] == "suspended_by_complaint"
    assert decided.status_code == 200


# --- the pages ----------------------------------------------------------------------------------


def test_a_holder_files_a_complaint_from_the_tender_page(objected, login, clock):
    from tests.fixtures.app import csrf_token

    tender, bidder = objected
    browser = login(bidder)
    page = f"/tenders/{tender.id}"

    response = browser.post(
        f"{page}/complaints",
        data={
            "csrf_token": csrf_token(browser, page),
            "complaint-subject": "documents",
            "complaint-known_on": today(clock),
            "complaint-body": "Clause 4 still names a brand.",
        },
    )

    assert response.status_code == 302
    assert 'data-testid="my-complaint"' in browser.get(page).get_data(as_text=True)


def test_a_late_complaint_is_refused_at_its_field_on_the_page(objected, login, clock):
    from tests.fixtures.app import csrf_token

    tender, bidder = objected
    browser = login(bidder)
    page = f"/tenders/{tender.id}"

    response = browser.post(
        f"{page}/complaints",
        data={
            "csrf_token": csrf_token(browser, page),
            "complaint-subject": "documents",
            "complaint-known_on": "2020-01-01",
            "complaint-body": "Clause 4 still names a brand.",
        },
    )

    assert response.status_code == 422
    assert "within 10 days" in response.get_data(as_text=True)


def test_the_supervisor_accepts_and_decides_from_the_complaints_desk(people, login, world, clock):
    from tests.fixtures.app import csrf_token
    from trading.tenders.queries import get_tender

    tender, bidder, _ = people
    complaint = complain(bidder, tender.id, clock).get_json()["id"]
    browser = login(tender_supervisor(tender))
    desk = "/supervision/complaints"
    browser.post(
        f"{desk}/{complaint}/accept",
        data={"csrf_token": csrf_token(browser, desk), f"accept-{complaint}-suspend": "y"},
    )
    assert get_tender(tender.id).state.value == "suspended"

    response = browser.post(
        f"{desk}/{complaint}/decide",
        data={
            "csrf_token": csrf_token(browser, desk),
            f"decide-{complaint}-outcome": "upheld",
            f"decide-{complaint}-decision": "Clause 4 is to be amended.",
        },
    )

    assert response.status_code == 302
    assert get_tender(tender.id).state.value == "published"
    assert "Clause 4 is to be amended." in browser.get(desk).get_data(as_text=True)


def tender_supervisor(tender):
    from sqlalchemy import select

    from bidhall.accounts.models import Role, User
    from bidhall.db import db

    return db.session.scalars(select(User).where(User.role == Role.SUPERVISOR)).first()


def test_the_tenderer_still_answers_objections_while_a_complaint_holds_the_award(
    publicised, api_for, clock
):
    loser = api_for(publicised.bidder(2))
    agency = api_for(publicised.hall.agency)
    supervisor = api_for(publicised.hall.supervisor)
    loser.post(f"/api/awards/{publicised.award_id}/objections", json={"body": "First objection."})
    [first] = loser.get(f"/api/tenders/{publicised.tender_id}/awards").get_json()[0]["objections"]
    agency.post(
        f"/api/awards/{publicised.award_id}/objections/{first['id']}/answer",
        json={"answer": "Answered."},
    )
    complaint = complain(loser, publicised.tender_id, clock, subject="result").get_json()
    supervisor.post(f"/api/complaints/{complaint['id']}/accept", json={"suspend": True})
    third = api_for(publicised.bidder(3))
    raised = third.post(
        f"/api/awards/{publicised.award_id}/objections", json={"body": "Another objection."}
    ).get_json()

    answered = agency.post(
        f"/api/awards/{publicised.award_id}/objections/{raised['id']}/answer",
        json={"answer": "Answered too."},
    )

    assert answered.status_code == 200
