"""The bids' documents inside the evaluation session: decrypted by the server, for the
committee's members only, and streamed to their browsers; every file opened is a session message
(``evaluation.document_opened``). docs/evaluation.md."""
