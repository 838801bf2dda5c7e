"""`bidhall demo`: play every step of a tender's life that exists so far, on the embedded
default (SQLite file, local files), with a simulated clock so 20 days pass in a second.

It prints what it does and ends with one line of JSON. With --serve it then starts the web
server (real clock) on the demo database so the result can be opened in a browser.

The demo wipes its folder first, so it marks the folders it makes and refuses any other one: a
BIDHALL_INSTANCE left pointing at a real instance is never emptied.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import click

from bidhall import clock
from bidhall.cli_support import fail_on_domain_errors
from bidhall.envelope import keys as envelope_keys
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import sealing as envelope
from bidhall.envelope import unsealing

DEMO_PASSWORD = "demo-password-1"
DEMO_KEY_PASSPHRASE = "demo key passphrase 1"
DEMO_MARKER = ".bidhall-demo"


def _say(message: str) -> None:
    click.echo(f"[{clock.local(clock.now()):%Y-%m-%d %H:%M} CST] {message}")


def run_demo(instance: Path) -> dict:
    """Build a fresh demo world in ``instance`` and play the life cycle. Returns the summary."""
    from audit.ledger import chain as ledger
    from audit.ledger import checkpoints as audit_checkpoints
    from bidhall import migrate, scheduler
    from bidhall.accounts import services as accounts
    from bidhall.crypto import keys
    from bidhall.db import db
    from bidhall.errors import DomainError
    from bidhall.shell.app import create_app
    from trading.bids import queries as bid_queries
    from trading.bids import receipts as bid_receipts
    from trading.opening import commands as opening
    from trading.opening import hall
    from trading.opening import record as opening_record
    from trading.tenders import notices, queries
    from trading.tenders import services as trading
    from trading.tenders.schemas import parse_draft

    _clear_demo_folder(instance)
    app = create_app(
        {"BIDHALL_INSTANCE": str(instance), "DATABASE_URL": None, "SCHEDULER_ENABLED": False}
    )
    real_now = clock.now().replace(second=0, microsecond=0)
    fake = clock.FakeClock(real_now - timedelta(days=40))
    clock.use(fake)
    summary: dict = {}
    try:
        with app.app_context():
            migrate.upgrade()
            _say(f"database {db.url} migrated")

            def org(name: str, kind: str):
                return accounts.create_organisation("system:demo", name, kind)

            def user(username: str, role: str, organisation, display: str):
                return accounts.create_user(
                    "system:demo", username, DEMO_PASSWORD, role, organisation.id, display
                )

            platform = org("Riverside Public Resource Trading Centre", "platform")
            admin = user("admin", "admin", platform, "Platform administrator")
            tenderer_org = org("Riverside Education Bureau", "tenderer")
            user("tenderer", "tenderer", tenderer_org, "Education Bureau buyer")
            agency = user(
                "agency",
                "agency",
                org("Jiangnan Tendering Agency Co.", "agency"),
                "Agency project manager",
            )
            supervisor = user(
                "supervisor",
                "supervisor",
                org("Riverside Housing and Construction Bureau", "authority"),
                "Filing supervisor",
            )
            bidders = [
                user(f"bidder{i}", "bidder", org(name, "bidder"), name)
                for i, name in enumerate(
                    [
                        "Huadong Construction Group",
                        "Jiangcheng Builders Ltd",
                        "Minsheng Engineering Co.",
                    ],
                    start=1,
                )
            ]
            _say(
                f"registered {len(accounts.list_organisations())} organisations and "
                f"{len(accounts.list_users())} users (password for all: {DEMO_PASSWORD})"
            )

            # every custodian and bidder makes its own key pair and key file; the platform CA
            # certifies the public keys (the private keys never reach the server)
            key_files = {}
            for holder in [agency, supervisor, *bidders]:
                key_files[holder.id] = _enroll_with_key_file(holder, instance / "keys")
            _say(
                f"platform CA certified signing + encryption keys for {len(key_files)} holders; "
                f"key files in {instance / 'keys'} (passphrase: {DEMO_KEY_PASSPHRASE})"
            )

            now = clock.now()
            start = now + timedelta(days=1)
            draft = {
                "title": "Riverside No. 3 Middle School teaching building — general construction",
                "description": "Five-storey teaching building, 12,800 m², frame structure.",
                "qualification": "Grade II general contractor for building works or above.",
                "rule_set": "construction",
                "category": "works",
                "method": "comprehensive",
                "tenderer_id": tenderer_org.id,
                "bid_validity_days": 90,
                "issue_start": start.isoformat(),
                "issue_end": (start + timedelta(days=7)).isoformat(),
                "bid_deadline": (start + timedelta(days=20)).isoformat(),
                "lots": [
                    {
                        "number": 1,
                        "title": "Main works",
                        "estimated_price": "38600000",
                        "ceiling_price": "36800000",
                        "guarantee_amount": "600000",
                    }
                ],
                "criteria": [
                    {"name": "price", "kind": "price", "max_score": 60, "objective": True},
                    {
                        "name": "construction organisation plan",
                        "kind": "technical",
                        "max_score": 30,
                    },
                    {
                        "name": "project manager track record",
                        "kind": "commercial",
                        "max_score": 10,
                        "objective": True,
                    },
                ],
            }
            try:
                trading.create_tender(
                    agency,
                    parse_draft(
                        dict(draft, lots=[dict(draft["lots"][0], guarantee_amount="900000")])
                    ),
                )
            except DomainError as error:
                _say(f"draft refused as it should be: {error.message}")
            tender = trading.create_tender(agency, parse_draft(draft))
            _say(f"agency drafted {tender.reference} “{tender.title}”")
            trading.add_document(
                agency,
                tender.id,
                "tender-documents.pdf",
                io.BytesIO(b"%PDF-1.7\n% demo tender documents\n" * 200),
            )
            trading.submit_for_filing(agency, tender.id)
            _say("agency submitted the documents for filing (备案)")
            trading.decide_filing(
                supervisor,
                tender.id,
                accept=False,
                reason="State the project manager's required grade.",
            )
            _say("supervisor returned the filing: state the project manager's required grade")
            trading.update_tender(
                agency,
                tender.id,
                parse_draft(
                    dict(
                        draft,
                        qualification=draft["qualification"]
                        + " Project manager: registered constructor, grade I.",
                    )
                ),
            )
            trading.submit_for_filing(agency, tender.id)
            trading.decide_filing(supervisor, tender.id, accept=True)
            _say("agency amended and re-filed; supervisor accepted the filing")

            fake.set(start)
            tender = trading.publish_tender(agency, tender.id)
            _say(
                f"tender notice published; documents issued; bid deadline "
                f"{clock.local(tender.bid_deadline):%Y-%m-%d %H:%M}"
            )
            document = tender.documents[0]
            for bidder in bidders:
                _doc, stream = trading.download_document(bidder, tender.id, document.id)
                stream.close()
            _say(f"{queries.holder_count(tender.id)} bidders downloaded the documents (holders)")
            question = notices.ask_question(
                bidders[0], tender.id, "Is a grade I project manager required for lot 1?"
            )
            notices.issue_notice(
                agency,
                tender.id,
                "clarification",
                "Answer to question 1",
                "Yes: grade I registered constructor.",
                False,
                question.id,
            )
            _say("a bidder asked a question (anonymous); the agency answered with a clarification")

            fake.advance(days=3)
            objection = notices.raise_objection(
                bidders[1], tender.id, "The track-record criterion favours local firms."
            )
            _say("a bidder objected to the documents (异议): the tender is suspended")
            fake.advance(days=2)
            notices.answer_objection(
                agency, objection.id, "Track record counts projects anywhere in China."
            )
            _say("the agency answered within 3 days: the tender resumes")
            report = scheduler.tick(clock.now())
            _say(f"tick: {_happened(report) or 'nothing due'}")

            fake.set(queries.get_tender(tender.id).issue_end)
            report = scheduler.tick(clock.now())
            _say(f"tick at the end of the download period: {_happened(report)}")

            fake.set(tender.bid_deadline - timedelta(days=10))
            before = queries.get_tender(tender.id).bid_deadline
            notice = notices.issue_notice(
                agency,
                tender.id,
                "amendment",
                "Amendment 1: bill of quantities",
                "Item 3.2 corrected to 1,250 m³ of C30 concrete.",
                True,
            )
            _say(
                f"amendment issued 10 days before the deadline: the deadline moved from "
                f"{clock.local(before):%m-%d %H:%M} to "
                f"{clock.local(notice.deadline_after):%m-%d %H:%M} (15 days, Regs Art 21)"
            )

            fake.advance(days=2)
            prices = ["35980000.00", "36250000.00", "35410000.00"]
            receipts = []
            for number, (bidder, price) in enumerate(zip(bidders, prices, strict=True), start=1):
                bid, receipt = _seal_and_submit(
                    instance, bidder, key_files[bidder.id], tender.id, price, number
                )
                receipts.append(receipt)
            verified = sum(1 for receipt in receipts if bid_receipts.verify_receipt(receipt))
            _say(
                f"{len(receipts)} bidders sealed their bids offline and uploaded them; "
                f"{verified} signed receipts verified (ledger seqs "
                f"{', '.join(str(r['receipt']['ledger_seq']) for r in receipts)})"
            )
            fake.advance(hours=5)
            _bid, receipt = _seal_and_submit(
                instance, bidders[1], key_files[bidders[1].id], tender.id, "36020000.00", 2
            )
            _say(
                f"{bidders[1].display_name} replaced its bid before the deadline; the first is "
                f"kept as superseded (bid {receipt['receipt']['supersedes_bid_id']})"
            )
            early = _latest_bid(bidders[2], tender.id)
            try:
                bid_queries.read_bid_summary(agency, early.id)
            except DomainError as error:
                _say(
                    f"the agency asked for a summary before the opening: refused ({error.code}),"
                    " and the attempt is in the ledger"
                )

            # the online opening hall (不见面开标): sign-in before the deadline
            for person in [agency, supervisor, *bidders]:
                opening.run(person, tender.id, "sign_in", {"cmd_id": f"demo-sign-in-{person.id}"})
            _say(
                f"{len(bidders)} bidders, the agency and the supervisor signed in to the hall "
                "(bidders' names stay hidden until the reading out)"
            )
            fake.set(notice.deadline_after)
            report = scheduler.tick(clock.now())
            tender = queries.get_tender(tender.id)
            _say(f"tick at the deadline: {_happened(report)}; bids locked, hall decrypting")
            for bidder in bidders[:2]:
                bid = _latest_bid(bidder, tender.id)
                bundle = keys.open_bundle(key_files[bidder.id], DEMO_KEY_PASSPHRASE)
                result = opening.run(
                    bidder,
                    tender.id,
                    "decrypt",
                    {"cmd_id": f"demo-decrypt-{bid.id}", "bid_id": bid.id}
                    | _unlocked(bid.storage_key, bundle),
                )
                _say(
                    f"bid No. {result['bid_no']} decrypted remotely by its bidder's own key "
                    "(the platform checked the keys against the ciphertext)"
                )
            stuck = _latest_bid(bidders[2], tender.id)
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
            supervisor_bundle = keys.open_bundle(key_files[supervisor.id], DEMO_KEY_PASSPHRASE)
            recovered = opening.run(
                supervisor,
                tender.id,
                "share",
                {"cmd_id": "demo-share", "bid_id": stuck.id}
                | _unlocked(stuck.storage_key, supervisor_bundle, custodian=True),
            )
            _say(
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
                _say(
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
            _say("a bidder objected in the hall; the agency answered there, on the record")
            closed = opening.run(agency, tender.id, "close", {"cmd_id": "demo-close"})
            record_path = instance / f"opening-record-{tender.id}.json"
            record_path.write_text(
                json.dumps(opening_record.record(tender.id), ensure_ascii=False, indent=1), "utf-8"
            )
            finding = opening_record.verify_record(opening_record.record(tender.id))
            tender = queries.get_tender(tender.id)
            _say(
                f"opening record signed and published ({closed['record_sha256'][:16]}…) in "
                f"{record_path}; re-checked like `bidhall opening verify`: "
                f"{'ok' if finding.ok else finding.problems}, {finding.opened} summaries "
                "re-decrypted from the published keys"
            )

            # a second tender stays open on the real clock, to look at with --serve
            clock.use(clock.SystemClock())
            open_start = clock.now() + timedelta(minutes=1)
            second = trading.create_tender(
                agency,
                parse_draft(
                    dict(
                        draft,
                        title="Riverside library renovation — interior works",
                        issue_start=open_start.isoformat(),
                        issue_end=(open_start + timedelta(days=6)).isoformat(),
                        bid_deadline=(open_start + timedelta(days=21)).isoformat(),
                    )
                ),
            )
            trading.add_document(
                agency, second.id, "library-documents.pdf", io.BytesIO(b"%PDF-1.7\n% library\n")
            )
            trading.submit_for_filing(agency, second.id)
            trading.decide_filing(supervisor, second.id, accept=True)
            trading.publish_tender(agency, second.id)
            _say(f"a second tender {second.reference} is open for bids on the real clock")

            verification = ledger.verify(db.session)
            checkpoints_checked, checkpoint_problem = audit_checkpoints.verify(db.session)
            _say(
                f"ledger verified: {verification.checked} entries, head "
                f"{verification.head_hash[:16]}…"
            )
            summary = {
                "ok": verification.ok
                and checkpoint_problem is None
                and verified == len(receipts)
                and finding.ok,
                "opening_record": str(record_path),
                "opened": finding.opened,
                "signed_checkpoints": checkpoints_checked,
                "tenders": 2,
                "bids_sealed": len(receipts) + 1,
                "receipts_verified": verified,
                "tender": tender.reference,
                "state": tender.state.value,
                "holders": queries.holder_count(tender.id),
                "deadline_moved": notice.moved_deadline,
                "ledger_entries": verification.checked,
                "ledger_head": verification.head_hash,
                "database": db.url,
                "admin": admin.username,
            }
    finally:
        clock.use(clock.SystemClock())
    return summary


def _clear_demo_folder(instance: Path) -> None:
    """Empty ``instance`` for a fresh demo, if the demo made it; leave it marked as the demo's."""
    from bidhall.config import ROOT
    from bidhall.errors import InvalidInput

    if instance.exists() and any(instance.iterdir()):
        # the default folder predates the marker; anything else must carry it
        default = (ROOT / "instance" / "demo").resolve()
        if not (instance / DEMO_MARKER).exists() and instance.resolve() != default:
            raise InvalidInput(
                f"{instance} is not a demo folder (it has files but no {DEMO_MARKER}), so the "
                "demo will not wipe it: give an empty or new folder with --instance or "
                "BIDHALL_INSTANCE",
                code="not_a_demo_folder",
            )
        shutil.rmtree(instance)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / DEMO_MARKER).write_text("made by `bidhall demo`, which wipes this folder\n")


