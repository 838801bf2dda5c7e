"""The statistics' request parameters: ``period``, ``from`` and ``to`` (trading.statistics.rules
``window``), in the centre's time zone, up to today."""

from __future__ import annotations

from collections.abc import Mapping

from bidhall import clock, config
from trading.statistics import rules


def zone() -> str:
    return config.current().get("DEFAULT_TIMEZONE", "Asia/Shanghai")


def request_window(args: Mapping[str, str]) -> rules.Window:
    today = clock.local(clock.now(), zone()).date()
    return rules.window(args.get("period"), args.get("from"), args.get("to"), today, zone())
