"""The kernel's Socket.IO base: every event sent to a namespace is answered, and every connection
knows its user.

A namespace of the platform subclasses ``AnsweringNamespace`` and writes ``on_<event>(self, data)``
handlers that return their result or raise a ``DomainError``. The base dispatches every event
itself (Flask-SocketIO's default drops an event with no handler, and a handler whose signature
does not fit the arguments raises before it runs), so whatever a client sends:

- the handler gets exactly one ``data`` argument (``None`` when the client sent none); more than
  one is refused;
- the data passes ``bidhall.inputs.check_value`` first (depth, control characters, numbers too
  large to be any value) — the same rule as JSON bodies over HTTP;
- an unknown event is refused (``unknown_event``);
- a refusal comes back in the acknowledgement *and* as the namespace's ``error_event``, worded in
  the connection's language; an unexpected exception is logged with an id and answered as
  ``internal_error`` with that id, never a traceback.

A connection authenticates once, at connect: with ``auth={"token": "<API token>"}`` or else the
session cookie; without either it is an anonymous watcher. An unknown token is refused at connect
(``invalid_token``) unless the namespace sets ``refuse_unknown_token = False``. Handlers read the
user with ``self.user()``, fresh from the database on each event.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit

from bidhall import inputs
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

_LIFECYCLE = ("connect", "disconnect")


class InternalError(DomainError):
    code = "internal_error"
    http_status = 500


class AnsweringNamespace(Namespace):
    #: the event a refusal is also emitted as, to the sender only (for clients without acks)
    error_event = "error"
    #: the data field that names the room an event is about (``room_key``), and the shape a
    #: client is asked for when it sends something else
    room_field = "id"
    data_example = '{"id": <number>}'
    #: False: a connection with an unknown token watches as anyone instead of being refused
    refuse_unknown_token = True

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self._users: dict[str, int | None] = {}  # sid -> user id (None: an anonymous watcher)

    # --- the connection ------------------------------------------------------------------------

    def on_connect(self, auth: Any = None) -> None:
        from bidhall.accounts import services as accounts

        token = auth.get("token") if isinstance(auth, dict) else None
        if token:
            user = (
                accounts.user_for_token(token)
                if isinstance(token, str) and not _has_control(token)
                else None
            )
            if user is None and self.refuse_unknown_token:
                raise ConnectionRefusedError(
                    {"error": {"code": "invalid_token", "message": "the API token is unknown"}}
                )
            self._users[request.sid] = user.id if user is not None else None
        elif getattr(current_user, "is_authenticated", False):
            self._users[request.sid] = current_user.id
        else:
            self._users[request.sid] = None

    def on_disconnect(self, *_: Any) -> None:
        self._users.pop(request.sid, None)

    def user(self) -> User | None:
        """The connection's user, or None for an anonymous watcher."""
        # the request context Flask-SocketIO pushes per event ends by removing the session, so
        # no connection is held between events
        user_id = self._users.get(request.sid)
        return db.session.get(User, user_id) if user_id is not None else None

    def room_key(self, data: Any) -> int:
        """The id of the room an event's data names (``room_field``), checked."""
        if not isinstance(data, dict):
            raise InvalidInput(
                f"send {self.data_example}", code="invalid_body", field=self.room_field
            )
        return inputs.identifier(data.get(self.room_field), self.room_field)

    # --- answering every event -----------------------------------------------------------------

    def trigger_event(self, event: str, *args: Any) -> Any:
        if event in _LIFECYCLE:
            return super().trigger_event(event, *args)
        sid, data = args[0], args[1:]
        return self.socketio._handle_event(self._dispatch, event, self.namespace, sid, event, *data)

    def _dispatch(self, event: Any, *data: Any) -> Any:
        try:
            handler = self._handler(event)
            if len(data) > 1:
                raise InvalidInput("send one JSON object as the event's data", code="invalid_body")
            value = data[0] if data else None
            inputs.check_value(value)
            return handler(value)
        except DomainError as error:
            return self.refuse(error)
        except Exception:
            log_id = uuid.uuid4().hex[:12]
            logger.exception("internal error %s on %s %s", log_id, self.namespace, event)
            return self.refuse(
                InternalError(f"something went wrong on our side (log id {log_id})", log_id=log_id)
            )

    def _handler(self, event: Any) -> Any:
        if isinstance(event, str) and event.isidentifier() and event not in _LIFECYCLE:
            handler = getattr(self, f"on_{event}", None)
            if callable(handler):
                return handler
        raise InvalidInput(
            f"{self.namespace} has no event {str(event)[:40]!r}", code="unknown_event"
        )

    def refuse(self, error: DomainError) -> dict:
        from bidhall.web import user_message

        payload = error.to_payload()
        payload["error"]["message"] = user_message(error)  # in the connection's language
        emit(self.error_event, payload)
        return payload


def _has_control(value: str) -> bool:
    try:
        inputs.check_text(value, "token")
    except InvalidInput:
        return True
    return False