def _unlocked(storage_key: str, bundle, *, custodian: bool = False) -> dict:
    """What a party's own machine does at the opening (the browser or `bidhall open-key`): the
    bidder unwraps its data keys, a custodian its shares, with its private key."""
    from bidhall import storage

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


def _enroll_with_key_file(user, folder: Path) -> Path:
    from bidhall.crypto import keys, serialize
    from bidhall.crypto import services as pki

    bundle = keys.generate_bundle()
    signing, encryption = pki.enroll(user, keys.certificate_request(bundle))
    bundle = keys.install_certificates(bundle, serialize.enrollment_answer(signing, encryption))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{user.username}.bhkey"
    keys.save_bundle(path, bundle, DEMO_KEY_PASSPHRASE)
    return path


def _seal_and_submit(
    instance: Path, bidder, key_file: Path, tender_id: int, price: str, number: int
) -> tuple:
    """What `bidhall seal` and `bidhall bid submit` do, in-process."""
    from cryptography import x509

    from bidhall.crypto import keys
    from trading.bids import sealing
    from trading.bids import services as bids

    folder = instance / "bids" / bidder.username
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
    bundle = keys.open_bundle(key_file, DEMO_KEY_PASSPHRASE)
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
    sealed_path = folder.with_suffix(".seal")
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


