"""The one canonical JSON byte form that bidhall hashes and signs: object keys sorted, no
insignificant whitespace, UTF-8 with non-ASCII characters unescaped. For the values we use
(ASCII keys, strings, integers, booleans, null — no floats) this is RFC 8785 (JCS). Pure
standard library, so rules modules may use it."""

from __future__ import annotations

import json
from typing import Any


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
