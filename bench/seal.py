"""Sealed-bid benchmark (not a test): envelope throughput against `age`, memory while sealing a
large bid, and a burst of concurrent bid uploads into one server process.

    .venv/bin/python bench/seal.py [--database sqlite|postgresql] [--bids 200] [--runs 5]

1. Seal and open a 256 MiB bid, file -> file, next to `age` on the same file, 5 runs of each; every
   run measures seal, age -e, open, age -d side by side so that the machine's drifts hit both
   alike, after a sync (--no-sync: without). seal = envelope.sealing.seal into a file; open =
   inspect + unwrap the documents key with the holder's key + extract_documents into a folder;
   age = `age -r RECIPIENT -o out in` / `age -d -i key -o out in`. Throughput is plaintext MiB per
   wall second; the headline figures are medians and the ratios median / median. Extras: min
   (slowest run) figures, the median of each run's own ratio (_paired), and MiB per CPU second
   (_cpu: user + system; the least disturbed by other jobs on a shared machine).
2. Peak RSS of a child process sealing a 1 GiB documents file (and a 256 MiB one, to show that
   memory does not grow with the size), plus the real `bidhall seal` command on the 1 GiB file.
3. A burst: N bidders (200) each upload a pre-sealed 10 MiB envelope at the same moment into one
   `bidhall serve` process (threading mode), through the resumable upload API (create, PATCH in
   4 MiB pieces, complete); every receipt is verified against GET /ca/root.pem and the bids are
   counted in the database.

Prints one JSON line per measurement; the last line is the summary with seal_mib_s, open_mib_s,
age_encrypt_mib_s, age_decrypt_mib_s, seal_vs_age, open_vs_age, peak_rss_mib_1gib, burst_uploads,
burst_lost, burst_p99_s (and extras). The data and the server live in a temporary folder
(BIDHALL_BENCH_TMP or the system's), removed at the end. Needs Debian's `age`. About 1-2 minutes.
--database postgresql runs the burst on a fresh database of BIDHALL_BENCH_POSTGRESQL_URL's server
(dropped afterwards). --stalled-uploads N (after the burst) stalls N uploads in mid-body and times
one quick request: whether uploads in progress hold the server's database connections.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import logging
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from bidhall import clock, migrate  # noqa: E402
from bidhall.db import db  # noqa: E402
from bidhall.envelope import reading as envelope_reading  # noqa: E402
from bidhall.envelope import sealing as envelope  # noqa: E402
from bidhall.envelope import unsealing  # noqa: E402
from bidhall.shell.app import create_app  # noqa: E402

MIB = 1024 * 1024
POSTGRESQL_URL = os.environ.get(
    "BIDHALL_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AGE = shutil.which("age") or "/usr/bin/age"
AGE_KEYGEN = shutil.which("age-keygen") or "/usr/bin/age-keygen"
BIDHALL = Path(sys.executable).with_name("bidhall")
PASSWORD = "bench-password-1"
PASSPHRASE = "bench key passphrase"
PIECE = 4 * MIB  # bytes per PATCH in the burst
SUMMARY = {
    "lot": 1,
    "price": "10350000.00",
    "duration_days": 540,
    "quality": "qualified",
    "project_manager": "Zhang Wei",
    "key_commitments": "Safety first.",
}


def say(**figures) -> None:
    print(json.dumps(figures), flush=True)


def rounded(value: float, digits: int = 1) -> float:
    return round(value, digits)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes; return their SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    block = 16 * MIB
    with open(path, "wb") as out:
        left = size
        while left:
            data = os.urandom(min(block, left))
            digest.update(data)
            out.write(data)
            left -= len(data)
    return digest.hexdigest()


def manifest_of(path: Path) -> str:
    from bidhall.envelope import reading as envelope_reading

    with open(path, "rb") as handle:
        return envelope_reading.inspect(handle).manifest_sha256


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


SYNC_BETWEEN_RUNS = True


def settle() -> None:
    """Write back what earlier runs left dirty, so that no run pays for another's writes (the
    timed runs then compare CPU and page-cache work; --no-sync lets write-back land anywhere)."""
    if SYNC_BETWEEN_RUNS:
        os.sync()


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --- the platform: a published tender, its custodians, enrolled bidders ------------------------


class World:
    """What the preparation made: the app's database and instance, the tender, the bidders."""

    def __init__(self, url: str, instance: Path) -> None:
        self.url = url
        self.instance = instance
        self.tender_id = 0
        self.descriptor: dict = {}
        self.bidders: list[dict] = []  # {"user_id", "token", "bundle"}

    def seal_target(self, lot: int = 1) -> envelope.SealTarget:
        from cryptography import x509

        custodians = sorted(self.descriptor["custodians"], key=lambda c: c["x"])
        return envelope.SealTarget(
            tender_id=self.descriptor["tender"]["id"],
            tender_reference=self.descriptor["tender"]["reference"],
            custodians=[
                x509.load_pem_x509_certificate(c["certificate"].encode()) for c in custodians
            ],
            threshold=self.descriptor["threshold"],
            chunk_size=self.descriptor["chunk_size"],
            lot=lot,
        )

    @staticmethod
    def sealer(bundle) -> envelope.Sealer:
        return envelope.Sealer(
            bundle.signing_key, bundle.signing_cert, bundle.encryption_cert, list(bundle.chain)
        )


