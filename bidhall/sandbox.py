"""The training sandbox (docs/sandbox.md): a separate instance of the platform, with its own
database and folder, where agencies and bidders rehearse the whole procedure on a clock that runs
``SANDBOX_CLOCK_FACTOR`` times as fast as the real one.

"Never published, exported or counted" is structural: the sandbox's tenders live in another
database, which the live feed, exports and statistics never read. Inside the sandbox itself the
open-data feed and exports, the archive export and the statistics refuse (``refuse``), the OCDS
releases are never recorded and no e-mail leaves (the shell wires neither in), so a rehearsal
cannot be mistaken for real records.

The virtual clock must not jump when the server restarts (deadlines already stored would move),
so its anchor is kept in the instance folder (``CLOCK_FILE``): the virtual time when the anchor
was taken, the real time then, and the factor. A restart with another factor re-anchors at the
current virtual time, so the rehearsal goes on from where it is, at the new speed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bidhall import clock, config
from bidhall.errors import Forbidden

CODE = "sandbox"
CLOCK_FILE = "sandbox-clock.json"
MIN_TICK_SECONDS = 2  # the tick's real interval in the sandbox: at least this (a few seconds)
# the sandbox's certificates last until then (X.509's times end with the year 9999)
CERTIFICATES_END = datetime(9000, 1, 1, tzinfo=UTC)


def is_on() -> bool:
    return bool(config.setting("SANDBOX", False))


def refuse(what: str) -> None:
    """Refuse ``what`` (open data, statistics, an archive) when this is the training sandbox."""
    if is_on():
        raise Forbidden(
            f"this is the training sandbox, which publishes, exports and counts nothing: "
            f"{what} is not available here",
            code=CODE,
        )


def validity_days(days: int, now: datetime) -> int:
    """How many days a certificate (or the CA) issued ``now`` is valid: ``days``, but in the
    sandbox until CERTIFICATES_END. Its clock would outrun them in hours (730 days are 12 real
    hours at 1440×): the trainees' keys must not expire between two rehearsals."""
    if not is_on():
        return days
    return max(days, (CERTIFICATES_END - now).days)


def tick_seconds(tick: float, factor: float) -> float:
    """The tick's real interval in the sandbox: the live platform's interval of virtual time
    (TICK_SECONDS / factor real seconds), but no more often than every MIN_TICK_SECONDS, nor
    less often than the live platform."""
    return min(float(tick), max(float(MIN_TICK_SECONDS), tick / factor))


def accelerated_clock(
    instance: Path, factor: float, base: clock.Clock | None = None
) -> clock.AcceleratedClock:
    """The sandbox's clock over ``base`` (the clock in force, unwrapped), anchored where the
    instance's clock file says; the file is written when it is missing or the factor changed."""
    base = base or clock.current()
    if isinstance(base, clock.AcceleratedClock):
        base = base.base
    path = instance / CLOCK_FILE
    kept = _read(path)
    if kept is None:
        accelerated = clock.AcceleratedClock(base, factor)
    else:
        accelerated = clock.AcceleratedClock(
            base, kept["factor"], anchor=kept["virtual"], base_anchor=kept["real"]
        )
        if kept["factor"] == factor:
            return accelerated
        accelerated = accelerated.with_factor(factor)
    _write(path, accelerated)
    return accelerated


def install_clock(settings: Mapping[str, Any], instance: Path) -> None:
    """The app factory's clock: accelerated in the sandbox, otherwise whatever clock an earlier
    sandbox app of this process wrapped (tests build many apps)."""
    current = clock.current()
    if settings["SANDBOX"]:
        clock.use(accelerated_clock(instance, settings["SANDBOX_CLOCK_FACTOR"], current))
    elif isinstance(current, clock.AcceleratedClock):
        clock.use(current.base)


def banner() -> dict[str, Any] | None:
    """What every page's banner says in the sandbox (None elsewhere): the factor."""
    if not is_on():
        return None
    current = clock.current()
    factor = current.factor if isinstance(current, clock.AcceleratedClock) else 1
    return {"factor": f"{factor:g}"}


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        return {"virtual": kept["virtual"], "real": kept["real"], "factor": kept["factor"]}
    except (ValueError, KeyError, TypeError) as error:
        raise config.ConfigError(
            f"the sandbox's clock file {path} is damaged ({error}); delete it to restart the "
            "sandbox's time from now"
        ) from None


def _write(path: Path, accelerated: clock.AcceleratedClock) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = {
        "virtual": accelerated.anchor.isoformat(),
        "real": accelerated.base_anchor.isoformat(),
        "factor": accelerated.factor,
    }
    path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
