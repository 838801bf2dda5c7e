"""Amounts in Chinese capital numerals (大写金额) as written on a bid form.

``parse_chinese_amount`` reads what the payment-instrument convention writes (and what bid forms
copy), e.g. ``人民币壹仟零叁拾伍万元整`` = 10350000.00:

- an optional ``人民币`` prefix; digits 零壹贰叁肆伍陆柒捌玖; units 拾佰仟 inside a group of four
  digits and 万 (10^4) and 亿 (10^8) after a group (万亿 = 10^12); then ``元`` (or ``圆``), then
  ``X角`` and ``X分`` with X in 壹..玖, and an optional closing ``整`` (or ``正``);
- ``元`` may be left out when 角 or 分 follow (``玖佰玖拾捌万零伍角`` = 9980000.50), and one
  ``零`` may stand between the yuan and the jiao or fen (``壹元零伍分`` = 1.05);
- inside the yuan, one ``零`` stands for one or more missing digits (``壹仟零伍`` = 1005) and
  may be left out before a digit that has its unit (``壹仟伍拾`` = 1050);
- a bare leading ``拾`` is read as ``壹拾`` (``拾万元整`` = 100000).

It refuses, with InvalidInput ``invalid_amount_words``, anything that is not such an amount or
that a reader could take two ways: an unknown character, two digits in a row, a unit without
a digit, units out of order, ``零`` twice in a row or where no digit is missing, no ``元``/角/分
at all, and a trailing digit without its unit after a gap (``壹佰伍`` reads 150 in speech but 105
by the units; the form must say ``壹佰零伍`` or ``壹佰伍拾``).

``amount_in_words`` writes an amount the standard way; ``parse_chinese_amount`` reads it back.
"""

from __future__ import annotations

from decimal import Decimal

from bidhall.errors import InvalidInput
from evaluation.scoring.numbers import amount, places

