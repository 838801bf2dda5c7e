"""Chapter 8, on the real clock: a second tender filed and published, open for bids, to look at
with ``--serve``."""

from __future__ import annotations

import io
from datetime import timedelta

from bidhall import clock
from bidhall.shell.demo.context import Demo
from trading.tenders import services as trading
from trading.tenders.schemas import parse_draft


def run(demo: Demo) -> None:
    agency, supervisor = demo.cast.agency, demo.cast.supervisor
    clock.use(clock.SystemClock())
    open_start = clock.now() + timedelta(minutes=1)
    second = trading.create_tender(
        agency,
        parse_draft(
            dict(
                demo.draft,
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
    demo.say(f"a second tender {second.reference} is open for bids on the real clock")
