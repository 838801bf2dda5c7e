"""Shape checks for everything that comes in from outside: JSON bodies, query strings, form
fields, path segments, headers and Socket.IO data.

One parser per kind, used by every edge (HTTP views, socket handlers, CLI), so that a bad value
is refused the same way everywhere, as ``InvalidInput`` (HTTP 400), before it reaches a rule, a
query or the database:

- JSON nested deeper than ``MAX_JSON_DEPTH`` is refused before it is parsed deeply (Python's
  parser and everything recursive after it would otherwise hit ``RecursionError``);
- integers are ASCII digits only (``str.isdigit`` accepts ``²``, which ``int`` does not) and
  bounded by the database's column range (PostgreSQL ``INTEGER`` for ids and counts, ``BIGINT``
  for byte sizes and offsets);
- text is a ``str`` (``{"name": 1}`` is refused, not stored as ``1``) without control characters
  (NUL breaks PostgreSQL and is silently stored by SQLite) or lone surrogates (not encodable).

Plain Python: no Flask, no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bidhall.errors import InvalidInput

MAX_JSON_DEPTH = 32  # no body or message of the platform nests deeper than a handful of levels
INT_MAX = 2**31 - 1  # PostgreSQL INTEGER: ids, seqs, counts, days
BIGINT_MAX = 2**63 - 1  # PostgreSQL BIGINT: byte sizes and offsets, amounts in fen
MAX_INT_DIGITS = 20  # longer digit strings are never a valid value (and int() on them is slow)

# tab, line feed and carriage return stay allowed: multi-line text comes from textareas
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# what a JSON text needs to smuggle in what _CONTROL refuses: an escape of a C0 control other
# than tab/LF/CR (\b, \f, \u0000-\u001f), of DEL or of a surrogate, or a raw control or DEL
_SUSPECT_ESCAPE = re.compile(
    r"\\(?:[bf]|u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F][0-9a-fA-F]{2}))"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


class TooLarge:
    """What the socket JSON decoder reads for an integer literal too long to be any value: it
    stands in for the number so that the event still reaches its handler and is refused there
    with an answer (a decoding error would drop the whole message unanswered)."""

    def __init__(self, literal: str) -> None:
        self.digits = len(literal)


class Rejected:
    """What the socket JSON decoder returns in place of data nested too deeply: the event still
    reaches its handler, which refuses it (``check_value``) with an answer."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


# --- JSON ---------------------------------------------------------------------------------------


