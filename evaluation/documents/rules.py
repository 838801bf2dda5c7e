"""Pure rules of the bids' documents in the evaluation session: who reads them, while the session
is in which state, which names are files one may ask for, and how a file is handed to a browser.
Plain values in, a decision out or a ``DomainError``."""

from __future__ import annotations

from dataclasses import dataclass

from bidhall.errors import Conflict, InvalidInput
from evaluation.sessions import rules as session_rules
from evaluation.sessions.rules import SessionRole, SessionState

#: the states in which the committee reads: a suspended session resumes where it was
READABLE = (SessionState.OPEN, SessionState.SUSPENDED)

MAX_NAME = 1024  # characters of a file's path inside the bid folder


def check_reader(role: SessionRole) -> None:
    """Only the committee's members read the bids. Supervisors watch the session but do not read
    the bids: they are refused like any other non-member action (``not_member``)."""
    session_rules.check_member(role, "read the bids' documents")


def check_readable(state: str) -> None:
    if state not in READABLE:
        raise Conflict(
            f"the session is {state}: the bids' documents are no longer open to the committee",
            code="session_closed",
        )


def member_name(raw: str) -> str | None:
    """The name a documents tar member is listed and asked for under: its path inside the bid
    folder with ``.`` and empty segments dropped (``./a//b`` is ``a/b``), or None for a path that
    climbs out (``..``), names nothing, or holds a backslash or a control character. Such a
    member is neither listed nor served."""
    if len(raw) > MAX_NAME or "\\" in raw or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return None
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def check_name(name: object) -> str:
    """A requested file name must be a listed name exactly: no path tricks (``../``, ``./``,
    a leading ``/``, a backslash)."""
    if not isinstance(name, str) or member_name(name) != name:
        raise InvalidInput(
            "name: a file's path inside the bid folder, exactly as the listing gives it",
            code="invalid_file_name",
            field="name",
        )
    return name


# --- handing a file to the browser --------------------------------------------------------------

OCTET_STREAM = "application/octet-stream"

#: the types bid documents come in, by extension (a fixed table, not the server's mime.types:
#: the same file gets the same type on every server). Nothing a browser would run as a page or a
#: script is here (HTML, SVG, XML, JavaScript, CSS): those are served as plain bytes, to download.
TYPES = {
    "pdf": "application/pdf",
    "ofd": "application/ofd",  # GB/T 33190, the national fixed-layout format
    "txt": "text/plain",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "rtf": "application/rtf",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "dwg": "image/vnd.dwg",
    "dxf": "image/vnd.dxf",
}

#: what a browser shows in the page itself without running anything of the bidder's
INLINE = frozenset(
    {"application/pdf", "text/plain", "image/png", "image/jpeg", "image/gif", "image/webp"}
)


@dataclass(frozen=True)
class Delivery:
    content_type: str
    inline: bool  # shown in the page (Content-Disposition: inline), else downloaded


def delivery(name: str) -> Delivery:
    """How a file goes to the browser, from its name: a PDF (or a picture, or plain text) is shown
    in the page; every other file is downloaded, and one of a type not in ``TYPES`` goes as
    ``application/octet-stream`` so the browser never renders it in the platform's origin."""
    base = name.rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    content_type = TYPES.get(extension, OCTET_STREAM)
    return Delivery(content_type, content_type in INLINE)
