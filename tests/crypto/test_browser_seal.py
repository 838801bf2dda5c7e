"""A bid sealed in headless Chromium by static/js/sealing.js (WebCrypto, streaming) is a
bidhall-seal/1 envelope the Python reference reads, opens and recombines exactly as its own: the
browser and `bidhall seal` are interchangeable (docs/seal-format.md, "Sealing in a browser")."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from Crypto.Protocol.SecretSharing import Shamir

from bidhall.crypto import keys
from bidhall.envelope import format as envelope_format
from bidhall.envelope import keys as envelope_keys
from bidhall.envelope import reading, unsealing
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.pki import ITERATIONS, PASSPHRASE, SUMMARY, ensure_holder
from trading.bids import rules
from trading.bids import sealing as bid_sealing
from trading.bids import services as bids

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

STATIC = Path(__file__).resolve().parents[2] / "static"
SCRIPTS = ["/static/vendor/sha256.min.js", "/static/js/keyfile.js", "/static/js/sealing.js"]
CREATED_AT = "2026-03-01T01:30:00Z"
MTIME = 1_767_225_600  # 2026-01-01, the documents' modification time in the page
CHUNK = 1024  # small chunks so a few KiB make many of them

# opens the key file with keyfile.js, builds the documents as Files, seals, and hands back the
# sink's pieces (base64) or the SealError's code
SEAL = """
async ({keyFile, passphrase, descriptor, summary, files, createdAt}) => {
  const K = window.bidhallKeyFile;
  const texts = {badKeyFile: "key file", badPassphrase: "passphrase", noX25519: "x25519",
                 noEd25519: "ed25519"};
  const opened = await K.unlock(keyFile, passphrase, texts);
  const {publicRaw} = await K.encryptionKey(opened, texts);
  const signing = await K.signingKey(opened, texts);
  const certificates = JSON.parse(keyFile).certificates;
  const documents = files.map((f) => ({
    blob: new File([K.b64bytes(f.data)], f.path.split("/").pop(), {lastModified: f.mtime * 1000}),
    path: f.path,
  }));
  try {
    const plan = await bidhallSeal.plan({descriptor, summary, files: documents, certificates,
                                         createdAt});
    const pieces = [];
    let progress = 0;
    const result = await plan.run({signing, publicRaw},
                                  async (bytes) => { pieces.push(K.bytesB64(bytes)); },
                                  (done, total) => { progress = done === total ? done : -1; });
    return {size: plan.size, pieces, progress, ...result};
  } catch (error) {
    if (!error.code) throw error;
    return {error: error.code, message: error.message};
  }
}
"""


@pytest.fixture
def page(open_page):
    page = open_page()
    page.goto("/login")  # a page of the app: a secure context, its CSP (script-src 'self')
    for url in SCRIPTS:
        page.add_script_tag(url=url)
    return page


@pytest.fixture
def bidder(enrolled):
    return enrolled("bidder").bundle


@pytest.fixture
def custodians(enrolled):
    return [enrolled("bidder").bundle for _ in range(3)]


def descriptor_for(custodians, *, threshold: int = 2, chunk_size: int = CHUNK) -> dict:
    """A sealing descriptor as trading/bids/sealing.py writes it, for custodians of our own."""
    return {
        "format": "bidhall-sealing/1",
        "suite": envelope_format.SUITE,
        "tender": {"id": 42, "reference": "BH-2026-00042", "lots": [1]},
        "threshold": threshold,
        "chunk_size": chunk_size,
        "custodians": [
            {
                "x": x,
                "role": "custodian",
                "fingerprint": envelope_keys.fingerprint(bundle.encryption_cert),
                "certificate": keys.certificate_pem(bundle.encryption_cert),
            }
            for x, bundle in enumerate(custodians, start=1)
        ],
        "summary_schema": rules.summary_schema([1]),
        "commitment": rules.commitment_text("BH-2026-00042"),
    }


DOCUMENTS = {
    "price-schedule.xlsx": bytes(range(256)) * 20,  # 5 KiB: several 1 KiB chunks
    "技术方案/施工组织设计.pdf": b"%PDF-1.7 construction plan\n" * 30,  # a pax path record
    "a" * 60 + "/" + "b" * 60 + ".txt": b"",  # longer than ustar's 100-byte name: pax too
}


def seal_in_browser(page, bundle, descriptor, documents=None, summary=SUMMARY) -> dict:
    files = [
        {"path": path, "data": base64.b64encode(data).decode(), "mtime": MTIME}
        for path, data in (documents or {}).items()
    ]
    result = page.evaluate(
        SEAL,
        {
            "keyFile": keys.dump_bundle(bundle, PASSPHRASE, iterations=ITERATIONS).decode(),
            "passphrase": PASSPHRASE,
            "descriptor": descriptor,
            "summary": summary,
            "files": files,
            "createdAt": CREATED_AT,
        },
    )
    if "pieces" in result:
        result["envelope"] = b"".join(base64.b64decode(p) for p in result.pop("pieces"))
    return result


def python_tar(documents: dict[str, bytes]) -> bytes:
    """What Python's tarfile writes for the same members: the browser's tar must be identical."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(documents, key=lambda p: Path(p).parts):
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(documents[path]), MTIME, 0o644
            archive.addfile(info, io.BytesIO(documents[path]))
    return out.getvalue()


