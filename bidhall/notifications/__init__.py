"""The message centre: in-site notifications, and e-mail when an SMTP server is configured.

The kernel keeps the messages and knows no domain: trading and evaluation register
*notifiers* (``services.notifier``) that turn their domain events into messages for the users
concerned, with the text of each message kind (``services.kind``). A notifier runs inside the
emitting transaction under a savepoint, so a message exists exactly when its cause committed, and
a failing notifier is logged and never blocks the action. E-mail goes out on the tick
(``mail.tick``) from the messages not yet sent: an outbox, retried when the server refuses.
"""
