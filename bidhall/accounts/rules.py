"""Account rules: password policy, login throttling and the role a use case needs. Plain values
in, a decision out."""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from bidhall.errors import Forbidden, InvalidInput, TooManyAttempts

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")


def check_username(username: str) -> None:
    if not USERNAME.match(username or ""):
        raise InvalidInput(
            "a username is 3 to 80 letters, digits or _ . @ -",
            code="invalid_username",
            field="username",
        )


def check_password(password: str, min_length: int) -> None:
    if len(password or "") < min_length:
        raise InvalidInput(
            f"a password needs at least {min_length} characters",
            code="weak_password",
            field="password",
        )
    if password.isdigit() or password.isalpha():
        raise InvalidInput(
            "a password must mix letters with digits or symbols",
            code="weak_password",
            field="password",
        )


@dataclass(frozen=True)
class LoginLimits:
    """The login throttle's settings (bidhall.config: LOGIN_*)."""

    max_failures_per_source: int  # failures against any accounts inside the window
    window: timedelta
    failures_before_delay: int  # failures of one account from one source before delays start
    max_delay: timedelta


def login_source(remote_addr: str) -> str:
    """The source a login is counted against: the IPv4 address, or the IPv6 /64 network (one
    subscriber usually holds a whole /64, so single addresses would be free to change)."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def login_delay(failures: int, failures_before_delay: int, max_delay: timedelta) -> timedelta:
    """How long to wait after the latest of ``failures`` consecutive failed logins of one account
    from one source: nothing for the first ``failures_before_delay``, then 2, 4, 8... seconds,
    never more than ``max_delay``."""
    if failures < failures_before_delay:
        return timedelta(0)
    exponent = min(failures - failures_before_delay + 1, 32)  # 2**32 s is past any cap
    return min(timedelta(seconds=2**exponent), max_delay)


def check_login_allowed(
    failures_from_source: int,
    oldest_source_failure: datetime | None,
    failures_for_account_from_source: int,
    latest_account_failure: datetime | None,
    now: datetime,
    limits: LoginLimits,
) -> None:
    """Refuse a login from a source that failed too often inside the window (against any
    accounts), or that tries one account again before its growing delay has passed. Only the
    source's own failures count: nobody elsewhere can lock an account's owner out."""
    if failures_from_source >= limits.max_failures_per_source:
        since = oldest_source_failure or now
        _refuse(since + limits.window - now)
    if latest_account_failure is not None:
        delay = login_delay(
            failures_for_account_from_source, limits.failures_before_delay, limits.max_delay
        )
        if now < latest_account_failure + delay:
            _refuse(latest_account_failure + delay - now)


def _refuse(retry: timedelta) -> NoReturn:
    refuse_for("too many failed logins", retry)


def refuse_for(what: str, retry: timedelta, code: str = "too_many_attempts") -> NoReturn:
    """TooManyAttempts saying ``what`` and when to try again (its Retry-After)."""
    seconds = max(1, math.ceil(retry.total_seconds()))
    minutes = math.ceil(seconds / 60)
    wait = f"{seconds} seconds" if seconds < 120 else f"{minutes} minutes"
    raise TooManyAttempts(
        f"{what}: try again in {wait}",
        code=code,
        retry_after_seconds=seconds,
        retry_after_minutes=minutes,
    )


def require_role(user: Any, *roles: Any) -> Any:
    """The user, if it holds one of ``roles``; otherwise Forbidden naming them. The use cases
    call it: the web's ``require`` guards only the routes, and the CLI and jobs reach services
    directly."""
    if user is None or getattr(user, "role", None) not in roles:
        names = " or ".join(role.value for role in roles)
        raise Forbidden(f"this needs the {names} role")
    return user


# GB 32100-2015: the unified social credit code (统一社会信用代码), 18 characters of this set
# (no I, O, S, V, Z), the last a check character over the first 17 with these weights
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check(body: str) -> str:
    """The check character of a code's first 17 characters."""
    total = sum(
        CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def check_credit_code(code: str) -> str:
    """The code in capitals, or InvalidInput when it is not a well-formed GB 32100 code."""
    code = (code or "").strip().upper()
    if (
        len(code) != 18
        or any(c not in CREDIT_CODE_CHARSET for c in code)
        or credit_code_check(code[:17]) != code[17]
    ):
        raise InvalidInput(
            "the unified social credit code is 18 characters whose last checks the others "
            "(GB 32100-2015)",
            code="invalid_credit_code",
            field="credit_code",
        )
    return code