def test_a_browser_sealed_bid_passes_every_check_of_the_python_reader(page, bidder, custodians):
    sealed = seal_in_browser(page, bidder, descriptor_for(custodians), DOCUMENTS)
    envelope = reading.inspect(io.BytesIO(sealed["envelope"]))
    assert sealed["size"] == len(sealed["envelope"]) == sealed["progress"]
    assert envelope.manifest == sealed["manifest"]
    assert envelope.manifest_sha256 == sealed["manifest_sha256"]
    assert envelope.header["tender"] == {"id": 42, "reference": "BH-2026-00042", "lot": 1}
    assert envelope.header["created_at"] == CREATED_AT
    assert envelope.manifest["sections"][1]["chunks"] > 10
    assert envelope.signer == bidder.signing_cert


def test_the_bidder_opens_its_browser_sealed_bid_with_the_python_unsealer(
    page, bidder, custodians, tmp_path
):
    sealed = seal_in_browser(page, bidder, descriptor_for(custodians), DOCUMENTS)
    stream = io.BytesIO(sealed["envelope"])
    envelope = reading.inspect(stream)
    summary_key = unsealing.unwrap_for_holder(envelope, "summary", bidder.encryption_key)
    documents_key = unsealing.unwrap_for_holder(envelope, "documents", bidder.encryption_key)
    assert unsealing.read_summary(stream, envelope, summary_key) == SUMMARY
    plaintext = b"".join(unsealing.open_section(stream, envelope, "documents", documents_key))
    assert plaintext == python_tar(DOCUMENTS)
    names = unsealing.extract_documents(stream, envelope, documents_key, tmp_path)
    assert sorted(names) == sorted(DOCUMENTS)
    for path, data in DOCUMENTS.items():
        assert (tmp_path / path).read_bytes() == data


def test_a_bid_without_documents_seals_an_empty_archive(page, bidder, custodians):
    sealed = seal_in_browser(page, bidder, descriptor_for(custodians), {})
    stream = io.BytesIO(sealed["envelope"])
    envelope = reading.inspect(stream)
    key = unsealing.unwrap_for_holder(envelope, "documents", bidder.encryption_key)
    plaintext = b"".join(unsealing.open_section(stream, envelope, "documents", key))
    assert plaintext == python_tar({}) == bytes(10240)


def test_any_threshold_of_custodians_recombine_the_keys_and_fewer_do_not(page, bidder, custodians):
    sealed = seal_in_browser(page, bidder, descriptor_for(custodians, threshold=2), DOCUMENTS)
    stream = io.BytesIO(sealed["envelope"])
    envelope = reading.inspect(stream)
    for section in envelope_format.SECTIONS:
        key = unsealing.unwrap_for_holder(envelope, section, bidder.encryption_key)
        shares = [
            unsealing.unwrap_share(
                envelope,
                section,
                c.encryption_key,
                envelope_keys.fingerprint(c.encryption_cert),
            )
            for c in custodians
        ]
        assert [x for x, _ in shares] == [1, 2, 3]
        for pair in ([0, 1], [0, 2], [1, 2]):
            assert envelope_keys.combine_shares([shares[i] for i in pair]) == key
        for one in shares:
            # pycryptodome "recombines" a single share into something: never the key
            assert Shamir.combine([(one[0], one[1][:16])]) != key[:16]
        unsealing.check_key(stream, envelope, section, key)


def test_a_three_of_three_split_needs_every_custodian(page, bidder, custodians):
    sealed = seal_in_browser(page, bidder, descriptor_for(custodians, threshold=3))
    envelope = reading.inspect(io.BytesIO(sealed["envelope"]))
    key = unsealing.unwrap_for_holder(envelope, "summary", bidder.encryption_key)
    shares = [
        unsealing.unwrap_share(
            envelope, "summary", c.encryption_key, envelope_keys.fingerprint(c.encryption_cert)
        )
        for c in custodians
    ]
    assert envelope_keys.combine_shares(shares) == key
    assert envelope_keys.combine_shares(shares[:2]) != key


