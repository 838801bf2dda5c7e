"""The kernel's Socket.IO base: every event sent to a namespace is answered.

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
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask_socketio import Namespace, emit

from bidhall import inputs
from bidhall.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

_LIFECYCLE = ("connect", "disconnect")


class InternalError(DomainError):
    code = "internal_error"
    http_status = 500


class AnsweringNamespace(Namespace):
    #: the event a refusal is also emitted as, to the sender only (for clients without acks)
    error_event = "error"

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
