"""The arithmetic correction of a bid price (DOMAIN.md §4 "Steps"; Regs Art 53 practice).

``correct_price(figures, words, lines)`` applies, in this order:

1. Words over figures (大写 prevails over 小写): when the price in words is given and reads a
   different amount from the price in figures, the amount in words is the bid price.
2. Unit price over total, line by line: a line is right when quantity × unit price, rounded
   half-up to the cent, equals its total. Otherwise the unit price prevails and
   total := quantity × unit price (rounded half-up to the cent), UNLESS the unit price's
   decimal point is plainly wrong: quantity × (unit price × 10^n), rounded half-up to the cent,
   equals the total for exactly one n in ±1..±4. Then the unit price := unit price × 10^n
   (= total / quantity whenever that division is exact; the rounded comparison lets a total
   that was itself rounded to the cent count too) and the total stands. A total that two
   shifts would explain is not "plainly" anything, and the unit price prevails.
3. When lines are given, the bid price := the sum of the (corrected) line totals: it prevails
   over the figures and over the words of step 1.

Every change is one English sentence in ``Correction.steps`` naming the rule and the figures;
no change, no step. The committee confirms the correction and the bidder is asked to accept it
(Regs Art 53); this module only computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from bidhall.errors import InvalidInput
from evaluation.scoring.amounts import parse_chinese_amount
from evaluation.scoring.numbers import EXACT, amount, half_up

SHIFTS = (1, -1, 2, -2, 3, -3, 4, -4)  # the powers of ten a misplaced decimal point may be


@dataclass(frozen=True)
class Line:
    """One priced line of the bid (e.g. of a bill of quantities)."""

    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    item: str = ""


@dataclass(frozen=True)
class Correction:
    original: Decimal  # the price in figures, as the bid states it
    corrected: Decimal  # the bid price after the correction (= original when unchanged)
    changed: bool
    steps: tuple[str, ...]  # one sentence per rule applied, with its figures
    lines: tuple[Line, ...]  # the corrected lines


def correct_price(
    figures: Decimal, words: str | None = None, lines: Sequence[Line] = ()
) -> Correction:
    """The arithmetic correction of one bid price (module docstring for the exact rule)."""
    original = amount(figures, what="the price in figures", code="invalid_price", field="figures")
    if original < 0:
        raise InvalidInput(
            f"the price in figures cannot be negative ({original})",
            code="invalid_price",
            field="figures",
        )
    price = original
    steps: list[str] = []
    if words is not None:
        spelled = parse_chinese_amount(words)
        if spelled != price:
            steps.append(
                f"Words over figures: the price in words, {words} = {_text(spelled)}, prevails "
                f"over the price in figures, {_text(original)}."
            )
            price = spelled
    corrected: list[Line] = []
    with localcontext(EXACT):
        for number, line in enumerate(lines, 1):
            corrected.append(_correct_line(number, line, steps))
        if corrected:
            total = sum((line.total for line in corrected), Decimal(0))
            if total != price:
                steps.append(
                    f"The bid price is the sum of the line totals, {_text(total)}, not "
                    f"{_text(price)}."
                )
                price = total
    return Correction(
        original=original,
        corrected=price,
        changed=bool(steps),
        steps=tuple(steps),
        lines=tuple(corrected),
    )


def _correct_line(number: int, line: Line, steps: list[str]) -> Line:
    quantity, unit_price, total = _checked(number, line)
    name = f"Line {number}" + (f" ({line.item})" if line.item else "")
    if half_up(quantity * unit_price) == total:
        return line
    shifts = [n for n in SHIFTS if half_up(quantity * unit_price * _power(n)) == total]
    if len(shifts) == 1:
        shift = shifts[0]
        fixed = unit_price * _power(shift)
        steps.append(
            f"{name}: the unit price's decimal point is plainly wrong: {_text(quantity)} × "
            f"{_text(unit_price)} × 10^{shift} = {_text(total)}, the stated total; the unit "
            f"price is corrected to {_text(fixed)} and the total stands."
        )
        return replace(line, unit_price=fixed)
    fixed = half_up(quantity * unit_price)
    steps.append(
        f"{name}: the unit price prevails over the total: {_text(quantity)} × "
        f"{_text(unit_price)} = {_text(fixed)}, not {_text(total)}; the total is corrected to "
        f"{_text(fixed)}."
    )
    return replace(line, total=fixed)


def _checked(number: int, line: Line) -> tuple[Decimal, Decimal, Decimal]:
    if not isinstance(line, Line):
        raise InvalidInput(f"line {number} is not a Line", code="invalid_line", line=number)
    values = []
    for name in ("quantity", "unit_price", "total"):
        what = f"line {number}: the {name.replace('_', ' ')}"
        value = amount(getattr(line, name), what=what, code="invalid_line", line=number)
        if value < 0 or (name == "quantity" and value == 0):
            raise InvalidInput(
                f"{what} must be {'positive' if name == 'quantity' else 'at least 0'}, not {value}",
                code="invalid_line",
                line=number,
                field=name,
            )
        values.append(value)
    return values[0], values[1], values[2]


def _power(n: int) -> Decimal:
    return Decimal(10) ** n


def _text(value: Decimal) -> str:
    return f"{value:f}"  # never the exponent form: 1.25E+3 reads 1250
