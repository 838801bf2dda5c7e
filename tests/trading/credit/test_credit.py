"""Credit (信用): the supervisors' deductions, black and red listings with their validity
(trading/credit), what they bar (a bid, a seat in the expert draw), and the public lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from trading.credit import rules


@pytest.fixture
def supervisor(world, api_for):
    return api_for(world.supervisor)


def decide(api, subject_id: int, **overrides):
    body = {
        "subject_kind": "organisation",
        "subject_id": subject_id,
        "kind": "deduction",
        "points": 12,
        "reason": "Falsified a qualification certificate in tender BH-2026-00012.",
        "basis_kind": "other",
        "basis_ref": "Decision 2026-17 of the supervision bureau",
    } | overrides
    return api.post("/api/credit/decisions", json=body)


def black_list(api, subject_id: int, clock, days: int = 30, **overrides):
    until = (clock.now() + timedelta(days=days)).isoformat()
    return decide(api, subject_id, kind="black_list", points=None, valid_until=until, **overrides)


def score_of(api, organisation_id: int) -> int:
    return api.get(f"/api/credit/subjects/organisations/{organisation_id}").get_json()["score"]


# --- the rules ----------------------------------------------------------------------------------


def test_the_score_takes_off_the_deductions_in_force_and_never_goes_under_zero(clock):
    now = clock.now()
    day = timedelta(days=1)
    entries = [
        rules.Entry("deduction", 70, now - day, now + day),
        rules.Entry("deduction", 50, now - day, now + day),
        rules.Entry("deduction", 30, now - 3 * day, now - day),  # ended
    ]
    assert rules.score(entries, now) == 0
    assert rules.score(entries[:1], now) == 30


def test_a_revoked_listing_is_in_force_until_its_revocation(clock):
    now = clock.now()
    listing = rules.Entry("black_list", None, now, now + timedelta(days=9), now + timedelta(days=2))
    assert rules.black_listing([listing], now + timedelta(days=1)) == listing
    assert rules.black_listing([listing], now + timedelta(days=2)) is None


# --- recording ----------------------------------------------------------------------------------


def test_a_deduction_lowers_the_subjects_score(supervisor, world, api_for):
    bidder = world.bidder()
    own = api_for(bidder)
    assert score_of(own, bidder.organisation_id) == 100

    answer = decide(supervisor, bidder.organisation_id, points=12)

    assert answer.status_code == 201
    assert score_of(own, bidder.organisation_id) == 88
    assert score_of(supervisor, bidder.organisation_id) == 88


def test_a_deduction_counts_for_a_year_by_default(supervisor, world, api_for, clock):
    bidder = world.bidder()
    decide(supervisor, bidder.organisation_id, points=5)

    clock.advance(days=rules.DEDUCTION_VALID_DAYS)

    assert score_of(supervisor, bidder.organisation_id) == 100


def test_a_decision_without_a_reason_is_refused(supervisor, world):
    answer = decide(supervisor, world.bidder().organisation_id, reason="  ")

    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "missing_field"
    assert "reason" in answer.get_json()["error"]["message"]


def test_a_list_entry_without_its_end_is_refused(supervisor, world):
    answer = decide(supervisor, world.bidder().organisation_id, kind="red_list", points=None)

    assert answer.get_json()["error"]["code"] == "missing_field"
    assert "valid_until" in answer.get_json()["error"]["message"]


def test_a_bidder_cannot_record_a_decision(world, api_for):
    bidder = world.bidder()

    answer = decide(api_for(bidder), world.bidder().organisation_id)

    assert answer.status_code == 403


def test_another_bidder_cannot_read_an_organisations_record(supervisor, world, api_for):
    target = world.bidder()
    decide(supervisor, target.organisation_id)

    answer = api_for(world.bidder()).get(
        f"/api/credit/subjects/organisations/{target.organisation_id}"
    )

    assert answer.status_code == 404


def test_a_decision_on_an_alert_is_refused_outside_the_alert(supervisor, world):
    answer = decide(supervisor, world.bidder().organisation_id, basis_kind="alert", basis_id=1)

    assert answer.get_json()["error"]["code"] == "alert_basis_unchecked"


def test_a_decision_on_an_undecided_complaint_is_refused(supervisor, world, make_tender, clock):
    from bidhall import clock as clock_module
    from tests.fixtures.pki import ensure_holder
    from trading.complaints import services as complaints
    from trading.tenders import notices

    tender = make_tender("published")
    bidder = world.bidder()
    ensure_holder(bidder, tender.id)
    objection = notices.raise_objection(bidder, tender.id, "Clause 4 favours one brand.")
    notices.answer_objection(world.agency, objection.id, "Clause 4 stays: it is functional.")
    today = clock_module.local(clock.now(), "Asia/Shanghai").date().isoformat()
    complaint = complaints.file_complaint(
        bidder, tender.id, "documents", "The answer ignores the brand.", today
    )

    answer = decide(
        supervisor, bidder.organisation_id, basis_kind="complaint", basis_id=complaint.id
    )
    assert answer.get_json()["error"]["code"] == "complaint_not_decided"

    complaints.accept(world.supervisor, complaint.id)
    complaints.decide(world.supervisor, complaint.id, "dismissed", "The clause is functional.")
    answer = decide(
        supervisor, bidder.organisation_id, basis_kind="complaint", basis_id=complaint.id
    )
    assert answer.status_code == 201
    assert answer.get_json()["basis_id"] == complaint.id


def test_a_credit_decision_can_rest_on_an_alert_through_the_alert(supervisor, world, app):
    from audit.alerts.services import raise_alert
    from audit.detectors.base import DETECTORS, Finding, Severity
    from bidhall.db import db

    with db.transaction() as session:
        alert = raise_alert(
            session,
            Finding(next(iter(DETECTORS)), "credit-basis", Severity.RED, "A finding.", ()),
            None,
        )
    bidder = world.bidder()

    answer = supervisor.post(
        f"/api/alerts/{alert.id}/credit-decisions",
        json={
            "subject_kind": "organisation",
            "subject_id": bidder.organisation_id,
            "kind": "deduction",
            "points": 20,
            "reason": "Bid documents made on the same computer as a rival's.",
        },
    )

    assert answer.status_code == 201
    assert answer.get_json()["basis_kind"] == "alert"
    assert answer.get_json()["basis_id"] == alert.id
    assert score_of(supervisor, bidder.organisation_id) == 80
    assert supervisor.post("/api/alerts/999999/credit-decisions", json={}).status_code == 404


# --- what a black listing bars ------------------------------------------------------------------


def test_a_black_listed_bidder_may_not_bid_until_the_listing_ends(
    supervisor, world, api_for, make_tender, clock
):
    from tests.fixtures.pki import ensure_holder

    tender = make_tender("published")
    bidder = world.bidder()
    ensure_holder(bidder, tender.id)
    own = api_for(bidder)
    assert black_list(supervisor, bidder.organisation_id, clock, days=3).status_code == 201

    refused = own.post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": 100})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "black_listed"

    clock.advance(days=3)
    allowed = own.post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": 100})
    assert allowed.status_code == 201


def test_a_revoked_black_listing_no_longer_bars_a_bid(
    supervisor, world, api_for, make_tender, clock
):
    from tests.fixtures.pki import ensure_holder

    tender = make_tender("published")
    bidder = world.bidder()
    ensure_holder(bidder, tender.id)
    listing = black_list(supervisor, bidder.organisation_id, clock).get_json()

    revoked = supervisor.post(
        f"/api/credit/decisions/{listing['id']}/revoke",
        json={"reason": "The court annulled the finding."},
    )

    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    answer = api_for(bidder).post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": 1})
    assert answer.status_code == 201


def test_a_revocation_needs_its_reason(supervisor, world, clock):
    listing = black_list(supervisor, world.bidder().organisation_id, clock).get_json()

    answer = supervisor.post(f"/api/credit/decisions/{listing['id']}/revoke", json={})

    assert answer.get_json()["error"]["code"] == "missing_field"


def test_a_black_listed_expert_is_not_drawn(
    supervisor, world, tender, holder, make_expert, draw_request, clock
):
    from evaluation.draws import services

    listed = make_expert()
    clean = [make_expert() for _ in range(5)]
    black_list(supervisor, listed.id, clock, days=60, subject_kind="expert")

    draw = services.draw_experts(world.agency, tender.id, draw_request())

    excluded = {e["expert_id"]: e["reasons"] for e in draw.frozen["excluded"]}
    assert excluded == {listed.id: ["credit_barred"]}
    assert {p.expert_id for p in draw.places} == {e.id for e in clean}


def test_an_expert_scored_under_the_minimum_is_not_drawn(
    supervisor, world, tender, holder, make_expert, draw_request
):
    from evaluation.draws import services

    penalised = make_expert()
    [make_expert() for _ in range(5)]
    decide(supervisor, penalised.id, subject_kind="expert", points=100 - rules.EXPERT_MIN_SCORE + 1)

    draw = services.draw_experts(world.agency, tender.id, draw_request())

    excluded = {e["expert_id"]: e["reasons"] for e in draw.frozen["excluded"]}
    assert excluded == {penalised.id: ["credit_barred"]}


def test_an_expert_reads_its_own_record(supervisor, api_for, make_expert, user_of):
    expert = make_expert()
    decide(supervisor, expert.id, subject_kind="expert", points=3)

    answer = api_for(user_of(expert)).get(f"/api/credit/subjects/experts/{expert.id}")

    assert answer.get_json()["score"] == 97


# --- the public lists ---------------------------------------------------------------------------


def test_the_public_lists_show_the_entries_in_force_and_no_supervisor(
    supervisor, world, client, clock
):
    black = world.bidder()
    red = world.bidder()
    ended = world.bidder()
    black_list(supervisor, black.organisation_id, clock, days=30)
    decide(
        supervisor,
        red.organisation_id,
        kind="red_list",
        points=None,
        reason="Ten years of contracts kept.",
        valid_until=(clock.now() + timedelta(days=30)).isoformat(),
    )
    black_list(supervisor, ended.organisation_id, clock, days=1)
    decide(supervisor, ended.organisation_id, points=5)  # a deduction is not listed
    clock.advance(days=2)

    lists = client.get("/api/credit/lists").get_json()

    names = {kind: [e["subject_name"] for e in entries] for kind, entries in lists.items()}
    assert names == {"black_list": [black.organisation.name], "red_list": [red.organisation.name]}
    shown = repr(lists)
    assert world.supervisor.display_name not in shown and "decided_by" not in shown
    page = client.get("/credit").get_data(as_text=True)
    assert black.organisation.name in page and ended.organisation.name not in page
    assert world.supervisor.display_name not in page


def test_a_supervisor_records_a_listing_from_the_credit_page(world, login, clock):
    from tests.fixtures.app import csrf_token

    bidder = world.bidder()
    browser = login(world.supervisor)

    answer = browser.post(
        "/credit/decisions",
        data={
            "csrf_token": csrf_token(browser, "/credit"),
            "decision-subject_kind": "organisation",
            "decision-subject_id": str(bidder.organisation_id),
            "decision-kind": "black_list",
            "decision-reason": "Collusion found by the court.",
            "decision-basis_kind": "other",
            "decision-basis_ref": "Judgment (2026) 12",
            "decision-valid_until": (clock.now() + timedelta(days=10)).date().isoformat(),
        },
    )

    assert answer.status_code == 302
    assert bidder.organisation.name in browser.get("/credit").get_data(as_text=True)


def test_the_credit_page_shows_a_refusal_at_its_field(world, login):
    from tests.fixtures.app import csrf_token

    browser = login(world.supervisor)

    answer = browser.post(
        "/credit/decisions",
        data={
            "csrf_token": csrf_token(browser, "/credit"),
            "decision-subject_kind": "organisation",
            "decision-subject_id": str(world.bidder().organisation_id),
            "decision-kind": "deduction",
            "decision-points": "5",
            "decision-basis_kind": "other",
            "decision-basis_ref": "Decision 2026-18",
        },
    )

    assert answer.status_code == 400
    assert "states its reason" in answer.get_data(as_text=True)
