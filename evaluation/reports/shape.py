"""Strict shape checks for the report's content: each takes a value and its path in the content
and returns the value in its normal form, or raises ``InvalidInput`` (code
``invalid_report_content``, ``field`` the path) saying what was expected. Pure."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bidhall.errors import InvalidInput

MAX_TEXT = 4000
_CENT = Decimal("0.01")

Check = Callable[[Any, str], Any]


def bad(path: str, expected: str, value: object) -> InvalidInput:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return InvalidInput(
        f"{path}: {expected}, not {shown}", code="invalid_report_content", field=path
    )


def record(value: object, path: str, spec: Mapping[str, Check]) -> dict:
    if not isinstance(value, Mapping):
        raise bad(path, "an object", value)
    missing = [key for key in spec if key not in value]
    if missing:
        raise bad(path, f"an object with {', '.join(missing)}", dict(value))
    unknown = sorted(str(key) for key in value if key not in spec)
    if unknown:
        raise InvalidInput(
            f"{path}: unknown member {unknown[0]!r} (expected: {', '.join(spec)})",
            code="invalid_report_content",
            field=f"{path}.{unknown[0]}",
        )
    return {key: check(value[key], f"{path}.{key}") for key, check in spec.items()}


def list_of(item: Check, at_most: int = 100_000, at_least: int = 0) -> Check:
    def check(value: Any, path: str) -> list:
        if not isinstance(value, list | tuple) or not at_least <= len(value) <= at_most:
            raise bad(path, f"a list of {at_least} to {at_most} items", value)
        return [item(each, f"{path}[{n}]") for n, each in enumerate(value)]

    return check


def of(spec: Mapping[str, Check]) -> Check:
    return lambda value, path: record(value, path, spec)


def nullable(inner: Check) -> Check:
    return lambda value, path: None if value is None else inner(value, path)


def text(value: Any, path: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise bad(path, f"a text of 1 to {limit} characters", value)
    return value


def name(value: Any, path: str) -> str:
    return text(value, path, 200)


def whole(value: Any, path: str, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise bad(path, f"a whole number of at least {least}", value)
    return value


def positive(value: Any, path: str) -> int:
    return whole(value, path, 1)


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise bad(path, "true or false", value)
    return value


def one_of(*allowed: str) -> Check:
    def check(value: Any, path: str) -> str:
        if value not in allowed:
            raise bad(path, "one of " + ", ".join(allowed), value)
        return value

    return check


def decimal(value: Any, path: str, what: str) -> Decimal:
    # money and scores are Decimal (or their text), never float
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise bad(path, what, value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise bad(path, what, value) from None
    if not number.is_finite() or number < 0:
        raise bad(path, what, value)
    return number


def money(value: Any, path: str) -> str:
    what = "an amount in yuan with at most two decimals, e.g. '10350000.00'"
    number = decimal(value, path, what)
    if number != number.quantize(_CENT):
        raise bad(path, what, value)
    return str(number.quantize(_CENT))


def score(value: Any, path: str) -> str:
    # the report is the end of the computation: rounded half-up to two places here only
    number = decimal(value, path, "a score, e.g. '86.25'")
    return str(number.quantize(_CENT, rounding=ROUND_HALF_UP))


def time(value: Any, path: str) -> str:
    what = "a time with its zone (datetime or ISO 8601)"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise bad(path, what, value) from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise bad(path, what, value)
    return value.astimezone(UTC).isoformat()


def pem(value: Any, path: str) -> str:
    if not isinstance(value, str) or "-----BEGIN CERTIFICATE-----" not in value:
        raise bad(path, "a PEM certificate", value)
    return value


def b64(value: Any, path: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise bad(path, "standard base64", value) from None
    return value


def unique(values: list, path: str, what: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise bad(path, f"each {what} once", value)
        seen.add(value)


def known(value: object, among: Any, path: str, what: str) -> None:
    if value not in among:
        raise bad(path, f"a {what} listed in the report", value)
