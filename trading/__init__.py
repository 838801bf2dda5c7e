"""Trading: one folder per capability — ``tenders`` (filing, publication, documents, notices,
questions, objections), ``bids`` (sealed bids, uploads, receipts, disclosure), ``guarantees``
(electronic guarantees and cash deposits) and ``opening`` (the online opening hall). Award and
publication come next. docs/architecture.md has the map."""
