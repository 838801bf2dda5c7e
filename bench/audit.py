"""Audit-layer benchmark (not a test): the detectors over a synthetic year, their online overhead
per unit of a live evaluation session, and the ledger's verify rate (docs/audit.md).

    .venv/bin/python bench/audit.py                  # 50,000 tenders (~4 M events): ~20 minutes
    .venv/bin/python bench/audit.py --quick          # 2,000 tenders (extrapolated): ~1 minute
    .venv/bin/python bench/audit.py --quick --profile 500   # + cProfile of a 500-tender re-screen
    .venv/bin/python bench/audit.py --skip year      # the online overhead only: ~1-2 minutes

Measurements
- ``year`` (``detectors_year_s``, target < 60 s on 2 cores): a temporary SQLite database
  (``create_app`` + ``migrate.upgrade()``), filled in bulk (Core executemany, the hash chain
  computed with ``audit.ledger.chain``, each entry's row in the ledger's index by subject as
  ``chain.append`` writes it) with a synthetic year of ``--tenders`` tenders' ledger events
  (bench/audit_world.py: shaped as the real ones, interleaved by time, seeded); then one
  ``runner.process_new()`` reads the whole ledger from the detectors' cursor: the catch-up /
  re-screen path, screened by ``--workers`` processes (``AUDIT_WORKERS``, each a share of the
  tenders: audit.detectors.shards; 1: the reading process alone). The synthetic tenders have no
  rows in the domain tables, so the read models find nothing: each detector must degrade
  without raising. Reported: events, the generation and insert rate, the re-screen's wall time,
  CPU time (the workers' included) and rate, the alerts raised by detector, every detector
  failure logged (the reading process's and the workers') with its first traceback, and, timed
  in the reading process (so with ``--workers 1`` only), each detector's calls, time and
  findings and the subjects' histories loaded from the database. A run with fewer tenders also
  reports the extrapolation to 50,000.
- ``verify`` (``verify_per_s``): ``chain.verify`` (what ``bidhall audit verify`` runs) over that
  ledger, alerts included: entries per second, the median of ``--verify-runs``.
- ``online`` (``online_p99_ms``, target < 5 ms): a real world built through the services
  (bench/evaluation.py's ``build_world``: a construction tender with 30 criteria, ``--online-bids``
  sealed bids read out in the opening hall, 9 experts drawn over 3 venues, declared and checked
  in), the session opened over HTTP (``POST /api/tenders/<id>/evaluation``), then the real
  session commands (``evaluation.sessions.commands.run``) on a fake clock moving as a committee
  does: the election, every review mark (members interleaved, ~13 s apart), votes on other
  matters (one member alone against the rest; one closed early by the leader), the review
  closed, every sheet submitted, then ``--online-reopens`` items reopened and resubmitted (more
  while fewer than ``--online-units`` units ran). Each unit that writes ledger events runs
  ``runner.process_new`` after its commit; that call is timed (wrapped where the after-commit
  hook finds it): p50/p99/max over the units, by command, and by the session's size (its ledger
  events so far).

Prints one JSON object per line; the last line is the summary with ``detectors_year_s``,
``online_p99_ms``, ``verify_per_s`` and the figures behind them. The machines are shared: wall
times move with the load (``load_before``/``load_after``); ``detectors_cpu_s`` moves less.
Temporary files go to ``BIDHALL_BENCH_TMP`` or the system's (about 2.5 GB for the full year).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import logging
import math
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.audit_world import Year  # noqa: E402

FULL_YEAR = 50_000
INSERT_BATCH = 20_000


def say(**figures) -> None:
    print(json.dumps(figures, default=str), flush=True)


def note(message: str) -> None:
    print(f"[audit] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def build_app(instance: Path, url: str | None = None, **settings):
    from bidhall import migrate
    from bidhall.shell.app import create_app

    app = create_app(
        {
            "BIDHALL_ENV": "testing",
            "DATABASE_URL": url or f"sqlite:///{instance}/bench.db",
            "BIDHALL_INSTANCE": str(instance),
            "SCHEDULER_ENABLED": False,
            "SOCKETIO_ASYNC_MODE": "threading",
            "REDIS_URL": None,
            **settings,
        }
    )
    with app.app_context():
        migrate.upgrade()
    return app


# --- the runner, watched ------------------------------------------------------------------------


class Failures(logging.Handler):
    """What the runner logged as failed: per detector (or the pass itself), with the first
    traceback of each."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: Counter[str] = Counter()
        self.first: dict[str, dict] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.msg
        if message.startswith("detector %s"):
            name = str(record.args[0])
            what = "finding not recorded" if "finding" in message else "failed"
            key = f"{name}: {what}"
        else:
            key = record.getMessage()
        self.counts[key] += 1
        if key not in self.first:
            self.first[key] = {
                "message": record.getMessage(),
                "traceback": "".join(traceback.format_exception(*record.exc_info))
                if record.exc_info
                else None,
            }


