"""Same origin (DOMAIN.md §5, Regs Art 40): bid.same_origin, bid.same_payer, bid.same_person,
raised at the opening from bids sealed and uploaded over the real API (the address and the
User-Agent as a client sends them), deposits recorded by the platform, and the hall run to the
end of its reading out."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.fixtures.opening import SUMMARIES, Hall, Seat
from tests.fixtures.pki import SUMMARY, ensure_holder, envelope_certificate

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
ODD_BROWSER = "Mozilla/5.0 (X11; Linux i686; rv:52.0) Gecko/20100101 Firefox/52.0 BidTool/0.9"


@dataclass
class Upload:
    """One bidder's bid: where it is uploaded from, how it is sealed, what it holds."""

    address: str
    agent: str = BROWSER
    chunk_size: int = 1024 * 1024  # the sealing tool's choice
    summary: dict = field(default_factory=dict)
    documents: dict[str, bytes] | None = None  # file name -> content
    account: str | None = None  # the deposit's payer account


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def upload_bid(world, enroll, api_for, admin, tmp_path):
    """``upload_bid(tender, Upload) -> Seat``: a new bidder seals a bid and uploads it over the
    API from ``address`` with ``agent``, after paying its deposit from ``account``."""
    from bidhall.db import db
    from trading.bids.models import Bid

    def upload(tender, spec: Upload, index: int = 0) -> Seat:
        user = world.bidder()
        bundle = enroll(user)
        summary = SUMMARY | SUMMARIES[index % len(SUMMARIES)] | spec.summary
        folder = None
        if spec.documents is not None:
            folder = tmp_path / f"bid-{user.id}"
            folder.mkdir()
            for name, content in spec.documents.items():
                (folder / name).write_bytes(content)
        data = _sealed(bundle, user, tender.id, summary, folder, spec.chunk_size)
        if spec.account is not None:
            _deposit(admin, tender, user, spec.account)
        api = api_for(user)
        headers = api.headers | {"User-Agent": spec.agent}
        environ = {"REMOTE_ADDR": spec.address}
        created = api.client.post(
            f"/api/tenders/{tender.id}/uploads",
            json={"lot": 1, "size": len(data)},
            headers=headers,
            environ_base=environ,
        )
        assert created.status_code == 201, created.get_json()
        url = f"/api/uploads/{created.get_json()['upload_id']}"
        api.client.patch(
            url, data=data, headers=headers | {"Upload-Offset": "0"}, environ_base=environ
        )
        done = api.client.post(f"{url}/complete", json={}, headers=headers, environ_base=environ)
        assert done.status_code == 201, done.get_json()
        bid = db.session.get(Bid, done.get_json()["bid_id"])
        return Seat(user.id, bundle, bid.id, bid.storage_key, summary)

    return upload


@pytest.fixture
def hall_of(make_tender, upload_bid, world, clock):
    """``hall_of(*uploads, read=True) -> Hall``: a published tender, one bid per upload (bid
    numbers 1, 2, … in that order), the opening run to the end of its reading out."""

    def make(*uploads: Upload, read: bool = True, **overrides) -> Hall:
        tender = make_tender("published", **overrides)
        seats = [upload_bid(tender, spec, index) for index, spec in enumerate(uploads)]
        hall = Hall(
            tender.id,
            tender.bid_deadline,
            seats,
            world,
            clock,
            world.agency.id,
            world.supervisor.id,
        )
        if read:
            hall.read_out()
        return hall

    return make


def _sealed(bundle, user, tender_id: int, summary: dict, documents, chunk_size: int) -> bytes:
    from bidhall.envelope import sealing as envelope
    from trading.bids import sealing

    ensure_holder(user, tender_id)
    descriptor = sealing.sealing_descriptor(tender_id)
    target = envelope.SealTarget(
        tender_id=tender_id,
        tender_reference=descriptor["tender"]["reference"],
        custodians=[envelope_certificate(c["certificate"]) for c in descriptor["custodians"]],
        threshold=descriptor["threshold"],
        chunk_size=chunk_size,
        lot=1,
    )
    sealer = envelope.Sealer(bundle.signing_key, bundle.signing_cert, bundle.encryption_cert)
    out = io.BytesIO()
    envelope.seal(
        out, target, sealer, summary, documents, descriptor["commitment"], "2026-03-01T01:30:00Z"
    )
    return out.getvalue()


def _deposit(admin, tender, user, account: str) -> None:
    from bidhall import clock
    from trading.guarantees import deposits

    deposits.record_deposit(
        admin,
        deposits.DepositPayment(
            tender.id,
            1,
            user.organisation_id,
            Decimal("200000.00"),
            clock.now(),
            account,
            "Payer",
            "ICBC",
        ),
    )


def _docx(creator: str, company: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("word/document.xml", f"<w:document>{creator}'s plan</w:document>")
        package.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"
            "</cp:coreProperties>",
        )
        package.writestr(
            "docProps/app.xml",
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'extended-properties"><Company>{company}</Company></Properties>',
        )
    return out.getvalue()