def test_a_custodian_certificate_without_an_x25519_key_is_refused(page, bidder, custodians):
    descriptor = descriptor_for(custodians)
    # a signing (Ed25519) certificate where an encryption certificate belongs
    descriptor["custodians"][1]["certificate"] = keys.certificate_pem(custodians[1].signing_cert)
    del descriptor["custodians"][1]["fingerprint"]
    assert seal_in_browser(page, bidder, descriptor)["error"] == "recipient_not_x25519"


@pytest.mark.parametrize("threshold", [1, 4])
def test_a_threshold_outside_two_to_the_custodian_count_is_refused(
    page, bidder, custodians, threshold
):
    descriptor = descriptor_for(custodians, threshold=threshold)
    assert seal_in_browser(page, bidder, descriptor)["error"] == "invalid_threshold"


def test_a_summary_outside_the_tender_schema_is_refused_before_sealing(page, bidder, custodians):
    summary = {**SUMMARY, "price": "ten million"}
    sealed = seal_in_browser(page, bidder, descriptor_for(custodians), summary=summary)
    assert sealed["error"] == "invalid_summary" and "price" in sealed["message"]


def test_the_summary_is_sealed_as_exactly_the_python_canonical_json(page, bidder, custodians):
    descriptor = descriptor_for(custodians)
    del descriptor["summary_schema"]  # keys the tender's schema would refuse
    # code-point order (astral after U+E000, unlike JS's UTF-16 order), escapes, unescaped
    # non-ASCII, integers up to 2^53, nesting
    summary = {
        "lot": 1,
        "\ue000": "private use",
        "😀": ["astral", -(2**53 - 1)],
        'quote"back\\slash': "tab\tnewline\ncontrol\u0001del\u007fline\u2028end",
        "价格": {"b": None, "a": True, "é": 0},
    }
    sealed = seal_in_browser(page, bidder, descriptor, summary=summary)
    stream = io.BytesIO(sealed["envelope"])
    envelope = reading.inspect(stream)
    key = unsealing.unwrap_for_holder(envelope, "summary", bidder.encryption_key)
    assert b"".join(unsealing.open_section(stream, envelope, "summary", key)) == keys.canonical(
        summary
    )


def test_a_fractional_number_in_the_summary_is_refused(page, bidder, custodians):
    descriptor = descriptor_for(custodians)
    del descriptor["summary_schema"]
    sealed = seal_in_browser(page, bidder, descriptor, summary={"lot": 1, "price": 10.5})
    assert sealed["error"] == "invalid_summary"


def test_a_plan_seals_only_once(page, bidder, custodians):
    """A second run would reuse the plan's data keys with the same nonces."""
    code = page.evaluate(
        """async ({descriptor, keyFile}) => {
          const certificates = JSON.parse(keyFile).certificates;
          const plan = await bidhallSeal.plan({descriptor, summary: {lot: 1}, certificates});
          const signing = (await crypto.subtle.generateKey({name: "Ed25519"}, false,
                                                           ["sign", "verify"])).privateKey;
          await plan.run({signing}, async () => {}).catch(() => {});  // not the signer's key
          return plan.run({signing}, async () => {}).catch((error) => error.code);
        }""",
        {
            "descriptor": {**descriptor_for(custodians), "summary_schema": None},
            "keyFile": keys.dump_bundle(bidder, PASSPHRASE, iterations=ITERATIONS).decode(),
        },
    )
    assert code == "already_run"


def test_the_platform_accepts_a_bid_sealed_in_the_browser(page, make_tender, world, enroll):
    tender = make_tender("published")
    user = world.bidder()
    bundle = enroll(user)
    ensure_holder(user, tender.id)
    descriptor = bid_sealing.sealing_descriptor(tender.id)
    sealed = seal_in_browser(page, bundle, descriptor, {"offer.pdf": b"%PDF-1.7 offer\n" * 100})
    upload = bids.start_upload(user, tender.id, SUMMARY["lot"], sealed["size"])
    bids.append_upload(user, upload.id, 0, io.BytesIO(sealed["envelope"]))
    bid = bids.complete_upload(user, upload.id)
    assert bid.manifest_sha256 == sealed["manifest_sha256"]


# --- a large bid, streamed with bounded memory --------------------------------------------------

LARGE_MIB = 200
LIVE_HEADROOM = 16 * 1024 * 1024  # a few 1 MiB chunks in flight, and slack

