"""A published tender with a bidder holding the documents, and helpers to draw for it."""

from __future__ import annotations

import pytest


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


@pytest.fixture
def holder(world, tender):
    """A bidder organisation that downloaded the documents (a participant)."""
    from trading.tenders import services

    bidder = world.bidder()
    services.download_document(bidder, tender.id, tender.documents[0].id)[1].close()
    return bidder


@pytest.fixture
def user_of(app):
    from bidhall.accounts.models import User
    from bidhall.db import db

    return lambda expert: db.session.get(User, expert.user_id)


@pytest.fixture
def answer(api_for, user_of):
    """``answer(draw, expert, accept)``: the expert answers its invitation through the API."""

    def post(draw_id, expert, accept=True):
        return api_for(user_of(expert)).post(
            f"/api/draws/{draw_id}/answer", json={"accept": accept}
        )

    return post


@pytest.fixture
def declare(api_for, user_of, expert_keys):
    """``declare(draw_id, expert, no_conflict=True, note="")``: the expert fetches its recusal
    declaration, signs its canonical bytes with its own key and posts it back."""
    from bidhall.crypto import keys
    from evaluation.draws import commitment

    def post(draw_id, expert, no_conflict=True, note=""):
        api = api_for(user_of(expert))
        document = api.get(f"/api/draws/{draw_id}/declaration").get_json()["document"]
        document |= {"no_conflict": no_conflict, "note": note}
        signature = expert_keys[expert.id].signing_key.sign(commitment.canonical(document))
        return api.post(
            f"/api/draws/{draw_id}/declaration",
            json={"no_conflict": no_conflict, "note": note, "signature": keys.b64(signature)},
        )

    return post


class Seated:
    """A committee of 5 over two venues (main 310000: 3 seats, secondary 320000: 2 seats), each
    with its own local supervisor; every member accepted."""

    def __init__(self, draw, experts, main, secondary, main_supervisor, secondary_supervisor):
        self.draw = draw
        self.experts = experts  # expert id -> Expert (members and reserves)
        self.main, self.secondary = main, secondary
        self.main_supervisor, self.secondary_supervisor = main_supervisor, secondary_supervisor

    def members_at(self, venue):
        from evaluation.draws.services import get_draw

        return [
            self.experts[p.expert_id]
            for p in get_draw(self.draw.id).places
            if p.venue_id == venue.id and p.status in ("invited", "accepted")
        ]


@pytest.fixture
def seated(world, tender, holder, make_user, make_expert, make_venue, draw_request, answer):
    from evaluation.draws import services

    main_supervisor, secondary_supervisor = make_user("supervisor"), make_user("supervisor")
    main = make_venue("310000", workstations=8, supervisor=main_supervisor, code="SH-A")
    secondary = make_venue("320000", workstations=4, supervisor=secondary_supervisor, code="JS-B")
    experts = {}
    for region, count in (("310000", 4), ("320000", 3)):
        for _ in range(count):
            expert = make_expert(region=region)
            experts[expert.id] = expert
    draw = services.draw_experts(
        world.agency,
        tender.id,
        draw_request(
            venues=[
                {"venue_id": main.id, "quota": 3, "reserves": 1, "role": "main"},
                {"venue_id": secondary.id, "quota": 2, "reserves": 1},
            ]
        ),
    )
    for place in draw.places:
        if place.status == "invited":
            assert answer(draw.id, experts[place.expert_id], True).status_code == 200
    return Seated(draw, experts, main, secondary, main_supervisor, secondary_supervisor)


@pytest.fixture
def opened(seated, tender, read_out):
    """The seated committee's tender taken, through the real services, to the end of its
    opening's reading out (唱标): three sealed bids decrypted and read out, the clock at the
    bid deadline, a day before the evaluation. From then on the bidders are named, so the
    experts sign their recusal declarations and are checked in; ``opened.hall`` is the
    opening (``tests.fixtures.opening.Hall``)."""
    seated.hall = read_out(tender)
    return seated
