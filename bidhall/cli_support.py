"""Helpers shared by every package's commands."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from bidhall.errors import DomainError


def fail_on_domain_errors(func: Callable) -> Callable:
    """Turn a DomainError into a one-line message and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            click.echo(f"error: {error.code}: {error.message}", err=True)
            sys.exit(2)

    return wrapped


# `bidhall serve` and `bidhall sandbox serve`: the Socket.IO async mode (bidhall.__main__ reads
# it from the command line before anything is imported)
async_mode_option = click.option(
    "--async-mode",
    type=click.Choice(["gevent", "threading"]),
    default=None,
    help="gevent (the default when installed: production) or threading (tests, debugging)",
)
