"""Tenders, documents, notices, objections and (later) bids, guarantees, opening and award."""
