"""A published tender with a bidder holding the documents, and helpers to draw for it."""

from __future__ import annotations

import pytest


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


@pytest.fixture
def holder(world, tender):
    """A bidder organisation that downloaded the documents (a participant)."""
    from trading import services

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