# A 200 MiB document made of 200 references to one 1 MiB buffer (the Blob's bytes live in the
# browser's blob store, never in the JS heap), sealed into a sink that keeps nothing but a count
# and a hash. Every piece leaves ~2 MiB of garbage (the file slice, the ciphertext) that V8
# collects only every ~100 MiB, so the raw heap is a sawtooth whatever the library does; the
# heap is therefore sampled after a forced collection (gc(), --expose-gc) at every piece, which
# measures what the seal keeps alive: a leak or a whole file held would survive it.
SEAL_LARGE = """
async ({keyFile, passphrase, descriptor, summary, mebibytes}) => {
  const K = window.bidhallKeyFile;
  const texts = {badKeyFile: "key file", badPassphrase: "passphrase", noX25519: "x25519",
                 noEd25519: "ed25519"};
  const opened = await K.unlock(keyFile, passphrase, texts);
  const {publicRaw} = await K.encryptionKey(opened, texts);
  const signing = await K.signingKey(opened, texts);
  const certificates = JSON.parse(keyFile).certificates;
  let blob;
  {
    const buffer = new Uint8Array(1 << 20);
    for (let i = 0; i < buffer.length; i += 65536) {
      crypto.getRandomValues(buffer.subarray(i, i + 65536));
    }
    blob = new Blob(Array(mebibytes).fill(buffer));
  }
  const live = () => { gc(); return performance.memory.usedJSHeapSize; };
  const baseline = live();
  let peak = baseline;
  let produced = 0;
  const digest = sha256.create();
  const started = performance.now();
  const plan = await bidhallSeal.plan({
    descriptor, summary, certificates, createdAt: "2026-03-01T01:30:00Z",
    files: [{blob, path: "drawings.bin", lastModified: 0}],
  });
  const result = await plan.run({signing, publicRaw}, async (bytes) => {
    produced += bytes.length;
    digest.update(bytes);
  }, () => { peak = Math.max(peak, live()); });
  return {size: plan.size, produced, baseline, peak, seconds: (performance.now() - started) / 1000,
          sha256: digest.hex(), sections: plan.sections, manifest: result.manifest};
}
"""


def test_a_200_mib_bid_seals_in_the_page_with_bounded_memory(server, bidder, custodians):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # its own browser: precise heap figures (performance.memory is coarse and stale
        # without) and a gc() to call
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"],
        )
        try:
            page = browser.new_context(base_url=server).new_page()
            page.set_default_timeout(120_000)
            page.goto("/login")
            for url in SCRIPTS:
                page.add_script_tag(url=url)
            result = page.evaluate(
                SEAL_LARGE,
                {
                    "keyFile": keys.dump_bundle(bidder, PASSPHRASE, iterations=ITERATIONS).decode(),
                    "passphrase": PASSPHRASE,
                    "descriptor": descriptor_for(custodians, chunk_size=1024 * 1024),
                    "summary": SUMMARY,
                    "mebibytes": LARGE_MIB,
                },
            )
        finally:
            browser.close()
    # one member header, the file, the end blocks, padded to a 10 KiB record
    tar_bytes = 512 + LARGE_MIB * 2**20 + 10240 - 512
    documents = result["manifest"]["sections"][1]
    assert result["sections"][1]["plaintext_bytes"] == tar_bytes
    assert documents["chunks"] == LARGE_MIB + 1
    assert documents["ciphertext_bytes"] == tar_bytes + 16 * (LARGE_MIB + 1)
    assert result["produced"] == result["size"] > LARGE_MIB * 2**20
    growth = result["peak"] - result["baseline"]
    print(
        f"\n{LARGE_MIB} MiB seal: {result['seconds']:.1f} s, live heap "
        f"{result['baseline'] / 2**20:.1f} MiB, at most {result['peak'] / 2**20:.1f} MiB"
    )
    assert growth < LIVE_HEADROOM


def test_the_browser_seal_never_reuses_its_keys(page, bidder, custodians):
    """Each plan draws fresh data keys and nonce prefixes (a second run of one plan is refused
    in the library: STREAM nonces must never repeat under one key)."""
    first = seal_in_browser(page, bidder, descriptor_for(custodians))
    second = seal_in_browser(page, bidder, descriptor_for(custodians))
    one, two = (reading.inspect(io.BytesIO(s["envelope"])) for s in (first, second))
    for section in envelope_format.SECTIONS:
        assert one.section(section)["nonce_prefix"] != two.section(section)["nonce_prefix"]
        assert unsealing.unwrap_for_holder(
            one, section, bidder.encryption_key
        ) != unsealing.unwrap_for_holder(two, section, bidder.encryption_key)
    assert hashlib.sha256(first["envelope"]).digest() != hashlib.sha256(second["envelope"]).digest()