def json_depth(document: str | bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of a JSON text, counted without parsing it: strings are cut out and the
    brackets left are counted (both by the regex engine, so a large body costs little)."""
    if isinstance(document, bytes | bytearray):
        document = bytes(document).decode("utf-8", errors="replace")
    if document.count("[") + document.count("{") <= limit:
        return 0  # cannot be deeper than the limit: the common case costs two counts
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", document))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


def check_json_depth(document: str | bytes, limit: int = MAX_JSON_DEPTH) -> None:
    if json_depth(document, limit) > limit:
        raise InvalidInput(
            f"the JSON is nested more than {limit} levels deep", code="json_too_deep"
        )


def loads(document: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` for anything sent to the platform: depth first, then the text rule on every
    string (keys included). JSON text cannot carry a control character or a surrogate raw, only
    escaped, so the decoded strings are walked only when the text holds such an escape."""
    check_json_depth(document)
    value = json.loads(document, **kwargs)
    text_form = (
        document if isinstance(document, str) else bytes(document).decode("utf-8", "replace")
    )
    if _SUSPECT_ESCAPE.search(text_form):
        check_value(value)
    return value


def check_value(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse decoded data that nests too deeply or holds a string that no text field accepts,
    naming where (``field``: a JSON path such as ``lots[0].title``)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _CONTROL.search(item):
                break
        elif isinstance(item, Mapping):
            if depth >= limit:
                break
            for key, child in item.items():
                if not isinstance(key, str) or _CONTROL.search(key):
                    break
                stack.append((child, depth + 1))
            else:
                continue
            break
        elif isinstance(item, list | tuple):
            if depth >= limit:
                break
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, Rejected | TooLarge):
            break
    else:
        return
    _explain(value, "", 0, limit)  # the fast walk found something: name it


def _explain(item: Any, path: str, depth: int, limit: int) -> None:
    """The slow walk, with paths, over data the fast one found a fault in."""
    if depth > limit:
        raise InvalidInput(
            f"the data is nested more than {limit} levels deep", code="json_too_deep"
        )
    if isinstance(item, Rejected):
        raise InvalidInput(item.message, code=item.code)
    if isinstance(item, TooLarge):
        raise InvalidInput(
            f"{path or 'the value'}: the number is too large",
            code="invalid_field",
            field=path or None,
        )
    if isinstance(item, str):
        _check_text(item, path or "the text")
    elif isinstance(item, Mapping):
        for key, child in item.items():
            key_text = str(key)
            where = f"{path}.{key_text}" if path else key_text
            _check_text(key_text, where)
            _explain(child, where, depth + 1, limit)
    elif isinstance(item, list | tuple):
        for index, child in enumerate(item):
            _explain(child, f"{path}[{index}]", depth + 1, limit)


# --- integers -----------------------------------------------------------------------------------


def integer(
    value: Any,
    field: str,
    *,
    minimum: int | None = 0,
    maximum: int = INT_MAX,
    what: str = "a whole number",
) -> int:
    """A whole number from JSON (int) or text (ASCII digits), inside [minimum, maximum]."""
    if isinstance(value, bool) or isinstance(value, TooLarge):
        raise _bad_integer(field, what, minimum, maximum)
    if isinstance(value, float) and value.is_integer() and abs(value) <= BIGINT_MAX:
        value = int(value)
    if isinstance(value, str):
        raw = value.strip()
        if len(raw) > MAX_INT_DIGITS or not _INTEGER.fullmatch(raw):
            raise _bad_integer(field, what, minimum, maximum)
        value = int(raw)
    if not isinstance(value, int):
        raise _bad_integer(field, what, minimum, maximum)
    if (minimum is not None and value < minimum) or value > maximum:
        raise _bad_integer(field, what, minimum, maximum)
    return value


def identifier(value: Any, field: str) -> int:
    """A row id: 1 to the database's INTEGER maximum."""
    return integer(value, field, minimum=1, what="an id (a positive whole number)")


def optional_integer(value: Any, field: str, **bounds: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return integer(value, field, **bounds)


def _bad_integer(field: str, what: str, minimum: int | None, maximum: int) -> InvalidInput:
    low = "" if minimum is None else f" from {minimum}"
    return InvalidInput(
        f"{field} must be {what}{low} up to {maximum}", code="invalid_field", field=field
    )


# --- text ---------------------------------------------------------------------------------------


def text(
    value: Any,
    field: str,
    *,
    required: bool = True,
    max_length: int = 10000,
    strip: bool = True,
) -> str:
    """A text field: a ``str`` (not a number or a list), without control characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field} is required", code="missing_field", field=field)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", code="invalid_field", field=field)
    _check_text(value, field)
    if strip:
        value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(
            f"{field} is longer than {max_length} characters", code="invalid_field", field=field
        )
    return value


def optional_text(value: Any, field: str, **options: Any) -> str | None:
    return text(value, field, required=False, **options) or None


# an address as people type one: something@domain.tld, no spaces (RFC 5322's full grammar is
# not what a form needs; the SMTP server has the last word)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email(value: Any, field: str, *, required: bool = True) -> str:
    """An e-mail address (blank allowed when not ``required``)."""
    address = text(value, field, required=required, max_length=254)
    if address and not _EMAIL.fullmatch(address):
        raise InvalidInput(
            f"{field}: give an address such as name@example.com", code="invalid_email", field=field
        )
    return address


def check_text(value: str, field: str) -> str:
    _check_text(value, field)
    return value


def _check_text(value: str, field: str) -> None:
    if _CONTROL.search(value):
        raise InvalidInput(
            f"{field} contains a control character (such as NUL) that text may not hold",
            code="invalid_text",
            field=field,
        )


# --- the socket decoder -------------------------------------------------------------------------


_EVENT_NAME = re.compile(r'\s*\[\s*"((?:[^"\\]|\\.){1,100})"')


class SocketJSON:
    """The JSON module given to Socket.IO for its packets: encodes as usual; decodes so that a
    message whose data is unacceptable still reaches its event's handler, which answers it, where
    a decoding error would make python-socketio drop the message with no answer at all."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(document: str | bytes, **kwargs: Any) -> Any:
        if json_depth(document) > MAX_JSON_DEPTH:
            text_form = (
                document if isinstance(document, str) else document.decode("utf-8", "replace")
            )
            match = _EVENT_NAME.match(text_form)
            if match is None:
                raise ValueError("packet nested too deeply")
            rejected = Rejected(
                "json_too_deep", f"the data is nested more than {MAX_JSON_DEPTH} levels deep"
            )
            return [json.loads(f'"{match.group(1)}"'), rejected]
        return json.loads(document, parse_int=_socket_int, **kwargs)


def _socket_int(literal: str) -> int | TooLarge:
    digits = literal.lstrip("+-")
    return TooLarge(literal) if len(digits) > MAX_INT_DIGITS else int(literal)