def prepare(url: str, instance: Path, bidders: int) -> World:
    """Build, through the services, a tender published two days ago whose bid window is open now
    (real clock), its custodians, and ``bidders`` enrolled bidders with an API token each."""
    from bidhall.accounts import services as accounts
    from bidhall.accounts.models import ORG_KIND_FOR_ROLE, Role
    from bidhall.crypto import keys, serialize
    from bidhall.crypto import services as pki
    from trading.bids import sealing as bids
    from trading.tenders import queries, services
    from trading.tenders.schemas import parse_draft

    world = World(url, instance)
    # the bench's own throwaway CA: its warning that the CA keys are not encrypted is expected
    logging.getLogger("bidhall.crypto.ca").setLevel(logging.ERROR)
    # the prep process uses the testing profile only for its cheap password hashes (nobody logs
    # in with them); the server runs as development
    create_app(
        {
            "BIDHALL_ENV": "testing",
            "DATABASE_URL": url,
            "BIDHALL_INSTANCE": str(instance),
            "SCHEDULER_ENABLED": False,
        }
    )
    migrate.upgrade()
    tag = uuid.uuid4().hex[:6]

    def user(role: str, name: str, organisation=None):
        if organisation is None:
            kind = ORG_KIND_FOR_ROLE[Role(role)]
            organisation = accounts.create_organisation("system:bench", f"{name} {tag}", kind)
        return accounts.create_user(
            "system:bench", f"{name}{tag}".replace("-", ""), PASSWORD, role, organisation.id
        )

    def enroll(holder):
        bundle = keys.generate_bundle()
        signing, encryption = pki.enroll(holder, keys.certificate_request(bundle))
        return keys.install_certificates(bundle, serialize.enrollment_answer(signing, encryption))

    # drafting, filing and publication happen two days ago (the issue start must be in the
    # future at filing); the bid deadline is then three weeks after the issue start
    real_now = datetime.now(UTC).replace(microsecond=0)
    fake = clock.FakeClock(real_now - timedelta(days=2))
    clock.use(fake)
    try:
        tenderer_org = accounts.create_organisation(
            "system:bench", f"Bench Tenderer {tag}", "tenderer"
        )
        agency = user("agency", "benchagency")
        supervisor = user("supervisor", "benchsupervisor")
        for custodian in (agency, supervisor):
            enroll(custodian)
        start = fake.now() + timedelta(minutes=1)
        draft = {
            "title": "Benchmark: riverside school teaching building",
            "rule_set": "construction",
            "category": "works",
            "method": "comprehensive",
            "tenderer_id": tenderer_org.id,
            "bid_validity_days": 90,
            "issue_start": start.isoformat(),
            "issue_end": (start + timedelta(days=6)).isoformat(),
            "bid_deadline": (start + timedelta(days=21)).isoformat(),
            "lots": [
                {
                    "number": 1,
                    "title": "Lot 1: main works",
                    "estimated_price": "12000000.00",
                    "ceiling_price": "11500000.00",
                    "guarantee_amount": "200000.00",
                }
            ],
            "criteria": [
                {"name": "price", "kind": "price", "max_score": 60, "objective": True},
                {"name": "construction plan", "kind": "technical", "max_score": 30},
                {"name": "track record", "kind": "commercial", "max_score": 10, "objective": True},
            ],
        }
        tender = services.create_tender(agency, parse_draft(draft))
        services.add_document(
            agency, tender.id, "tender-documents.pdf", _bytes_stream(b"%PDF-1.7 bench documents")
        )
        services.submit_for_filing(agency, tender.id)
        services.decide_filing(supervisor, tender.id, accept=True)
        fake.set(start)
        tender = services.publish_tender(agency, tender.id)
    finally:
        clock.use(clock.SystemClock())
    world.tender_id = tender.id
    world.descriptor = bids.sealing_descriptor(tender.id)
    db.session.remove()
    for n in range(bidders):
        bidder = user("bidder", f"benchbidder{n:04d}")
        _token, secret = accounts.issue_token(bidder.id, "bench")
        # only holders of the documents may bid
        document_id = queries.get_tender(tender.id).documents[0].id
        services.download_document(bidder, tender.id, document_id)[1].close()
        world.bidders.append({"user_id": bidder.id, "token": secret, "bundle": enroll(bidder)})
    db.session.remove()
    return world


