"""A bounded fuzz of every door of the app: no input makes it answer 500, and every Socket.IO
event is answered.

The routes come from the app's own URL map and the events from its registered namespaces, so a
new route or event is fuzzed without being named here. Each route is called by an actor its row
of the access table admits (tests/kernel/test_access_matrix.py), so the fuzz reaches the input
parsing behind authorization, and anonymously. The field names are read from the source (every
``data.get("x")``, ``request.args.get("x")``, ``text(data, "x")`` ...), so the bodies carry the
fields the code actually reads; values are deterministic (a seeded generator).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tests.kernel.test_access_matrix import ACTORS, TABLE, _pattern

ROOT = Path(__file__).resolve().parents[2]
DEEP = "[" * 60_000 + "]" * 60_000
HUGE = 2**70

# values no field accepts, of each class the review found: huge numbers, digits int() refuses,
# wrong types, control characters, unencodable text, overlong text
ODD_VALUES = [
    HUGE,
    -HUGE,
    2**31,
    2**63,
    "²",
    "٣",
    "9" * 40,
    1,
    1.5,
    True,
    [],
    {},
    {"a": {"b": [1]}},
    "a\x00b",
    "\ud800",
    "x" * 100_000,
    "",
]
PLAUSIBLE = [1, 2, "1", "text of a plain kind", "2026-04-01T09:30:00+08:00", "100.00", True, None]
PATH_INTS = ["99999999999999999999", "2147483648", "²", "٣", "0"]
PATH_STRINGS = ["%00", "%C2%B2", "x" * 300, "..%2F..%2Fetc"]

_KEY_PATTERNS = [
    re.compile(r"""\.get\(\s*["']([a-z_][a-z0-9_]{0,40})["']"""),
    re.compile(r"""\[\s*["']([a-z_][a-z0-9_]{0,40})["']\s*\]"""),
    re.compile(
        r"""\b(?:text|integer|money|moment|boolean|_text|_key|_string|_integer|_amount)"""
        r"""\(\s*\w+,\s*["']([a-z_][a-z0-9_]{0,40})["']"""
    ),
]


def _source_keys() -> list[str]:
    keys: set[str] = set()
    for package in ("bidhall", "trading", "evaluation", "audit"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            for pattern in _KEY_PATTERNS:
                keys.update(pattern.findall(source))
    return sorted(keys)


KEYS = _source_keys()


def _bodies(rng: random.Random, ids: dict) -> list[object]:
    """Each odd value in every field at once, then mixed bodies of odd and plausible values."""
    real_ids = [v for v in ids.values() if isinstance(v, int)]
    bodies: list[object] = [{key: value for key in KEYS} for value in ODD_VALUES]
    for _ in range(10):
        bodies.append(
            {
                key: rng.choice(ODD_VALUES + PLAUSIBLE + real_ids)
                for key in KEYS
                if rng.random() < 0.5
            }
        )
    bodies += [[], "text", 1, None]
    return bodies


def _query(rng: random.Random) -> dict[str, str]:
    odd = ["²", "\x00", "99999999999999999999", "-1", "x" * 3000, "٣", "1"]
    return {key: rng.choice(odd) for key in KEYS if rng.random() < 0.3}


def _routes(app) -> list[tuple[str, str, str, list]]:
    """(method, rule, endpoint, converters) of every route but static files."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        converters = [(name, type(conv).__name__) for name, conv in rule._converters.items()]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule, rule.endpoint, converters))
    return routes


def _allowed(method: str, rule: str) -> list[str]:
    """An actor the access table admits to this route (the first in ACTORS order), if any."""
    table = {(m, _pattern(path)): allowed for m, path, allowed in TABLE}
    allowed = table.get((method, rule)) or set()
    return [actor for actor in ACTORS if actor in allowed and actor != "anonymous"][:1]


def _fill(rule: str, converters: list, ids: dict, rng: random.Random, odd: bool) -> str:
    by_placeholder = {
        "tender_id": ids["T"],
        "document_id": ids["D"],
        "objection_id": ids["O"],
        "serial": ids["S"],
        "upload_id": ids["U"],
        "bid_id": ids["B"],
        "organisation_id": ids["G"],
        "issuer_id": ids["I"],
        "guarantee_id": ids["E"],
        "deposit_id": ids["C"],
        "draw_id": ids["X"],
        "command": ids["K"],
        "code": "en",
    }
    url = rule
    for name, kind in converters:
        if odd:
            value = rng.choice(PATH_INTS if "Integer" in kind or "Id" in kind else PATH_STRINGS)
        else:
            value = by_placeholder.get(name, 1)
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
    return url


def _send(client, method: str, url: str, headers: dict, **kwargs):
    return client.open(url, method=method, headers=headers, **kwargs)


@pytest.mark.parametrize("shard", range(4))
def test_no_input_to_any_route_makes_the_app_answer_500(cast, client, shard):
    from tests.fixtures.app import csrf_token

    clients, ids = cast
    rng = random.Random(20261202 + shard)
    anonymous_headers = {"X-CSRFToken": csrf_token(client, "/login")}
    routes = _routes(client.application)[shard::4]
    failures = []
    for method, rule, endpoint, converters in routes:
        callers = [
            (clients[actor].client, clients[actor].headers) for actor in _allowed(method, rule)
        ]
        callers.append((client, anonymous_headers))
        for caller, base_headers in callers:
            headers = dict(
                base_headers,
                **{"Upload-Offset": rng.choice(["²", "99999999999999999999999", "-1"])},
            )
            attempts = []
            for odd_path in (False, True):
                url = _fill(rule, converters, ids, rng, odd_path)
                attempts.append((url, {"query_string": _query(rng)}))
            url = _fill(rule, converters, ids, rng, False)
            if method != "GET":
                attempts.append((url, {"data": DEEP, "content_type": "application/json"}))
                attempts.append(
                    (
                        url,
                        {
                            "data": '{"a":' * 5000 + "1" + "}" * 5000,
                            "content_type": "application/json",
                        },
                    )
                )
                for body in _bodies(rng, ids):
                    attempts.append(
                        (url, {"data": json.dumps(body), "content_type": "application/json"})
                    )
                form = {
                    key: rng.choice(["²", "\x00", "9" * 30, "x"])
                    for key in KEYS
                    if rng.random() < 0.3
                }
                attempts.append((url, {"data": form}))
            for target, kwargs in attempts:
                response = _send(caller, method, target, headers, **kwargs)
                if response.status_code >= 500:
                    failures.append(
                        f"{method} {target[:120]} ({endpoint}) {kwargs.get('data', '')!s:.80} "
                        f"-> {response.status_code} {response.get_data(as_text=True)[:200]}"
                    )
    assert failures == [], f"{len(failures)} answers of 500:\n" + "\n".join(failures[:40])


SOCKET_DATA = [
    {"tender_id": HUGE},
    {"tender_id": "²"},
    {"tender_id": -1},
    {"tender_id": 2**31},
    {"tender_id": 1.5},
    {"tender_id": None},
    {"tender_id": "T", "last_seq": HUGE, "after": HUGE},
    {"tender_id": "T", "last_seq": "²", "after": "²"},
    {"tender_id": "T", "last_seq": -HUGE, "after": -1},
    {"tender_id": "T", "cmd_id": "a\x00b", "bid_id": HUGE, "number": HUGE, "text": "a\x00b"},
    {"tender_id": "T", "cmd_id": "fuzz", "bid_id": "²", "number": "٣", "text": 1},
    {"tender_id": "T", "cmd_id": 1, "bid_id": [], "summary_key": {}, "documents_key": 1},
    {"tender_id": "T", "cmd_id": "x" * 1000, "text": "x" * 100_000},
    {"tender_id": "T", "\ud800": 1},
    "text",
    1,
    [],
    None,
]


def _socket_clients(app, cast, socketio):
    clients, _ids = cast
    users = [("anonymous", None)] + [
        (actor, clients[actor].headers["Authorization"].removeprefix("Bearer "))
        for actor in ("bidder", "agency", "supervisor")
    ]
    return users


def _namespaces(socketio) -> dict[str, list[str]]:
    handlers = socketio.server.namespace_handlers
    return {
        name: sorted(
            attr[3:]
            for attr in dir(handler)
            if attr.startswith("on_") and attr not in ("on_connect", "on_disconnect")
        )
        for name, handler in handlers.items()
    }


def _raw_event(client, namespace: str, body: str) -> object:
    """Send a hand-made Socket.IO event packet (what no client library would encode) and return
    the acknowledgement, or None when none came."""
    client.acks = None
    client.callback_counter += 1
    packet = f"2{namespace},{client.callback_counter}{body}"
    client.socketio.server._handle_eio_message(client.eio_sid, packet)
    ack = client.acks
    client.acks = None
    return ack["args"][0] if ack and ack["args"] else None


def _unanswered(result: object) -> bool:
    return not isinstance(result, dict) or not ("ok" in result or "error" in result)


def test_every_socket_event_is_answered_whatever_it_is_sent(app, cast):
    from bidhall.extensions import socketio

    clients, ids = cast
    unanswered = []
    for namespace, events in _namespaces(socketio).items():
        for actor, token in _socket_clients(app, cast, socketio):
            auth = {"token": token} if token else None
            client = socketio.test_client(app, namespace=namespace, auth=auth)
            assert client.is_connected(namespace), f"{actor} could not connect to {namespace}"
            # (connect and disconnect are the server's own calls: a client that sends them as events
            # re-runs the connection's authentication, as reconnecting would)
            for event in events + ["no_such_event", "__init__", "trigger_event"]:
                sent = [("no data", ())] + [
                    (repr(data)[:60], (_resolve(data, ids),)) for data in SOCKET_DATA
                ]
                sent.append(("two arguments", ({"tender_id": ids["T"]}, {"x": 1})))
                for label, args in sent:
                    result = client.emit(event, *args, namespace=namespace, callback=True)
                    if _unanswered(result):
                        unanswered.append(
                            f"{namespace} {event} as {actor} with {label}: {result!r}"
                        )
                for label, body in [
                    ("60,000 levels", f'["{event}",{DEEP}]'),
                    ("a 200-digit number", f'["{event}",{{"tender_id":{"9" * 200}}}]'),
                ]:
                    result = _raw_event(client, namespace, body)
                    if _unanswered(result):
                        unanswered.append(
                            f"{namespace} {event} as {actor} with {label}: {result!r}"
                        )
            client.disconnect(namespace=namespace)
    assert unanswered == [], f"{len(unanswered)} events unanswered:\n" + "\n".join(unanswered[:40])


def _resolve(data: object, ids: dict) -> object:
    if isinstance(data, dict):
        return {key: ids["T"] if value == "T" else value for key, value in data.items()}
    return data
