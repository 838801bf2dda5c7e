"""The evaluation report (评标报告): from the content the live session hands over to a sealed,
self-verifying PDF.

- ``document``: the ``bidhall-evaluation-report/1`` document (``build``, ``digest``) and the
  members' signatures on its digest (``signing_bytes``, ``check_member_signature``). Pure.
- ``pdf``: ``render(document, signatures)``, a Chinese A4 PDF with the document and the
  signatures attached as ``report.json`` and ``signatures.json``.
- ``seal``: ``seal(pdf)``, the platform's PAdES signature over the whole PDF.
- ``verify``: ``verify_pdf(data, root_pem)``, every check offline; ``cli``: ``bidhall report
  verify``.

Wiring it in::

    document = build(content)                      # at the end of the scoring
    sha256 = digest(document)                      # each member signs signing_bytes(sha256, ...)
    check_member_signature(sha256, entry, root_pem(), user_id=...)   # and validate(): revocation
    sealed = seal(render(document, entries))       # once every member has signed (or refused)
"""
