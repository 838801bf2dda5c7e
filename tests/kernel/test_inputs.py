"""bidhall.inputs on its own: plain values in, a value or an InvalidInput out."""

from __future__ import annotations

import json

import pytest

from bidhall import inputs
from bidhall.errors import InvalidInput


def _code(call) -> str:
    with pytest.raises(InvalidInput) as refusal:
        call()
    return refusal.value.code


def test_brackets_inside_strings_do_not_count_as_nesting():
    document = json.dumps({"text": "[" * 1000 + "{" * 1000, "escaped": '\\"[[[['})
    assert inputs.loads(document)["text"].startswith("[[[")


def test_nesting_one_level_past_the_limit_is_refused():
    limit = inputs.MAX_JSON_DEPTH
    assert inputs.loads("[" * limit + "]" * limit)
    assert _code(lambda: inputs.loads("[" * (limit + 1) + "]" * (limit + 1))) == "json_too_deep"


@pytest.mark.parametrize("escape", ["\\u0000", "\\u001f", "\\b", "\\f", "\\u007f", "\\ud800"])
def test_an_escaped_control_character_or_surrogate_is_refused(escape):
    assert _code(lambda: inputs.loads('{"a": "x' + escape + '"}')) == "invalid_text"


def test_an_escaped_backslash_before_u0000_is_plain_text():
    assert inputs.loads('{"a": "\\\\u0000"}') == {"a": "\\u0000"}


def test_the_refusal_names_the_path_of_the_faulty_string():
    with pytest.raises(InvalidInput) as refusal:
        inputs.loads('{"lots": [{"title": "ok"}, {"title": "bad\\u0000"}]}')
    assert refusal.value.details["field"] == "lots[1].title"


@pytest.mark.parametrize("value", ["²", "٣", "1e3", "0x10", " ", "9" * 21, True, 1.5, [], None])
def test_what_is_not_an_ascii_whole_number_is_refused(value):
    assert _code(lambda: inputs.integer(value, "n")) in ("invalid_field",)


@pytest.mark.parametrize("value", [2**31, -1])
def test_an_integer_outside_its_bounds_is_refused(value):
    assert _code(lambda: inputs.integer(value, "n")) == "invalid_field"


def test_integers_come_from_json_numbers_and_ascii_digit_text():
    assert inputs.integer(" 42 ", "n") == 42
    assert inputs.integer(7, "n") == 7
    assert inputs.integer(2.0, "n") == 2
    assert inputs.integer(2**40, "n", maximum=inputs.BIGINT_MAX) == 2**40


def test_text_refuses_a_number_and_keeps_tabs_and_newlines():
    assert _code(lambda: inputs.text(1, "name")) == "invalid_field"
    assert inputs.text("a\n\tb", "name") == "a\n\tb"


def test_the_socket_decoder_hands_a_too_deep_message_to_its_event_as_a_rejection():
    event, data = inputs.SocketJSON.loads('["join",' + "[" * 100 + "]" * 100 + "]")
    assert event == "join"
    assert _code(lambda: inputs.check_value(data)) == "json_too_deep"


def test_the_socket_decoder_reads_an_overlong_number_as_too_large():
    event, data = inputs.SocketJSON.loads('["join",{"tender_id":' + "9" * 200 + "}]")
    assert _code(lambda: inputs.check_value(data)) == "invalid_field"
