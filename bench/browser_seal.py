"""Browser sealing benchmark (not a test): static/js/sealing.js sealing a large bid in headless
Chromium next to the Python reference, and the real bid page sealing and uploading a bid into one
`bidhall serve` process.

    .venv/bin/python bench/browser_seal.py [--mib 256] [--upload-mib 100] [--runs 3] [--quick]

1. Seal in the page: a --mib (256) MiB documents Blob made in the page without holding it (many
   references to one 1 MiB random buffer: its bytes live in the browser's blob store, not in the
   JS heap) is sealed by `bidhallSeal.plan(...).run(...)` into a sink that only counts bytes, for
   the tender's real descriptor with bidder 0's key file; timed from plan() to the end of run()
   (the key file is opened before). Each run is paired with the Python reference
   (bidhall.envelope.sealing.seal of the same amount, from a file in the page cache, into a
   writer that only counts bytes), so that the machine's drifts hit both alike. Headline figures
   are medians of plaintext MiB per wall second. The JS heap: the raw peak above the baseline
   (performance.memory at every piece, no collection) in the timed runs, and, in one more
   untimed run, the live peak: sampled after a forced collection (gc(), --expose-gc) at every
   piece, which is what the seal keeps alive (a leak or a whole file held would survive it).
   Then the parts of the seal's work alone (js-sha256, WebCrypto AES-GCM, WebCrypto's one-shot
   SHA-256, Blob reads; 64 MiB at most).
2. Seal and upload through the real bid page: a bidder (enrolled, holder of the documents, not
   secured: the page's confirm dialog is accepted) signs in, fills the summary form, chooses
   --upload-mib (100) MiB of documents from disk files, its key file, passphrase and the credit
   commitment, and clicks "Seal and submit"; the page seals and sends 4 MiB PATCHes as it seals,
   completes, and shows the receipt. Timed in the page from the form's submit to the receipt
   shown (a MutationObserver), with its phases: key file, descriptor and upload created; sealed
   and sent; the server's check on completion. --runs (3) submissions by the same bidder (each
   replaces the one before), then one upload of the same size sent by the same page without
   sealing (random bytes, never completed), to tell sending from sealing. Every receipt is
   checked against the database row (manifest, state, submission number, signature up to
   GET /ca/root.pem), and the last stored envelope is read back with the Python reader (every
   section hashed, signature checked).
   Twice: `page_*` with Chromium driven over a bare CDP connection (PlainDriver: the Network
   domain is never enabled, the page's requests go unobserved as in a bidder's browser), and
   `playwright_page_*` driven by Playwright as the tests do. Playwright enables CDP's Network
   domain and hears every request with its body, which makes the page's uploads several times
   slower: read `page_*` for what a bidder waits. `python_send_only_*` sends the same size from
   http.client (the server's side of the transport alone; each PATCH is fsynced).

The platform (a tender published through the services on a fake clock two days back, so that
the real clock is inside its bid window; enrolled bidders) and the server come from
bench/seal.py (`prepare`, `server_process`: `bidhall serve --no-scheduler`, development
settings; gevent mode when gevent is installed: `server_async_mode`). Chromium is Debian's
/usr/bin/chromium (never a downloaded browser), one browser at a time, with
--enable-precise-memory-info --js-flags=--expose-gc. CPU seconds of the server, of the
browser's processes and of Playwright's driver, and the browser's PSS, are read from /proc.
Prints one JSON line per measurement; the last line is the summary with browser_seal_mib_s,
python_seal_mib_s, browser_vs_python, browser_heap_peak_mib, browser_heap_raw_peak_mib,
page_seal_upload_s, page_seal_upload_mib_s (and extras), and the load average at the start and
the end. Everything lives in a temporary folder (BIDHALL_BENCH_TMP or the system's), removed at
the end. About 2 minutes (--quick: 16 MiB, 8 MiB, 1 run, under 20 s). --skip seal|page|playwright
leaves a measurement out.
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.seal import (  # noqa: E402
    MIB,
    PASSWORD,
    SUMMARY,
    World,
    prepare,
    proc_cpu_seconds,
    random_file,
    rounded,
    say,
    server_process,
)
from bidhall.db import db  # noqa: E402
from bidhall.envelope import sealing as envelope  # noqa: E402
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PASSPHRASE = "bench key passphrase, browser"
KEY_ITERATIONS = 1000  # the key file's PBKDF2 cost: opening it is not what is measured
SCRIPTS = ["/static/vendor/sha256.min.js", "/static/js/keyfile.js", "/static/js/sealing.js"]
PAGE_FILE_MIB = 32  # the page's documents: files of at most this size, and a small schedule
BROWSER_ARGS = [*CHROMIUM_ARGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"]
PAGE_SUMMARY = {
    "price": "10350000.00",
    "duration_days": "540",
    "quality": "qualified",
    "project_manager": "Zhang Wei",
}

# --- 1. sealing in the page -----------------------------------------------------------------------

# Opens the key file, makes the Blob (mebibytes references to one 1 MiB random buffer), then
# times plan() + run() into a sink that counts bytes. Heap at every piece: raw (no collection),
# or, with forceGc, after gc() (the live peak; the collections slow that run).
SEAL_BLOB = """
async ({keyFile, passphrase, descriptor, summary, mebibytes, forceGc}) => {
  const K = window.bidhallKeyFile;
  const texts = {badKeyFile: "key file", badPassphrase: "passphrase", noX25519: "x25519",
                 noEd25519: "ed25519"};
  const opened = await K.unlock(keyFile, passphrase, texts);
  const {publicRaw} = await K.encryptionKey(opened, texts);
  const signing = await K.signingKey(opened, texts);
  const certificates = JSON.parse(keyFile).certificates;
  // one Blob for every run, kept by the page: a new one per run would add up in the blob store
  // (an off-the-record context's is in memory only, and a Blob past its limit cannot be read)
  if (!window.__benchBlob || window.__benchBlob.size !== mebibytes * 2 ** 20) {
    window.__benchBlob = null;
    gc();
    const buffer = new Uint8Array(1 << 20);
    for (let i = 0; i < buffer.length; i += 65536) {
      crypto.getRandomValues(buffer.subarray(i, i + 65536));
    }
    window.__benchBlob = new Blob(Array(mebibytes).fill(buffer));
  }
  const blob = window.__benchBlob;
  const heap = () => performance.memory.usedJSHeapSize;
  gc();
  const baseline = heap();
  let peak = baseline;
  let rawPeak = baseline;
  let produced = 0;
  let pieces = 0;
  const started = performance.now();
  const plan = await bidhallSeal.plan({
    descriptor, summary, certificates,
    files: [{blob, path: "drawings.bin", lastModified: 0}],
  });
  const result = await plan.run({signing, publicRaw}, async (bytes) => {
    produced += bytes.length;
    pieces += 1;
  }, () => {
    if (forceGc) {
      gc();
      peak = Math.max(peak, heap());
    } else {
      rawPeak = Math.max(rawPeak, heap());
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return {seconds, size: plan.size, produced, pieces, baseline, peak, rawPeak,
          sections: plan.sections, manifest_sha256: result.manifest_sha256};
}
"""


# Where the page's seal time goes: the same work by parts over 1 MiB pieces of one random
# buffer: js-sha256 (the manifest's streamed ciphertext hashes), WebCrypto AES-256-GCM (one call
# a chunk), WebCrypto's one-shot SHA-256 (for comparison: it cannot stream), Blob reads.
COMPONENTS = """
async ({mebibytes}) => {
  const rate = (started) => mebibytes / ((performance.now() - started) / 1000);
  const buffer = new Uint8Array(1 << 20);
  for (let i = 0; i < buffer.length; i += 65536) {
    crypto.getRandomValues(buffer.subarray(i, i + 65536));
  }
  const out = {};
  let started = performance.now();
  const digest = sha256.create();
  for (let i = 0; i < mebibytes; i++) digest.update(buffer);
  digest.hex();
  out.js_sha256 = rate(started);
  const key = await crypto.subtle.generateKey({name: "AES-GCM", length: 256}, false,
                                              ["encrypt"]);
  started = performance.now();
  for (let i = 0; i < mebibytes; i++) {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, i);
    await crypto.subtle.encrypt({name: "AES-GCM", iv}, key, buffer);
  }
  out.aes_gcm = rate(started);
  started = performance.now();
  for (let i = 0; i < mebibytes; i++) await crypto.subtle.digest("SHA-256", buffer);
  out.subtle_sha256 = rate(started);
  const blob = new Blob(Array(mebibytes).fill(buffer));
  started = performance.now();
  for (let i = 0; i < mebibytes; i++) {
    await blob.slice(i * buffer.length, (i + 1) * buffer.length).arrayBuffer();
  }
  out.blob_read = rate(started);
  return out;
}
"""


class CountingWriter(io.RawIOBase):
    """The Python reference's sink: keeps nothing but the count."""

    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        n = len(data)
        self.count += n
        return n


def python_seal(world: World, bundle, documents: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process: the seal and its SHA-256 thread) and bytes written."""
    out = CountingWriter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    envelope.seal(
        out,
        world.seal_target(),
        world.sealer(bundle),
        SUMMARY,
        documents,
        world.descriptor["commitment"],
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, out.count


def seal_in_page(browser, base_url: str, world: World, tmp: Path, mib: int, runs: int, probe):
    from bidhall.crypto import keys

    bundle = world.bidders[0]["bundle"]
    key_file = keys.dump_bundle(bundle, PASSPHRASE, iterations=KEY_ITERATIONS).decode()
    documents = tmp / "python-documents"
    random_file(documents / "drawings.bin", mib * MIB)
    context = browser.new_context(base_url=base_url, locale="en-US")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto("/login")  # a page of the app: a secure context, its CSP (script-src 'self')
    for url in SCRIPTS:
        page.add_script_tag(url=url)
    arguments = {
        "keyFile": key_file,
        "passphrase": PASSPHRASE,
        "descriptor": world.descriptor,
        "summary": SUMMARY,
        "mebibytes": mib,
        "forceGc": False,
    }
    browser_wall, browser_cpu, python_wall, python_cpu, raw_peaks = [], [], [], [], []
    result: dict = {}
    try:
        for run in range(runs):
            probe.phase = "seal_in_page"
            cpu_before = probe.browser_cpu()
            result = page.evaluate(SEAL_BLOB, arguments)
            cpu = probe.browser_cpu() - cpu_before
            probe.phase = None
            assert result["produced"] == result["size"], "the sink did not get the envelope"
            documents_section = result["sections"][1]
            # one member header, the file, the end blocks, padded to whole 10 KiB records
            assert (
                documents_section["plaintext_bytes"]
                == -(-(512 + mib * MIB + 1024) // 10240) * 10240
            )
            browser_wall.append(result["seconds"])
            browser_cpu.append(cpu)
            raw_peaks.append(result["rawPeak"] - result["baseline"])
            wall, pcpu, written = python_seal(world, bundle, documents)
            python_wall.append(wall)
            python_cpu.append(pcpu)
            say(
                step="seal_run",
                run=run,
                browser_s=rounded(result["seconds"], 3),
                browser_cpu_s=rounded(cpu, 2),
                browser_heap_raw_peak_mib=rounded(raw_peaks[-1] / MIB),
                python_s=rounded(wall, 3),
                python_cpu_s=rounded(pcpu, 2),
                envelope_bytes=result["size"],
                python_envelope_bytes=written,
                browser_pieces=result["pieces"],
            )
        # one more run with a collection at every piece: what the seal keeps alive
        probe.phase = "seal_in_page_gc"
        live = page.evaluate(SEAL_BLOB, arguments | {"forceGc": True})
        probe.phase = None
        say(
            step="seal_heap",
            mib=mib,
            heap_baseline_mib=rounded(live["baseline"] / MIB),
            heap_live_peak_mib=rounded(live["peak"] / MIB),
            heap_live_growth_mib=rounded((live["peak"] - live["baseline"]) / MIB),
            seconds_with_gc_at_every_piece=rounded(live["seconds"], 2),
        )
        components_mib = min(mib, 64)
        page.evaluate("() => { window.__benchBlob = null; gc(); }")
        parts = page.evaluate(COMPONENTS, {"mebibytes": components_mib})
        components = {
            f"browser_{name}_mib_s": rounded(value) for name, value in sorted(parts.items())
        }
        say(step="seal_components", mib=components_mib, **components)
    finally:
        context.close()
        shutil.rmtree(documents, ignore_errors=True)
    figures = {
        "browser_seal_mib_s": rounded(mib / statistics.median(browser_wall)),
        "browser_seal_mib_s_min": rounded(mib / max(browser_wall)),
        "browser_seal_mib_per_cpu_s": rounded(mib / statistics.median(browser_cpu)),
        "python_seal_mib_s": rounded(mib / statistics.median(python_wall)),
        "python_seal_mib_s_min": rounded(mib / max(python_wall)),
        "python_seal_mib_per_cpu_s": rounded(mib / statistics.median(python_cpu)),
        "browser_heap_peak_mib": rounded((live["peak"] - live["baseline"]) / MIB),
        "browser_heap_raw_peak_mib": rounded(max(raw_peaks) / MIB),
        "browser_heap_baseline_mib": rounded(live["baseline"] / MIB),
        "seal_mib": mib,
        "seal_runs": runs,
        **components,
    }
    figures["browser_vs_python"] = round(
        figures["browser_seal_mib_s"] / figures["python_seal_mib_s"], 2
    )
    figures["browser_vs_python_paired"] = round(
        statistics.median(p / b for p, b in zip(python_wall, browser_wall, strict=True)), 2
    )
    figures["browser_vs_python_cpu"] = round(
        figures["browser_seal_mib_per_cpu_s"] / figures["python_seal_mib_per_cpu_s"], 2
    )
    say(step="seal_in_page", **figures)
    return figures


# --- 2. the bid page --------------------------------------------------------------------------

# Times, in the page, the form's submit (a capturing listener: before upload.js's own), the
# status line's "sealing" (key file opened, descriptor fetched, plan made, upload created) and
# "checking" (every piece sent: the server checks the envelope), and the receipt shown; the raw
# JS heap every 50 ms.
INSTALL_TIMERS = """
() => {
  const t = window.__bench = {};
  const form = document.getElementById("bid-upload-form");
  const labels = form.dataset;
  const status = form.querySelector("[data-testid=upload-status]");
  const receipt = document.querySelector("[data-testid=receipt]");
  let heapPeak = 0;
  form.addEventListener("submit", () => {
    t.submit = performance.now();
    t.heapStart = performance.memory.usedJSHeapSize;
    t.timer = setInterval(() => {
      heapPeak = Math.max(heapPeak, performance.memory.usedJSHeapSize);
      t.heapPeak = heapPeak;
    }, 50);
  }, {capture: true});
  new MutationObserver(() => {
    const now = performance.now();
    if (status.textContent === labels.labelSealing && !t.sealing) t.sealing = now;
    if (status.textContent === labels.labelChecking && !t.checking) t.checking = now;
  }).observe(status, {childList: true, characterData: true, subtree: true});
  new MutationObserver(() => {
    if (!receipt.hidden && !t.receipt) {
      t.receipt = performance.now();
      clearInterval(t.timer);
    }
  }).observe(receipt, {attributes: true, attributeFilter: ["hidden"]});
}
"""

# the page is done: the receipt, an alert, or a refusal at a field
FINISHED = """
() => !document.querySelector("[data-testid=receipt]").hidden
      || !document.getElementById("upload-alert").hidden
      || document.querySelectorAll(".is-invalid").length > 0
"""

# fills the form as typing would (the inputs' own events), in the page
FILL = """
({summary, passphrase}) => {
  const set = (input, value) => {
    input.value = value;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
  };
  for (const [name, value] of Object.entries(summary)) {
    set(document.querySelector(`[data-testid=summary-${name}]`), value);
  }
  set(document.getElementById("seal-passphrase"), passphrase);
  const commitment = document.getElementById("seal-commitment");
  if (!commitment.checked) commitment.click();
  return document.querySelector("[data-testid=mode-browser]").checked;
}
"""

# clicks "Seal and submit" and answers when the page is done (the times are the observers')
CLICK_AND_WAIT = (
    """
() => new Promise((resolve) => {
  const done = """
    + FINISHED
    + """;
  const timer = setInterval(() => {
    if (done()) {
      clearInterval(timer);
      resolve(true);
    }
  }, 100);
  document.querySelector("[data-testid=bid-upload]").click();
})
"""
)

OUTCOME = """
() => ({
  receipt: !document.querySelector("[data-testid=receipt]").hidden,
  manifest: document.querySelector("[data-testid=receipt-manifest]").textContent.trim(),
  submission: document.querySelector("[data-testid=receipt-submission]").textContent.trim(),
  alert: document.getElementById("upload-alert").textContent.trim(),
  invalid: [...document.querySelectorAll(".invalid-feedback")].map((e) => e.textContent)
           .filter(Boolean),
  times: window.__bench,
})
"""

# The same transport without the seal: the bid page creates an upload of the envelope's size and
# PATCHes it in the page's piece size, each piece a fresh copy (as upload.js's sink sends
# piece.slice()), of random bytes; never completed. Separates the cost of sending from sealing.
SEND_ONLY = """
async ({size}) => {
  const form = document.getElementById("bid-upload-form");
  const labels = form.dataset;
  const pieceBytes = Number(labels.pieceBytes);
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const headers = {Accept: "application/json", "X-CSRFToken": csrf};
  const call = async (method, url, body, more) => {
    const response = await fetch(url, {method, body, credentials: "same-origin",
                                       headers: Object.assign({}, headers, more)});
    const data = await response.json();
    if (!response.ok) throw new Error(JSON.stringify(data));
    return data;
  };
  const source = new Uint8Array(pieceBytes);
  for (let i = 0; i < source.length; i += 65536) {
    crypto.getRandomValues(source.subarray(i, i + 65536));
  }
  const started = performance.now();
  const created = await call("POST", labels.createUrl, JSON.stringify({lot: 1, size}),
                             {"Content-Type": "application/json"});
  const url = labels.uploadUrl.replace("__upload__", encodeURIComponent(created.upload_id));
  let offset = 0;
  while (offset < size) {
    const piece = source.slice(0, Math.min(pieceBytes, size - offset));
    offset = (await call("PATCH", url, piece, {"Upload-Offset": String(offset),
                          "Content-Type": "application/offset+octet-stream"})).offset;
  }
  return {seconds: (performance.now() - started) / 1000, offset};
}
"""


class PlaywrightDriver:
    """The bid page driven by Playwright, as the tests drive it. Playwright enables CDP's Network
    domain on every page and hears every request (its body included): the page's uploads then
    cost the browser several times more (see PlainDriver)."""

    name = "playwright"

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(
            base_url=base_url, locale="en-US", viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []

        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.accept()

        self.page.on("dialog", on_dialog)

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_selector("[data-testid=whoami]")

    def goto(self, path: str) -> None:
        self.page.goto(path)

    def evaluate(self, script: str, argument=None):
        return self.page.evaluate(script, argument)

    def set_files(self, testid: str, paths: list[Path]) -> None:
        self.page.get_by_test_id(testid).set_input_files([str(p) for p in paths])

    def fill(self, summary: dict, passphrase: str) -> None:
        for name, value in summary.items():
            self.page.get_by_test_id(f"summary-{name}").fill(value)
        self.page.get_by_test_id("seal-passphrase").fill(passphrase)
        self.page.get_by_test_id("seal-commitment").check()

    def submit(self) -> None:
        self.page.get_by_test_id("bid-upload").click()
        self.page.wait_for_function(FINISHED, polling=50, timeout=900_000)

    def close(self) -> None:
        self.context.close()


class PlainDriver:
    """The same Chromium with no automation library: launched here, driven over a bare CDP
    websocket that enables only the Page domain (to accept the page's confirm dialog) and never
    the Network domain, so the page's requests go unobserved, as in a bidder's own browser.
    Files are chosen with DOM.setFileInputFiles (what Playwright's set_input_files does); the
    form is filled by setting the inputs' values with their input and change events."""

    name = "plain"

    def __init__(self, tmp: Path, base_url: str, args: list[str]) -> None:
        import websocket

        self.base_url = base_url
        self.dialogs: list[str] = []
        self._events: list[str] = []
        self._ids = itertools.count(1)
        profile = tmp / "plain-chromium-profile"
        self.process = subprocess.Popen(
            [
                str(CHROMIUM),
                *args,
                "--headless",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.exists() and len(active.read_text().split()) == 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the plain Chromium did not start")
            time.sleep(0.05)
        port, path = active.read_text().split()
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=900)
        self.version = self._call("Browser.getVersion")["product"]
        target = self._call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self._call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self._call("Page.enable", self.session)

    def _call(self, method: str, session: str | None = None, **params) -> dict:
        number = next(self._ids)
        message: dict = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            event = answer.get("method")
            if event == "Page.javascriptDialogOpening":
                # the unsecured lot's confirm: accepted (its answer is not waited for)
                self.dialogs.append(answer["params"]["message"])
                self.ws.send(
                    json.dumps(
                        {
                            "id": next(self._ids),
                            "method": "Page.handleJavaScriptDialog",
                            "params": {"accept": True},
                            "sessionId": self.session,
                        }
                    )
                )
            elif event:
                self._events.append(event)

    def _wait_event(self, name: str) -> None:
        while name not in self._events:
            self._call("Runtime.evaluate", self.session, expression="0")  # pumps the events
            if name not in self._events:
                time.sleep(0.02)

    def goto(self, path: str) -> None:
        self._events.clear()
        self._call("Page.navigate", self.session, url=self.base_url + path)
        self._wait_event("Page.loadEventFired")

    def evaluate(self, script: str, argument=None):
        result = self._call(
            "Runtime.evaluate",
            self.session,
            expression=f"({script})({json.dumps(argument)})",
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"in the page: {result['exceptionDetails']}"[:2000])
        return result["result"].get("value")

    def sign_in(self, username: str, password: str) -> None:
        self.goto("/login")
        self._events.clear()
        self.evaluate(
            """({username, password}) => {
              document.querySelector("input[name=username]").value = username;
              document.querySelector("input[name=password]").value = password;
              setTimeout(() => document.querySelector("main form button[type=submit]").click());
            }""",
            {"username": username, "password": password},
        )
        self._wait_event("Page.loadEventFired")
        if not self.evaluate("() => Boolean(document.querySelector('[data-testid=whoami]'))"):
            raise RuntimeError("the plain browser could not sign in")

    def set_files(self, testid: str, paths: list[Path]) -> None:
        found = self._call(
            "Runtime.evaluate",
            self.session,
            expression=f'document.querySelector("[data-testid={testid}]")',
        )
        self._call(
            "DOM.setFileInputFiles",
            self.session,
            files=[str(p) for p in paths],
            objectId=found["result"]["objectId"],
        )

    def fill(self, summary: dict, passphrase: str) -> None:
        self.evaluate(FILL, {"summary": summary, "passphrase": passphrase})

    def submit(self) -> None:
        self.evaluate(CLICK_AND_WAIT)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def page_files(folder: Path, upload_mib: int) -> list[Path]:
    """The bid's documents on disk: files of at most PAGE_FILE_MIB and a small price schedule."""
    folder.mkdir(parents=True, exist_ok=True)
    schedule = folder / "price-schedule.csv"
    schedule.write_bytes(b"item,amount\n3.2,1250\n")
    files = [schedule]
    left, n = upload_mib, 1
    while left > 0:
        size = min(PAGE_FILE_MIB, left)
        path = folder / f"technical-offer-{n:02d}.bin"
        random_file(path, size * MIB)
        files.append(path)
        left -= size
        n += 1
    return files


def bids_of(url: str, user_id: int, tender_id: int) -> list[dict]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, state, manifest_sha256, receipt, storage_key, sealing_tool "
                    "FROM bids WHERE user_id = :u AND tender_id = :t ORDER BY id"
                ),
                {"u": user_id, "t": tender_id},
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def page_uploads(
    driver,
    prefix: str,
    world: World,
    bidder: dict,
    files: list[Path],
    tmp: Path,
    runs: int,
    server_pid: int,
    root_pem: str,
    probe,
) -> dict:
    """``runs`` submissions through the bid page by one bidder, then one send-only upload of the
    same size. Figures are named ``<prefix>...``."""
    from bidhall import storage
    from bidhall.crypto import keys
    from bidhall.envelope import reading
    from trading.bids.receipts import verify_receipt

    key_path = tmp / f"{prefix}bidder.bhkey"
    key_path.write_bytes(keys.dump_bundle(bidder["bundle"], PASSPHRASE, iterations=KEY_ITERATIONS))
    documents_mib = sum(f.stat().st_size for f in files) / MIB
    driver.sign_in(bidder["username"], PASSWORD)
    totals, walls, opening, sending, checking = [], [], [], [], []
    server_cpu, browser_cpu, driver_cpu, heap_growth = [], [], [], []
    last: dict = {}
    envelope_size = 0
    try:
        for run in range(runs):
            driver.goto(f"/tenders/{world.tender_id}/bid")
            driver.set_files("seal-documents", files)
            driver.set_files("seal-key", [key_path])
            driver.fill(PAGE_SUMMARY, PASSPHRASE)
            driver.evaluate(INSTALL_TIMERS)
            probe.phase = f"{prefix}upload"
            cpu_before = (proc_cpu_seconds(server_pid), probe.browser_cpu(), probe.driver_cpu())
            started = time.perf_counter()
            driver.submit()
            wall = time.perf_counter() - started
            server_cpu.append(proc_cpu_seconds(server_pid) - cpu_before[0])
            browser_cpu.append(probe.browser_cpu() - cpu_before[1])
            driver_cpu.append(probe.driver_cpu() - cpu_before[2])
            probe.phase = None
            outcome = driver.evaluate(OUTCOME)
            if not outcome["receipt"]:
                raise RuntimeError(
                    f"{driver.name}: the page did not submit: {outcome['alert']!r} "
                    f"{outcome['invalid']}"
                )
            times, manifest = outcome["times"], outcome["manifest"]
            rows = bids_of(world.url, bidder["user_id"], world.tender_id)
            last = rows[-1]
            with storage.get().open(last["storage_key"]) as stream:
                envelope_size = stream.seek(0, os.SEEK_END)
            body = verify_receipt(json.loads(last["receipt"]), root_pem)
            checks = {
                "manifest_matches_db": last["manifest_sha256"] == manifest,
                "state_sealed": str(last["state"]).lower().endswith("sealed"),
                "bids_in_db": len(rows) == run + 1,
                "earlier_superseded": all(
                    str(r["state"]).lower().endswith("superseded") for r in rows[:-1]
                ),
                "submission_number": outcome["submission"] == str(run + 1),
                "receipt_verified": body["manifest_sha256"] == manifest
                and body["bid_id"] == last["id"]
                and body["tender"]["id"] == world.tender_id,
            }
            if not all(checks.values()):
                raise AssertionError(f"{driver.name} run {run}: {checks}")
            totals.append((times["receipt"] - times["submit"]) / 1000)
            walls.append(wall)
            opening.append((times["sealing"] - times["submit"]) / 1000)
            sending.append((times["checking"] - times["sealing"]) / 1000)
            checking.append((times["receipt"] - times["checking"]) / 1000)
            heap_growth.append(times.get("heapPeak", 0) - times.get("heapStart", 0))
            say(
                step="page_upload_run",
                driver=driver.name,
                run=run,
                submit_to_receipt_s=rounded(totals[-1], 3),
                click_to_receipt_wall_s=rounded(wall, 3),
                key_descriptor_create_s=rounded(opening[-1], 3),
                seal_and_send_s=rounded(sending[-1], 3),
                server_check_s=rounded(checking[-1], 3),
                server_cpu_s=rounded(server_cpu[-1], 2),
                browser_cpu_s=rounded(browser_cpu[-1], 2),
                playwright_driver_cpu_s=rounded(driver_cpu[-1], 2),
                heap_raw_growth_mib=rounded(heap_growth[-1] / MIB),
                envelope_bytes=envelope_size,
                bid_id=last["id"],
                manifest_sha256=manifest,
                sealing_tool=last["sealing_tool"],
                **checks,
            )
        # the same bytes sent by the same page, without sealing
        probe.phase = f"{prefix}send_only"
        cpu_before = (proc_cpu_seconds(server_pid), probe.browser_cpu(), probe.driver_cpu())
        sent = driver.evaluate(SEND_ONLY, {"size": envelope_size})
        send_only = {
            f"{prefix}send_only_mib_s": rounded(envelope_size / MIB / sent["seconds"]),
            f"{prefix}send_only_s": rounded(sent["seconds"], 2),
            f"{prefix}send_only_server_cpu_s": rounded(
                proc_cpu_seconds(server_pid) - cpu_before[0], 2
            ),
            f"{prefix}send_only_browser_cpu_s": rounded(probe.browser_cpu() - cpu_before[1], 2),
            f"{prefix}send_only_driver_cpu_s": rounded(probe.driver_cpu() - cpu_before[2], 2),
        }
        probe.phase = None
        assert sent["offset"] == envelope_size, sent
        say(step="page_send_only", driver=driver.name, envelope_bytes=envelope_size, **send_only)
        # the last stored envelope, read back by the Python reader (layout, signature, hashes)
        with storage.get().open(last["storage_key"]) as stream:
            sealed = reading.inspect(stream)
        assert sealed.manifest_sha256 == last["manifest_sha256"], "the stored envelope differs"
    finally:
        key_path.unlink(missing_ok=True)
    median = statistics.median(totals)
    figures = {
        f"{prefix}seal_upload_s": rounded(median, 2),
        f"{prefix}seal_upload_mib_s": rounded(documents_mib / median),
        f"{prefix}seal_upload_s_max": rounded(max(totals), 2),
        f"{prefix}click_to_receipt_wall_s": rounded(statistics.median(walls), 2),
        f"{prefix}key_descriptor_create_s": rounded(statistics.median(opening), 3),
        f"{prefix}seal_and_send_s": rounded(statistics.median(sending), 2),
        f"{prefix}seal_and_send_mib_s": rounded(documents_mib / statistics.median(sending)),
        f"{prefix}server_check_s": rounded(statistics.median(checking), 2),
        f"{prefix}server_cpu_s": rounded(statistics.median(server_cpu), 2),
        f"{prefix}browser_cpu_s": rounded(statistics.median(browser_cpu), 2),
        f"{prefix}browser_mib_per_cpu_s": rounded(documents_mib / statistics.median(browser_cpu)),
        f"{prefix}driver_cpu_s": rounded(statistics.median(driver_cpu), 2),
        f"{prefix}heap_raw_growth_mib": rounded(max(heap_growth) / MIB),
        f"{prefix}envelope_mib": rounded(envelope_size / MIB, 2),
        f"{prefix}runs": runs,
        f"{prefix}confirm_dialogs": len(driver.dialogs),
        f"{prefix}stored_envelope_verified": True,
        **send_only,
    }
    say(step="page_upload", driver=driver.name, documents_mib=rounded(documents_mib, 2), **figures)
    return figures


def python_send(port: int, tender_id: int, token: str, size: int, runs: int) -> dict:
    """The server's side of the transport alone: one client (http.client, the bidder's API
    token) creates an upload of ``size`` and PATCHes random bytes in 4 MiB pieces, ``runs``
    times; never completed."""
    piece_bytes = 4 * MIB
    source = os.urandom(piece_bytes)
    headers = {"Authorization": f"Bearer {token}"}
    seconds = []
    for _ in range(runs):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        started = time.perf_counter()
        connection.request(
            "POST",
            f"/api/tenders/{tender_id}/uploads",
            body=json.dumps({"lot": 1, "size": size}),
            headers=headers | {"Content-Type": "application/json"},
        )
        url = f"/api/uploads/{json.loads(connection.getresponse().read())['upload_id']}"
        offset = 0
        while offset < size:
            connection.request(
                "PATCH",
                url,
                body=source[: min(piece_bytes, size - offset)],
                headers=headers
                | {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
            )
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise RuntimeError(f"PATCH: HTTP {response.status} {answer[:300]!r}")
            offset = json.loads(answer)["offset"]
        seconds.append(time.perf_counter() - started)
        connection.close()
    figures = {
        "python_send_only_mib_s": rounded(size / MIB / statistics.median(seconds)),
        "python_send_only_s": rounded(statistics.median(seconds), 2),
    }
    say(step="python_send_only", envelope_bytes=size, runs=runs, **figures)
    return figures


# --- the browser's processes ------------------------------------------------------------------


class Probe:
    """CPU seconds and PSS of the browser's processes (Chromium's, below this process), the PSS
    sampled every 0.25 s into the peak of the current phase."""

    def __init__(self, exclude: set[int]) -> None:
        self.exclude = exclude  # the server's process
        self.phase: str | None = None
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def pids(self, prefixes: tuple[str, ...] = ("chrom", "headless")) -> list[int]:
        parents: dict[int, int] = {}
        names: dict[int, str] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    line = stat.read()
            except OSError:
                continue
            name = line[line.index("(") + 1 : line.rindex(")")]
            fields = line.rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            names[int(entry)] = name
        mine = {os.getpid()}
        changed = True
        while changed:
            changed = False
            for pid, parent in parents.items():
                if parent in mine and pid not in mine and pid not in self.exclude:
                    mine.add(pid)
                    changed = True
        return [pid for pid in mine if names.get(pid, "").startswith(prefixes)]

    def browser_cpu(self) -> float:
        total = 0.0
        for pid in self.pids():
            try:
                total += proc_cpu_seconds(pid)
            except OSError:
                pass
        return total

    def driver_cpu(self) -> float:
        """Playwright's driver (node), which hears the page's every request over CDP."""
        total = 0.0
        for pid in self.pids("node"):
            try:
                total += proc_cpu_seconds(pid)
            except OSError:
                pass
        return total

    def pss_mib(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/smaps_rollup") as rollup:
                    for line in rollup:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                pass
        return total / 1024

    def _sample(self) -> None:
        while not self._done.wait(0.25):
            phase = self.phase
            if phase is None:
                continue
            pss = self.pss_mib()
            self.peaks[phase] = max(self.peaks.get(phase, 0.0), pss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="the documents sealed in the page")
    parser.add_argument(
        "--upload-mib", type=int, default=100, help="the documents sealed and sent by the bid page"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--quick", action="store_true", help="16 MiB, 8 MiB, 1 run")
    parser.add_argument(
        "--skip",
        choices=("seal", "page", "playwright"),
        action="append",
        default=[],
        help="leave out a measurement (playwright: the bid page driven by Playwright)",
    )
    args = parser.parse_args()
    if args.quick:
        args.mib, args.upload_mib, args.runs = 16, 8, 1
    if not CHROMIUM.exists():
        raise SystemExit(f"needs the system Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()]
    figures: dict = {}
    tmp = Path(
        tempfile.mkdtemp(
            prefix="bidhall-bench-browser-seal-", dir=os.environ.get("BIDHALL_BENCH_TMP")
        )
    )
    try:
        prep_started = time.perf_counter()
        url = f"sqlite:///{tmp}/bench.db"
        # bidder 0 seals in the page (measurement 1), 1 submits through the plain browser, 2
        # through Playwright
        world = prepare(url, tmp / "instance", 3)
        from bidhall.accounts.models import User

        for bidder in world.bidders:
            bidder["username"] = db.session.get(User, bidder["user_id"]).username
        db.session.remove()
        db.dispose()  # the server owns the database now
        files = page_files(tmp / "page-documents", args.upload_mib)
        say(
            step="prepare",
            tender=world.descriptor["tender"]["reference"],
            chunk_size=world.descriptor["chunk_size"],
            custodians=len(world.descriptor["custodians"]),
            page_documents=[f.name for f in files],
            seconds=rounded(time.perf_counter() - prep_started, 2),
        )
        with server_process(world, tmp) as (server, port):
            base_url = f"http://127.0.0.1:{port}"
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/ca/root.pem")
            root_pem = connection.getresponse().read().decode()
            connection.close()
            started_line = re.search(r"\((\w+) mode\)", (tmp / "server.log").read_text())
            figures["server_async_mode"] = started_line.group(1) if started_line else None
            probe = Probe({server.pid})
            probe.start()
            pages = (tmp, args.runs, server.pid, root_pem, probe)
            try:
                with sync_playwright() as playwright:

                    def launch():
                        return playwright.chromium.launch(
                            executable_path=str(CHROMIUM), args=BROWSER_ARGS
                        )

                    # one browser at a time: the probe sums the CPU of every Chromium process
                    if "seal" not in args.skip:
                        browser = launch()
                        try:
                            say(step="browser", driver="playwright", version=browser.version)
                            figures.update(
                                seal_in_page(
                                    browser, base_url, world, tmp, args.mib, args.runs, probe
                                )
                            )
                        finally:
                            browser.close()
                    if "page" not in args.skip:
                        driver = PlainDriver(tmp, base_url, BROWSER_ARGS)
                        try:
                            say(step="browser", driver="plain", version=driver.version)
                            figures.update(
                                page_uploads(
                                    driver, "page_", world, world.bidders[1], files, *pages
                                )
                            )
                        finally:
                            driver.close()
                    if "playwright" not in args.skip:
                        browser = launch()
                        driver = PlaywrightDriver(browser, base_url)
                        try:
                            figures.update(
                                page_uploads(
                                    driver,
                                    "playwright_page_",
                                    world,
                                    world.bidders[2],
                                    files,
                                    *pages,
                                )
                            )
                        finally:
                            driver.close()
                            browser.close()
            finally:
                probe.stop()
            size = figures.get("page_envelope_mib") or figures.get("playwright_page_envelope_mib")
            if size:
                figures.update(
                    python_send(
                        port,
                        world.tender_id,
                        world.bidders[0]["token"],
                        round(size * MIB),
                        args.runs,
                    )
                )
            for phase, peak in probe.peaks.items():
                figures[f"browser_pss_peak_mib_{phase}"] = rounded(peak)
    finally:
        db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    headline = (
        "browser_seal_mib_s",
        "python_seal_mib_s",
        "browser_vs_python",
        "browser_heap_peak_mib",
        "browser_heap_raw_peak_mib",
        "page_seal_upload_s",
        "page_seal_upload_mib_s",
        "playwright_page_seal_upload_s",
    )
    summary = {
        **{key: figures.get(key) for key in headline},
        **{k: v for k, v in figures.items() if k not in headline},
        "cpus": os.cpu_count(),
        "load_start": load_start,
        "load_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": rounded(time.perf_counter() - started),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
