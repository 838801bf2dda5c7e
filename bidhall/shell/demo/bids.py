"""Chapter 3, the bids: each bidder seals its bid offline with its own key and uploads it (a
signed receipt each), one replaces its bid before the deadline, the agency's early look at a
summary is refused, and everyone signs in to the online opening hall (不见面开标)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography import x509

from bidhall import clock
from bidhall.envelope import sealing as envelope
from bidhall.errors import DomainError
from bidhall.shell.demo.context import Demo
from trading.bids import queries as bid_queries
from trading.bids import receipts as bid_receipts
from trading.bids import sealing
from trading.bids import services as bids
from trading.opening import commands as opening

PRICES = ("35980000.00", "36250000.00", "35410000.00")


def run(demo: Demo) -> None:
    agency, supervisor, bidders = demo.cast.agency, demo.cast.supervisor, demo.cast.bidders
    tender = demo.tender
    demo.fake.advance(days=2)
    receipts = []
    for number, (bidder, price) in enumerate(zip(bidders, PRICES, strict=True), start=1):
        _bid, receipt = seal_and_submit(demo, bidder, tender.id, price, number)
        receipts.append(receipt)
    verified = sum(1 for receipt in receipts if bid_receipts.verify_receipt(receipt))
    demo.receipts, demo.receipts_verified = receipts, verified
    demo.say(
        f"{len(receipts)} bidders sealed their bids offline and uploaded them; "
        f"{verified} signed receipts verified (ledger seqs "
        f"{', '.join(str(r['receipt']['ledger_seq']) for r in receipts)})"
    )
    demo.fake.advance(hours=5)
    _bid, receipt = seal_and_submit(demo, bidders[1], tender.id, "36020000.00", 2)
    demo.say(
        f"{bidders[1].display_name} replaced its bid before the deadline; the first is "
        f"kept as superseded (bid {receipt['receipt']['supersedes_bid_id']})"
    )
    early = latest_bid(bidders[2], tender.id)
    try:
        bid_queries.read_bid_summary(agency, early.id)
    except DomainError as error:
        demo.say(
            f"the agency asked for a summary before the opening: refused ({error.code}),"
            " and the attempt is in the ledger"
        )

    # the online opening hall (不见面开标): sign-in before the deadline
    for person in [agency, supervisor, *bidders]:
        opening.run(person, tender.id, "sign_in", {"cmd_id": f"demo-sign-in-{person.id}"})
    demo.say(
        f"{len(bidders)} bidders, the agency and the supervisor signed in to the hall "
        "(bidders' names stay hidden until the reading out)"
    )


def seal_and_submit(demo: Demo, bidder, tender_id: int, price: str, number: int) -> tuple:
    """What `bidhall seal` and `bidhall bid submit` do, in-process."""
    folder = demo.instance / "bids" / bidder.username
    (folder / "technical").mkdir(parents=True, exist_ok=True)
    (folder / "price-schedule.csv").write_text(f"item,amount\ntotal,{price}\n", "utf-8")
    (folder / "technical" / "construction-plan.txt").write_text(
        f"Construction organisation plan of {bidder.display_name}.\n" * 500, "utf-8"
    )
    descriptor = sealing.sealing_descriptor(tender_id)
    summary = {
        "lot": 1,
        "price": price,
        "duration_days": 480 + 30 * number,
        "quality": "qualified",
        "project_manager": f"PM {number}",
    }
    bundle = demo.open_key(bidder)
    target = envelope.SealTarget(
        tender_id=tender_id,
        tender_reference=descriptor["tender"]["reference"],
        custodians=[
            x509.load_pem_x509_certificate(c["certificate"].encode())
            for c in descriptor["custodians"]
        ],
        threshold=descriptor["threshold"],
        lot=1,
    )
    sealer = envelope.Sealer(
        bundle.signing_key, bundle.signing_cert, bundle.encryption_cert, list(bundle.chain)
    )
    sealed_path: Path = folder.with_suffix(".seal")
    with open(sealed_path, "wb") as out:
        envelope.seal(
            out,
            target,
            sealer,
            summary,
            folder,
            descriptor["commitment"],
            clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    data = sealed_path.read_bytes()
    upload = bids.start_upload(bidder, tender_id, 1, len(data))
    with open(sealed_path, "rb") as stream:
        bids.append_upload(bidder, upload.id, 0, stream)
    bid = bids.complete_upload(bidder, upload.id)
    return bid, json.loads(bid.receipt)


def latest_bid(bidder, tender_id: int):
    return [b for b in bid_queries.my_bids(bidder, tender_id) if b.state.value == "sealed"][-1]
