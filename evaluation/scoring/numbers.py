"""The number handling every scoring module shares: exact Decimal arithmetic, one half-up rounding
to 2 places at the end, and the checks that turn an input into a Decimal (never a float)."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any

from bidhall.errors import InvalidInput

CENT = Decimal("0.01")

# Work context of every computation: wide enough that sums and products of money and scores are
# exact and the one division of a formula is correct far beyond the 2 places kept; independent
# of whatever context the calling thread has set.
EXACT = Context(
    prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)


def half_up(value: Decimal) -> Decimal:
    """Round half-up to 2 places: the one rounding, done at the end of a computation."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def places(value: Decimal) -> int:
    """How many decimal places a finite Decimal is written with (``Decimal("7.50")`` -> 2)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def amount(value: Any, *, what: str, code: str, **details: Any) -> Decimal:
    """``value`` as a finite Decimal: a Decimal or an int (never a bool or a float), else
    InvalidInput with ``code``. ``what`` names the figure in the message."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidInput(
            f"{what} must be a Decimal or a whole number, not {type(value).__name__}",
            code=code,
            **details,
        )
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidInput(f"{what} must be a finite number, not {number}", code=code, **details)
    return number


def setting(value: Any, *, what: str, code: str, **details: Any) -> Decimal:
    """A configured figure (a tender's formula parameters may come from JSON): a Decimal, an int,
    a decimal string, or a JSON float read through its shortest text (``0.02`` -> ``"0.02"``)."""
    if isinstance(value, bool):
        raise InvalidInput(f"{what} must be a number, not a boolean", code=code, **details)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        try:
            value = EXACT.create_decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(
                f"{what} must be a number, not {value!r}", code=code, **details
            ) from None
    return amount(value, what=what, code=code, **details)