def _pdf(author: str, text: str) -> bytes:
    return (
        f"%PDF-1.7\n1 0 obj <</Author ({author}) /Producer (Writer)>> endobj\n{text}\n%%EOF\n"
    ).encode()


def _finish(hall: Hall) -> None:
    """The tick after the reading out: each opened bid's documents are read for their marks."""
    hall.tick_at(hall.clock.now())


# --- what is recorded ---------------------------------------------------------------------------


def test_the_upload_address_agent_and_sealing_tool_are_recorded_in_the_ledger_only(
    make_tender, upload_bid
):
    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    tender = make_tender("published")
    seat = upload_bid(tender, Upload("203.0.113.7", ODD_BROWSER))
    payload = json.loads(
        db.session.scalar(select(LedgerEntry.payload).where(LedgerEntry.type == "bid.sealed"))
    )
    origin = payload["origin"]
    assert origin["addresses"] == ["203.0.113.7"] and origin["user_agent"] == ODD_BROWSER
    assert origin["sealing_tool_traits"]["chunk_size"] == 1024 * 1024
    assert len(origin["sealing_tool"]) == 64
    assert seat.bid.client_ip == "203.0.113.7" and seat.bid.sealing_tool == origin["sealing_tool"]


# --- bid.same_origin: the address ---------------------------------------------------------------


def test_bids_of_two_bidders_uploaded_from_one_address_raise_a_red_alert(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", BROWSER),
        Upload("198.51.100.20", ODD_BROWSER),
        Upload("203.0.113.9", BROWSER + " Edg/124.0"),
    )
    [alert] = raised("bid.same_origin")
    assert alert["severity"] == "red" and alert["subject"] == "bid 1, bid 2"
    figures = alert["evidence"]["figures"]
    assert figures["kind"] == "address" and figures["address"] == "198.51.100.20"
    assert figures["bids"] == [1, 2] and figures["bidders"] == 2
    assert alert["evidence"]["threshold"]["kind"] == "fixed"


def test_bids_from_different_addresses_and_browsers_raise_nothing(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", BROWSER),
        Upload("198.51.100.21", ODD_BROWSER),
        Upload("203.0.113.9", BROWSER + " Edg/124.0"),
    )
    assert raised("bid.same_origin") == []


def test_two_ipv6_addresses_of_one_64_network_are_one_address(hall_of, raised):
    hall_of(
        Upload("2001:db8:7:1::10", BROWSER),
        Upload("2001:db8:7:1::99", ODD_BROWSER),
        Upload("2001:db8:7:2::10", BROWSER + " Edg/124.0"),  # the next /64: another subscriber
    )
    [alert] = raised("bid.same_origin")
    assert alert["evidence"]["figures"]["address"] == "2001:db8:7:1::/64"
    assert alert["evidence"]["figures"]["bids"] == [1, 2]


def test_nothing_is_found_before_the_reading_out_ends(hall_of, raised):
    hall = hall_of(
        Upload("198.51.100.20", BROWSER),
        Upload("198.51.100.20", ODD_BROWSER),
        Upload("203.0.113.9", BROWSER + " Edg/124.0"),
        read=False,
    )
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    hall.run(hall.agency, "read_next")
    hall.run(hall.agency, "read_next")
    assert raised("bid.same_origin") == []
    hall.run(hall.agency, "read_next")
    assert len(raised("bid.same_origin")) == 1


# --- bid.same_origin: the device ----------------------------------------------------------------


def test_one_browser_and_sealing_tool_no_other_bidder_uses_raise_a_red_alert(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", ODD_BROWSER),
        Upload("203.0.113.9", ODD_BROWSER),
        Upload("192.0.2.44", BROWSER),
    )
    [alert] = raised("bid.same_origin")
    figures = alert["evidence"]["figures"]
    assert figures["kind"] == "device" and figures["bids"] == [1, 2]
    assert figures["user_agent"] == ODD_BROWSER and figures["tool_traits"]["chunk_size"] == 1 << 20


def test_one_browser_with_two_sealing_tools_is_not_one_device(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", ODD_BROWSER),
        Upload("203.0.113.9", ODD_BROWSER, chunk_size=64 * 1024),
        Upload("192.0.2.44", BROWSER),
    )
    assert raised("bid.same_origin") == []


def test_a_browser_and_tool_another_bidder_used_elsewhere_is_no_fingerprint(
    make_tender, upload_bid, hall_of, raised
):
    upload_bid(make_tender("published"), Upload("192.0.2.200", ODD_BROWSER))
    hall_of(
        Upload("198.51.100.20", ODD_BROWSER),
        Upload("203.0.113.9", ODD_BROWSER),
        Upload("192.0.2.44", BROWSER),
    )
    assert raised("bid.same_origin") == []


# --- bid.same_origin: the documents -------------------------------------------------------------