class Watched:
    """Time each detector's check (consumed as the runner consumes it) and count the subjects'
    histories the runner loads from the database; undone on exit."""

    def __enter__(self):
        from audit.detectors import base, runner

        self.base, self.runner = base, runner
        self.stats: dict[str, list] = defaultdict(lambda: [0, 0.0, 0])  # calls, seconds, found
        self.saved = dict(base.DETECTORS)
        for name, detector in self.saved.items():
            if detector.check is not None:
                base.DETECTORS[name] = dataclasses.replace(
                    detector, check=self._timed(name, detector.check)
                )
        self.loads = [0, 0, 0.0]  # subjects' histories loaded from the database, facts, seconds
        self.of = runner.Histories.of
        loads, of = self.loads, self.of

        def counted(histories, kind, key, upto):
            if (kind, key) in getattr(histories, "facts", ()):
                return of(histories, kind, key, upto)
            started = time.perf_counter()
            found = of(histories, kind, key, upto)
            loads[0] += 1
            loads[1] += len(found)
            loads[2] += time.perf_counter() - started
            return found

        runner.Histories.of = counted
        self.failures = Failures()
        # the reading process's, and those the workers' screening reports (audit.detectors.shards)
        self.loggers = [logging.getLogger(f"audit.detectors.{n}") for n in ("runner", "shards")]
        self.propagated = [logger.propagate for logger in self.loggers]
        for logger in self.loggers:
            logger.addHandler(self.failures)
            logger.propagate = False  # quiet
        return self

    def _timed(self, name: str, check):
        stats = self.stats[name]

        def timed(fact, scope):
            started = time.perf_counter()
            try:
                found = list(check(fact, scope))
            finally:
                stats[0] += 1
                stats[1] += time.perf_counter() - started
            stats[2] += len(found)
            return found

        return timed

    def __exit__(self, *_) -> None:
        self.base.DETECTORS.clear()
        self.base.DETECTORS.update(self.saved)
        self.runner.Histories.of = self.of
        for logger, propagate in zip(self.loggers, self.propagated, strict=True):
            logger.removeHandler(self.failures)
            logger.propagate = propagate

    def detectors(self) -> dict[str, dict]:
        return {
            name: {"calls": calls, "seconds": round(seconds, 3), "findings": found}
            for name, (calls, seconds, found) in sorted(self.stats.items(), key=lambda i: -i[1][1])
        }


# --- 1. the year --------------------------------------------------------------------------------


