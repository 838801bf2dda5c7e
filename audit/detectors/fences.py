"""Fences from the platform's own data (DOMAIN.md §5): once enough comparable tenders exist, a
statistical screen compares a figure with its peers' fence as well as with the fixed floor, and
the alert records the fence it used. Pure arithmetic: values in, a fence (or None) out.

Quantiles are taken by linear interpolation between the closest ranks (Hyndman & Fan's type 7:
numpy's default, Excel's QUARTILE.INC and PERCENTILE.INC, ``statistics.quantiles(...,
method="inclusive")``): for the values sorted x[0] <= ... <= x[n-1], the p-quantile lies at the
0-based rank h = (n - 1) * p and is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
Every figure is an exact ``Decimal`` (a float is read through its shortest repr), so a fence
written into an alert can be recomputed by hand from the figures it cites.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

TUKEY_K = Decimal("1.5")  # the fence's reach: 1.5 interquartile ranges beyond the quartiles


def _decimals(values: Iterable[Decimal | int | float | str]) -> list[Decimal]:
    return sorted(Decimal(str(value)) for value in values)


def quantile(values: Iterable[Decimal | int | float | str], p: Decimal | str) -> Decimal:
    """The p-quantile (0 <= p <= 1) of at least one value, type 7."""
    ordered = _decimals(values)
    p = Decimal(str(p))
    if not ordered:
        raise ValueError("a quantile needs at least one value")
    if not 0 <= p <= 1:
        raise ValueError("p is a share from 0 to 1")
    rank = (len(ordered) - 1) * p
    below = int(rank)  # floor: the rank is never negative
    if below + 1 >= len(ordered):
        return ordered[-1]
    return ordered[below] + (rank - below) * (ordered[below + 1] - ordered[below])


def quartiles(values: Iterable[Decimal | int | float | str]) -> tuple[Decimal, Decimal]:
    """(Q1, Q3) of at least one value, type 7."""
    ordered = _decimals(values)
    return quantile(ordered, Decimal("0.25")), quantile(ordered, Decimal("0.75"))


def text(value: Decimal) -> str:
    """A figure as an alert shows it: plain notation, no trailing zeros ("5.5", not "5.500")."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Fence:
    """Tukey's fences over ``count`` values: below ``low`` or above ``high`` lies outside."""

    q1: Decimal
    q3: Decimal
    iqr: Decimal
    low: Decimal
    high: Decimal
    count: int

    def threshold(self, side: str) -> dict[str, Any]:
        """The alert's ``threshold``: the fence on ``side`` ("low" or "high") and what made it."""
        if side not in ("low", "high"):
            raise ValueError("side is low or high")
        return {
            "kind": "fence",
            "q1": text(self.q1),
            "q3": text(self.q3),
            "iqr": text(self.iqr),
            side: text(getattr(self, side)),
            "tenders": self.count,
        }


def iqr_fence(
    values: Iterable[Decimal | int | float | str], *, minimum: int, k: Decimal = TUKEY_K
) -> Fence | None:
    """Q1 - k·IQR and Q3 + k·IQR of the values; None with fewer than ``minimum`` (at least one)
    values, when the platform's data is too thin to say what is unusual."""
    ordered = _decimals(values)
    if len(ordered) < max(1, minimum):
        return None
    q1, q3 = quartiles(ordered)
    iqr = q3 - q1
    return Fence(q1, q3, iqr, q1 - k * iqr, q3 + k * iqr, len(ordered))


def percentile(
    values: Iterable[Decimal | int | float | str], p: Decimal | str, *, minimum: int
) -> Decimal | None:
    """The p-quantile, type 7; None with fewer than ``minimum`` (at least one) values."""
    ordered = _decimals(values)
    if len(ordered) < max(1, minimum):
        return None
    return quantile(ordered, p)


def fifth_percentile(
    values: Iterable[Decimal | int | float | str], *, minimum: int
) -> Decimal | None:
    """The 5th percentile (the coefficient of variation's fence); None below ``minimum``."""
    return percentile(values, Decimal("0.05"), minimum=minimum)


def percentile_threshold(value: Decimal, p: Decimal | str, count: int) -> dict[str, Any]:
    """The alert's ``threshold`` for a percentile fence."""
    share = Decimal(str(p)) * 100
    return {"kind": "fence", "percentile": text(share), "value": text(value), "tenders": count}
