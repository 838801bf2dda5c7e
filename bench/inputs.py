"""What the edge's input rule (bidhall.inputs) costs over plain ``json.loads``.

Every JSON body and every Socket.IO event now passes the depth check and the text rule (a walk
over every string). This prints, as one JSON line, microseconds per call for three typical
inputs (a hall command, a tender draft, a 1 MiB body of many strings), plain and checked, their
ratio, and how fast a 60,000-level body is refused.

    .venv/bin/python bench/inputs.py
"""

from __future__ import annotations

import json
import statistics
import time

from bidhall import inputs
from bidhall.errors import InvalidInput


def _timed(function, document, repeat: int) -> float:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            function(document)
        runs.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(runs)


def _refuse(document: str) -> None:
    try:
        inputs.loads(document)
    except InvalidInput:
        return
    raise AssertionError("the deep body was accepted")


def main() -> None:
    command = json.dumps(
        {"tender_id": 42, "cmd_id": "5f0c2b8e-4a1d", "bid_id": 7, "summary_key": "A" * 44}
    )
    draft = json.dumps(
        {
            "title": "第三中学教学楼改扩建工程施工",
            "rule_set": "construction",
            "category": "works",
            "method": "comprehensive",
            "tenderer_id": 3,
            "bid_validity_days": 90,
            "issue_start": "2026-03-02T09:00:00+08:00",
            "issue_end": "2026-03-09T17:00:00+08:00",
            "bid_deadline": "2026-03-25T09:30:00+08:00",
            "lots": [
                {"number": n, "title": f"标段{n}", "estimated_price": "35980000.00"}
                for n in range(1, 6)
            ],
            "criteria": [
                {"name": f"评分项{n}", "kind": "technical", "max_score": 10} for n in range(8)
            ],
            "description": "工程概况。\n" * 200,
        },
        ensure_ascii=False,
    )
    big = json.dumps({"rows": [{"name": f"row {n}", "note": "x" * 40} for n in range(16_000)]})
    figures: dict[str, object] = {"sizes_bytes": {}}
    for label, document, repeat in (
        ("command", command, 20_000),
        ("draft", draft, 2_000),
        ("one_mib", big, 10),
    ):
        plain = _timed(json.loads, document, repeat)
        checked = _timed(inputs.loads, document, repeat)
        figures["sizes_bytes"][label] = len(document.encode())
        figures[f"{label}_plain_us"] = round(plain, 1)
        figures[f"{label}_checked_us"] = round(checked, 1)
        figures[f"{label}_ratio"] = round(checked / plain, 2)
    deep = "[" * 60_000 + "]" * 60_000
    figures["deep_60000_refused_us"] = round(_timed(_refuse, deep, 20), 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