def fill_ledger(year: Year) -> dict:
    """Append the year's events after the ledger's head in bulk, correctly chained, each with
    its row in the ledger's index by subject, as ``chain.append`` writes them."""
    from audit.ledger import chain, index
    from audit.ledger.models import IndexedEvent, LedgerEntry
    from bidhall.db import db

    with db.transaction() as session:
        seq, prev = chain.head(session)
    insert = LedgerEntry.__table__.insert()
    insert_index = IndexedEvent.__table__.insert()
    opened: dict[int, int | None] = {}  # session -> tender, across the batches
    types: Counter[str] = Counter()
    rows: list[dict] = []
    subjects: list[tuple[int, str, dict]] = []
    payload_bytes = 0
    started = time.perf_counter()

    def flush() -> None:
        with db.engine.begin() as connection:
            connection.execute(insert, rows)  # executemany
            connection.execute(insert_index, index.rows(connection, subjects, opened))
        rows.clear()
        subjects.clear()

    for at, actor, type_, payload in year.events():
        seq += 1
        payload_json = chain.canonical_json(payload)
        digest = chain.entry_hash(prev, seq, chain.format_at(at), actor, type_, payload_json)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "type": type_,
                "payload": payload_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        subjects.append((seq, type_, payload))
        prev = digest
        types[type_] += 1
        payload_bytes += len(payload_json)
        if len(rows) >= INSERT_BATCH:
            flush()
    if rows:
        flush()
    seconds = time.perf_counter() - started
    events = sum(types.values())
    return {
        "events": events,
        "head_seq": seq,
        "fill_s": round(seconds, 1),
        "fill_per_s": round(events / seconds),
        "mean_payload_bytes": round(payload_bytes / max(events, 1)),
        "types": dict(types.most_common()),
    }


def alerts_by_detector() -> dict[str, dict[str, int]]:
    from sqlalchemy import func, select

    from audit.alerts.models import Alert
    from bidhall.db import db

    found: dict[str, dict[str, int]] = defaultdict(dict)
    for detector, severity, count in db.session.execute(
        select(Alert.detector, Alert.severity, func.count()).group_by(
            Alert.detector, Alert.severity
        )
    ):
        found[detector][severity] = count
    db.session.rollback()
    return dict(sorted(found.items()))


def measure_year(args, tmp: Path) -> dict:
    from audit.detectors import runner
    from audit.ledger import chain
    from bidhall.db import db

    instance = tmp / "year"
    instance.mkdir()
    app = build_app(instance, AUDIT_WORKERS=args.workers)
    figures: dict = {}
    try:
        with app.app_context():
            year = Year(args.tenders, args.seed, full=args.full, marks_per_bid=args.marks_per_bid)
            filled = fill_ledger(year)
            types = filled.pop("types")
            say(step="fill", full=args.full, **filled, **year.counts)
            say(step="event_types", types=types)
            say(step="planted", planted=dict(sorted(year.planted.items())))
            with Watched() as watched:
                started, before = time.perf_counter(), os.times()
                read = runner.process_new()
                seconds, after = time.perf_counter() - started, os.times()
            # the workers' CPU too: a worker's times count once it has been waited for
            cpu = sum(after[:4]) - sum(before[:4])
            entries = db.session.execute(
                chain._HEAD  # the head after the alerts' own events
            ).first()[0]
            db.session.rollback()
            alerts = alerts_by_detector()
            failures = dict(watched.failures.counts)
            figures = {
                "tenders": args.tenders,
                "events": filled["events"],
                "read": read,
                "detectors_year_s": round(seconds, 1),
                "detectors_cpu_s": round(cpu, 1),
                "workers": args.workers,
                "read_per_s": round(read / seconds),
                "alerts": sum(sum(by.values()) for by in alerts.values()),
                "detector_failures": sum(failures.values()),
                "histories_loaded": watched.loads[0],
                "history_facts_loaded": watched.loads[1],
                "history_load_s": round(watched.loads[2], 1),
                # timed in the reading process: with workers, only the entries after the backlog
                "detectors_s": round(sum(s[1] for s in watched.stats.values()), 1),
            }
            if args.tenders != FULL_YEAR:
                figures["extrapolated_year_s"] = round(seconds * FULL_YEAR / args.tenders, 1)
            say(step="detectors", **figures)
            say(step="detector_times", detectors=watched.detectors())
            say(step="alerts", by_detector=alerts)
            say(step="failures", counts=failures, first=watched.failures.first)
            if failures:
                note(f"detector failures: {failures}")
            rates = []
            for _ in range(args.verify_runs):
                started = time.perf_counter()
                result = chain.verify(db.session)
                rates.append(result.checked / (time.perf_counter() - started))
                assert result.ok, result.first_problem
            figures["verify_per_s"] = round(statistics.median(rates))
            figures["verify_entries"] = result.checked
            say(
                step="verify",
                entries=result.checked,
                runs=len(rates),
                per_s=figures["verify_per_s"],
                best_per_s=round(max(rates)),
            )
            figures["ledger_entries"] = entries
    finally:
        db.dispose()
    return figures


