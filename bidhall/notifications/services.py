"""Messages to users: the registry domains fill (``kind``, ``notifier``), the subscriber that
turns a unit's events into messages just before its commit, and the reads and updates of the
message centre. The actor is always an argument; nothing here reads the request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bidhall import clock, config, events, inputs
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.errors import NotFound
from bidhall.notifications.models import Notification

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


@dataclass(frozen=True)
class Message:
    """A message of ``kind`` for ``users`` (ids), with the values its text names (strings) and
    the page where to act (a path on this site)."""

    users: Iterable[int]
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    link: str | None = None


Notifier = Callable[[Session, events.Event], Iterable[Message]]

_kinds: dict[str, Any] = {}
_notifiers: dict[str, list[Notifier]] = {}


def kind(name: str, text: Any) -> None:
    """Register the text of a message kind: a (lazy) translatable string with %(name)s
    placeholders for the message's params."""
    _kinds[name] = text


def notifier(*event_types: str) -> Callable[[Notifier], Notifier]:
    """Register ``function(session, event) -> messages`` for these event types. It runs just
    before the emitting unit commits, under a savepoint: its reads see the unit's changes, and
    when it fails the action still commits, without its messages (the failure is logged)."""

    def register(function: Notifier) -> Notifier:
        for event_type in event_types:
            handlers = _notifiers.setdefault(event_type, [])
            if function not in handlers:
                handlers.append(function)
        return function

    return register


def install() -> None:
    events.subscribe(_on_event)


def _on_event(session: Session, event: events.Event) -> None:
    if event.type not in _notifiers:
        return
    waiting = db.unit_local("notifications", list)
    if not waiting:
        db.before_commit(lambda: _deliver(session, waiting))
    waiting.append(event)


def _deliver(session: Session, waiting: list[events.Event]) -> None:
    for event in waiting:
        for handler in _notifiers.get(event.type, ()):
            try:
                with session.begin_nested():
                    for message in handler(session, event) or ():
                        _store(session, message, event)
            except Exception:
                logger.exception(
                    "notifier %s failed on %s; the action commits without its messages",
                    getattr(handler, "__name__", handler),
                    event.type,
                )


def _store(session: Session, message: Message, event: events.Event) -> None:
    if message.kind not in _kinds:
        raise ValueError(f"message kind {message.kind!r} has no registered text")
    ids = sorted(set(message.users))
    if not ids:
        return
    mail = bool(config.setting("SMTP_HOST"))
    users = session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)))
    for user in users:
        session.add(
            Notification(
                user_id=user.id,
                kind=message.kind,
                params={key: str(value) for key, value in message.params.items()},
                link=message.link,
                created_at=event.at,
                email_state="pending" if mail and user.email else "none",
            )
        )


# --- what a page shows --------------------------------------------------------------------------


def text_of(notification: Notification) -> str:
    """The message in the current language (a kind no longer registered shows as its code)."""
    text = _kinds.get(notification.kind)
    if text is None:
        return notification.kind
    try:
        return str(text) % notification.params
    except (KeyError, TypeError, ValueError):
        return str(text)


def counts_by_kind() -> dict[str, int]:
    """How many messages of each kind the platform holds (the demo's summary)."""
    rows = db.session.execute(
        select(Notification.kind, func.count())
        .group_by(Notification.kind)
        .order_by(Notification.kind)
    )
    return {kind: count for kind, count in rows}


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class Inbox:
    rows: list[Notification]
    total: int
    unread: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def inbox(user: User, page: int = 1, unread_only: bool = False) -> Inbox:
    """The user's messages, newest first, a page at a time."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Inbox(list(rows), total, unread_count(user), page, PAGE_SIZE)


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's messages read (another user's is "not found")."""
    notification_id = inputs.identifier(notification_id, "notification_id")
    with db.transaction() as session:
        notification = session.get(Notification, notification_id)
        if notification is None or notification.user_id != user.id:
            raise NotFound(f"no message {notification_id}", code="message_not_found")
        if notification.read_at is None:
            notification.read_at = clock.now()
    return notification


def mark_all_read(user: User) -> int:
    with db.transaction() as session:
        result = session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=clock.now())
        )
    return result.rowcount or 0


def set_email(user: User, address: str | None) -> User:
    """The address the user's messages are e-mailed to as well (blank: none)."""
    address = inputs.email(address, "email", required=False)
    with db.transaction() as session:
        stored = session.get(User, user.id)
        stored.email = address or None
        events.emit("user.email_set", user, user_id=user.id, has_email=bool(address))
    return stored
