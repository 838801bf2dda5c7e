"""JSON shapes of trading objects for the public API and the authenticated API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trading.bids import rules
from trading.bids.queries import Counts
from trading.tenders.models import Notice, Objection, Question, Tender, TenderDocument


def tender_public(tender: Tender) -> dict[str, Any]:
    return {
        "id": tender.id,
        "reference": tender.reference,
        "title": tender.title,
        "description": tender.description,
        "qualification": tender.qualification,
        "state": tender.state.value,
        "rule_set": tender.rule_set,
        "category": tender.category,
        "method": tender.method,
        "award_method": tender.award_method,
        "criteria": tender.criteria,
        "tenderer": tender.tenderer.name,
        "agency": tender.agency.name if tender.agency else None,
        "bid_validity_days": tender.bid_validity_days,
        "decrypt_window_minutes": tender.decrypt_window_minutes,
        "timezone": tender.timezone,
        "region": tender.region,
        "issue_start": tender.issue_start.isoformat(),
        "issue_end": tender.issue_end.isoformat(),
        "bid_deadline": tender.bid_deadline.isoformat(),
        "published_at": tender.published_at.isoformat() if tender.published_at else None,
        "terminated_at": tender.terminated_at.isoformat() if tender.terminated_at else None,
        "termination_reason": tender.termination_reason,
        "lots": [
            {
                "number": lot.number,
                "title": lot.title,
                "estimated_price": str(lot.estimated_price),
                "ceiling_price": str(lot.ceiling_price),
                "guarantee_amount": str(lot.guarantee_amount),
            }
            for lot in tender.lots
        ],
        "documents": [document(d) for d in tender.documents],
        "notices": [notice(n) for n in tender.notices],
    }


def tender_managed(tender: Tender) -> dict[str, Any]:
    data = tender_public(tender)
    data.update(
        {
            "tenderer_id": tender.tenderer_id,
            "agency_id": tender.agency_id,
            "filed_at": tender.filed_at.isoformat() if tender.filed_at else None,
            "next_check_at": tender.next_check_at.isoformat() if tender.next_check_at else None,
        }
    )
    return data


def document(doc: TenderDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "filename": doc.filename,
        "size": doc.size,
        "sha256": doc.sha256,
        "content_type": doc.content_type,
        "uploaded_at": doc.uploaded_at.isoformat(),
    }


def notice(item: Notice) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
        "affects_preparation": item.affects_preparation,
        "issued_at": item.issued_at.isoformat(),
        "deadline_before": item.deadline_before.isoformat() if item.deadline_before else None,
        "deadline_after": item.deadline_after.isoformat() if item.deadline_after else None,
        "moved_deadline": item.moved_deadline,
    }


def question(item: Question) -> dict[str, Any]:
    # never the asker: questions are anonymous to everyone but the platform
    return {
        "id": item.id,
        "body": item.body,
        "asked_at": item.asked_at.isoformat(),
        "answered_by_notice_id": item.answered_by_notice_id,
    }


def objection(item: Objection) -> dict[str, Any]:
    return {
        "id": item.id,
        "tender_id": item.tender_id,
        "body": item.body,
        "raised_at": item.raised_at.isoformat(),
        "answer_due_at": item.answer_due_at.isoformat(),
        "answer": item.answer,
        "answered_at": item.answered_at.isoformat() if item.answered_at else None,
    }


def disclosure(shown: rules.Disclosure, opening: datetime) -> dict[str, Any]:
    """What of a tender's participants an answer may show (Law Art 22): counts from the
    opening (the bid deadline), names from the reading out."""
    return {"counts": shown.counts, "names": shown.names, "opening": opening.isoformat()}


def submissions(counts: Counts) -> dict[str, Any]:
    # counts only, never who; none before the opening
    return {
        "tender_id": counts.tender_id,
        "sealed_bids": counts.sealed_bids,
        "disclosure": disclosure(counts.shown, counts.opening),
    }
