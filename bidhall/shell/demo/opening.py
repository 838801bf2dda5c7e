"""Chapter 5, the opening (开标): at the deadline the bids are locked; two bidders decrypt their
own bids remotely, the third, excused, is recovered from the custodians' shares; the agency reads
every bid out (唱标), answers an objection in the hall and closes it with the signed record,
which is re-checked as `bidhall opening verify` does."""

from __future__ import annotations

import base64
import json

from bidhall import clock, scheduler, storage
from bidhall.envelope import keys as envelope_keys
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import unsealing
from bidhall.shell.demo.bids import latest_bid
from bidhall.shell.demo.context import Demo, happened
from trading.opening import commands as opening
from trading.opening import hall
from trading.opening import record as opening_record
from trading.tenders import queries


def run(demo: Demo) -> None:
    agency, supervisor, bidders = demo.cast.agency, demo.cast.supervisor, demo.cast.bidders
    demo.fake.set(demo.notice.deadline_after)
    report = scheduler.tick(clock.now())
    tender = queries.get_tender(demo.tender.id)
    demo.say(f"tick at the deadline: {happened(report)}; bids locked, hall decrypting")
    for bidder in bidders[:2]:
        bid = latest_bid(bidder, tender.id)
        result = opening.run(
            bidder,
            tender.id,
            "decrypt",
            {"cmd_id": f"demo-decrypt-{bid.id}", "bid_id": bid.id}
            | unlocked(bid.storage_key, demo.open_key(bidder)),
        )
        demo.say(
            f"bid No. {result['bid_no']} decrypted remotely by its bidder's own key "
            "(the platform checked the keys against the ciphertext)"
        )
    stuck = latest_bid(bidders[2], tender.id)
    opening.run(
        agency,
        tender.id,
        "excuse",
        {
            "cmd_id": "demo-excuse",
            "bid_id": stuck.id,
            "reason": "the bidder's connection to the hall failed during a platform "
            "outage (not its fault)",
        },
    )
    recovered = opening.run(
        supervisor,
        tender.id,
        "share",
        {"cmd_id": "demo-share", "bid_id": stuck.id}
        | unlocked(stuck.storage_key, demo.open_key(supervisor), custodian=True),
    )
    demo.say(
        f"agency excused bid No. {recovered['bid_no']} (not the bidder's fault); the "
        f"platform's and the supervisor's shares ({recovered['shares']} of 3) "
        "reconstructed its keys"
    )
    for number in range(1, len(bidders) + 1):
        opening.run(agency, tender.id, "read_next", {"cmd_id": f"demo-read-{number}"})
    announced = [
        m["payload"]
        for m in hall.messages_after(agency, tender.id, 0)
        if m["type"] == "hall.read_out"
    ]
    for item in announced:
        figures = dict(item["items"])
        demo.say(
            f"唱标 No. {item['bid_no']}: {item['bidder']} — {figures['price']} CNY, "
            f"{figures['duration_days']} days, project manager "
            f"{figures['project_manager']}"
        )
    opening.run(
        bidders[0],
        tender.id,
        "object",
        {
            "cmd_id": "demo-object",
            "text": f"Was bid No. {recovered['bid_no']} decrypted by its own bidder?",
        },
    )
    opening.run(
        agency,
        tender.id,
        "answer",
        {
            "cmd_id": "demo-answer",
            "number": 1,
            "text": "No: its keys were reconstructed by the custodians after an "
            "excused failure, as the documents allow; see the record.",
        },
    )
    demo.say("a bidder objected in the hall; the agency answered there, on the record")
    closed = opening.run(agency, tender.id, "close", {"cmd_id": "demo-close"})
    record_path = demo.record_path = demo.instance / f"opening-record-{tender.id}.json"
    record_path.write_text(
        json.dumps(opening_record.record(tender.id), ensure_ascii=False, indent=1), "utf-8"
    )
    finding = demo.opening_finding = opening_record.verify_record(opening_record.record(tender.id))
    demo.tender = queries.get_tender(tender.id)
    demo.say(
        f"opening record signed and published ({closed['record_sha256'][:16]}…) in "
        f"{record_path}; re-checked like `bidhall opening verify`: "
        f"{'ok' if finding.ok else finding.problems}, {finding.opened} summaries "
        "re-decrypted from the published keys"
    )


def unlocked(storage_key: str, bundle, *, custodian: bool = False) -> dict:
    """What a party's own machine does at the opening (the browser or `bidhall open-key`): the
    bidder unwraps its data keys, a custodian its shares, with its private key."""
    with storage.get().open(storage_key) as stream:
        header = envelope_reading.inspect(stream, hash_sections=False).header
    fingerprint = envelope_keys.fingerprint(bundle.encryption_cert) if custodian else None
    suffix = "share" if custodian else "key"
    return {
        f"{section}_{suffix}": base64.b64encode(value).decode()
        for section, value in unsealing.opening_secrets(
            header, bundle.encryption_key, fingerprint
        ).items()
    }