def _latest_bid(bidder, tender_id: int):
    from trading.bids import queries as bid_queries

    return [b for b in bid_queries.my_bids(bidder, tender_id) if b.state.value == "sealed"][-1]


def _happened(report: dict) -> str:
    return ", ".join(
        f"{item}"
        for results in report.values()
        for result in results
        for item in getattr(result, "happened", ())
    )


@click.command("demo")
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BIDHALL_INSTANCE",
    default=None,
    help="folder for the demo's database and files, wiped first "
    "(or BIDHALL_INSTANCE; default: instance/demo)",
)
@click.option("--serve", is_flag=True, help="then start the web server on the demo data")
@click.option("--host", default="127.0.0.1", show_default=True, help="with --serve")
@click.option("--port", default=5000, show_default=True, type=int, help="with --serve")
@fail_on_domain_errors
def demo_command(instance: Path | None, serve: bool, host: str, port: int) -> None:
    """Play a whole tender life cycle on the embedded default and print a JSON summary."""
    from bidhall.config import ROOT

    instance = instance or ROOT / "instance" / "demo"
    summary = run_demo(instance)
    click.echo(json.dumps(summary, ensure_ascii=False))
    if not summary.get("ok"):
        raise SystemExit(1)
    if serve:
        from bidhall import scheduler
        from bidhall.extensions import socketio
        from bidhall.shell.app import create_app

        app = create_app({"BIDHALL_INSTANCE": str(instance), "DATABASE_URL": None})
        scheduler.start_background(app)
        click.echo(
            f"serving the demo on http://{host}:{port}/ — sign in as agency, "
            f"supervisor, bidder1 or admin with password {DEMO_PASSWORD}"
        )
        # FlaskGroup marks the process as "flask run"; ours is a real server, not a dev reload
        os.environ.pop("FLASK_RUN_FROM_CLI", None)
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
