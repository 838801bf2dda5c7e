"""What a detector is, what it reads and what it finds (pure: no Flask, no database).

A detector is a small function with an id from DOMAIN.md §5, the law article or practice it
rests on, and the event types that run it. It reads the ledger event that triggered it (a
``Fact``) and, through its ``Scope``, the earlier facts of the same session or tender and the
configured thresholds; it returns ``Finding``s. A finding carries everything an alert must show
to be explained to the person it names: the ledger seqs it rests on, the figures it computed and
the threshold (or the data-driven fence) it compared them with. Its ``key`` names the condition,
so that running a detector twice over the same facts raises one alert, not two.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class Severity(enum.StrEnum):
    YELLOW = "yellow"  # a warning card: look at it
    RED = "red"  # a serious one: act on it


@dataclass(frozen=True)
class Fact:
    """One ledger entry as detectors read it."""

    seq: int
    at: datetime
    actor: str
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    detector: str
    key: str  # the condition: one alert per (detector, key), however often it is found
    severity: Severity
    summary: str  # one sentence with the figures, in English (pages translate the detector)
    seqs: tuple[int, ...]  # the ledger entries it rests on
    figures: dict[str, Any] = field(default_factory=dict)
    threshold: dict[str, Any] = field(default_factory=dict)  # the rule, fixed or fence
    tender_id: int | None = None
    session_id: int | None = None
    venue_id: int | None = None
    subject: str | None = None  # whom or what it names: "seat 3", "bids 2, 5"


class Scope(Protocol):
    """What a detector may read besides its fact (audit/detectors/runner.py provides it)."""

    tender_id: int | None
    session_id: int | None
    venue_id: int | None
    now: datetime

    def history(self, *types: str) -> list[Fact]:
        """The subject's facts of these types up to the current one, in ledger order."""

    def tender_history(self, *types: str) -> list[Fact]:
        """The facts of the scope's tender (all its sessions), up to the current one."""

    def setting(self, name: str) -> Any:
        """A configured threshold (bidhall.config)."""

    def read(self, name: str, **arguments: Any) -> Any:
        """A read model outside the ledger (audit/detectors/reads.py), by name."""

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once for the current fact, however many of its detectors ask (its
        result is shared: read it, never change it)."""

    def derived(self, fact: Fact, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once for an earlier or the current fact (a ledger entry never
        changes), kept across facts and passes while the subjects' histories are (shared: read
        it, never change it)."""

    def finding(
        self,
        detector: str,
        key: str,
        severity: Severity,
        summary: str,
        seqs: Iterable[int],
        **details: Any,
    ) -> Finding:
        """A finding on the scope's subject (its tender, session and venue filled in)."""


Check = Callable[[Fact, Scope], Iterable[Finding]]
TickCheck = Callable[[Scope], Iterable[Finding]]


@dataclass(frozen=True)
class Detector:
    id: str
    basis: str  # the law article or the centres' practice it rests on
    family: str  # the module it lives in: evaluation, votes, scores, presence, bids, access
    on: frozenset[str]  # ledger event types that run it online
    check: Check | None = None
    tick: TickCheck | None = None  # time-based: run on the scheduler's tick


class _Registry(dict[str, "Detector"]):
    """The detectors by id. Every change (a registration, a test's monkeypatch, a benchmark's
    wrapping) drops the index from event type to detectors, which is rebuilt on first use."""

    def _changed(self) -> None:
        _by_type.clear()

    def __setitem__(self, key: str, value: Detector) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def pop(self, *args: Any) -> Any:
        value = super().pop(*args)
        self._changed()
        return value

    def popitem(self) -> tuple[str, Detector]:
        item = super().popitem()
        self._changed()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value


DETECTORS: dict[str, Detector] = _Registry()
# event type -> the online detectors it runs, in registration order: looked up for every ledger
# entry read, so built once rather than scanning every detector per entry
_by_type: dict[str, tuple[Detector, ...]] = {}


def detector(id: str, *, basis: str, on: Sequence[str] = ()) -> Callable[[Check], Check]:
    """Register an online detector: ``check(fact, scope)`` runs after the commit of each
    ledger event whose type is in ``on``."""

    def register(check: Check) -> Check:
        _add(id, basis, check.__module__, on=frozenset(on), check=check)
        return check

    return register


def tick_detector(id: str, *, basis: str) -> Callable[[TickCheck], TickCheck]:
    """Register a time-based detector: ``check(scope)`` runs on every tick and must find a
    condition once (its finding's key makes a second tick raise nothing new)."""

    def register(check: TickCheck) -> TickCheck:
        _add(id, basis, check.__module__, on=frozenset(), tick=check)
        return check

    return register


def _add(id: str, basis: str, module: str, **parts: Any) -> None:
    family = module.rsplit(".", 1)[-1]
    existing = DETECTORS.get(id)
    if existing is not None:
        # one id may have an online part and a tick part (eval.start_late): merge them; two
        # online checks (or two tick checks) under one id would silently replace each other
        for part in ("check", "tick"):
            if parts.get(part) is not None and getattr(existing, part) is not None:
                raise ValueError(f"detector {id} has two {part} functions")
        merged = {
            "on": existing.on | parts.get("on", frozenset()),
            "check": parts.get("check") or existing.check,
            "tick": parts.get("tick") or existing.tick,
        }
        DETECTORS[id] = Detector(id, existing.basis, existing.family, **merged)
        return
    DETECTORS[id] = Detector(id, basis, family, **parts)


# the event types some detector reads back through ``scope.history`` / ``scope.tender_history``:
# only these are kept in the subjects' histories (review marks, ballots, declarations and the
# like are ~40 % of the ledger, and no detector looks back on them)
_read_back: set[str] = set()


def reads_back(*types: str) -> None:
    """Declare event types a detector module reads back from a subject's history; a history
    asked for an undeclared type is refused (``UndeclaredHistory``), never silently empty."""
    _read_back.update(types)


def read_back() -> frozenset[str]:
    return frozenset(_read_back)


class UndeclaredHistory(LookupError):
    """A detector asked a history for event types no module declared with ``reads_back``."""


def triggered_by(type: str) -> tuple[Detector, ...]:
    found = _by_type.get(type)
    if found is None:
        found = tuple(d for d in DETECTORS.values() if d.check is not None and type in d.on)
        _by_type[type] = found
    return found


def timed() -> list[Detector]:
    return [d for d in DETECTORS.values() if d.tick is not None]
