"""Pure rules of the venues' presence telemetry (DOMAIN.md §5, ``presence.lost``): what an AV
event is, which times a device may report, when a workstation counts as offline and when an
outage is told to a session. Plain values in, a decision out or a ``DomainError``."""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta

from bidhall.errors import InvalidInput, RuleViolation

#: a device's secret starts so (a user's API token starts ``bh_``): never taken for one another
DEVICE_SECRET_PREFIX = "bhd_"
#: how far back a device may report: a day's buffer after a network outage, never older
MAX_AGE = timedelta(hours=24)
SHA256 = re.compile(r"[0-9a-f]{64}")


class EventKind(enum.StrEnum):
    """What a venue's audio-video system saw at a workstation."""

    FACE_ABSENT = "face_absent"  # nobody in front of the camera
    EXTRA_FACE = "extra_face"  # someone besides the member
    VOICE = "voice"  # talking (the members do not speak to anyone at their venue)
    SEAT_LEFT = "seat_left"  # the member got up and left the workstation


def device_actor(venue_code: str) -> str:
    """The ledger's name of a venue's device, the actor of what it reports."""
    return f"device:{venue_code}"


def event_kind(value: object) -> EventKind:
    if not isinstance(value, str) or value not in {kind.value for kind in EventKind}:
        raise InvalidInput(
            "kind: one of " + ", ".join(kind.value for kind in EventKind),
            code="invalid_field",
            field="kind",
        )
    return EventKind(value)


def segment_hash(value: object, field: str = "segment.sha256") -> str:
    """The SHA-256 of a recording segment: 64 hex digits (kept in lower case)."""
    if not isinstance(value, str) or not SHA256.fullmatch(value.strip().lower()):
        raise InvalidInput(
            f"{field}: the segment's SHA-256 as 64 hexadecimal digits",
            code="invalid_field",
            field=field,
        )
    return value.strip().lower()


def check_workstation(
    workstation: int, workstations: int, venue_code: str, field: str = "workstation"
) -> None:
    """A device reports only its own venue's workstations, numbered 1..N."""
    if not 1 <= workstation <= workstations:
        raise RuleViolation(
            f"{field}: venue {venue_code} has workstations 1 to {workstations}, not {workstation}",
            code="unknown_workstation",
            field=field,
        )


def check_reported_time(at: datetime, now: datetime, skew: timedelta, field: str) -> None:
    """A reported time is not later than now (give or take the clocks' skew) and not older than
    ``MAX_AGE``."""
    if at > now + skew:
        raise RuleViolation(
            f"{field} is in the future: {at.isoformat()} is after the server's "
            f"{now.isoformat()} by more than {int(skew.total_seconds())} seconds",
            code="time_in_future",
            field=field,
        )
    if at < now - MAX_AGE:
        raise RuleViolation(
            f"{field} is more than {int(MAX_AGE.total_seconds() // 3600)} hours old",
            code="time_too_old",
            field=field,
        )


def check_event(
    started_at: datetime,
    ended_at: datetime,
    segment_from: datetime,
    segment_to: datetime,
    now: datetime,
    skew: timedelta,
) -> None:
    """An AV event ends when or after it starts, and the recording segment behind it covers it
    whole (the evidence shows what happened from its start to its end)."""
    for field, at in (
        ("started_at", started_at),
        ("ended_at", ended_at),
        ("segment.from", segment_from),
        ("segment.to", segment_to),
    ):
        check_reported_time(at, now, skew, field)
    if ended_at < started_at:
        raise RuleViolation(
            "ended_at is before started_at", code="ended_before_started", field="ended_at"
        )
    if segment_to < segment_from:
        raise RuleViolation(
            "segment.to is before segment.from", code="segment_ends_before_start", field="segment"
        )
    if segment_from > started_at or segment_to < ended_at:
        raise RuleViolation(
            "the segment must cover the event: segment.from at or before started_at and "
            "segment.to at or after ended_at",
            code="segment_does_not_cover_event",
            field="segment",
        )


def is_online(received_at: datetime | None, now: datetime, window: timedelta) -> bool | None:
    """Whether a workstation is online: a heartbeat came less than ``window`` ago (by the
    server's clock, so that a device's skew does not shorten it). None: never heard of."""
    if received_at is None:
        return None
    return now - received_at < window


def should_post_offline(posted_to: int | None, session_id: int | None) -> bool:
    """An outage is told once to each session that seats a member at the workstation: not
    again on the next tick (``posted_to`` is the session told already)."""
    return session_id is not None and posted_to != session_id
