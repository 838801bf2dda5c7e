"""What history playback may show, and when. Plain rules, no database.

An opening is replayed only once its opening time (the bid deadline) has passed: before it,
nothing may tell who has bid or how many (Tender Law Art 22), and the hall's events, the
decryptions and even a refused early request for a key name the bidders.
"""

from __future__ import annotations

import enum
from datetime import datetime

from bidhall.errors import Conflict

# which ledger events make up each kind of timeline
OPENING_PREFIXES = ("hall.", "opening.")
OPENING_TYPES = ("bid.decrypted", "crypto.early_access_refused")
EVALUATION_PREFIXES = ("evaluation.",)
EVALUATION_TYPES = ("score.submitted",)  # ledger-only: each member's sheet as entered
PRESENCE_EVENT = "evaluation.presence_event"  # carries the AV recording segment behind it


class Kind(enum.StrEnum):
    OPENING = "opening"
    EVALUATION = "evaluation"


def belongs(kind: Kind, event_type: str) -> bool:
    """Whether an event of this type is part of a timeline of this kind."""
    if kind is Kind.OPENING:
        return event_type.startswith(OPENING_PREFIXES) or event_type in OPENING_TYPES
    return event_type.startswith(EVALUATION_PREFIXES) or event_type in EVALUATION_TYPES


def check_opened(opening_time: datetime, published: bool, now: datetime) -> None:
    """An opening's playback before its opening time (or of a tender never published) is
    refused: it would reveal the bidders (Tender Law Art 22)."""
    if not published or now < opening_time:
        raise Conflict(
            "the tender's opening has not happened: its playback reveals nothing before the "
            "opening time (Tender Law Art 22)",
            code="not_opened",
            opening=opening_time.isoformat(),
        )


def user_id_of(actor: str) -> int | None:
    """The user id of an actor ``user:12``; None for ``system:tick``, ``device:SH-A``, ..."""
    kind, _, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        return int(rest)
    return None
