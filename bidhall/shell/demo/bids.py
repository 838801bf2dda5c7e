"""Chapter 3, the bids: each bidder seals its bid offline with its own key and uploads it (a
signed receipt each), one replaces its bid before the deadline, the agency's early look at a
summary is refused, and everyone signs in to the online opening hall (不见面开标)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from cryptography import x509

from bidhall import clock
from bidhall.crypto import keys
from bidhall.envelope import sealing as envelope
from bidhall.errors import DomainError
from bidhall.shell.demo.context import Demo
from trading.bids import queries as bid_queries
from trading.bids import receipts as bid_receipts
from trading.bids import sealing
from trading.bids import services as bids
from trading.guarantees import deposits, documents, issuers
from trading.guarantees import services as guarantees
from trading.opening import commands as opening

PRICES = ("35980000.00", "36250000.00", "35410000.00")


def run(demo: Demo) -> None:
    agency, supervisor, bidders = demo.cast.agency, demo.cast.supervisor, demo.cast.bidders
    tender = demo.tender
    demo.fake.advance(days=2)
    secure(demo, tender)
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


def secure(demo: Demo, tender) -> None:
    """Bid security (DOMAIN.md §3): the bank files signed e-guarantees for the first two
    bidders; the third pays a cash deposit from its basic account (基本账户, Regs Art 26)."""
    cast, lot = demo.cast, tender.lots[0]
    bank = demo.open_key(cast.issuer)
    for number, bidder in enumerate(cast.bidders[:2], start=1):
        document = {
            "format": "bidhall-guarantee/1",
            "number": f"RCB-BG-2026-{number:04d}",
            "issuer": {
                "organisation_id": cast.issuer.organisation_id,
                "name": cast.issuer.organisation.name,
            },
            "applicant": {"organisation_id": bidder.organisation_id},
            "beneficiary": {"organisation_id": tender.tenderer_id},
            "tender": {"id": tender.id, "reference": tender.reference},
            "lot": lot.number,
            "amount": f"{lot.guarantee_amount:.2f}",
            "currency": "CNY",
            "valid_from": clock.now().isoformat(),
            "valid_until": (
                tender.bid_deadline + timedelta(days=tender.bid_validity_days + 30)
            ).isoformat(),
            "kind": "bank_guarantee",
        }
        signed = documents.sign_guarantee(
            document, bank.signing_key, keys.certificate_pem(bank.signing_cert)
        )
        guarantees.submit_guarantee(cast.issuer, signed)
    payer = cast.bidders[2]
    account = "6222 0233 0100 0003"
    name = payer.organisation.name
    issuers.set_basic_account(cast.admin, payer.organisation_id, account, name, "ICBC")
    deposits.record_deposit(
        cast.admin,
        deposits.DepositPayment(
            tender.id,
            lot.number,
            payer.organisation_id,
            lot.guarantee_amount,
            clock.now(),
            account,
            name,
            "ICBC",
        ),
    )
    demo.security = {"guarantees": 2, "deposits": 1}
    demo.say(
        f"{cast.issuer.organisation.name} filed signed e-guarantees for "
        f"{cast.bidders[0].display_name} and {cast.bidders[1].display_name}; "
        f"{payer.display_name} paid a cash deposit from its basic account"
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
