"""The `bidhall` command's entry point (also ``python -m bidhall``).

`bidhall serve` runs Socket.IO in gevent mode (PERF.md: an order of magnitude ahead of threading).
gevent only cooperates with what it patched *before* it was imported: psycopg picks its wait
function (C poll, which would block every greenlet, or a patched select) when it is imported,
redis-py and the Socket.IO Redis queue need the patched socket, APScheduler's
BackgroundScheduler needs the patched threading, and ``flask.cli`` already imports ssl, socket
and threading. So the decision is taken here, from the command line alone, before anything but
the standard library is imported: not in ``bidhall.shell.cli`` (whose imports would come first)
and not in ``create_app`` (far too late). Every other command and the tests run unpatched, in
threading mode, through ``bidhall.shell.cli.main`` as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

ASYNC_MODES = ("gevent", "threading")
# FlaskGroup's own options that take a value (they may stand before the command's name)
_GROUP_OPTIONS_WITH_VALUE = {"-e", "--env-file", "-A", "--app"}


def serve_async_mode(argv: Sequence[str], environ: dict[str, str] | None = None) -> str | None:
    """The async mode `bidhall serve` (or `bidhall sandbox serve`) will run in, or None when the
    command is neither.

    ``--async-mode`` wins, then SOCKETIO_ASYNC_MODE, then gevent when it is installed."""
    environ = os.environ if environ is None else environ
    command_at = _command_index(argv)
    if command_at is not None and argv[command_at] == "sandbox":
        # `bidhall sandbox serve` serves as `bidhall serve` does, on the training sandbox
        following = _command_index(argv[command_at + 1 :])
        command_at = None if following is None else command_at + 1 + following
    if command_at is None or argv[command_at] != "serve":
        return None
    rest = list(argv[command_at + 1 :])
    for n, arg in enumerate(rest):
        if arg == "--async-mode" and n + 1 < len(rest):
            return rest[n + 1]
        if arg.startswith("--async-mode="):
            return arg.split("=", 1)[1]
    if environ.get("SOCKETIO_ASYNC_MODE"):
        return environ["SOCKETIO_ASYNC_MODE"]
    return "gevent" if gevent_installed() else "threading"


def gevent_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("gevent") is not None


def _command_index(argv: Sequence[str]) -> int | None:
    skip = False
    for n, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg in _GROUP_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return n
    return None


def main() -> None:
    mode = serve_async_mode(sys.argv[1:])
    if mode == "gevent":
        if not gevent_installed():
            sys.exit(
                "bidhall serve: gevent is not installed; install it or use --async-mode threading"
            )
        from gevent import monkey

        monkey.patch_all()
    if mode in ASYNC_MODES:
        # create_app reads it; `serve` checks that the app got the mode it asked for
        os.environ["SOCKETIO_ASYNC_MODE"] = mode
    from bidhall.shell.cli import main as cli_main

    cli_main(prog_name="bidhall")


if __name__ == "__main__":
    main()
