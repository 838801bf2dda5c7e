"""The anomaly detectors of DOMAIN.md §5, one module per family (base.py says what a detector
is; runner.py runs them online and on the tick)."""

from __future__ import annotations

import importlib

FAMILIES = ("evaluation", "votes", "scores", "presence", "bids", "origin", "access", "supervision")


def load_all() -> None:
    for family in FAMILIES:
        importlib.import_module(f"audit.detectors.{family}")
