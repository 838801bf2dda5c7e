"""The pure rules of the bids' documents: who reads, when, which names are files, how a file goes
to the browser."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict, Forbidden, InvalidInput
from evaluation.documents import rules
from evaluation.sessions.rules import SessionRole


def test_a_member_reads():
    rules.check_reader(SessionRole.MEMBER)


def test_a_supervisor_does_not_read_the_bids():
    with pytest.raises(Forbidden) as refused:
        rules.check_reader(SessionRole.SUPERVISOR)
    assert refused.value.code == "not_member"


@pytest.mark.parametrize("state", ["open", "suspended"])
def test_the_documents_are_open_while_the_session_runs_or_waits(state):
    rules.check_readable(state)


@pytest.mark.parametrize("state", ["terminated", "finished"])
def test_the_documents_close_with_the_session(state):
    with pytest.raises(Conflict) as refused:
        rules.check_readable(state)
    assert refused.value.code == "session_closed"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("technical/proposal.pdf", "technical/proposal.pdf"),
        ("./technical/proposal.pdf", "technical/proposal.pdf"),
        ("technical//./proposal.pdf", "technical/proposal.pdf"),
        ("/technical/proposal.pdf", "technical/proposal.pdf"),  # never a path on the server
        ("资质/营业执照.pdf", "资质/营业执照.pdf"),
        ("a..b.pdf", "a..b.pdf"),
    ],
)
def test_a_tar_members_name_is_its_path_inside_the_bid_folder(raw, name):
    assert rules.member_name(raw) == name


@pytest.mark.parametrize(
    "raw", ["../x.pdf", "a/../../x.pdf", "a/..", ".", "", "/", "a\\b.pdf", "a\x00b", "x" * 1025]
)
def test_a_tar_member_whose_name_climbs_out_or_hides_is_never_seen(raw):
    assert rules.member_name(raw) is None


@pytest.mark.parametrize("name", ["./a.pdf", "a//b.pdf", "/a.pdf", "../a.pdf", "a\\b.pdf", 7])
def test_a_requested_name_must_be_a_listed_name_exactly(name):
    with pytest.raises(InvalidInput) as refused:
        rules.check_name(name)
    assert refused.value.code == "invalid_file_name"


@pytest.mark.parametrize(
    ("name", "content_type", "inline"),
    [
        ("technical/proposal.pdf", "application/pdf", True),
        ("SCAN.PDF", "application/pdf", True),
        ("photo.jpeg", "image/jpeg", True),
        ("readme.txt", "text/plain", True),
        ("prices.xlsx", rules.TYPES["xlsx"], False),
        ("licence.ofd", "application/ofd", False),
        ("notes.html", "application/octet-stream", False),
        ("plan.svg", "application/octet-stream", False),
        ("tool.js", "application/octet-stream", False),
        ("archive.tar.gz", "application/octet-stream", False),
        ("Makefile", "application/octet-stream", False),
        ("folder.pdf/README", "application/octet-stream", False),
    ],
)
def test_a_file_goes_to_the_browser_by_its_name(name, content_type, inline):
    assert rules.delivery(name) == rules.Delivery(content_type, inline)


def test_nothing_a_browser_runs_is_ever_served_as_itself():
    active = {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "text/css"}
    active |= {"application/xml", "text/javascript", "application/javascript"}
    assert active.isdisjoint(rules.TYPES.values())
