"""A tender whose committee's report reached the tenderer: three bids sealed (the first backed
by an e-guarantee), opened and read out through the real services, then the report's ranked
candidates handed to the award as the evaluation hands them when the report is sealed
(evaluation.sessions.report; that hand-over itself: tests/evaluation/sessions/test_report.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Reported:
    tender_id: int
    award_id: int
    hall: object
    guarantee_id: int
    agency_id: int

    def bidder(self, rank: int):
        """The user of the candidate ranked ``rank`` (1 = the lowest price)."""
        return self.ranked[rank - 1].user

    @property
    def ranked(self):
        return self.hall.ranked()


@pytest.fixture
def reported(make_tender, seal_bids, guarantee_for, clock) -> Reported:
    tender = make_tender("published")
    hall = seal_bids(tender)
    guarantee = guarantee_for(tender, hall.bidders[0].user)
    hall.read_out()
    hall.run(hall.agency, "close")
    award_id = hall.hand_over_report()
    return Reported(tender.id, award_id, hall, guarantee.id, hall.agency_id)


@pytest.fixture
def agency(reported, api_for):
    """The API client of the tender's agency."""
    from bidhall.accounts.models import User
    from bidhall.db import db

    return api_for(db.session.get(User, reported.agency_id))


@pytest.fixture
def publicised(reported, agency):
    """The candidates published by the agency for 3 days."""
    response = agency.post(f"/api/awards/{reported.award_id}/publicity", json={"days": 3})
    assert response.status_code == 200, response.get_json()
    return reported
