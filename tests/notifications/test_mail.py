"""The message centre's e-mail against a real local SMTP server (aiosmtpd): a message of a user
with an address goes out on the tick, once, in the platform's language, with its link; a
server that cannot be reached leaves it waiting, and it is given up after MAX_ATTEMPTS."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from bidhall.notifications import mail
from bidhall.notifications import services as messages
from trading.tenders import notices
from trading.tenders import services as tenders


class Mailbox:
    def __init__(self) -> None:
        self.letters: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.letters.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SMTP_PORT = free_port()


@pytest.fixture
def app_overrides() -> dict:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": SMTP_PORT,
        "MAIL_FROM": "notices@centre.example",
        "PUBLIC_URL": "https://ggzy.example/",
        "OPERATOR_NAME": "Riverside Trading Centre",
    }


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def tick(app, clock):
    """The e-mail job as the scheduler runs it: in the app's context (its language)."""

    def run():
        with app.app_context():
            return mail.tick(clock.now())

    return run


@pytest.fixture
def holder(make_tender, world):
    tender = make_tender(title="Harbour bridge repairs")
    bidder = world.bidder()
    tenders.download_document(bidder, tender.id, tender.documents[0].id)
    messages.set_email(bidder, "bids@builder.example")
    return tender, bidder


def test_a_message_is_mailed_on_the_tick_in_chinese_with_its_link(mailbox, holder, world, tick):
    tender, _bidder = holder
    notice = notices.issue_notice(
        world.agency, tender.id, "clarification", "踏勘改期", "周一。", False
    )

    result = tick()

    [letter] = mailbox.letters
    assert result == {"sent": 1, "refused": 0}
    assert letter["To"] == "bids@builder.example"
    assert letter["From"] == "Riverside Trading Centre <notices@centre.example>"
    assert (
        letter["Subject"]
        == "[Riverside Trading Centre] “Harbour bridge repairs”的澄清已发布：踏勘改期"
    )
    body = letter.get_content()
    assert f"https://ggzy.example/tenders/{tender.id}#notice-{notice.id}" in body


def test_a_mailed_message_is_not_sent_twice(mailbox, holder, world, tick):
    tender, _bidder = holder
    notices.issue_notice(world.agency, tender.id, "clarification", "T", "B.", False)

    tick()
    tick()

    assert len(mailbox.letters) == 1


def test_a_user_without_an_address_gets_no_mail(mailbox, make_tender, world, tick):
    tender = make_tender()
    tenders.download_document(world.bidder(), tender.id, tender.documents[0].id)
    notices.issue_notice(world.agency, tender.id, "clarification", "T", "B.", False)

    assert tick() == {}
    assert mailbox.letters == []


def test_an_unreachable_server_leaves_the_message_waiting_then_gives_up(holder, world, tick):
    from bidhall.db import db
    from bidhall.notifications.models import Notification

    tender, bidder = holder  # no mailbox: nothing listens on the port
    notices.issue_notice(world.agency, tender.id, "clarification", "T", "B.", False)

    first = tick()
    for _ in range(mail.MAX_ATTEMPTS - 1):
        tick()

    assert first == {"sent": 0, "refused": 1}
    [stored] = db.session.query(Notification).filter_by(user_id=bidder.id).all()
    assert (stored.email_state, stored.email_attempts) == ("failed", mail.MAX_ATTEMPTS)
    assert tick() == {}
