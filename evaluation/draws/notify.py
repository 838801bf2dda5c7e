"""What a drawn expert is told through the message centre (bidhall.notifications): its
invitation, as a member of the draw, a reserve called to a vacated seat or a supplementary
member. Like the invitations page it says when and by when to answer, not the project nor who
else was drawn."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.events import Event
from bidhall.notifications.services import Message, kind, notifier
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus

kind(
    "draw.invited",
    _l("You are invited to an evaluation on %(at)s. Answer the invitation by %(due)s."),
)


def _local(moment) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M")


def _invitations(session: Session, draw_id: int, places) -> Iterator[Message]:
    draw = session.get(ExpertDraw, draw_id)
    for place in places:
        if place.status != PlaceStatus.INVITED or place.answer_due_at is None:
            continue
        yield Message(
            [place.expert.user_id],
            "draw.invited",
            {"at": _local(draw.scheduled_at), "due": _local(place.answer_due_at)},
            "/expert/invitations",
        )


@notifier("draw.drawn")
def drawn(session: Session, event: Event) -> Iterator[Message]:
    places = session.scalars(
        select(DrawPlace).where(DrawPlace.draw_id == event.payload["draw_id"], DrawPlace.round == 0)
    )
    yield from _invitations(session, event.payload["draw_id"], places)


@notifier("draw.reserve_called")
def reserve_called(session: Session, event: Event) -> Iterator[Message]:
    place = session.get(DrawPlace, event.payload["place_id"])
    yield from _invitations(session, event.payload["draw_id"], [place])


@notifier("draw.supplement_drawn")
def supplement_drawn(session: Session, event: Event) -> Iterator[Message]:
    places = session.scalars(
        select(DrawPlace).where(
            DrawPlace.draw_id == event.payload["draw_id"],
            DrawPlace.round == event.payload["round"],
        )
    )
    yield from _invitations(session, event.payload["draw_id"], places)
