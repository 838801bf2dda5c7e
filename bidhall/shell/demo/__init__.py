"""`bidhall demo`: play every step of a tender's life that exists so far, on the embedded
default (SQLite file, local files), with a simulated clock so 20 days pass in a second.

It prints what it does and ends with one line of JSON. With --serve it then starts the web
server (real clock) on the demo database so the result can be opened in a browser.

The demo wipes its folder first, so it marks the folders it makes and refuses any other one: a
BIDHALL_INSTANCE left pointing at a real instance is never emptied.

The chapters, in order, each a module with one ``run(demo)`` over the shared context
(``context.Demo``): ``world`` (organisations, users, keys), ``tender`` (drafting, filing,
publication, questions, objection, amendment), ``bids`` (sealing and submission, the hall's
sign-in), ``committee`` (the expert pools, venues and the draw, the day before the deadline),
``opening`` (the opening hall and its signed record), ``evaluation`` (the live evaluation to
the sealed, verified report), ``award`` (the candidates' publicity, an objection answered, the
award and its notices, the contract, the refunds), ``archive`` (the tender's digital archive,
exported and verified offline), ``second_tender`` (a tender left open on
the real clock) and ``supervision`` (the alerts the detectors raised on the way, one
resolved with a note).
``command`` holds ``run_demo`` and the click command.
"""

from __future__ import annotations

from bidhall.shell.demo.command import demo_command, run_demo

__all__ = ["demo_command", "run_demo"]
