"""Opening-hall benchmark (not a test): Socket.IO fan-out of `/opening` hall messages, bidhall
against the Node.js socket.io reference server, with the same Node.js client driver (issue 5).

    .venv/bin/python bench/opening.py            # everything, about 10 minutes
    .venv/bin/python bench/opening.py --quick    # a smoke run, about 1.5 minutes

Scenarios
- ``rooms``: 100 halls x 20 listening clients (2,000 connections); each hall's host says one
  message per second for 30 s. Delivery latency p50/p99/max (target for one bidhall process:
  p99 <= 200 ms).
- ``capacity``: one hall, 2,000 listening clients; the host says 1, 2, 5, 10, 20 messages per
  second, 10 s per rate. The highest deliveries/s at which p99 stays <= 1 s (target: one
  bidhall process >= 0.5x the Node reference). Stepping stops at the first rate that misses it
  (``--all-rates`` runs them all).

Servers
- ``bidhall``: one `bidhall serve --async-mode gevent` process (scheduler on, as in production).
- ``bidhall-redis-2proc``: two such processes sharing Redis (``--redis-url``, default
  127.0.0.1:6379) as the Socket.IO message queue, the second with --no-scheduler; listeners and
  hosts are split across both, so half of every hall hears a message published by the other.
- ``node``: bench/opening_node/server.js, the same protocol in memory on socket.io 4.

Latency is the listener's receive time minus the message's ``at`` (the server's persist time for
bidhall, its emit time for Node); ``e2e_*`` is receive time minus the moment the host sent the
``say``, which also counts the command's persist. socket.io and socket.io-client come from the npm
registry into a temporary folder (nothing is kept). bidhall's world -- a database with one agency,
one supervisor and N published tenders, tokens for both -- is built through bidhall's own services
in a temporary folder (SQLite), or on ``--database postgresql`` (a fresh database on
BIDHALL_BENCH_POSTGRESQL_URL's server, dropped afterwards) or ``--database-url``.

Prints one JSON object per line, one per server and scenario, with server, scenario, clients,
connect_s, p50_ms, p99_ms, max_ms, deliveries_per_s, rss_mib (the server processes' peak RSS,
summed) and extras (server_cpu_pct, driver_cpu_pct: the driver's CPU in % of one core, per-rate
``steps`` for capacity); the last line is a summary object with the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

NODE_DIR = Path(__file__).resolve().parent / "opening_node"
POSTGRESQL_URL = os.environ.get(
    "BIDHALL_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SERVERS = ("bidhall", "bidhall-redis-2proc", "node")
SCENARIOS = ("rooms", "capacity")
NODE_HOST_TOKEN = "host-bench"  # the reference grants the host role by token prefix
NODE_LISTENER_TOKEN = "supervisor-bench"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def say(**figures) -> None:
    print(json.dumps(figures), flush=True)


def note(message: str) -> None:
    print(f"[opening] {message}", file=sys.stderr, flush=True)


# --- the npm packages ---------------------------------------------------------------------------


def npm_install(folder: Path) -> dict:
    """socket.io and socket.io-client 4 from the npm registry into ``folder``."""
    if not (folder / "node_modules" / "socket.io-client").is_dir():
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
                str(folder),
                "socket.io@4",
                "socket.io-client@4",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    versions = {}
    for package in ("socket.io", "socket.io-client"):
        manifest = folder / "node_modules" / package / "package.json"
        versions[package] = json.loads(manifest.read_text())["version"]
    return versions


# --- bidhall's world ----------------------------------------------------------------------------


def build_world(database_url: str, instance: Path, halls: int) -> dict:
    """An agency, a supervisor (both enrolled: the opening custodians) and ``halls`` published
    tenders before their deadline, made through the services; API tokens for both users."""
    from bidhall import clock, migrate
    from bidhall.accounts import services as accounts
    from bidhall.crypto import keys, serialize
    from bidhall.crypto import services as pki
    from bidhall.db import db
    from bidhall.shell.app import create_app
    from tests.fixtures.factories import draft_data
    from trading.tenders import queries
    from trading.tenders import services as trading
    from trading.tenders.schemas import parse_draft

    app = create_app(
        {
            "BIDHALL_ENV": "development",
            "DATABASE_URL": database_url,
            "BIDHALL_INSTANCE": str(instance),
            "SCHEDULER_ENABLED": False,
            "SOCKETIO_ASYNC_MODE": "threading",
            "REDIS_URL": None,
        }
    )
    real_now = clock.now()
    fake = clock.FakeClock(real_now - timedelta(days=2))
    clock.use(fake)
    started = time.perf_counter()
    try:
        with app.app_context():
            migrate.upgrade()
            password = secrets.token_urlsafe(16)

            def user(username: str, role: str, kind: str):
                org = accounts.create_organisation("system:bench", f"Bench {username}", kind)
                return accounts.create_user("system:bench", username, password, role, org.id)

            agency = user("bench-agency", "agency", "agency")
            supervisor = user("bench-supervisor", "supervisor", "authority")
            tenderer_org = accounts.create_organisation(
                "system:bench", "Bench tenderer", "tenderer"
            )
            for holder in (agency, supervisor):  # what `bidhall keys enroll` does
                bundle = keys.generate_bundle()
                signing, encryption = pki.enroll(holder, keys.certificate_request(bundle))
                keys.install_certificates(bundle, serialize.enrollment_answer(signing, encryption))
            tender_ids = []
            for n in range(1, halls + 1):
                fake.set(real_now - timedelta(days=2))
                draft = draft_data(tenderer_org.id, title=f"Bench opening hall {n}")
                tender = trading.create_tender(agency, parse_draft(draft))
                trading.add_document(agency, tender.id, "documents.pdf", _pdf())
                trading.submit_for_filing(agency, tender.id)
                trading.decide_filing(supervisor, tender.id, accept=True)
                fake.set(queries.get_tender(tender.id).issue_start)
                trading.publish_tender(agency, tender.id)
                tender_ids.append(tender.id)
            _token, host_token = accounts.issue_token(agency.id, "bench")
            _token, listener_token = accounts.issue_token(supervisor.id, "bench")
    finally:
        clock.use(clock.SystemClock())
        db.dispose()
    note(f"built {halls} published tenders in {time.perf_counter() - started:.1f} s")
    return {"halls": tender_ids, "host_token": host_token, "listener_token": listener_token}


def _pdf():
    import io

    return io.BytesIO(b"%PDF-1.7\n% bench tender documents\n")


@contextmanager
def database(kind: str, url: str | None, tmp: Path) -> Iterator[str]:
    if url:
        yield url
        return
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/opening-bench.db"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRESQL_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bidhall_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- server processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Servers:
    """The server processes of one measurement, their ports, and their CPU and memory."""

    def __init__(self, processes: list[subprocess.Popen], ports: list[int], logs: list[Path]):
        self.processes, self.ports, self.logs = processes, ports, logs
        self.urls = [f"http://127.0.0.1:{port}" for port in ports]
        self._peak_rss = 0
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self._cpu_start = 0.0
        self._wall_start = 0.0

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for process, port, log in zip(self.processes, self.ports, self.logs, strict=True):
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"server not ready: {log.read_text()[-2000:]}") from None
                    time.sleep(0.1)

    def start_sampling(self) -> None:
        self._cpu_start = self.cpu_seconds()
        self._wall_start = time.monotonic()
        self._sampling.set()

        def sample() -> None:
            while self._sampling.is_set():
                self._peak_rss = max(self._peak_rss, self.rss_bytes())
                time.sleep(0.25)

        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def stop_sampling(self) -> dict:
        cpu = self.cpu_seconds() - self._cpu_start
        wall = time.monotonic() - self._wall_start
        self._sampling.clear()
        if self._sampler is not None:
            self._sampler.join()
        rss_now = self.rss_bytes()
        return {
            "rss_mib": round(max(self._peak_rss, rss_now) / 2**20, 1),
            "rss_end_mib": round(rss_now / 2**20, 1),
            "server_cpu_pct": round(100 * cpu / wall, 1),  # of one core, summed over processes
            "processes": len(self.processes),
        }

    def rss_bytes(self) -> int:
        total = 0
        for process in self.processes:
            try:
                fields = Path(f"/proc/{process.pid}/statm").read_text().split()
                total += int(fields[1]) * PAGE_SIZE
            except OSError:
                pass
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            try:
                stat = Path(f"/proc/{process.pid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
            except OSError:
                pass
        return total

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_bidhall(world: dict, count: int, args, tmp: Path) -> Servers:
    bidhall = Path(sys.executable).parent / "bidhall"
    base = dict(os.environ)
    base.pop("SOCKETIO_ASYNC_MODE", None)
    base.update(
        DATABASE_URL=world["database_url"],
        BIDHALL_INSTANCE=str(world["instance"]),
        BIDHALL_ENV="production",
        SECRET_KEY=world["secret_key"],
        # production refuses to start without one (the bench's CA was made unencrypted by the
        # set-up process: loading it only warns)
        BIDHALL_CA_PASSPHRASE=world["secret_key"][:24],
        SCHEDULER_ENABLED="true",
    )
    if count > 1:
        base["REDIS_URL"] = args.redis_url
    else:
        base.pop("REDIS_URL", None)
    processes, ports, logs = [], [], []
    for n in range(count):
        port = free_port()
        command = [str(bidhall), "serve", "--port", str(port), "--async-mode", "gevent"]
        if n > 0:
            command.append("--no-scheduler")  # the tick runs in exactly one process
        log = tmp / f"bidhall-{port}.log"
        with open(log, "wb") as out:
            processes.append(
                subprocess.Popen(command, env=base, stdout=out, stderr=subprocess.STDOUT)
            )
        ports.append(port)
        logs.append(log)
    return Servers(processes, ports, logs)


def start_node(npm_folder: Path, tmp: Path) -> Servers:
    port = free_port()
    log = tmp / f"node-{port}.log"
    env = dict(os.environ, NODE_PATH=str(npm_folder / "node_modules"))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["node", str(NODE_DIR / "server.js"), str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Servers([process], [port], [log])


# --- one measurement ----------------------------------------------------------------------------


def run_driver(config: dict, npm_folder: Path, tmp: Path) -> dict:
    path = tmp / f"driver-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(config))
    env = dict(os.environ, NODE_PATH=str(npm_folder / "node_modules"))
    completed = subprocess.run(
        ["node", str(NODE_DIR / "driver.js"), str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        timeout=1800,
        check=False,
    )
    lines = completed.stdout.decode().strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"the driver failed (exit {completed.returncode})")
    return json.loads(lines[-1])


def measure(server: str, scenario: str, world: dict, npm_folder: Path, args, tmp: Path) -> dict:
    if server == "node":
        servers = start_node(npm_folder, tmp)
        halls = list(range(1, args.halls + 1))
        host_token, listener_token = NODE_HOST_TOKEN, NODE_LISTENER_TOKEN
    else:
        servers = start_bidhall(world, 2 if server == "bidhall-redis-2proc" else 1, args, tmp)
        halls = world["halls"]
        host_token, listener_token = world["host_token"], world["listener_token"]
    config = {
        "scenario": scenario,
        "urls": servers.urls,
        "namespace": "/opening",
        "host_token": host_token,
        "listener_token": listener_token,
        "connect_concurrency": args.connect_concurrency,
    }
    if scenario == "rooms":
        config.update(
            halls=halls[: args.halls],
            clients_per_hall=args.clients_per_hall,
            rate=1,
            seconds=args.seconds,
            drain_ms=15000,
        )
    else:
        config.update(
            halls=halls[:1],
            clients_per_hall=args.capacity_clients,
            rates=args.rates,
            step_seconds=args.step_seconds,
            p99_limit_ms=1000,
            all_rates=args.all_rates,
            drain_ms=20000,
        )
    try:
        servers.wait_ready()
        time.sleep(1)  # let the scheduler's first tick pass
        servers.start_sampling()
        result = run_driver(config, npm_folder, tmp)
        usage = servers.stop_sampling()
    finally:
        servers.stop()
    for log in servers.logs:
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            note(f"{log.name} has a traceback:\n{text[-3000:]}")
    line = {
        "server": server,
        "scenario": scenario,
        "clients": result["clients"],
        "connect_s": result["connect_s"],
        "p50_ms": result.get("p50_ms"),
        "p99_ms": result.get("p99_ms"),
        "max_ms": result.get("max_ms"),
        "deliveries_per_s": result.get("deliveries_per_s"),
        "rss_mib": usage["rss_mib"],
        **{k: v for k, v in usage.items() if k != "rss_mib"},
    }
    for key, value in result.items():
        if key not in line and key != "scenario":
            line[key] = value
    if server != "node":
        line["async_mode"] = "gevent"
        line["database"] = world["database"]
    return line


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (~1.5 min)")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=None, help="an existing, empty database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--npm-folder", default=None, help="reuse (or fill) this npm folder")
    parser.add_argument("--halls", type=int, default=None, help="rooms: halls (100)")
    parser.add_argument("--clients-per-hall", type=int, default=None, help="rooms: (20)")
    parser.add_argument("--seconds", type=float, default=None, help="rooms: duration (30)")
    parser.add_argument("--capacity-clients", type=int, default=None, help="capacity: (2000)")
    parser.add_argument("--rates", default=None, help="capacity: msg/s steps (1,2,5,10,20)")
    parser.add_argument("--step-seconds", type=float, default=None, help="capacity: (10)")
    parser.add_argument("--all-rates", action="store_true", help="go on past a failed rate")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "halls": 10 if quick else 100,
        "clients_per_hall": 20,
        "seconds": 5 if quick else 30,
        "capacity_clients": 200 if quick else 2000,
        "rates": "1,5,20" if quick else "1,2,5,10,20",
        "step_seconds": 3 if quick else 10,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.rates = [float(r) if "." in r else int(r) for r in str(args.rates).split(",")]
    args.servers = [s for s in args.servers.split(",") if s]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(args.servers) - set(SERVERS) | set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    return args


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def summary(lines: list[dict]) -> dict:
    def figure(server: str, scenario: str, key: str):
        for line in lines:
            if line["server"] == server and line["scenario"] == scenario:
                return line.get(key)
        return None

    result: dict = {"summary": True}
    for server in SERVERS:
        p99 = figure(server, "rooms", "p99_ms")
        if p99 is not None:
            result[f"rooms_p99_ms_{server}"] = p99
        capacity = figure(server, "capacity", "deliveries_per_s")
        if capacity is not None:
            result[f"capacity_deliveries_per_s_{server}"] = capacity
    rooms_p99 = figure("bidhall", "rooms", "p99_ms")
    if rooms_p99 is not None:
        result["rooms_target_p99_le_200ms_met"] = rooms_p99 <= 200
    ours, node = (
        figure("bidhall", "capacity", "deliveries_per_s"),
        figure("node", "capacity", "deliveries_per_s"),
    )
    if ours is not None and node:
        result["capacity_bidhall_vs_node"] = round(ours / node, 3)
        result["capacity_target_ge_0_5x_node_met"] = ours >= 0.5 * node
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    lines: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bidhall-opening-bench-") as tmp_name:
        tmp = Path(tmp_name)
        npm_folder = Path(args.npm_folder) if args.npm_folder else tmp / "npm"
        npm_folder.mkdir(parents=True, exist_ok=True)
        versions = npm_install(npm_folder)
        note(f"npm: {versions}")
        servers = list(args.servers)
        if "bidhall-redis-2proc" in servers and not redis_answers(args.redis_url):
            note(f"no Redis at {args.redis_url}: bidhall-redis-2proc skipped")
            servers.remove("bidhall-redis-2proc")
        world: dict = {}
        with database(args.database, args.database_url, tmp) as url:
            if any(s != "node" for s in servers):
                instance = tmp / "instance"
                world = build_world(url, instance, max(args.halls, 1))
                world.update(
                    database_url=url,
                    instance=instance,
                    secret_key=secrets.token_urlsafe(48),
                    database=url.split(":", 1)[0].split("+", 1)[0],
                )
            for scenario in args.scenarios:
                for server in servers:
                    note(f"{server} / {scenario} ...")
                    try:
                        line = measure(server, scenario, world, npm_folder, args, tmp)
                    except Exception as error:  # noqa: BLE001 - reported, the others go on
                        line = {"server": server, "scenario": scenario, "error": str(error)}
                    line["socket_io_node"] = versions["socket.io"]
                    say(**line)
                    lines.append(line)
    result = summary(lines)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["quick"] = args.quick
    say(**result)


if __name__ == "__main__":
    main()
