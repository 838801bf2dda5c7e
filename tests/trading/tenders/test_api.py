"""The tender life cycle through the JSON API, with the fake clock and the real tick."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bidhall import clock as clock_module
from bidhall.db import db
from tests.fixtures.factories import draft_data
from trading.tenders import jobs as services
from trading.tenders import queries
from trading.tenders.models import DocumentDownload, Participation, Tender


@pytest.fixture
def agency_api(world, api_for):
    return api_for(world.agency)


@pytest.fixture
def supervisor_api(world, api_for):
    return api_for(world.supervisor)


def create_draft(agency_api, world, **overrides):
    response = agency_api.post("/api/tenders", json=draft_data(world.tenderer_org.id, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(agency_api, tender_id, name="documents.pdf", content=b"%PDF tender documents"):
    import io

    return agency_api.post(
        f"/api/tenders/{tender_id}/documents",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def filed_draft(agency_api, supervisor_api, world, **overrides):
    tender = create_draft(agency_api, world, **overrides)
    assert upload(agency_api, tender["id"]).status_code == 201
    assert agency_api.post(f"/api/tenders/{tender['id']}/filing").status_code == 201
    decision = supervisor_api.post(
        f"/api/tenders/{tender['id']}/filing/decision", json={"decision": "accept"}
    )
    assert decision.status_code == 200, decision.get_json()
    return tender


def tender_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Tender))


# --- drafting -----------------------------------------------------------------------------------


def test_an_agency_drafts_a_tender_with_a_numbered_reference(agency_api, world):
    tender = create_draft(agency_api, world)
    assert tender["state"] == "draft"
    assert tender["reference"] == f"BH-2026-{tender['id']:05d}"
    assert tender["lots"][0]["guarantee_amount"] == "200000.00"


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"title": ""}, "missing_field", 400),
        ({"bid_validity_days": "ninety"}, "invalid_field", 400),
        ({"bid_deadline": "2026-04-01T09:30"}, "invalid_field", 400),
        ({"rule_set": "wild_west"}, "invalid_rule_set", 400),
        ({"lots": []}, "invalid_lots", 400),
        (
            {
                "lots": [
                    {
                        "number": 1,
                        "title": "L",
                        "estimated_price": "1000000",
                        "ceiling_price": "900000",
                        "guarantee_amount": "20000.01",
                    }
                ]
            },
            "guarantee_too_high",
            422,
        ),
        (
            {
                "lots": [
                    {
                        "number": 1,
                        "title": "L",
                        "estimated_price": "1000000",
                        "ceiling_price": "900000",
                        "guarantee_amount": "1.001",
                    }
                ]
            },
            "invalid_field",
            400,
        ),
        (
            {"criteria": [{"name": "price", "kind": "price", "max_score": 50}]},
            "criteria_total",
            422,
        ),
    ],
)
def test_a_bad_draft_is_refused_with_a_precise_error_and_nothing_saved(
    agency_api, world, change, code, status
):
    response = agency_api.post("/api/tenders", json=draft_data(world.tenderer_org.id, **change))
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert tender_count() == 0


def test_a_non_json_body_is_refused(agency_api):
    response = agency_api.post(
        "/api/tenders", data="title=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_body"


def test_a_draft_is_invisible_to_the_public(agency_api, world, client):
    tender = create_draft(agency_api, world)
    assert client.get(f"/api/tenders/{tender['id']}").status_code == 404
    assert client.get("/api/tenders").get_json() == []


def test_another_agency_cannot_edit_the_draft(agency_api, world, make_user, api_for):
    tender = create_draft(agency_api, world)
    other = api_for(make_user("agency"))
    response = other.put(f"/api/tenders/{tender['id']}", json=draft_data(world.tenderer_org.id))
    assert response.status_code == 403


def test_an_empty_document_is_refused(agency_api, world):
    tender = create_draft(agency_api, world)
    response = upload(agency_api, tender["id"], content=b"")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "empty_file"


def test_a_refused_document_leaves_no_file_behind(agency_api, world, app):
    from pathlib import Path

    tender = create_draft(agency_api, world)
    upload(agency_api, tender["id"], content=b"")
    stored = Path(app.instance_path) / "files" / "tenders" / str(tender["id"]) / "documents"
    assert not stored.exists() or list(stored.iterdir()) == []


def test_two_documents_of_one_name_added_in_the_same_instant_keep_their_own_bytes(
    agency_api, world
):
    tender = create_draft(agency_api, world)
    upload(agency_api, tender["id"], content=b"first version")
    upload(agency_api, tender["id"], content=b"second version")
    documents = agency_api.get(f"/api/tenders/{tender['id']}").get_json()["documents"]
    bodies = {
        agency_api.get(f"/api/tenders/{tender['id']}/documents/{d['id']}").data for d in documents
    }
    assert bodies == {b"first version", b"second version"}


# --- filing -------------------------------------------------------------------------------------


def test_filing_needs_the_documents_attached(agency_api, world):
    tender = create_draft(agency_api, world)
    response = agency_api.post(f"/api/tenders/{tender['id']}/filing")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "no_documents"


def test_filing_a_schedule_one_second_short_of_twenty_days_is_refused(agency_api, world, clock):
    start = clock.now() + timedelta(days=1)
    tender = create_draft(
        agency_api,
        world,
        issue_start=start.isoformat(),
        issue_end=(start + timedelta(days=5)).isoformat(),
        bid_deadline=(start + timedelta(days=20, seconds=-1)).isoformat(),
    )
    upload(agency_api, tender["id"])
    response = agency_api.post(f"/api/tenders/{tender['id']}/filing")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bid_period_too_short"


def test_filing_a_schedule_of_exactly_twenty_days_is_accepted(agency_api, world, clock):
    start = clock.now() + timedelta(days=1)
    tender = create_draft(
        agency_api,
        world,
        issue_start=start.isoformat(),
        issue_end=(start + timedelta(days=5)).isoformat(),
        bid_deadline=(start + timedelta(days=20)).isoformat(),
    )
    upload(agency_api, tender["id"])
    assert agency_api.post(f"/api/tenders/{tender['id']}/filing").status_code == 201


def test_returning_a_filing_needs_reasons(agency_api, supervisor_api, world):
    tender = create_draft(agency_api, world)
    upload(agency_api, tender["id"])
    agency_api.post(f"/api/tenders/{tender['id']}/filing")
    response = supervisor_api.post(
        f"/api/tenders/{tender['id']}/filing/decision", json={"decision": "return"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "reason_required"


def test_a_returned_filing_can_be_edited_and_filed_again(agency_api, supervisor_api, world):
    tender = create_draft(agency_api, world)
    upload(agency_api, tender["id"])
    agency_api.post(f"/api/tenders/{tender['id']}/filing")
    supervisor_api.post(
        f"/api/tenders/{tender['id']}/filing/decision",
        json={"decision": "return", "reason": "Ceiling price unexplained."},
    )
    edited = agency_api.put(
        f"/api/tenders/{tender['id']}", json=draft_data(world.tenderer_org.id, title="Edited title")
    )
    assert edited.status_code == 200
    assert agency_api.post(f"/api/tenders/{tender['id']}/filing").status_code == 201


def test_only_a_supervisor_decides_a_filing(agency_api, world):
    tender = create_draft(agency_api, world)
    upload(agency_api, tender["id"])
    agency_api.post(f"/api/tenders/{tender['id']}/filing")
    response = agency_api.post(
        f"/api/tenders/{tender['id']}/filing/decision", json={"decision": "accept"}
    )
    assert response.status_code == 403


def test_an_unfiled_tender_cannot_be_published(agency_api, world):
    tender = create_draft(agency_api, world)
    response = agency_api.post(f"/api/tenders/{tender['id']}/publish")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_state"


# --- publication --------------------------------------------------------------------------------


def test_a_filed_tender_is_published_and_listed_publicly(
    agency_api, supervisor_api, world, client, clock
):
    tender = filed_draft(agency_api, supervisor_api, world)
    published = agency_api.post(f"/api/tenders/{tender['id']}/publish")
    assert published.status_code == 200
    listed = client.get("/api/tenders").get_json()
    assert [t["reference"] for t in listed] == [tender["reference"]]
    assert listed[0]["state"] == "published"


def test_publishing_late_issues_the_documents_from_now_and_rechecks_twenty_days(
    agency_api, supervisor_api, world, clock
):
    tender = filed_draft(agency_api, supervisor_api, world)
    clock.advance(days=1, seconds=1)  # one second past the planned issue start
    response = agency_api.post(f"/api/tenders/{tender['id']}/publish")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bid_period_too_short"


def test_publishing_exactly_on_the_planned_start_passes(agency_api, supervisor_api, world, clock):
    tender = filed_draft(agency_api, supervisor_api, world)
    clock.advance(days=1)
    assert agency_api.post(f"/api/tenders/{tender['id']}/publish").status_code == 200


# --- documents and holders ----------------------------------------------------------------------


def test_a_bidder_download_is_recorded_and_makes_it_a_holder(make_tender, world, api_for):
    tender = make_tender("published")
    bidder = world.bidder()
    response = api_for(bidder).get(f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}")
    assert response.status_code == 200
    assert response.data == b"%PDF-1.7 tender documents"
    assert response.headers["X-Content-SHA256"] == tender.documents[0].sha256
    assert db.session.scalar(select(func.count()).select_from(DocumentDownload)) == 1
    holder = db.session.scalar(select(Participation))
    assert holder.organisation_id == bidder.organisation_id


def test_an_expert_cannot_download_documents(make_tender, make_user, api_for):
    tender = make_tender("published")
    response = api_for(make_user("expert")).get(
        f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}"
    )
    assert response.status_code == 403


def test_a_supervisor_reads_the_documents_under_filing_review_without_joining(
    make_tender, world, api_for
):
    tender = make_tender("filing")
    response = api_for(world.supervisor).get(
        f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}"
    )
    assert response.status_code == 200
    assert response.data == b"%PDF-1.7 tender documents"
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 0


def test_another_agency_cannot_read_the_documents_of_a_draft(make_tender, make_user, api_for):
    tender = make_tender("filing")
    response = api_for(make_user("agency")).get(
        f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}"
    )
    assert response.status_code == 403


def test_a_refused_download_in_a_browser_is_a_page_not_json(make_tender, world, login, clock):
    tender = make_tender("published")
    clock.set(tender.issue_end)
    browser = login(world.bidder())
    response = browser.get(
        f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}",
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "download period has ended" in response.get_data(as_text=True)


def test_downloads_close_with_the_download_period(make_tender, world, api_for, clock):
    tender = make_tender("published")
    clock.set(tender.issue_end)
    response = api_for(world.bidder()).get(
        f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}"
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "download_closed"


def holder(world, api_for, tender):
    bidder = world.bidder()
    api = api_for(bidder)
    assert (
        api.get(f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}").status_code == 200
    )
    return api


# --- questions and notices ----------------------------------------------------------------------


def test_only_holders_may_ask_questions(make_tender, world, api_for):
    tender = make_tender("published")
    response = api_for(world.bidder()).post(
        f"/api/tenders/{tender.id}/questions", json={"body": "Is the bill of quantities final?"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_a_holder"


def test_a_question_never_reveals_who_asked(make_tender, world, api_for, agency_api):
    tender = make_tender("published")
    asker = holder(world, api_for, tender)
    asker.post(f"/api/tenders/{tender.id}/questions", json={"body": "Is item 3.2 final?"})
    seen = agency_api.get(f"/api/tenders/{tender.id}/questions").get_json()
    assert seen[0]["body"] == "Is item 3.2 final?"
    assert set(seen[0]) == {"id", "body", "asked_at", "answered_by_notice_id"}


def test_another_bidder_does_not_see_a_question(make_tender, world, api_for):
    tender = make_tender("published")
    holder(world, api_for, tender).post(
        f"/api/tenders/{tender.id}/questions", json={"body": "Is item 3.2 final?"}
    )
    other = holder(world, api_for, tender)
    assert other.get(f"/api/tenders/{tender.id}/questions").get_json() == []


def test_a_clarification_is_published_on_the_public_notice(make_tender, agency_api, client):
    tender = make_tender("published")
    response = agency_api.post(
        f"/api/tenders/{tender.id}/notices",
        json={
            "kind": "clarification",
            "title": "Site visit",
            "body": "Site visit on day 3 at 9:00.",
            "affects_preparation": False,
        },
    )
    assert response.status_code == 201
    public = client.get(f"/api/tenders/{tender.id}").get_json()
    assert public["notices"][0]["title"] == "Site visit"


def test_an_amendment_ten_days_before_the_deadline_moves_it_to_fifteen_days(
    make_tender, agency_api, client, clock
):
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=10))
    response = agency_api.post(
        f"/api/tenders/{tender.id}/notices",
        json={
            "kind": "amendment",
            "title": "BoQ item 3.2",
            "body": "Corrected quantity.",
            "affects_preparation": True,
        },
    )
    notice = response.get_json()
    assert notice["moved_deadline"] is True
    expected = clock.now() + timedelta(days=15)
    assert notice["deadline_after"] == expected.isoformat()
    public = client.get(f"/api/tenders/{tender.id}").get_json()
    assert public["bid_deadline"] == expected.isoformat()


def test_an_amendment_exactly_fifteen_days_ahead_keeps_the_deadline(make_tender, agency_api, clock):
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=15))
    notice = agency_api.post(
        f"/api/tenders/{tender.id}/notices",
        json={"kind": "amendment", "title": "BoQ", "body": "x", "affects_preparation": True},
    ).get_json()
    assert notice["moved_deadline"] is False


def test_a_moved_deadline_is_announced_in_the_ledger(make_tender, agency_api, clock):
    from audit.ledger.models import LedgerEntry

    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=3))
    agency_api.post(
        f"/api/tenders/{tender.id}/notices",
        json={"kind": "amendment", "title": "BoQ", "body": "x", "affects_preparation": True},
    )
    moved = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == "tender.deadline_moved")
    ).all()
    assert len(moved) == 1


# --- objections ---------------------------------------------------------------------------------


def test_an_objection_suspends_the_tender_until_answered(make_tender, world, api_for, agency_api):
    tender = make_tender("published")
    objector = holder(world, api_for, tender)
    raised = objector.post(
        f"/api/tenders/{tender.id}/objections", json={"body": "Criterion 3 favours local firms."}
    )
    assert raised.status_code == 201
    assert queries.get_tender(tender.id).state.value == "suspended"
    blocked = objector.get(f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}")
    assert blocked.get_json()["error"]["code"] == "tender_suspended"
    answered = agency_api.post(
        f"/api/objections/{raised.get_json()['id']}/answer",
        json={"answer": "Criterion 3 counts projects anywhere."},
    )
    assert answered.status_code == 200
    assert queries.get_tender(tender.id).state.value == "published"


def test_an_objection_nine_days_before_the_deadline_is_refused(make_tender, world, api_for, clock):
    tender = make_tender("published")
    objector = holder(world, api_for, tender)
    clock.set(tender.bid_deadline - timedelta(days=10, seconds=-1))
    response = objector.post(f"/api/tenders/{tender.id}/objections", json={"body": "Too late?"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "objection_too_late"
    assert queries.get_tender(tender.id).state.value == "published"


def test_an_objection_exactly_ten_days_before_the_deadline_is_accepted(
    make_tender, world, api_for, clock
):
    tender = make_tender("published")
    objector = holder(world, api_for, tender)
    clock.set(tender.bid_deadline - timedelta(days=10))
    response = objector.post(f"/api/tenders/{tender.id}/objections", json={"body": "In time."})
    assert response.status_code == 201


def test_an_objection_unanswered_after_three_days_is_reported_by_the_tick(
    make_tender, world, api_for, clock
):
    from audit.ledger.models import LedgerEntry

    tender = make_tender("published")
    objector = holder(world, api_for, tender)
    objector.post(f"/api/tenders/{tender.id}/objections", json={"body": "Unanswered."})
    clock.advance(days=3)
    assert services.tick(clock.now()) == []
    clock.advance(seconds=1)
    results = services.tick(clock.now())
    assert results[0].happened == ("objection_overdue",)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.type == "tender.objection_overdue")
        )
        == 1
    )


# --- time-driven transitions --------------------------------------------------------------------


def test_the_tick_closes_the_download_period_then_the_bids(make_tender, clock):
    tender = make_tender("published")
    clock.set(tender.issue_end - timedelta(seconds=1))
    assert services.tick(clock.now()) == []
    clock.set(tender.issue_end)
    assert services.tick(clock.now())[0].happened == ("download_closed",)
    clock.set(tender.bid_deadline - timedelta(seconds=1))
    assert services.tick(clock.now()) == []
    clock.set(tender.bid_deadline)
    assert services.tick(clock.now())[0].happened == ("deadline_reached",)
    assert queries.get_tender(tender.id).state.value == "closed"


def test_the_tick_is_idempotent(make_tender, clock):
    tender = make_tender("published")
    clock.set(tender.bid_deadline + timedelta(hours=1))
    first = services.tick(clock.now())
    assert first[0].happened == ("download_closed", "deadline_reached")
    assert services.tick(clock.now()) == []


def test_a_suspended_tender_does_not_close_at_the_deadline(make_tender, world, api_for, clock):
    tender = make_tender("published")
    holder(world, api_for, tender).post(
        f"/api/tenders/{tender.id}/objections", json={"body": "Pending."}
    )
    clock.set(tender.bid_deadline + timedelta(minutes=1))
    services.tick(clock.now())
    assert queries.get_tender(tender.id).state.value == "suspended"


def test_the_tick_command_runs_due_transitions(make_tender, runner, clock):
    tender = make_tender("published")
    at = (tender.bid_deadline + timedelta(seconds=1)).isoformat()
    result = runner.invoke(args=["tick", "--at", at])
    assert result.exit_code == 0, result.output
    assert '"deadline_reached"' in result.output


# --- termination --------------------------------------------------------------------------------


def test_termination_needs_a_reason(make_tender, agency_api):
    tender = make_tender("published")
    response = agency_api.post(f"/api/tenders/{tender.id}/terminate", json={"reason": " "})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_field"


def test_a_terminated_tender_shows_its_reason_publicly_and_stops_the_clock(
    make_tender, agency_api, client
):
    tender = make_tender("published")
    response = agency_api.post(
        f"/api/tenders/{tender.id}/terminate",
        json={"reason": "Project cancelled by the budget authority."},
    )
    assert response.status_code == 200
    public = client.get(f"/api/tenders/{tender.id}").get_json()
    assert public["state"] == "terminated"
    assert public["termination_reason"] == "Project cancelled by the budget authority."
    assert public["notices"][-1]["kind"] == "termination"
    assert queries.get_tender(tender.id).next_check_at is None


def test_a_terminated_tender_cannot_be_terminated_again(make_tender, agency_api):
    tender = make_tender("published")
    agency_api.post(f"/api/tenders/{tender.id}/terminate", json={"reason": "Cancelled."})
    again = agency_api.post(f"/api/tenders/{tender.id}/terminate", json={"reason": "Again."})
    assert again.status_code == 409


def test_clock_is_the_fake_one_in_tests(clock):
    assert clock_module.now() == clock.now()
