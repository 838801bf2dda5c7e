"""Chapter 2, the tender: drafted (a guarantee over the legal cap refused), filed, returned and
filed again, published; the bidders download the documents, one asks a question, one objects
(the tender is suspended until the agency answers), the download period ends, and an amendment
10 days before the deadline moves it (15 days must remain, Regs Art 21)."""

from __future__ import annotations

import io
from datetime import timedelta

from bidhall import clock, scheduler
from bidhall.errors import DomainError
from bidhall.shell.demo.context import Demo, happened
from trading.tenders import notices, queries
from trading.tenders import services as trading
from trading.tenders.schemas import parse_draft


def draft_of(start, tenderer_id: int) -> dict:
    """The tender's draft: a school building, one lot, comprehensive scoring."""
    return {
        "title": "Riverside No. 3 Middle School teaching building — general construction",
        "description": "Five-storey teaching building, 12,800 m², frame structure.",
        "qualification": "Grade II general contractor for building works or above.",
        "rule_set": "construction",
        "category": "works",
        "method": "comprehensive",
        "region": "330100",  # Riverside (context.DEMO_SETTINGS)
        "tenderer_id": tenderer_id,
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
            {"name": "construction organisation plan", "kind": "technical", "max_score": 30},
            {
                "name": "project manager track record",
                "kind": "commercial",
                "max_score": 10,
                "objective": True,
            },
        ],
    }


def run(demo: Demo) -> None:
    agency, supervisor, bidders = demo.cast.agency, demo.cast.supervisor, demo.cast.bidders
    fake = demo.fake
    start = clock.now() + timedelta(days=1)
    draft = demo.draft = draft_of(start, demo.cast.tenderer_org.id)
    try:
        trading.create_tender(
            agency,
            parse_draft(dict(draft, lots=[dict(draft["lots"][0], guarantee_amount="900000")])),
        )
    except DomainError as error:
        demo.say(f"draft refused as it should be: {error.message}")
    tender = trading.create_tender(agency, parse_draft(draft))
    demo.say(f"agency drafted {tender.reference} “{tender.title}”")
    trading.add_document(
        agency,
        tender.id,
        "tender-documents.pdf",
        io.BytesIO(b"%PDF-1.7\n% demo tender documents\n" * 200),
    )
    trading.submit_for_filing(agency, tender.id)
    demo.say("agency submitted the documents for filing (备案)")
    trading.decide_filing(
        supervisor, tender.id, accept=False, reason="State the project manager's required grade."
    )
    demo.say("supervisor returned the filing: state the project manager's required grade")
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
    demo.say("agency amended and re-filed; supervisor accepted the filing")

    fake.set(start)
    tender = trading.publish_tender(agency, tender.id)
    demo.say(
        f"tender notice published; documents issued; bid deadline "
        f"{clock.local(tender.bid_deadline):%Y-%m-%d %H:%M}"
    )
    document = tender.documents[0]
    for bidder in bidders:
        _doc, stream = trading.download_document(bidder, tender.id, document.id)
        stream.close()
    demo.say(f"{queries.holder_count(tender.id)} bidders downloaded the documents (holders)")
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
    demo.say("a bidder asked a question (anonymous); the agency answered with a clarification")

    fake.advance(days=3)
    objection = notices.raise_objection(
        bidders[1], tender.id, "The track-record criterion favours local firms."
    )
    demo.say("a bidder objected to the documents (异议): the tender is suspended")
    fake.advance(days=2)
    notices.answer_objection(
        agency, objection.id, "Track record counts projects anywhere in China."
    )
    demo.say("the agency answered within 3 days: the tender resumes")
    report = scheduler.tick(clock.now())
    demo.say(f"tick: {happened(report) or 'nothing due'}")

    fake.set(queries.get_tender(tender.id).issue_end)
    report = scheduler.tick(clock.now())
    demo.say(f"tick at the end of the download period: {happened(report)}")

    fake.set(tender.bid_deadline - timedelta(days=10))
    before = queries.get_tender(tender.id).bid_deadline
    demo.notice = notices.issue_notice(
        agency,
        tender.id,
        "amendment",
        "Amendment 1: bill of quantities",
        "Item 3.2 corrected to 1,250 m³ of C30 concrete.",
        True,
    )
    demo.say(
        f"amendment issued 10 days before the deadline: the deadline moved from "
        f"{clock.local(before):%m-%d %H:%M} to "
        f"{clock.local(demo.notice.deadline_after):%m-%d %H:%M} (15 days, Regs Art 21)"
    )
    demo.tender = tender