def _bytes_stream(data: bytes):
    import io

    return io.BytesIO(data)


def seal_file(world: World, bundle, documents: Path, out_path: Path) -> dict:
    with open(out_path, "wb") as out:
        return envelope.seal(
            out,
            world.seal_target(),
            world.sealer(bundle),
            SUMMARY,
            documents,
            world.descriptor["commitment"],
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def open_file(sealed_path: Path, encryption_key, target: Path) -> list[str]:
    """What the bidder's side does at the opening: check the layout and signature, unwrap the key,
    decrypt the documents while checking every ciphertext hash against the signed manifest."""
    with open(sealed_path, "rb") as stream:
        sealed = envelope_reading.inspect(stream, hash_sections=False)
        key = unsealing.unwrap_for_holder(sealed, "documents", encryption_key)
        return unsealing.extract_documents(stream, sealed, key, target)


# --- 1. throughput against age ------------------------------------------------------------------


def timed(action) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of ``action``: this process's own CPU, or
    its children's when the action runs a child (age). CPU time is what other jobs on a shared
    machine disturb least."""
    settle()
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    own_after, children_after = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    cpu = sum(
        after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        for before, after in ((own, own_after), (children, children_after))
    )
    return wall, cpu


def age_run(*args: str) -> None:
    subprocess.run([AGE, *args], check=True, stdout=subprocess.DEVNULL)


def throughput(world: World, tmp: Path, size_mib: int, runs: int) -> dict:
    bundle = world.bidders[0]["bundle"]
    documents = tmp / "big-documents"
    plain = documents / "bid-documents.bin"
    plain_sha256 = random_file(plain, size_mib * MIB)
    key_file = tmp / "age-key.txt"
    subprocess.run([AGE_KEYGEN, "-o", str(key_file)], check=True, capture_output=True)
    recipient = subprocess.run(
        [AGE_KEYGEN, "-y", str(key_file)], check=True, capture_output=True, text=True
    ).stdout.strip()
    sealed, aged = tmp / "big.seal", tmp / "big.age"
    opened, unaged = tmp / "big-opened", tmp / "big-unaged.bin"

    names = ("seal", "age_encrypt", "open", "age_decrypt")
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}

    def record(name: str, action) -> None:
        seconds, cpu_seconds = timed(action)
        wall[name].append(seconds)
        cpu[name].append(cpu_seconds)

    try:
        # each run measures the four side by side, so that the machine's drifts (other jobs on
        # a shared machine) hit bidhall and age alike
        for run in range(runs):
            remove(sealed)
            record("seal", lambda: seal_file(world, bundle, documents, sealed))
            remove(aged)
            record("age_encrypt", lambda: age_run("-r", recipient, "-o", str(aged), str(plain)))
            remove(opened)
            opened.mkdir()
            record("open", lambda: open_file(sealed, bundle.encryption_key, opened))
            remove(unaged)
            record(
                "age_decrypt",
                lambda: age_run("-d", "-i", str(key_file), "-o", str(unaged), str(aged)),
            )
            say(
                step="throughput_run",
                run=run,
                **{f"{name}_s": rounded(wall[name][-1], 3) for name in names},
                **{f"{name}_cpu_s": rounded(cpu[name][-1], 3) for name in names},
            )
        # the results are right (outside the timings)
        assert file_sha256(opened / plain.name) == plain_sha256, "open: documents differ"
        assert file_sha256(unaged) == plain_sha256, "age: output differs"
        overhead = sealed.stat().st_size - plain.stat().st_size
    finally:
        for path in (documents, sealed, aged, opened, unaged, key_file):
            remove(path)

    figures: dict = {}
    for name in names:
        figures[f"{name}_mib_s"] = rounded(size_mib / statistics.median(wall[name]))
        figures[f"{name}_mib_s_min"] = rounded(size_mib / max(wall[name]))
        figures[f"{name}_mib_per_cpu_s"] = rounded(size_mib / statistics.median(cpu[name]))
    for ours, theirs in (("seal", "age_encrypt"), ("open", "age_decrypt")):
        figures[f"{ours}_vs_age"] = round(figures[f"{ours}_mib_s"] / figures[f"{theirs}_mib_s"], 2)
        figures[f"{ours}_vs_age_min"] = round(
            figures[f"{ours}_mib_s_min"] / figures[f"{theirs}_mib_s_min"], 2
        )
        # the median of each run's own ratio, and the ratio of CPU time per MiB
        figures[f"{ours}_vs_age_paired"] = round(
            statistics.median(a / b for a, b in zip(wall[theirs], wall[ours], strict=True)), 2
        )
        figures[f"{ours}_vs_age_cpu"] = round(
            figures[f"{ours}_mib_per_cpu_s"] / figures[f"{theirs}_mib_per_cpu_s"], 2
        )
    figures["throughput_runs"] = runs
    figures["throughput_file_mib"] = size_mib
    say(step="throughput", envelope_overhead_bytes=overhead, **figures)
    return figures


# --- 2. memory while sealing --------------------------------------------------------------------

CHILD_SEAL = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])


def hwm_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])


from pathlib import Path
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from bidhall import envelope

spec = json.loads(Path(sys.argv[1]).read_text())
load = lambda pem: x509.load_pem_x509_certificate(pem.encode())
target = envelope.SealTarget(
    tender_id=spec["tender_id"], tender_reference=spec["reference"],
    custodians=[load(p) for p in spec["custodians"]], threshold=spec["threshold"],
    chunk_size=spec["chunk_size"], lot=1,
)
sealer = envelope.Sealer(
    serialization.load_pem_private_key(spec["signing_key"].encode(), None),
    load(spec["signing_cert"]), load(spec["encryption_cert"]),
)
before = hwm_kib()
started = time.perf_counter()
with open(spec["output"], "wb") as out:
    envelope.seal(out, target, sealer, spec["summary"], Path(spec["documents"]),
                  spec["commitment"], "2026-03-01T01:30:00Z")
seconds = time.perf_counter() - started
print(json.dumps({"hwm_before_kib": before, "hwm_kib": hwm_kib(), "seconds": seconds}))
"""


CLI_WITH_HWM = r"""
import atexit, os, sys


def record():
    with open("/proc/self/status") as status:
        hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(os.environ["BENCH_HWM_FILE"], "w") as out:
        out.write(str(hwm))


atexit.register(record)
sys.argv = ["bidhall", *sys.argv[1:]]
from bidhall.shell.cli import main

main()
"""


def run_child(command: list[str], env: dict | None = None) -> str:
    """Run a child to its end; return its stdout.

    Its peak RSS is read from its own /proc status (VmHWM) from inside it: neither wait4's nor
    RUSAGE_CHILDREN's ru_maxrss will do, as Linux carries into them the high-water mark of the
    image the child was forked from (this benchmark process, some 100+ MiB) when it execs."""
    result = subprocess.run(command, capture_output=True, env=env, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed: {result.stderr[-2000:]}")
    return result.stdout


def memory(world: World, tmp: Path, sizes_mib: list[int]) -> dict:
    from cryptography.hazmat.primitives import serialization

    from bidhall.crypto import keys

    bundle = world.bidders[0]["bundle"]
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM).decode()  # noqa: E731
    custodians = sorted(world.descriptor["custodians"], key=lambda c: c["x"])
    figures: dict = {}
    key_path = tmp / "bidder.bhkey"
    keys.save_bundle(key_path, bundle, PASSPHRASE, iterations=1000)
    descriptor_path, summary_path = tmp / "descriptor.json", tmp / "summary.json"
    descriptor_path.write_text(json.dumps(world.descriptor))
    summary_path.write_text(json.dumps(SUMMARY))
    for size_mib in sizes_mib:
        documents = tmp / f"rss-documents-{size_mib}"
        output = tmp / f"rss-{size_mib}.seal"
        try:
            random_file(documents / "bid-documents.bin", size_mib * MIB)
            spec = tmp / "rss-spec.json"
            spec.write_text(
                json.dumps(
                    {
                        "tender_id": world.tender_id,
                        "reference": world.descriptor["tender"]["reference"],
                        "custodians": [c["certificate"] for c in custodians],
                        "threshold": world.descriptor["threshold"],
                        "chunk_size": world.descriptor["chunk_size"],
                        "signing_key": bundle.signing_key.private_bytes(
                            serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption(),
                        ).decode(),
                        "signing_cert": pem(bundle.signing_cert),
                        "encryption_cert": pem(bundle.encryption_cert),
                        "summary": SUMMARY,
                        "documents": str(documents),
                        "output": str(output),
                        "commitment": world.descriptor["commitment"],
                    }
                )
            )
            settle()
            stdout = run_child([sys.executable, "-c", CHILD_SEAL, str(spec), str(ROOT)])
            report = json.loads(stdout.strip().splitlines()[-1])
            remove(output)
            peak = rounded(report["hwm_kib"] / 1024)
            figures[f"peak_rss_mib_{_size_name(size_mib)}"] = peak
            say(
                step="seal_memory",
                file_mib=size_mib,
                peak_rss_mib=peak,
                rss_before_sealing_mib=rounded(report["hwm_before_kib"] / 1024),
                growth_while_sealing_mib=rounded(
                    (report["hwm_kib"] - report["hwm_before_kib"]) / 1024
                ),
                seal_mib_s=rounded(size_mib / report["seconds"]),
            )
            if size_mib == max(sizes_mib):
                # the bidder's real tool on the same file
                settle()
                hwm_file = tmp / "cli-hwm"
                env = dict(os.environ, BIDHALL_KEY_PASSPHRASE=PASSPHRASE)
                env["BIDHALL_INSTANCE"] = str(tmp / "cli-instance")  # never the repository's
                env["BENCH_HWM_FILE"] = str(hwm_file)
                started = time.perf_counter()
                run_child(
                    [
                        sys.executable,
                        "-c",
                        CLI_WITH_HWM,
                        "seal",
                        "--tender",
                        str(descriptor_path),
                        "--summary",
                        str(summary_path),
                        "--documents",
                        str(documents),
                        "--key",
                        str(key_path),
                        "-o",
                        str(output),
                    ],
                    env,
                )
                seconds = time.perf_counter() - started
                cli_maxrss = int(hwm_file.read_text())
                remove(hwm_file)
                figures[f"peak_rss_mib_{_size_name(size_mib)}_cli"] = rounded(cli_maxrss / 1024)
                say(
                    step="seal_memory_cli",
                    command="bidhall seal",
                    file_mib=size_mib,
                    peak_rss_mib=rounded(cli_maxrss / 1024),
                    mib_s_including_start=rounded(size_mib / seconds),
                )
        finally:
            remove(documents)
            remove(output)
    for path in (key_path, descriptor_path, summary_path, tmp / "rss-spec.json"):
        remove(path)
    return figures


def _size_name(size_mib: int) -> str:
    return f"{size_mib // 1024}gib" if size_mib % 1024 == 0 else f"{size_mib}mib"


# --- 3. the upload burst ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proc_status(pid: int) -> dict:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM", "Threads"):
                    values[name] = int(rest.split()[0])
    except FileNotFoundError:
        pass
    return values


def proc_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@contextmanager
def server_process(world: World, tmp: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        BIDHALL_INSTANCE=str(world.instance),
        DATABASE_URL=world.url,
        SECRET_KEY=secrets.token_urlsafe(36),
        BIDHALL_ENV="development",
    )
    env.pop("SOCKETIO_ASYNC_MODE", None)  # the default: threading (gevent is not installed)
    env.pop("BIDHALL_ACCESS_LOG", None)
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(BIDHALL), "serve", "--port", str(port), "--no-scheduler"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=str(tmp),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited: {_tail(tmp / 'server.log')}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/ca/root.pem")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer: {_tail(tmp / 'server.log')}")
            time.sleep(0.2)
        yield server, port
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


