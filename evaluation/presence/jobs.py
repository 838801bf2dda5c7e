"""The presence telemetry's share of the tick: a workstation whose venue's device sent no
heartbeat for ``PRESENCE_OFFLINE_SECONDS`` is marked offline, and its outage posted once to the
live session seating a member there (``workstation_offline``). Idempotent: a second tick at the
same time, or a later one during the same outage, posts nothing more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evaluation.presence import services


def tick(now: datetime) -> list[dict[str, Any]]:
    """Mark the silent workstations offline, venue by venue (one unit each)."""
    happened: list[dict[str, Any]] = []
    for venue_id in services.venues_with_outages(now):
        happened.extend(services.mark_offline(venue_id, now))
    return happened
