"""A report's content as the live session hands it to ``document.build``: any number of bids and
members, every section filled, consistent with itself. Plain data, no app."""

from __future__ import annotations

from decimal import Decimal

BIDDERS = ["上海建工集团股份有限公司", "江苏省华建建设股份有限公司", "中铁十五局集团有限公司"]
CRITERIA = [
    {"id": "technical", "name": "技术方案", "max": "40"},
    {"id": "schedule", "name": "工期与进度计划", "max": "10"},
    {"id": "credit", "name": "企业信用", "max": "10"},
]


def content(bids: int = 3, members: int = 5, user_ids: list[int] | None = None) -> dict:
    """Bid 2 is vetoed (a price above the ceiling, decided by vote 2); every other bid passes,
    is scored by every member and ranked by its score."""
    user_ids = user_ids or list(range(101, 101 + members))
    t = "2026-03-02T{:02d}:{:02d}:00+08:00".format
    bid_rows, vetoes, review, totals, means, price_scores, ranked = [], [], [], [], [], [], []
    for n in range(1, bids + 1):
        bid_id = 500 + n
        name = BIDDERS[(n - 1) % len(BIDDERS)] + ("" if n <= len(BIDDERS) else f"（{n}）")
        vetoed = n == 2
        price = Decimal("10350000.00") - n * 10_000
        bid_rows.append(
            {
                "bid_id": bid_id,
                "bid_no": n,
                "lot": 1,
                "bidder": name,
                "read_out_price": f"{price:.2f}",
                "evaluated_price": None if vetoed else f"{price:.2f}",
                "passed": not vetoed,
                "veto_reason": "price_below_cost_or_above_ceiling" if vetoed else None,
            }
        )
        for requirement, stage, text in (
            ("q-licence", "qualification", "营业执照及资质证书"),
            ("r-price", "responsiveness", "投标报价不超过最高投标限价"),
        ):
            fails = members if vetoed and requirement == "r-price" else 0
            review.append(
                {
                    "bid_id": bid_id,
                    "stage": stage,
                    "requirement": requirement,
                    "text": text,
                    "marks": members,
                    "fails": fails,
                    "vetoes": fails,
                }
            )
        if vetoed:
            vetoes.append(
                {
                    "bid_id": bid_id,
                    "reason": "price_below_cost_or_above_ceiling",
                    "requirement": "r-price",
                    "detail": "投标报价高于最高投标限价 10,330,000.00 元",
                    "vote": 2,
                }
            )
            continue
        # member s gives bid n 80 + n/4 + s/10: with 5 members the mean adds 0.3
        for seat in range(1, members + 1):
            total = Decimal(80) + Decimal(n) / 4 + Decimal(seat) / 10
            totals.append({"seat": seat, "bid_id": bid_id, "total": total})
        means += [
            {"bid_id": bid_id, "criterion": "technical", "mean": Decimal("35.25") + n},
            {"bid_id": bid_id, "criterion": "schedule", "mean": "8.5"},
            {"bid_id": bid_id, "criterion": "credit", "mean": 9},
        ]
        price_scores.append({"bid_id": bid_id, "score": Decimal("28.004")})
        ranked.append((Decimal(80) + Decimal(n) / 4, bid_id, price))
    ranked.sort(reverse=True)
    return {
        "tender": {
            "id": 42,
            "reference": "SH-2026-0042",
            "title": "浦东新区川沙路改建工程施工",
            "rule_set": "construction",
            "method": "comprehensive",
        },
        "session": {"id": 7, "opened_at": t(9, 0), "closed_at": t(15, 30)},
        "committee": [
            {
                "seat": seat,
                "name": ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵强"][(seat - 1) % 7],
                "user_id": user_ids[seat - 1],
                "venue": "上海市公共资源交易中心（主场）"
                if seat <= 3
                else "江苏省公共资源交易中心（副场）",
                "leader": seat == 1,
            }
            for seat in range(1, members + 1)
        ],
        "bids": bid_rows,
        "review": review,
        "vetoes": vetoes,
        "votes": [
            {
                "number": 1,
                "matter": "leader",
                "question": "推选评标委员会组长",
                "bid_id": None,
                "options": [str(seat) for seat in range(1, members + 1)],
                "result": "1",
                "opened_at": t(9, 5),
                "closed_at": t(9, 10),
                "ballots": [{"seat": s, "choice": "1"} for s in range(1, members + 1)],
            },
            {
                "number": 2,
                "matter": "veto",
                "question": "2号投标报价高于最高投标限价，是否否决？",
                "bid_id": 502,
                "options": ["veto", "pass"],
                "result": "veto",
                "opened_at": t(10, 0),
                "closed_at": t(10, 5),
                "ballots": [
                    {"seat": s, "choice": "pass" if s == members else "veto"}
                    for s in range(1, members + 1)
                ],
            },
        ],
        "clarifications": [
            {
                "bid_id": 501,
                "question": "请说明钢筋单价的计算依据。",
                "answer": "按 2026 年 2 月上海市信息价计取。",
                "asked_at": t(11, 0),
                "answered_at": t(11, 40),
            }
        ],
        "corrections": [
            {
                "bid_id": 501,
                "original": "10340000.00",
                "corrected": "10340000.00",
                "steps": ["大写金额与小写金额一致，无需修正"],
            }
        ],
        "scores": {"criteria": CRITERIA, "members": totals, "means": means, "price": price_scores},
        "ranking": [
            {"rank": rank, "bid_id": bid_id, "score": score, "evaluated_price": f"{price:.2f}"}
            for rank, (score, bid_id, price) in enumerate(ranked, 1)
        ],
        "candidates": [
            {"rank": rank, "bid_id": bid_id}
            for rank, (_score, bid_id, _price) in enumerate(ranked[:3], 1)
        ],
        "dissent": [{"seat": members, "text": "2号投标超限价幅度极小，本人认为应当澄清后再议。"}],
    }
