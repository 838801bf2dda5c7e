"""E-mail of the messages (an outbox): on each tick the messages waiting for e-mail go to the
SMTP server of the SMTP_* settings, in the platform's default language, each with the link to
where to act. A refusal or an unreachable server leaves the message waiting for the next tick;
after MAX_ATTEMPTS it is marked failed (the message stays in the centre). Nothing of the
server's password reaches a log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select

from bidhall import config, sandbox
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.notifications import services
from bidhall.notifications.models import Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 100  # messages per tick at most


def tick(now: datetime) -> dict[str, int]:
    host = config.setting("SMTP_HOST")
    if not host or sandbox.is_on():  # the training sandbox's messages stay in the site
        return {}
    with db.transaction() as session:
        waiting = list(
            session.execute(
                select(Notification, User.email)
                .join(User, User.id == Notification.user_id)
                .where(Notification.email_state == "pending")
                .order_by(Notification.id)
                .limit(BATCH)
            )
        )
        letters = [(n.id, _letter(n, email)) for n, email in waiting if email]
        for notification, email in waiting:
            if not email:  # the address was removed since: nothing to send
                notification.email_state = "none"
    if not letters:
        return {}
    sent, refused = [], []
    try:
        with _connect(host) as server:
            for notification_id, letter in letters:
                try:
                    server.send_message(letter)
                    sent.append(notification_id)
                except smtplib.SMTPException as error:
                    logger.warning("e-mail of message %s refused: %s", notification_id, error)
                    refused.append(notification_id)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("the SMTP server %s cannot be reached: %s", host, error.__class__.__name__)
        refused = [notification_id for notification_id, _ in letters if notification_id not in sent]
    with db.transaction() as session:
        for notification in session.scalars(
            select(Notification).where(Notification.id.in_(sent + refused))
        ):
            if notification.id in sent:
                notification.email_state, notification.emailed_at = "sent", now
            else:
                notification.email_attempts += 1
                if notification.email_attempts >= MAX_ATTEMPTS:
                    notification.email_state = "failed"
    return {"sent": len(sent), "refused": len(refused)}


def _connect(host: str) -> smtplib.SMTP:
    port = int(config.setting("SMTP_PORT") or 25)
    timeout = 10
    if config.setting("SMTP_SSL"):
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
        if config.setting("SMTP_STARTTLS"):
            server.starttls(context=ssl.create_default_context())
    username = config.setting("SMTP_USERNAME")
    if username:
        server.login(username, config.setting("SMTP_PASSWORD") or "")
    return server


def _letter(notification: Notification, address: str) -> EmailMessage:
    from flask_babel import force_locale, gettext

    operator = config.setting("OPERATOR_NAME") or "bidhall"
    sender = config.setting("MAIL_FROM") or f"bidhall@{config.setting('SMTP_HOST')}"
    base = (config.setting("PUBLIC_URL") or "").rstrip("/")
    with force_locale(config.setting("BABEL_DEFAULT_LOCALE") or "zh"):
        text = services.text_of(notification)
        lines = [text, ""]
        if notification.link:
            lines.append(gettext("Open: %(url)s", url=base + notification.link))
        lines.append(gettext("All your messages: %(url)s", url=base + "/messages"))
        lines += ["", "— " + operator]
    letter = EmailMessage()
    letter["Subject"] = f"[{operator}] {text}"
    letter["From"] = formataddr((operator, sender))
    letter["To"] = address
    letter["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    letter.set_content("\n".join(lines))
    return letter
