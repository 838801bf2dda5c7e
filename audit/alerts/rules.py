"""An alert's life: open -> acknowledged -> resolved, by supervisors only, a note required to
resolve. Plain rules, no database."""

from __future__ import annotations

import enum

from bidhall.errors import Conflict, InvalidInput


class AlertState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    CONFIRMED = "confirmed"  # the condition was real and has been dealt with
    FALSE_POSITIVE = "false_positive"  # the detector was wrong here


NOTE_MAX = 4000


def check_acknowledge(state: str) -> None:
    if state != AlertState.OPEN:
        raise Conflict(
            f"the alert is {state}, only an open alert is acknowledged", code="alert_not_open"
        )


def check_resolve(state: str, resolution: str, note: str) -> None:
    if state == AlertState.RESOLVED:
        raise Conflict("the alert is already resolved", code="alert_resolved")
    if resolution not in set(Resolution):
        raise InvalidInput(
            f"resolution must be one of {', '.join(Resolution)}", code="invalid_resolution"
        )
    if not note.strip():
        raise InvalidInput("resolving an alert needs a note saying why", code="note_required")


def check_assignable(state: str) -> None:
    if state == AlertState.RESOLVED:
        raise Conflict("the alert is already resolved", code="alert_resolved")