PREFIX = "人民币"
DIGITS = {"零": 0, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
DIGIT_CHARS = "零壹贰叁肆伍陆柒捌玖"
UNITS = {"拾": 1, "佰": 2, "仟": 3}
UNIT_CHARS = ("", "拾", "佰", "仟")
YUAN = ("元", "圆")
CLOSING = ("整", "正")
LIMIT = 10**12  # amount_in_words writes up to 999999999999.99

_ZERO = None  # a 零 in the list of terms


class _Refused(Exception):
    pass


def parse_chinese_amount(words: str) -> Decimal:
    """The amount ``words`` spell, with 2 decimal places (module docstring for the grammar)."""
    if not isinstance(words, str):
        raise InvalidInput(
            f"an amount in words must be text, not {type(words).__name__}",
            code="invalid_amount_words",
        )
    try:
        return _parse(words.strip())
    except _Refused as refusal:
        raise InvalidInput(
            f"{words!r} is not an amount in words: {refusal}",
            code="invalid_amount_words",
            words=words,
        ) from None


def _parse(text: str) -> Decimal:
    rest = text[len(PREFIX) :] if text.startswith(PREFIX) else text
    if rest[-1:] in CLOSING:
        rest = rest[:-1]
    if not rest:
        raise _Refused("it is empty")
    jiao = fen = 0
    if rest.endswith("分"):
        fen, rest = _fraction_digit(rest, "分"), rest[:-2]
    if rest.endswith("角"):
        jiao, rest = _fraction_digit(rest, "角"), rest[:-2]
    fraction = bool(jiao or fen)
    if fraction and rest.endswith("零"):
        rest = rest[:-1]  # 元零伍分, or 零伍角 standing for a zero units digit
    yuan = rest[-1:] in YUAN
    if yuan:
        rest = rest[:-1]
    elif not fraction:
        raise _Refused("it must end with 元 (or 圆), 角 or 分, optionally followed by 整")
    if not rest:
        if yuan:
            raise _Refused("there is no amount before 元")
        integer = 0
    elif rest == "零":
        integer = 0
    else:
        integer = _integer(rest)
    return Decimal(f"{integer}.{jiao}{fen}")


def _fraction_digit(text: str, unit: str) -> int:
    digit = text[-2:-1]
    if digit not in DIGITS or DIGITS[digit] == 0:
        raise _Refused(f"{unit} must follow a digit 壹 to 玖")
    return DIGITS[digit]


def _integer(text: str) -> int:
    """The yuan: groups split at 亿 and 万, then the terms (digit, power, has a unit) and the
    零 between them, checked as a whole."""
    high, sep, low = _split(text, "亿")
    groups = _groups(high, 8) + _groups(low, 0) if sep else _groups(text, 0)
    terms: list[tuple[int, int, bool] | None] = []
    for index, (group, base) in enumerate(groups):
        terms.extend(_group_terms(group, base, first=index == 0))
    if not terms or terms[0] is _ZERO:
        raise _Refused("it cannot start with 零")
    value = 0
    previous: tuple[int, int, bool] | None = None
    zero_before = False
    for term in terms:
        if term is _ZERO:
            if zero_before:
                raise _Refused("零 is written once for any run of missing digits")
            zero_before = True
            continue
        digit, power, has_unit = term
        if previous is not None:
            gap = previous[1] - power
            if gap < 1:
                raise _Refused("its units are out of order")
            if zero_before and gap < 2:
                raise _Refused(f"零 before {DIGIT_CHARS[digit]} marks no missing digit")
            # 壹佰伍 (150 in speech) or 壹仟伍万; but 壹亿伍万 is plain: 万 is the 伍's unit
            same_group = previous[1] // 4 == power // 4
            if not zero_before and not has_unit and gap >= 2 and (power == 0 or same_group):
                raise _Refused(
                    f"{DIGIT_CHARS[digit]} without a unit after a gap is ambiguous "
                    f"(write 零{DIGIT_CHARS[digit]} or give its unit)"
                )
        value += digit * 10**power
        previous, zero_before = term, False
    if zero_before:
        raise _Refused("零 must be followed by a digit")
    return value


def _split(text: str, separator: str) -> tuple[str, str, str]:
    if text.count(separator) > 1:
        raise _Refused(f"{separator} appears more than once")
    high, sep, low = text.partition(separator)
    if sep and not high:
        raise _Refused(f"{separator} must follow a digit")
    return high, sep, low


def _groups(text: str, base: int) -> list[tuple[str, int]]:
    high, sep, low = _split(text, "万")
    if sep:
        return [(high, base + 4), (low, base)]
    return [(text, base)]


def _group_terms(group: str, base: int, first: bool) -> list[tuple[int, int, bool] | None]:
    """The terms of one group of up to four digits (仟佰拾 and the ones), at powers base+3..base."""
    terms: list[tuple[int, int, bool] | None] = []
    pending: int | None = None
    last_unit = 4
    for index, char in enumerate(group):
        if char in DIGITS:
            if pending is not None:
                raise _Refused(f"{DIGIT_CHARS[pending]} is followed by {char}, not by a unit")
            if DIGITS[char] == 0:
                terms.append(_ZERO)
            else:
                pending = DIGITS[char]
        elif char in UNITS:
            if pending is None:
                if not (char == "拾" and first and index == 0):
                    raise _Refused(f"{char} must follow a digit 壹 to 玖")
                pending = 1  # 拾万元 = 壹拾万元
            if UNITS[char] >= last_unit:
                raise _Refused("its units are out of order")
            terms.append((pending, base + UNITS[char], True))
            pending, last_unit = None, UNITS[char]
        else:
            raise _Refused(f"{char!r} is not a digit or a unit of an amount in words")
    if pending is not None:
        terms.append((pending, base, False))
    if terms and terms[-1] is _ZERO:
        raise _Refused("零 must be followed by a digit")
    return terms


def amount_in_words(value: Decimal) -> str:
    """``value`` (0 to 999999999999.99, at most 2 places) written the standard way, without
    the 人民币 prefix: 10350000 -> 壹仟零叁拾伍万元整; 1.05 -> 壹元零伍分; 0.5 -> 伍角整."""
    number = amount(value, what="the amount", code="invalid_amount")
    if not 0 <= number < LIMIT or places(number) > 2:
        raise InvalidInput(
            f"only amounts from 0 to {LIMIT - 1}.99 with at most 2 decimals can be written "
            f"in words, not {number}",
            code="invalid_amount",
        )
    cents = int(number * 100)
    integer, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out: list[str] = []
    if integer:
        digits = str(integer)
        zero = False
        for index, char in enumerate(digits):
            power, digit = len(digits) - 1 - index, int(char)
            if digit:
                out.append(("零" if zero else "") + DIGIT_CHARS[digit] + UNIT_CHARS[power % 4])
                zero = False
            else:
                zero = True
            if power in (4, 8) and int(digits[max(0, index - 3) : index + 1]):
                out.append("万" if power == 4 else "亿")
        out.append("元")
    elif not (jiao or fen):
        out.append("零元")
    if jiao:
        out.append(DIGIT_CHARS[jiao] + "角")
    elif fen and integer:
        out.append("零")
    out.append(DIGIT_CHARS[fen] + "分" if fen else "整")
    return "".join(out)