def test_an_identical_file_in_two_bidders_documents_raises_a_red_alert(hall_of, raised):
    plan = b"%PDF-1.7 construction plan, section 4: the crane stands north\n" * 50
    hall = hall_of(
        Upload("198.51.100.20", documents={"plan.pdf": plan}),
        Upload("198.51.100.21", ODD_BROWSER, documents={"method.pdf": plan}),
        Upload("203.0.113.9", BROWSER + " Edg", documents={"plan.pdf": plan + b"ours\n"}),
    )
    assert raised("bid.same_origin") == []  # the documents are read after the reading out
    _finish(hall)
    [alert] = raised("bid.same_origin")
    figures = alert["evidence"]["figures"]
    assert figures["kind"] == "file" and figures["bids"] == [1, 2]
    assert figures["files"] == {"1": ["plan.pdf"], "2": ["method.pdf"]}


def test_a_file_the_tender_published_is_no_sign(hall_of, raised):
    form = b"%PDF-1.7 tender documents"  # the factory's published tender document
    hall = hall_of(
        Upload("198.51.100.20", documents={"form.pdf": form}),
        Upload("198.51.100.21", ODD_BROWSER, documents={"form.pdf": form}),
        Upload("203.0.113.9", BROWSER + " Edg", documents={"form.pdf": form}),
    )
    _finish(hall)
    assert raised("bid.same_origin") == []


def test_documents_of_one_author_raise_a_red_alert(hall_of, raised):
    hall = hall_of(
        Upload("198.51.100.20", documents={"plan.docx": _docx("Zhang San", "Acme Ltd")}),
        Upload("198.51.100.21", ODD_BROWSER, documents={"offer.pdf": _pdf("ZHANG  SAN", "2")}),
        Upload("203.0.113.9", BROWSER + " Edg", documents={"plan.docx": _docx("Li Si", "Beta")}),
    )
    _finish(hall)
    [alert] = raised("bid.same_origin")
    figures = alert["evidence"]["figures"]
    assert figures["kind"] == "author" and figures["author"] == "zhang san"
    assert figures["bids"] == [1, 2]


def test_a_default_author_name_is_no_sign(hall_of, raised):
    hall = hall_of(
        Upload("198.51.100.20", documents={"plan.docx": _docx("Administrator")}),
        Upload("198.51.100.21", ODD_BROWSER, documents={"plan.docx": _docx("administrator ")}),
        Upload("203.0.113.9", BROWSER + " Edg", documents={"offer.pdf": _pdf("Administrator", "")}),
    )
    _finish(hall)
    assert raised("bid.same_origin") == []


# --- bid.same_payer -----------------------------------------------------------------------------


def test_deposits_of_two_bidders_paid_from_one_account_raise_a_red_alert(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", account="6222 0200 0000 0009"),
        Upload("198.51.100.21", ODD_BROWSER, account="6222-0200-0000-0009"),
        Upload("203.0.113.9", BROWSER + " Edg", account="6222 0200 0000 0010"),
        rule_set="gov_procurement",  # any payer: construction requires the basic account
    )
    [alert] = raised("bid.same_payer")
    assert alert["severity"] == "red" and alert["evidence"]["figures"]["bids"] == [1, 2]
    assert len(alert["evidence"]["figures"]["deposits"]) == 2


def test_deposits_paid_from_each_bidders_own_account_raise_nothing(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", account="6222 0200 0000 0009"),
        Upload("198.51.100.21", ODD_BROWSER, account="6222 0200 0000 0011"),
        Upload("203.0.113.9", BROWSER + " Edg", account="6222 0200 0000 0010"),
        rule_set="gov_procurement",
    )
    assert raised("bid.same_payer") == []


# --- bid.same_person ----------------------------------------------------------------------------


def test_two_bids_naming_one_project_manager_raise_a_red_alert(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", summary={"project_manager": "Zhang Wei"}),
        Upload("198.51.100.21", ODD_BROWSER, summary={"project_manager": " ＺＨＡＮＧ  wei "}),
        Upload("203.0.113.9", BROWSER + " Edg", summary={"project_manager": "Zhang Wen"}),
    )
    [alert] = raised("bid.same_person")
    figures = alert["evidence"]["figures"]
    assert figures["bids"] == [1, 2] and figures["person"] == "zhang wei"
    assert figures["as_read"] == [" ＺＨＡＮＧ  wei ", "Zhang Wei"]
    assert len(alert["evidence"]["seqs"]) == 3  # the bid list and the two read-outs


def test_bids_naming_different_project_managers_raise_nothing(hall_of, raised):
    hall_of(
        Upload("198.51.100.20", summary={"project_manager": "Zhang Wei"}),
        Upload("198.51.100.21", ODD_BROWSER, summary={"project_manager": "Zhang Wen"}),
        Upload("203.0.113.9", BROWSER + " Edg", summary={"project_manager": "Wang Wei"}),
    )
    assert raised("bid.same_person") == []