class Upload:
    """One bidder's submission: create, PATCH in pieces, complete. Records its timing."""

    def __init__(self, port: int, tender_id: int, token: str, path: Path, manifest: str) -> None:
        self.port, self.tender_id, self.token, self.path, self.manifest = (
            port,
            tender_id,
            token,
            path,
            manifest,
        )
        self.size = path.stat().st_size
        self.started = self.finished = 0.0
        self.stage_times: dict[str, float] = {}
        self.receipt: dict | None = None
        self.bid_id: int | None = None
        self.error: str | None = None  # "<stage>: <what went wrong>"

    def _call(self, connection, method: str, url: str, body: bytes, headers: dict) -> dict:
        headers = {"Authorization": f"Bearer {self.token}", **headers}
        connection.request(method, url, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"HTTP {response.status} {data[:300].decode(errors='replace')}")
        return json.loads(data)

    def run(self, barrier: threading.Barrier) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        stage = "connect"
        try:
            barrier.wait()
            self.started = time.perf_counter()
            stage = "create"
            created = self._call(
                connection,
                "POST",
                f"/api/tenders/{self.tender_id}/uploads",
                json.dumps({"lot": 1, "size": self.size}).encode(),
                {"Content-Type": "application/json"},
            )
            self.stage_times["create"] = time.perf_counter() - self.started
            url = f"/api/uploads/{created['upload_id']}"
            offset = 0
            with open(self.path, "rb") as stream:
                while offset < self.size:
                    stage = "patch"
                    piece = stream.read(PIECE)
                    answer = self._call(
                        connection,
                        "PATCH",
                        url,
                        piece,
                        {
                            "Upload-Offset": str(offset),
                            "Content-Type": "application/octet-stream",
                        },
                    )
                    offset = answer["offset"]
            self.stage_times["uploaded"] = time.perf_counter() - self.started
            stage = "complete"
            answer = self._call(
                connection, "POST", f"{url}/complete", b"{}", {"Content-Type": "application/json"}
            )
            self.finished = time.perf_counter()
            self.receipt = answer["receipt"]
            self.bid_id = answer["bid_id"]
        except Exception as error:  # noqa: BLE001 - counted and reported
            self.finished = time.perf_counter()
            self.error = f"{stage}: {type(error).__name__}: {error}"[:300]
        finally:
            connection.close()


