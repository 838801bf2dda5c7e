"""The report: dissent written before it is finalized, every member signing its hash with its
own certificate, a refusal without reasons recorded as agreement after the time set, and the
platform-sealed PDF for the tenderer, which verifies offline."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict, DomainError


@pytest.fixture
def ranked(committee):
    committee.to_ranking()
    return committee


def test_the_leader_finalizes_the_report_from_the_sessions_record(ranked):
    answer = ranked.run(ranked.member(1), "finalize")
    state = ranked.state(ranked.member(2))
    assert state["stage"] == "report"
    assert state["report"]["report_sha256"] == answer["report_sha256"]
    assert state["report"]["to_sign"]["seat"] == 2


def test_a_dissent_is_quoted_in_what_its_member_signs(ranked):
    ranked.run(ranked.member(5), "dissent", text="Bid 2's plan deserved more.")
    ranked.run(ranked.member(1), "finalize")
    to_sign = ranked.state(ranked.member(5))["report"]["to_sign"]
    assert to_sign["dissent"] == "Bid 2's plan deserved more."


def test_only_the_leader_finalizes(ranked):
    with pytest.raises(DomainError) as refused:
        ranked.run(ranked.member(2), "finalize")
    assert refused.value.code == "not_leader"


def test_every_member_signing_seals_the_report_for_the_tenderer(ranked, api_for, world):
    from bidhall.crypto import services as crypto
    from evaluation.reports.verify import verify_pdf

    ranked.run(ranked.member(5), "dissent", text="Bid 2's plan deserved more.")
    ranked.run(ranked.member(1), "finalize")
    for seat in ranked.seats:
        assert ranked.sign(seat)["signed"] is True
    state = ranked.state(ranked.supervisor)
    assert state["state"] == "finished" and state["report"]["signed"] == [1, 2, 3, 4, 5]
    response = api_for(world.tenderer).get(f"/api/evaluation/{ranked.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    finding = verify_pdf(response.data, crypto.root_pem())
    assert finding.ok, finding.to_json()


def test_the_sealed_report_hands_its_ranked_candidates_to_the_award(ranked, api_for, world):
    from bidhall.db import db
    from evaluation.sessions.models import EvaluationSession

    tenderer = api_for(world.tenderer)
    ranked.run(ranked.member(1), "finalize")
    for seat in ranked.seats:
        ranked.sign(seat)
    evaluation = db.session.get(EvaluationSession, ranked.id)
    lot = evaluation.results["lots"][0]

    [award] = tenderer.get(f"/api/tenders/{ranked.tender_id}/awards").get_json()

    assert award["state"] == "reported"
    assert [c["rank"] for c in award["candidates"]] == [1, 2, 3][: len(lot["ranking"])]
    assert [c["evaluated_price"] for c in award["candidates"]] == [
        lot["prices"][str(bid_id)] for bid_id in lot["ranking"][:3]
    ]


def test_a_signature_made_with_another_members_key_is_refused(ranked):
    ranked.run(ranked.member(1), "finalize")
    with pytest.raises(DomainError) as refused:
        ranked.sign(2, key=ranked.keys[3])
    assert refused.value.code == "bad_signature"


def test_a_member_signs_once(ranked):
    ranked.run(ranked.member(1), "finalize")
    ranked.sign(2)
    with pytest.raises(Conflict) as refused:
        ranked.sign(2)
    assert refused.value.code == "already_signed"


def test_a_member_that_does_not_sign_in_time_is_recorded_as_agreeing(ranked, clock, api_for, world):
    from bidhall import scheduler
    from bidhall.crypto import services as crypto
    from evaluation.reports.verify import verify_pdf

    ranked.run(ranked.member(1), "finalize")
    for seat in (1, 2, 3, 4):
        ranked.sign(seat)
    assert ranked.state(ranked.supervisor)["state"] == "open"
    clock.advance(minutes=61)
    assert scheduler.tick(clock.now())["evaluation-sessions"] == {"reports_sealed": 1}
    assert scheduler.tick(clock.now())["evaluation-sessions"] == {"reports_sealed": 0}
    state = ranked.state(ranked.supervisor)
    assert state["state"] == "finished" and state["report"]["refused"] == [5]
    pdf = api_for(world.tenderer).get(f"/api/evaluation/{ranked.id}/report.pdf").data
    assert verify_pdf(pdf, crypto.root_pem()).ok


def test_the_report_is_not_given_out_before_it_is_sealed(ranked, api_for, world):
    ranked.run(ranked.member(1), "finalize")
    response = api_for(world.tenderer).get(f"/api/evaluation/{ranked.id}/report.pdf")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "report_not_sealed"


def test_a_bidder_never_gets_the_report(ranked, api_for):
    bidder = ranked.seated.hall.bidders[0].user
    response = api_for(bidder).get(f"/api/evaluation/{ranked.id}/report.pdf")
    assert response.status_code == 403


def test_the_report_has_the_committees_mean_per_criterion_and_names_the_candidates(ranked):
    import json

    from bidhall.db import db
    from evaluation.sessions.models import EvaluationSession

    ranked.run(ranked.member(1), "finalize")
    document = json.loads(db.session.get(EvaluationSession, ranked.id).report)
    plans = {
        m["mean"] for m in document["scores"]["means"] if m["criterion"] == "construction plan"
    }
    assert plans == {"20.40"}  # (20 + 22 + 21 + 19 + 20) / 5
    candidates = ranked.state(ranked.member(2))["report"]["candidates"]
    assert [c["rank"] for c in candidates] == [1, 2, 3]