def profile_year(args, tmp: Path) -> dict:
    """cProfile over one re-screen of a ``--profile``-tender year: the top costs."""
    from audit.detectors import runner
    from bidhall.db import db

    instance = tmp / "profile"
    instance.mkdir()
    app = build_app(instance)
    try:
        with app.app_context():
            filled = fill_ledger(
                Year(args.profile, args.seed, full=args.full, marks_per_bid=args.marks_per_bid)
            )
            profiler = cProfile.Profile()
            with Watched():
                started = time.perf_counter()
                profiler.enable()
                runner.process_new()
                profiler.disable()
                seconds = time.perf_counter() - started
    finally:
        db.dispose()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (path, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        where = f"{Path(path).relative_to(ROOT) if path.startswith(str(ROOT)) else path}:{line}"
        rows.append(
            {
                "function": f"{where}({name})",
                "calls": calls,
                "tottime_s": round(tottime, 2),
                "cumtime_s": round(cumtime, 2),
            }
        )
    top_tot = sorted(rows, key=lambda r: -r["tottime_s"])[:20]
    ours = [
        r
        for r in rows
        if ROOT.name in r["function"]
        or r["function"].startswith(("audit", "bidhall", "evaluation", "trading"))
    ]
    top_cum = sorted(ours, key=lambda r: -r["cumtime_s"])[:25]
    figures = {"tenders": args.profile, "events": filled["events"], "profiled_s": round(seconds, 1)}
    say(step="profile", **figures, top_tottime=top_tot, top_cumtime_ours=top_cum)
    return figures


# --- 2. online ----------------------------------------------------------------------------------


class Units:
    """``runner.process_new`` as the after-commit hook calls it, timed per unit."""

    def __init__(self) -> None:
        from audit.detectors import runner

        self.runner = runner
        self.original = runner.process_new
        self.samples: list[tuple[str, int, float, int]] = []  # command, session size, s, read
        self.cpu: list[float] = []  # the thread's CPU seconds of each sample
        self.label = "setup"
        self.size = 0

    def __enter__(self):
        def timed() -> int:
            started, cpu = time.perf_counter(), time.thread_time()
            read = self.original()
            self.samples.append((self.label, self.size, time.perf_counter() - started, read))
            # the pass's own CPU time: on a loaded machine the wall time also holds the time
            # the thread waited for a core
            self.cpu.append(time.thread_time() - cpu)
            return read

        self.runner.process_new = timed
        return self

    def __exit__(self, *_) -> None:
        self.runner.process_new = self.original


def measure_online(args, tmp: Path) -> dict:
    from sqlalchemy import func, select

    from audit.ledger.models import IndexedEvent
    from bench.evaluation import Scores, build_world, criteria_for
    from bidhall import clock
    from bidhall.accounts.models import User
    from bidhall.db import db
    from evaluation.sessions import commands
    from evaluation.sessions.models import EvaluationSession, SessionMember

    rng = random.Random(args.seed)
    instance = tmp / "online"
    instance.mkdir()
    url = f"sqlite:///{instance}/bench.db"
    started = time.perf_counter()
    world = build_world(url, instance, args.online_bids, rng)
    app = build_app(instance, url)
    build_s = time.perf_counter() - started
    ids = iter(range(1, 10**9))
    figures: dict = {}
    try:
        with app.app_context(), Watched() as watched, Units() as units:
            fake = clock.FakeClock(clock.now().replace(second=0, microsecond=0))
            clock.use(fake)
            fake.advance(minutes=2)
            units.label = "open_session"
            response = app.test_client().post(
                f"/api/tenders/{world['tender_id']}/evaluation",
                json={},
                headers={"Authorization": f"Bearer {world['tokens']['agency']}"},
            )
            assert response.status_code == 201, response.get_data(as_text=True)
            session_id = response.get_json()["session_id"]
            evaluation = db.session.get(EvaluationSession, session_id)
            bids = list(evaluation.bid_ids)
            requirements = [r["id"] for r in evaluation.requirements]
            members = {
                m.seat: db.session.get(User, m.user_id)
                for m in db.session.scalars(
                    select(SessionMember).where(SessionMember.session_id == session_id)
                )
            }
            db.session.rollback()
            seats = sorted(members)
            leader = members[1]
            size_query = select(func.count()).where(IndexedEvent.session_id == session_id)
            command_times: dict[str, list[float]] = defaultdict(list)

            def run(user, name: str, advance: float, **data) -> dict:
                fake.advance(seconds=advance)
                units.label = name
                units.size = db.session.scalar(size_query)
                db.session.rollback()
                began = time.perf_counter()
                result = commands.run(user, session_id, name, {"cmd_id": f"b{next(ids)}", **data})
                command_times[name].append(time.perf_counter() - began)
                return result

            for seat in seats:  # the election: everyone for seat 1
                run(members[seat], "cast", 20, vote=1, choice="1")
            marks = [(bid, r) for bid in bids for r in requirements]
            every = max(1, len(marks) // (args.online_votes + 1))
            votes = {every * (i + 1): i + 1 for i in range(args.online_votes)}
            for n, (bid, requirement) in enumerate(marks):  # members mark side by side
                for seat in seats:  # one mark every ~13 s: ~2 minutes a mark for each member
                    run(members[seat], "mark", 13, bid_id=bid, requirement=requirement, passed=True)
                if n in votes:
                    vote = run(
                        leader,
                        "open_vote",
                        30,
                        matter="other",
                        options=["yes", "no"],
                        question=f"Treat deviation {n} as minor?",
                    )["vote"]
                    early = votes[n] == (args.online_votes + 1) // 2
                    voters = seats[:-1] if early else seats
                    for seat in voters:  # the last member alone against the rest
                        choice = "no" if seat == seats[-1] else "yes"
                        run(members[seat], "cast", 15, vote=vote, choice=choice)
                    if early:
                        run(leader, "close_vote", 20, vote=vote)
            run(leader, "close_review", 60)
            evaluation = db.session.get(EvaluationSession, session_id)
            passed = [str(b) for b in evaluation.passed_bid_ids]
            db.session.rollback()
            scores = Scores(rng, criteria_for("construction"), passed)
            sheets = {seat: scores.sheet() for seat in seats}
            for seat in seats:
                run(members[seat], "submit_scores", 240, scores=sheets[seat])
            subjective = [name for name in scores.tops if name not in scores.objective]
            k = 0
            while k < args.online_reopens or len(units.samples) < args.online_units:
                seat = seats[k % len(seats)]
                bid, criterion = passed[k % len(passed)], subjective[k % len(subjective)]
                run(
                    leader,
                    "reopen",
                    30,
                    seat=seat,
                    bid_id=int(bid),
                    criterion=criterion,
                    reason=f"recheck {k}",
                )
                sheet = sheets[seat]
                sheet[bid][criterion] = scores.rescore(bid, criterion, sheet[bid][criterion])
                run(members[seat], "submit_scores", 90, scores=sheet)
                k += 1
            final_size = db.session.scalar(size_query)
            db.session.rollback()
            alerts = alerts_by_detector()
            failures = dict(watched.failures.counts)
    finally:
        clock.use(clock.SystemClock())
        db.dispose()

    samples = units.samples
    times = [s[2] for s in samples]
    by_command = {}
    for name in sorted({s[0] for s in samples}):
        mine = [s[2] for s in samples if s[0] == name]
        by_command[name] = {
            "units": len(mine),
            "p50_ms": ms(percentile(mine, 50)),
            "p99_ms": ms(percentile(mine, 99)),
            "max_ms": ms(max(mine)),
        }
        if command_times.get(name):
            by_command[name]["command_p50_ms"] = ms(percentile(command_times[name], 50))
    by_size = {}
    width = 500
    for low in range(0, final_size + 1, width):
        mine = [s[2] for s in samples if low <= s[1] < low + width]
        if mine:
            by_size[f"{low}-{low + width - 1}"] = {
                "units": len(mine),
                "p50_ms": ms(percentile(mine, 50)),
                "p99_ms": ms(percentile(mine, 99)),
            }
    figures = {
        "online_units": len(times),
        "online_p50_ms": ms(percentile(times, 50)),
        "online_p99_ms": ms(percentile(times, 99)),
        "online_max_ms": ms(max(times)),
        "online_mean_ms": ms(statistics.fmean(times)),
        "online_cpu_p50_ms": ms(percentile(units.cpu, 50)),
        "online_cpu_p99_ms": ms(percentile(units.cpu, 99)),
        "online_entries_read": sum(s[3] for s in samples),
        "online_session_events": final_size,
        "online_bids": len(bids),
        "online_members": len(seats),
        "online_alerts": alerts,
        "online_detector_failures": failures,
        "online_build_s": round(build_s, 1),
    }
    say(
        step="online",
        **figures,
        by_command=by_command,
        by_session_size=by_size,
        detector_times=watched.detectors(),
        failures_first=watched.failures.first,
    )
    return figures


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenders", type=int, default=FULL_YEAR)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 tenders (the year extrapolated), 2,000 online units",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="also the events no detector reads (holders, downloads, sign-ins, "
        "decryptions, draw answers, check-ins, signatures)",
    )
    parser.add_argument(
        "--marks-per-bid",
        type=int,
        default=1,
        help="review marks per member and bid in the year (real: 6)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="AUDIT_WORKERS: the year's backlog screened by this many processes (1: the "
        "reading process alone, and each detector's time measured)",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--verify-runs", type=int, default=3)
    parser.add_argument("--online-bids", type=int, default=35)
    parser.add_argument("--online-units", type=int, default=2000)
    parser.add_argument("--online-votes", type=int, default=8)
    parser.add_argument(
        "--online-reopens",
        type=int,
        default=20,
        help="items reopened and resubmitted after the scoring (more if the units need them)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="TENDERS",
        help="also profile a re-screen of this many tenders",
    )
    parser.add_argument("--skip", action="append", default=[], choices=("year", "online"))
    args = parser.parse_args(argv)
    if args.quick:
        args.tenders = min(args.tenders, 2000)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    load = os.getloadavg()
    figures: dict = {}
    base = os.environ.get("BIDHALL_BENCH_TMP")
    with tempfile.TemporaryDirectory(prefix="bidhall-audit-bench-", dir=base) as folder:
        tmp = Path(folder)
        if "year" not in args.skip:
            figures.update(measure_year(args, tmp))
        if "online" not in args.skip:
            figures.update(measure_online(args, tmp))
        if args.profile:
            figures["profile"] = profile_year(args, tmp)
    summary = {
        "detectors_year_s": figures.get("detectors_year_s"),
        "online_p99_ms": figures.get("online_p99_ms"),
        "verify_per_s": figures.get("verify_per_s"),
        "targets": {"detectors_year_s": 60, "online_p99_ms": 5},
        **{
            k: v
            for k, v in figures.items()
            if k not in ("detectors_year_s", "online_p99_ms", "verify_per_s")
        },
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary, default=str), flush=True)


if __name__ == "__main__":
    main()
