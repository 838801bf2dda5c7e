"""Account rules: password policy and login throttling. Plain values in, a decision out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bidhall.errors import InvalidInput, TooManyAttempts

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")


def check_username(username: str) -> None:
    if not USERNAME.match(username or ""):
        raise InvalidInput(
            "a username is 3 to 80 letters, digits or _ . @ -", code="invalid_username"
        )


def check_password(password: str, min_length: int) -> None:
    if len(password or "") < min_length:
        raise InvalidInput(
            f"a password needs at least {min_length} characters", code="weak_password"
        )
    if password.isdigit() or password.isalpha():
        raise InvalidInput(
            "a password must mix letters with digits or symbols", code="weak_password"
        )


def check_login_allowed(
    recent_failures_for_user: int,
    recent_failures_from_addr: int,
    oldest_counted_failure: datetime | None,
    now: datetime,
    max_per_user: int,
    max_per_addr: int,
    window: timedelta,
) -> None:
    """Refuse a login once too many failures were seen inside the sliding window."""
    if recent_failures_for_user >= max_per_user or recent_failures_from_addr >= max_per_addr:
        retry = window if oldest_counted_failure is None else oldest_counted_failure + window - now
        minutes = max(1, int(retry.total_seconds() // 60) + 1)
        raise TooManyAttempts(
            f"too many failed logins: try again in {minutes} minutes",
            retry_after_minutes=minutes,
        )
