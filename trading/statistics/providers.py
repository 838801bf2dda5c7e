"""The statistics' tables, by name: trading's own (trading.statistics.queries) and the ones
other packages provide, registered by the shell (bidhall.shell.app ``_wire_domains``) because
trading may not import evaluation or audit.

A table is a name, its columns (the JSON rows' keys and the CSV's header, in order), whether
the public may read it, and a function from the window to its rows (dicts of JSON values:
amounts and rates as decimal strings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trading.statistics.rules import Window

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    public: bool
    rows: Callable[[Window], Rows]


_registered: dict[str, Table] = {}


def register(*tables: Table) -> None:
    """Add (or replace, by name) tables provided by another package."""
    for table in tables:
        _registered[table.name] = table


def reset() -> None:
    _registered.clear()


def tables(own: tuple[Table, ...], *, public_only: bool) -> list[Table]:
    """Trading's own tables, then the registered ones, in a stable order."""
    every = [*own, *(t for t in _registered.values() if t.name not in {o.name for o in own})]
    return [table for table in every if table.public or not public_only]
