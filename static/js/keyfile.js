// A bidhall key file (bidhall-key/1, docs/keys-and-certificates.md §2) opened in this browser
// only: read with FileReader, unlocked with its passphrase by WebCrypto (PBKDF2-HMAC-SHA256 →
// AES-256-GCM around the PKCS#8 keys). The file and the passphrase never leave the page. Shared
// by the opening hall (static/js/opening.js: the X25519 encryption key) and the evaluation
// session (static/js/evaluation.js: the Ed25519 signing key); and made in the browser on the
// holder's keys page (static/js/enrol.js: `generate` and `lock`).
//
// Every function that can fail with something a person must read takes `texts`, the page's
// translated messages: {badKeyFile, badPassphrase, noX25519, noEd25519}; it throws a
// KeyFileError with that message and a code (bad_key_file, bad_passphrase, no_x25519,
// no_ed25519).
(function () {
  "use strict";

  const b64bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const bytesB64 = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  };
  const utf8 = (text) => new TextEncoder().encode(text);
  // sorted keys, no whitespace: the key file's header as the AES-GCM associated data
  const canonical = (v) =>
    Array.isArray(v) ? "[" + v.map(canonical).join(",") + "]"
    : v !== null && typeof v === "object"
      ? "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}"
      : JSON.stringify(v);

  class KeyFileError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code || "client";
    }
  }

  function readFile(file, texts) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(new KeyFileError(texts.badKeyFile, "bad_key_file"));
      reader.readAsText(file);
    });
  }

  // the key file's plaintext: {"signing_pkcs8", "encryption_pkcs8"} (base64 PKCS#8)
  async function unlock(text, passphrase, texts) {
    let doc;
    try {
      doc = JSON.parse(text);
      if (doc.format !== "bidhall-key/1") throw new Error("format");
    } catch (cause) {
      throw new KeyFileError(texts.badKeyFile, "bad_key_file");
    }
    const secret = utf8(passphrase.normalize("NFC"));
    const base = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveKey"]);
    const aesKey = await crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: b64bytes(doc.kdf.salt), iterations: doc.kdf.iterations },
      base, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    const aad = utf8(canonical({ format: doc.format, kdf: doc.kdf, cipher: doc.cipher }));
    let plain;
    try {
      plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: b64bytes(doc.cipher.nonce), additionalData: aad }, aesKey, b64bytes(doc.ciphertext));
    } catch (cause) {
      throw new KeyFileError(texts.badPassphrase, "bad_passphrase");
    }
    return JSON.parse(new TextDecoder().decode(plain));
  }

  // the X25519 key, and its public half (the JWK's x), which the seal's key derivation salts with
  async function encryptionKey(keys, texts) {
    let encryption;
    try {
      // extractable only to read its public half
      encryption = await crypto.subtle.importKey("pkcs8", b64bytes(keys.encryption_pkcs8), { name: "X25519" }, true, ["deriveBits"]);
    } catch (cause) {
      throw new KeyFileError(texts.noX25519, "no_x25519");
    }
    const jwk = await crypto.subtle.exportKey("jwk", encryption);
    const publicRaw = b64bytes(jwk.x.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (jwk.x.length % 4)) % 4));
    return { encryption, publicRaw };
  }

  // the Ed25519 signing key, not extractable
  async function signingKey(keys, texts) {
    try {
      return await crypto.subtle.importKey("pkcs8", b64bytes(keys.signing_pkcs8), { name: "Ed25519" }, false, ["sign"]);
    } catch (cause) {
      throw new KeyFileError(texts.noEd25519, "no_ed25519");
    }
  }

  // the opening hall's use: the encryption key of the file
  async function openKeyFile(text, passphrase, texts) {
    return encryptionKey(await unlock(text, passphrase, texts), texts);
  }

  // Ed25519 signature (base64) of `data` (bytes) with the file's signing key
  async function sign(text, passphrase, data, texts) {
    const key = await signingKey(await unlock(text, passphrase, texts), texts);
    return bytesB64(await crypto.subtle.sign({ name: "Ed25519" }, key, data));
  }

  // --- making a key file (docs/keys-and-certificates.md §1 and §3) ---------------------------------

  // both key pairs, made here: the certificate request (bidhall-certreq/1, signed by the new
  // signing key: the proof of possession) goes to the platform; `secrets` is the key file's
  // plaintext, which never leaves the page but inside the locked file
  async function generate() {
    const signing = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    const encryption = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const exported = async (format, key) => bytesB64(await crypto.subtle.exportKey(format, key));
    const request = {
      format: "bidhall-certreq/1",
      signing_public_key: await exported("raw", signing.publicKey),
      encryption_public_key: await exported("raw", encryption.publicKey),
    };
    request.signature = bytesB64(await crypto.subtle.sign({ name: "Ed25519" }, signing.privateKey, utf8(canonical(request))));
    const secrets = canonical({
      encryption_pkcs8: await exported("pkcs8", encryption.privateKey),
      signing_pkcs8: await exported("pkcs8", signing.privateKey),
    });
    return { request, secrets };
  }

  // the bidhall-key/1 file of `secrets`, locked with `passphrase` (fresh salt and nonce), holding
  // the certificates the platform issued: the same bytes' meaning as `bidhall keys new` writes
  async function lock(secrets, passphrase, iterations, certificates) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const header = {
      format: "bidhall-key/1",
      kdf: { name: "PBKDF2-HMAC-SHA256", iterations, salt: bytesB64(salt) },
      cipher: { name: "AES-256-GCM", nonce: bytesB64(nonce) },
    };
    const base = await crypto.subtle.importKey("raw", utf8(passphrase.normalize("NFC")), "PBKDF2", false, ["deriveKey"]);
    const aesKey = await crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt, iterations },
      base, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8(canonical(header)) }, aesKey, utf8(secrets));
    const document = Object.assign({}, header, {
      ciphertext: bytesB64(ciphertext),
      certificates: { signing: certificates.signing, encryption: certificates.encryption, chain: certificates.chain },
    });
    return JSON.stringify(document, null, 2) + "\n";
  }

  window.bidhallKeyFile = { KeyFileError, b64bytes, bytesB64, utf8, canonical, readFile, unlock, encryptionKey, signingKey, openKeyFile, sign, generate, lock };
})();
