"""Access (DOMAIN.md §5): crypto.early_access, docs.late_change, expert.conflict, raised from the
real opening hall, the tender's notices and a committee drawn, checked in and opened.

A member's tie to a bidder arises after the draw, which checked the experts against the
holders of the documents and the tenderer as they were then: here the experts are tied (by
``tie``) to an organisation that had not taken the documents when the committee was drawn and
bids afterwards, or to a person who joins a bidder (or the tenderer) after the draw."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidhall.errors import DomainError
from tests.fixtures.factories import PASSWORD
from tests.fixtures.opening import Seat
from tests.fixtures.pki import SUMMARY, submit_bid

RELATIVE = "Chen Jie"


# --- crypto.early_access ----------------------------------------------------------------------


def test_keys_handed_in_a_second_before_the_opening_raise_a_red_alert(make_hall, raised):
    hall = make_hall(3)
    seat = hall.bidders[0]
    hall.clock.set(hall.deadline - timedelta(seconds=1))
    with pytest.raises(DomainError):
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    [alert] = raised("crypto.early_access")
    assert alert["severity"] == "red" and alert["tender_id"] == hall.id
    figures = alert["evidence"]["figures"]
    assert figures["requested"] == "decrypt" and figures["bid_id"] == seat.bid_id
    assert figures["actor"] == f"user:{seat.user_id}" and figures["role"] == "bidder"
    assert figures["minutes_before"] == 0


def test_the_agency_asking_for_a_summary_before_the_opening_raises_a_red_alert(
    make_hall, api_for, raised
):
    hall = make_hall(3)
    seat = hall.bidders[1]
    assert api_for(hall.agency).get(f"/api/bids/{seat.bid_id}/summary").status_code == 404
    [alert] = raised("crypto.early_access")
    figures = alert["evidence"]["figures"]
    assert figures["requested"] == "summary" and figures["role"] == "agency"
    assert alert["subject"] == f"user:{hall.agency_id}"


def test_keys_handed_in_at_the_opening_time_raise_nothing(make_hall, raised):
    hall = make_hall(3)
    seat = hall.bidders[0]
    hall.reach_deadline()
    hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    assert raised("crypto.early_access") == []


# --- docs.late_change -------------------------------------------------------------------------


def _notice(world, tender, kind: str, affects_preparation: bool):
    from trading.tenders import notices

    return notices.issue_notice(
        world.agency,
        tender.id,
        kind,
        "Change to the bill of quantities",
        "Item 4.2 now reads 1,200 m3.",
        affects_preparation,
    )


def test_an_amendment_left_unmoved_within_15_days_of_the_deadline_raises_a_red_alert(
    make_tender, world, clock, raised
):
    # its issuer says it does not affect preparation: the service leaves the deadline alone
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=15) + timedelta(minutes=1))
    notice = _notice(world, tender, "amendment", affects_preparation=False)
    [alert] = raised("docs.late_change")
    assert alert["severity"] == "red" and alert["subject"] == f"notice {notice.id}"
    figures = alert["evidence"]["figures"]
    assert figures["moved"] is False and figures["affects_preparation"] is False
    assert figures["days_left"] == "14.999"


def test_an_amendment_exactly_15_days_before_the_deadline_raises_nothing(
    make_tender, world, clock, raised
):
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=15))
    _notice(world, tender, "amendment", affects_preparation=False)
    assert raised("docs.late_change") == []


def test_a_late_clarification_that_changes_nothing_in_the_bids_raises_nothing(
    make_tender, world, clock, raised
):
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=3))
    _notice(world, tender, "clarification", affects_preparation=False)
    assert raised("docs.late_change") == []


@pytest.mark.parametrize("app_overrides", [{"AUDIT_LATE_CHANGE_DAYS": 20}])
def test_a_deadline_moved_short_of_the_audits_days_raises_a_red_alert(
    make_tender, world, clock, raised
):
    # the rule set moves the deadline to leave its 15 days; the centre audits against 20
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=3))
    _notice(world, tender, "amendment", affects_preparation=True)
    [alert] = raised("docs.late_change")
    figures = alert["evidence"]["figures"]
    assert figures["moved"] is True and figures["days_left"] == "15.000"
    assert alert["evidence"]["threshold"]["days"] == 20
    assert len(alert["evidence"]["seqs"]) == 2  # the notice and the deadline's move


def test_a_deadline_moved_to_leave_the_full_15_days_raises_nothing(
    make_tender, world, clock, raised
):
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=3))
    _notice(world, tender, "amendment", affects_preparation=True)
    assert raised("docs.late_change") == []


# --- expert.conflict --------------------------------------------------------------------------


@pytest.fixture
def tie() -> str | None:
    """How the drawn experts are tied, and to whom (a test parametrizes it): ``employer`` and
    ``shareholding`` (to ``rival``, which bids after the draw), ``person`` (a declared relative
    who joins a bidder after the draw), ``tenderer_person`` (who joins the tenderer), ``apart``
    (all of these, to an organisation that does not bid)."""
    return None


@pytest.fixture
def rival(make_org):
    """An organisation that had not taken the documents when the committee was drawn."""
    return make_org("bidder", name="Rival Works Ltd")


@pytest.fixture
def make_expert(make_expert, tie, rival):
    """Every expert made (the committee's and its reserves) tied as ``tie`` says."""
    columns = {
        None: {},
        "employer": {"employer_organisation_id": rival.id},
        "shareholding": {"relations": f"shareholding:{rival.id}"},
        "person": {"relations": f"relative::{RELATIVE}"},
        "tenderer_person": {"relations": f"relative::{RELATIVE}"},
        "apart": {"employer_organisation_id": rival.id, "relations": f"relative::{RELATIVE}"},
    }[tie]

    def make(**kwargs):
        return make_expert(**(columns | kwargs))

    return make


@pytest.fixture
def read_out(seal_bids, tie, rival, make_user, make_org, enroll, world):
    """The committee fixtures' opening, with ``rival`` bidding too (a fourth bid) where the
    experts are tied to it, and the relative joining a bidder (or the tenderer, or an
    organisation that did not bid) after the draw."""
    from bidhall.accounts import services as accounts

    def read(tender):
        hall = seal_bids(tender)
        if tie in ("employer", "shareholding"):
            user = make_user("bidder", organisation=rival)
            bundle = enroll(user)
            summary = SUMMARY | {"price": "10500000.00", "project_manager": "Zhao Lei"}
            bid = submit_bid(user, bundle, tender.id, summary)
            hall.bidders.append(Seat(user.id, bundle, bid.id, bid.storage_key, summary))
        hall.read_out()
        joins = {
            "person": hall.bidders[0].user.organisation_id,
            "tenderer_person": world.tenderer_org.id,
            "apart": make_org("bidder").id,
        }
        if tie in joins:
            kind = "tenderer" if tie == "tenderer_person" else "bidder"
            accounts.create_user(
                "system:test", f"chenjie{tender.id}", PASSWORD, kind, joins[tie], RELATIVE
            )
        return hall

    return read


def test_a_member_declaring_a_conflict_raises_a_red_alert(opened, declare, raised):
    [expert, *_] = opened.members_at(opened.main)
    note = "My brother-in-law is a director of one of the bidders."
    assert declare(opened.draw.id, expert, no_conflict=False, note=note).status_code == 201
    [alert] = raised("expert.conflict")
    assert alert["severity"] == "red" and alert["tender_id"] == opened.draw.tender_id
    assert alert["evidence"]["figures"]["note"] == note
    assert alert["subject"] == f"expert {expert.id}"


@pytest.mark.parametrize("tie", ["employer"])
def test_members_employed_by_a_bidder_raise_a_red_alert_each(committee, rival, raised):
    alerts = raised("expert.conflict")
    assert sorted(a["subject"] for a in alerts) == [f"seat {seat}" for seat in committee.seats]
    figures = alerts[0]["evidence"]["figures"]
    assert figures["organisation_id"] == rival.id and figures["role"] == "bidder"
    assert figures["ties"] == [{"kind": "employer"}]


@pytest.mark.parametrize("tie", ["shareholding"])
def test_members_holding_shares_in_a_bidder_raise_a_red_alert(committee, rival, raised):
    alerts = raised("expert.conflict")
    assert len(alerts) == len(committee.seats)
    assert alerts[0]["evidence"]["figures"]["ties"] == [
        {"kind": "shareholding", "organisation_id": rival.id}
    ]


@pytest.mark.parametrize("tie", ["person"])
def test_a_declared_relative_joining_a_bidder_after_the_draw_raises_a_red_alert(committee, raised):
    alerts = raised("expert.conflict")
    assert len(alerts) == len(committee.seats)
    figures = alerts[0]["evidence"]["figures"]
    assert figures["ties"] == [{"kind": "relative", "person": RELATIVE}]
    assert figures["organisation"] == committee.seated.hall.bidders[0].user.organisation.name


@pytest.mark.parametrize("tie", ["tenderer_person"])
def test_a_declared_relative_joining_the_tenderer_raises_a_red_alert(committee, world, raised):
    alerts = raised("expert.conflict")
    assert len(alerts) == len(committee.seats)
    figures = alerts[0]["evidence"]["figures"]
    assert figures["role"] == "tenderer" and figures["organisation_id"] == world.tenderer_org.id


@pytest.mark.parametrize("tie", ["apart"])
def test_ties_to_organisations_that_did_not_bid_raise_nothing(committee, raised):
    # every member also declared no conflict at check-in
    assert raised("expert.conflict") == []
