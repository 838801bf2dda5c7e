"""What the message centre says about registrations: the administrators hear of a company
waiting for approval; the new user is welcomed (by e-mail too, with the address it gave)."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall.accounts.models import Registration, Role, User
from bidhall.events import Event
from bidhall.notifications.services import Message, kind, notifier

kind("registration.submitted", _l("%(name)s registered and awaits your approval."))
kind(
    "registration.approved",
    _l("Welcome: the registration of %(name)s was approved. You may sign in and take part."),
)


@notifier("registration.submitted")
def submitted(session: Session, event: Event) -> Iterator[Message]:
    registration = session.get(Registration, event.payload["registration_id"])
    admins = session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)))
    yield Message(
        list(admins),
        "registration.submitted",
        {"name": registration.organisation_name},
        "/admin/registrations",
    )


@notifier("registration.approved")
def approved(session: Session, event: Event) -> Iterator[Message]:
    registration = session.get(Registration, event.payload["registration_id"])
    yield Message(
        [event.payload["user_id"]],
        "registration.approved",
        {"name": registration.organisation_name},
        "/",
    )
