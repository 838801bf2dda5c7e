"""The bids' documents in the evaluation session over HTTP, for the committee's members only.

- ``GET /api/evaluation/<id>/bids/<bid id>/documents``          the bid's files
- ``GET /api/evaluation/<id>/bids/<bid id>/documents/<name>``   one file, decrypted and streamed

A PDF (a picture, plain text) is shown in the page (``Content-Disposition: inline``); any other
file is downloaded. Nothing is cached by the browser: the plaintext of a bid stays in the
session.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from bidhall.errors import MethodNotAllowed
from bidhall.web import actor, require
from evaluation.documents import services

blueprint = Blueprint("evaluation_documents", __name__, url_prefix="/api/evaluation")

# decrypted bid documents never land in a browser's or a proxy's cache
NO_STORE = "no-store"


@blueprint.get("/<int:session_id>/bids/<int:bid_id>/documents")
@require()
def list_documents(session_id: int, bid_id: int) -> Any:
    files = services.list_documents(actor(), session_id, bid_id)
    response = jsonify(
        {"files": [{"name": f.name, "size": f.size, "content_type": f.content_type} for f in files]}
    )
    response.headers["Cache-Control"] = NO_STORE
    return response


@blueprint.get("/<int:session_id>/bids/<int:bid_id>/documents/<path:name>")
@require()
def open_document(session_id: int, bid_id: int, name: str) -> Any:
    if request.method == "HEAD":
        # Flask answers HEAD for every GET route; an open is a recorded reading, which a HEAD
        # (no byte sent) must not fake
        raise MethodNotAllowed(
            "open the file with GET: every opening is recorded", code="method_not_allowed"
        )
    opened = services.open_document(actor(), session_id, bid_id, name)
    # content_type, not mimetype: no charset is claimed for a bidder's text file
    response = Response(opened.content, content_type=opened.file.content_type)
    response.content_length = opened.file.size
    response.headers["Cache-Control"] = NO_STORE
    response.headers.set(
        "Content-Disposition",
        "inline" if opened.file.inline else "attachment",
        **_filename(opened.file.name.rsplit("/", 1)[-1]),
    )
    return response


def _filename(name: str) -> dict[str, str]:
    """The file name parameters of a Content-Disposition (RFC 6266): an ASCII one, and the
    UTF-8 one (RFC 8187) for a name such as 营业执照.pdf, as ``flask.send_file`` writes them."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}
    return {"filename": name}