def burst(world: World, tmp: Path, bid_mib: int, database: str, stalled: int = 0) -> dict:
    from trading.bids.receipts import verify_receipt

    count = len(world.bidders)
    folder = tmp / "burst"
    documents = folder / "documents"
    random_file(documents / "bid-documents.bin", bid_mib * MIB)
    started = time.perf_counter()
    jobs = []
    for n, bidder in enumerate(world.bidders):
        path = folder / f"bid-{n:04d}.seal"
        seal_file(world, bidder["bundle"], documents, path)
        jobs.append((bidder, path, manifest_of(path)))
    envelope_bytes = jobs[0][1].stat().st_size
    say(
        step="burst_prepare",
        bids=count,
        envelope_mib=rounded(envelope_bytes / MIB, 2),
        sealing_s=rounded(time.perf_counter() - started, 2),
    )
    db.dispose()  # the server owns the database now
    settle()

    figures: dict = {"burst_submitted": count, "burst_database": database}
    with server_process(world, tmp) as (server, port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/ca/root.pem")
        root_pem = connection.getresponse().read().decode()
        connection.close()
        uploads = [
            Upload(port, world.tender_id, bidder["token"], path, digest)
            for bidder, path, digest in jobs
        ]
        barrier = threading.Barrier(count + 1)
        threads = [threading.Thread(target=u.run, args=(barrier,), daemon=True) for u in uploads]
        for thread in threads:
            thread.start()
        # sample the server while the burst runs
        samples: list[dict] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(proc_status(server.pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        rss_before = proc_status(server.pid)
        server_cpu_before = proc_cpu_seconds(server.pid)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        sampler.start()
        barrier.wait()
        burst_started = time.perf_counter()
        for thread in threads:
            thread.join(900)
        wall = time.perf_counter() - burst_started
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = proc_cpu_seconds(server.pid) - server_cpu_before
        done.set()
        sampler.join()
        server_status = proc_status(server.pid)
        alive = server.poll() is None
        stalled_figures = stalled_check(world, port, stalled) if stalled and alive else {}

    # every receipt: signature and chain to the served root, and that it names our envelope
    valid, invalid = [], []
    for upload in uploads:
        if upload.receipt is None:
            continue
        try:
            body = verify_receipt(upload.receipt, root_pem)
            assert body["manifest_sha256"] == upload.manifest, "another envelope"
            assert body["tender"]["id"] == world.tender_id, "another tender"
            assert body["bid_id"] == upload.bid_id, "another bid"
            valid.append(upload)
        except Exception as error:  # noqa: BLE001 - counted
            invalid.append(f"{type(error).__name__}: {error}")
    engine = create_engine(world.url)
    try:
        with engine.connect() as connection:
            in_db = set(
                connection.scalars(
                    text("SELECT id FROM bids WHERE tender_id = :t AND state = 'sealed'"),
                    {"t": world.tender_id},
                )
            )
            if not in_db:  # the enum may be stored by name
                in_db = set(
                    connection.scalars(
                        text("SELECT id FROM bids WHERE tender_id = :t"), {"t": world.tender_id}
                    )
                )
    finally:
        engine.dispose()
    receipted = {u.bid_id for u in valid}
    latencies = [u.finished - u.started for u in valid]
    errors: dict[str, int] = {}  # distinct failures and how many uploads each stopped
    for upload in uploads:
        if upload.error:
            errors[upload.error[:200]] = errors.get(upload.error[:200], 0) + 1
    client_cpu = (client_after.ru_utime - client_before.ru_utime) + (
        client_after.ru_stime - client_before.ru_stime
    )
    cpus = os.cpu_count() or 1
    figures.update(
        {
            "burst_uploads": len(valid),
            "burst_lost": count - len(valid),
            "burst_p50_s": rounded(percentile(latencies, 50), 2) if latencies else None,
            "burst_p99_s": rounded(percentile(latencies, 99), 2) if latencies else None,
            "burst_max_s": rounded(max(latencies), 2) if latencies else None,
            "burst_total_s": rounded(wall, 2),
            "burst_mib_s": rounded(count * envelope_bytes / MIB / wall),
            "burst_bids_in_db": len(in_db),
            "burst_bids_in_db_without_receipt": len(in_db - receipted),
            "burst_receipts_not_in_db": len(receipted - in_db),
            "burst_invalid_receipts": len(invalid),
            "burst_server_rss_mib_before": rounded(rss_before.get("VmRSS", 0) / 1024),
            "burst_server_peak_rss_mib": rounded(server_status.get("VmHWM", 0) / 1024),
            "burst_server_rss_mib_after": rounded(server_status.get("VmRSS", 0) / 1024),
            "burst_server_peak_threads": max((s.get("Threads", 0) for s in samples), default=0),
            "burst_server_cpu_s": rounded(server_cpu, 2),
            "burst_server_cpu_share": round(server_cpu / (wall * cpus), 2),
            "burst_client_cpu_s": rounded(client_cpu, 2),
            "burst_client_cpu_share": round(client_cpu / (wall * cpus), 2),
            "burst_server_alive": alive,
        }
    )
    stages = {
        name: rounded(statistics.median(u.stage_times[name] for u in valid), 2)
        for name in ("create", "uploaded")
        if valid
    }
    say(step="burst", median_stage_s=stages, errors=errors, invalid=invalid[:5], **figures)
    if errors or not alive:
        say(step="burst_server_log_tail", log=_tail(tmp / "server.log"))
    remove(folder)
    return figures | stalled_figures


def stalled_check(world: World, port: int, stalled: int) -> dict:
    """``stalled`` bidders each start an upload and send a PATCH whose body stops after 1000
    bytes (a slow or stuck link); then another bidder makes one quick authenticated request.
    Shows whether uploads in progress hold the server's database connections."""
    sockets: list[socket.socket] = []
    figures: dict = {"stalled_uploads": stalled}
    try:
        for bidder in world.bidders[:stalled]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": f"Bearer {bidder['token']}"}
            connection.request(
                "POST",
                f"/api/tenders/{world.tender_id}/uploads",
                body=json.dumps({"lot": 1, "size": PIECE}),
                headers=headers | {"Content-Type": "application/json"},
            )
            upload_id = json.loads(connection.getresponse().read())["upload_id"]
            connection.close()
            stuck = socket.create_connection(("127.0.0.1", port))
            stuck.sendall(
                (
                    f"PATCH /api/uploads/{upload_id} HTTP/1.1\r\nHost: bench\r\n"
                    f"Authorization: Bearer {bidder['token']}\r\nUpload-Offset: 0\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    f"Content-Length: {PIECE}\r\n\r\n"
                ).encode()
                + b"x" * 1000
            )
            sockets.append(stuck)
        time.sleep(1)
        quick = world.bidders[stalled % len(world.bidders)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        connection.request(
            "GET",
            f"/api/tenders/{world.tender_id}/bids/mine",
            headers={"Authorization": f"Bearer {quick['token']}"},
        )
        response = connection.getresponse()
        body = response.read()
        figures["stalled_quick_request_status"] = response.status
        figures["stalled_quick_request_s"] = rounded(time.perf_counter() - started, 2)
        if response.status != 200:
            figures["stalled_quick_request_error"] = body[:200].decode(errors="replace")
        connection.close()
    except Exception as error:  # noqa: BLE001 - reported
        figures["stalled_error"] = f"{type(error).__name__}: {error}"[:300]
    finally:
        for stuck in sockets:
            stuck.close()
    say(step="stalled_uploads", **figures)
    return figures


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    server = make_url(POSTGRESQL_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bidhall_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        raise SystemExit(f"PostgreSQL does not answer: {str(error.orig).strip()[:200]}") from None
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--bids", type=int, default=200, help="concurrent uploads in the burst")
    parser.add_argument("--bid-mib", type=int, default=10, help="documents per burst bid")
    parser.add_argument("--runs", type=int, default=5, help="runs of each throughput figure")
    parser.add_argument("--file-mib", type=int, default=256, help="the throughput bid")
    parser.add_argument("--rss-mib", type=int, default=1024, help="the memory bid")
    parser.add_argument(
        "--no-sync",
        action="store_true",
        help="do not sync between timed runs (write-back of one run may then slow the next)",
    )
    parser.add_argument(
        "--stalled-uploads",
        type=int,
        default=0,
        help="after the burst, stall this many uploads mid-body and time one quick request",
    )
    args = parser.parse_args()
    global SYNC_BETWEEN_RUNS
    SYNC_BETWEEN_RUNS = not args.no_sync
    if not Path(AGE).exists():
        raise SystemExit("needs Debian's age (apt-get install age)")

    started = time.perf_counter()
    figures: dict = {}
    tmp = Path(
        tempfile.mkdtemp(prefix="bidhall-bench-seal-", dir=os.environ.get("BIDHALL_BENCH_TMP"))
    )
    try:
        with database(args.database, tmp) as url:
            prep_started = time.perf_counter()
            world = prepare(url, tmp / "instance", max(1, args.bids))
            say(
                step="prepare",
                database=args.database,
                bidders=len(world.bidders),
                tender=world.descriptor["tender"]["reference"],
                seconds=rounded(time.perf_counter() - prep_started, 2),
            )
            figures.update(memory(world, tmp, sorted({args.file_mib, args.rss_mib})))
            figures.update(throughput(world, tmp, args.file_mib, args.runs))
            try:
                figures.update(burst(world, tmp, args.bid_mib, args.database, args.stalled_uploads))
            except Exception as error:  # noqa: BLE001 - the burst's failure is a result
                say(
                    step="burst_failed",
                    error=f"{type(error).__name__}: {error}"[:2000],
                    server_log=_tail(tmp / "server.log"),
                )
                figures.update(burst_uploads=0, burst_lost=len(world.bidders), burst_p99_s=None)
    finally:
        db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {
        "seal_mib_s": figures["seal_mib_s"],
        "open_mib_s": figures["open_mib_s"],
        "age_encrypt_mib_s": figures["age_encrypt_mib_s"],
        "age_decrypt_mib_s": figures["age_decrypt_mib_s"],
        "seal_vs_age": figures["seal_vs_age"],
        "open_vs_age": figures["open_vs_age"],
        "peak_rss_mib_1gib": figures.get("peak_rss_mib_1gib"),
        "burst_uploads": figures["burst_uploads"],
        "burst_lost": figures["burst_lost"],
        "burst_p99_s": figures["burst_p99_s"],
        **{
            k: v
            for k, v in figures.items()
            if k
            not in (
                "seal_mib_s",
                "open_mib_s",
                "age_encrypt_mib_s",
                "age_decrypt_mib_s",
                "seal_vs_age",
                "open_vs_age",
                "burst_uploads",
                "burst_lost",
                "burst_p99_s",
            )
        },
        "targets_met": {
            "seal_vs_age>=0.8": figures["seal_vs_age"] >= 0.8,
            "open_vs_age>=0.8": figures["open_vs_age"] >= 0.8,
            "peak_rss_1gib<100MiB": (figures.get("peak_rss_mib_1gib") or 1e9) < 100,
            "burst_lost==0": figures["burst_lost"] == 0,
        },
        "synced_between_runs": SYNC_BETWEEN_RUNS,
        "seconds": rounded(time.perf_counter() - started),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
