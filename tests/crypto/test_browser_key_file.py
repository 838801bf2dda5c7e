"""A browser opens a bidhall-key/1 file with WebCrypto alone (no library, no plug-in), following
docs/keys-and-certificates.md: it signs with the Ed25519 key and agrees a secret with the X25519
key, and Python checks both."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bidhall.crypto import keys
from tests.crypto.conftest import ITERATIONS
from tests.fixtures.browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

# the recipe of docs/keys-and-certificates.md, "Opening a key file in a browser"
OPEN_KEY_FILE = """
async ({file, passphrase, peer}) => {
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
  const canonical = (v) =>
    Array.isArray(v) ? "[" + v.map(canonical).join(",") + "]"
    : v !== null && typeof v === "object"
      ? "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k]))
          .join(",") + "}"
      : JSON.stringify(v);
  const doc = JSON.parse(file);
  const secret = new TextEncoder().encode(passphrase.normalize("NFC"));
  const base = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveKey"]);
  const aesKey = await crypto.subtle.deriveKey(
    {name: "PBKDF2", hash: "SHA-256", salt: bytes(doc.kdf.salt), iterations: doc.kdf.iterations},
    base, {name: "AES-GCM", length: 256}, false, ["decrypt"]);
  const aad = new TextEncoder().encode(
    canonical({format: doc.format, kdf: doc.kdf, cipher: doc.cipher}));
  const plain = await crypto.subtle.decrypt(
    {name: "AES-GCM", iv: bytes(doc.cipher.nonce), additionalData: aad},
    aesKey, bytes(doc.ciphertext));
  const keys = JSON.parse(new TextDecoder().decode(plain));
  const signing = await crypto.subtle.importKey(
    "pkcs8", bytes(keys.signing_pkcs8), {name: "Ed25519"}, false, ["sign"]);
  const encryption = await crypto.subtle.importKey(
    "pkcs8", bytes(keys.encryption_pkcs8), {name: "X25519"}, false, ["deriveBits"]);
  const peerKey = await crypto.subtle.importKey("raw", bytes(peer), {name: "X25519"}, true, []);
  return {
    signature: text(await crypto.subtle.sign(
      {name: "Ed25519"}, signing, new TextEncoder().encode("opened in a browser"))),
    shared: text(await crypto.subtle.deriveBits(
      {name: "X25519", public: peerKey}, encryption, 256)),
  };
}
"""


def test_a_browser_opens_the_key_file_with_webcrypto_alone(open_page):
    passphrase = "口令 with NFC: e\u0301t\u00e9 42"  # decomposed and composed accents
    bundle = keys.generate_bundle()
    data = keys.dump_bundle(bundle, passphrase, iterations=ITERATIONS)
    peer = X25519PrivateKey.generate()
    page = open_page()
    page.goto("/login")  # a page of the app: a secure context (http://127.0.0.1)
    result = page.evaluate(
        OPEN_KEY_FILE,
        {
            "file": data.decode(),
            "passphrase": passphrase,
            "peer": keys.b64(keys.raw_public_key(peer.public_key())),
        },
    )
    bundle.signing_key.public_key().verify(
        base64.b64decode(result["signature"]), b"opened in a browser"
    )
    assert base64.b64decode(result["shared"]) == peer.exchange(bundle.encryption_key.public_key())
