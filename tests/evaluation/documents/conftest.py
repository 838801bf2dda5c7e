"""Bids with a real bid folder: every bid sealed in these tests carries a multi-file documents
tar (two small PDFs, one under a Chinese name, a CSV, a 2.5 MB drawing that spans several
encryption chunks, and an HTML file), sealed, uploaded and opened through the real services.
The shared fixtures seal an empty folder; here ``tests.fixtures.pki.sealed_bytes`` is given the
folder instead, so nothing shared changes."""

from __future__ import annotations

import itertools
import random

import pytest

DRAWING_BYTES = 2_500_000  # more than two 1 MiB chunks: the stream crosses chunk boundaries


def pdf(text: str) -> bytes:
    """A small valid one-page PDF that shows ``text`` (ASCII), with a correct cross-reference
    table."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def bid_files(project_manager: str) -> dict[str, bytes]:
    """The bid folder of the bid whose summary names ``project_manager``, path -> bytes."""
    return {
        "technical/proposal.pdf": pdf(f"Technical proposal, project manager {project_manager}"),
        "资质/营业执照.pdf": pdf("Business licence"),
        "commercial/prices.csv": b"item,amount\nearthworks,1200000.00\nstructure,6400000.00\n",
        "drawings/site-plan.dwg": random.Random(project_manager).randbytes(DRAWING_BYTES),
        "notes.html": b"<script>document.title = 'run by the bidder'</script>",
    }


@pytest.fixture(autouse=True)
def bid_folders(monkeypatch, tmp_path):
    """Every bid sealed in the test gets its bid folder (``bid_files``) as its documents."""
    from tests.fixtures import pki

    seal = pki.sealed_bytes
    numbers = itertools.count(1)

    def sealed_with_folder(bundle, tender_id, summary=None, documents=None):
        if documents is None:
            documents = tmp_path / f"bid-folder-{next(numbers)}"
            manager = (summary or pki.SUMMARY)["project_manager"]
            for name, data in bid_files(manager).items():
                (documents / name).parent.mkdir(parents=True, exist_ok=True)
                (documents / name).write_bytes(data)
        return seal(bundle, tender_id, summary, documents)

    monkeypatch.setattr(pki, "sealed_bytes", sealed_with_folder)


@pytest.fixture
def originals(app):
    """``originals(bid_id)``: the bid folder the bidder sealed, path -> bytes."""
    from bidhall.db import db
    from trading.bids.models import Bid

    return lambda bid_id: bid_files(db.session.get(Bid, bid_id).summary["project_manager"])
