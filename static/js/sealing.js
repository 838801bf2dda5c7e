// The sealed-bid envelope bidhall-seal/1 (docs/seal-format.md) written in the bidder's browser
// with WebCrypto, byte-compatible with the Python reference (bidhall/envelope/sealing.py): what
// `bidhall seal` does offline, without the tool. Nothing leaves the page but the envelope's own
// bytes, handed piece by piece to the caller's sink. Needs static/vendor/sha256.min.js
// (js-sha256, window.sha256) loaded first: WebCrypto's digest is one-shot, and the manifest's
// ciphertext hashes must be computed while streaming.
//
//   const plan = await bidhallSeal.plan({descriptor, lot, summary, files, certificates, createdAt})
//     descriptor    the server's sealing descriptor (bidhall-sealing/1, trading/bids/sealing.py)
//     lot           the lot number (default summary.lot; both must agree)
//     summary       the bid summary: an object of strings, safe integers, booleans, null, arrays
//                   and objects (no fractional numbers: their text differs between JS and
//                   Python), checked against descriptor.summary_schema before anything is sealed
//     files         an array of File/Blob, or of {blob, path[, lastModified]}; a File's member
//                   name is its webkitRelativePath less the chosen folder, else its name
//     certificates  the key file's {signing, encryption, chain} PEMs (its "certificates")
//     createdAt     "YYYY-MM-DDTHH:MM:SSZ" or a Date (default: now)
//   → {size, header_sha256, sections: [{name, plaintext_bytes, chunks, ciphertext_bytes}],
//      run(keys, sink, onProgress)}
//     size is the exact byte length of the envelope, known before anything is encrypted (the
//     resumable upload is created with it).
//
//   const {manifest, manifest_sha256} = await plan.run(keys, sink, onProgress)
//     keys        {signing: the Ed25519 CryptoKey (bidhallKeyFile.signingKey), publicRaw: the
//                 X25519 public key (bidhallKeyFile.encryptionKey's, optional: when given it must
//                 be the encryption certificate's key)}
//     sink        async (Uint8Array) => void, called in file order with fresh arrays the sink may
//                 keep; awaited, so a slow sink slows the seal and memory stays at a few chunks
//     onProgress  optional (doneBytes, totalBytes) => void after each piece
//   A plan runs once: its data keys and nonce prefixes are fresh per plan, and a second run would
//   reuse nonces (already_run).
//
// Failures throw bidhallSeal.SealError with a `code`: the format's sealing codes
// (recipient_not_x25519, invalid_threshold, header_too_large, invalid_documents) and the tool's
// (invalid_descriptor, unsupported_suite, invalid_summary, unsupported_schema, wrong_lot,
// invalid_certificate, wrong_holder, wrong_signer, trailer_too_large, already_run).
(function () {
  "use strict";

  const FORMAT = "bidhall-seal/1";
  const SUITE = "bidhall-ed25519-x25519-hkdfsha256-aes256gcm/1";
  const DESCRIPTOR_FORMAT = "bidhall-sealing/1";
  const SECTIONS = ["summary", "documents"];
  const DEFAULT_CHUNK = 1024 * 1024;
  const TAG = 16;
  const MAX_HEADER = 4 * 1024 * 1024;
  const MAX_TRAILER = 1024 * 1024;
  const BLOCK = 512;
  const RECORD = 20 * BLOCK; // Python's tarfile pads the archive to whole 10 KiB records
  // SubjectPublicKeyInfo of an X25519 (OID 1.3.101.110) / Ed25519 (1.3.101.112) key, up to the
  // 32 raw key bytes (RFC 8410)
  const X25519_SPKI = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00];
  const ED25519_SPKI = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
  const subtle = () => crypto.subtle;

  class SealError extends Error {
    constructor(code, message, details) {
      super(message);
      this.name = "SealError";
      this.code = code;
      this.details = details || {};
    }
  }

  // --- bytes ----------------------------------------------------------------------------------

  const encoder = new TextEncoder();
  const utf8 = (text) => encoder.encode(text);
  const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const random = (n) => crypto.getRandomValues(new Uint8Array(n));
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  const u32 = (n) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const MAGIC = ascii("BHSEAL1\n");
  const END_MAGIC = ascii("BHSEAL1E");

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  function b64(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  // --- canonical JSON, exactly Python's json.dumps(v, sort_keys=True, separators=(",", ":"),
  // ensure_ascii=False) ---------------------------------------------------------------------------

  // Python sorts keys by code point, JS by UTF-16 unit: they differ when an astral character
  // (a surrogate pair, D800–DFFF) meets one from E000–FFFF. Shifting the surrogates above
  // FFFF fixes the order of the units that differ.
  function codePointOrder(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x === y) continue;
      if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
      if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
      return x - y;
    }
    return a.length - b.length;
  }

  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

  function canonicalText(value, where) {
    if (value === null) return "null";
    if (value === true || value === false) return String(value);
    if (typeof value === "number") {
      // Python and JS agree on the text of integers only (1e21, 1.0, 0.1+0.2 differ)
      if (!Number.isSafeInteger(value)) {
        throw new SealError("invalid_summary", `${where}: only whole numbers up to 2^53 can be sealed, not ${value}`);
      }
      return String(value);
    }
    if (typeof value === "string") {
      // a lone surrogate has no UTF-8 form: Python would refuse to encode it
      if (LONE_SURROGATE.test(value)) throw new SealError("invalid_summary", `${where}: a string is not valid Unicode`);
      // JSON.stringify escapes exactly what Python does with ensure_ascii=False: " \ and the
      // C0 controls (\b \f \n \r \t short, the rest as lowercase \u00xx)
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map((v, i) => canonicalText(v, `${where}/${i}`)).join(",") + "]";
    if (typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      return "{" + Object.keys(value).sort(codePointOrder)
        .map((k) => canonicalText(k, where) + ":" + canonicalText(value[k], `${where}/${k}`)).join(",") + "}";
    }
    throw new SealError("invalid_summary", `${where}: a ${typeof value} cannot be sealed`);
  }

  const canonical = (value) => utf8(canonicalText(value, "(summary)"));

  // --- the summary schema (the JSON Schema keywords the sealing descriptor uses) ------------------

  const ANNOTATIONS = new Set(["$schema", "$id", "title", "description"]);
  const KEYWORDS = new Set(["type", "properties", "required", "additionalProperties", "enum", "pattern",
    "minLength", "maxLength", "minimum", "maximum"]);
  const TYPES = {
    object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === "string",
    integer: Number.isInteger,
    number: (v) => typeof v === "number" && Number.isFinite(v),
    boolean: (v) => typeof v === "boolean",
    null: (v) => v === null,
  };

  // a small Draft 2020-12 subset: the summary is checked before it is encrypted (as `bidhall
  // seal` does with jsonschema), and a schema keyword outside the subset is refused rather than
  // ignored, so a future schema cannot let a wrong summary through
  function schemaProblems(schema, value, path, problems) {
    for (const keyword of Object.keys(schema)) {
      if (!ANNOTATIONS.has(keyword) && !KEYWORDS.has(keyword)) {
        throw new SealError("unsupported_schema", `the summary schema uses "${keyword}", which this page cannot check`);
      }
    }
    const at = path || "(summary)";
    if (schema.type !== undefined) {
      const types = [].concat(schema.type);
      if (!types.some((t) => TYPES[t] && TYPES[t](value))) {
        problems.push(`${at}: ${JSON.stringify(value)} is not of type ${types.join(", ")}`);
        return problems;
      }
    }
    if (schema.enum !== undefined && !schema.enum.some((e) => e === value)) {
      problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    }
    if (typeof value === "string") {
      const length = [...value].length; // code points, as JSON Schema (and Python) count
      if (schema.minLength !== undefined && length < schema.minLength) problems.push(`${at}: is too short`);
      if (schema.maxLength !== undefined && length > schema.maxLength) problems.push(`${at}: is too long`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
        problems.push(`${at}: does not match ${schema.pattern}`);
      }
    }
    if (typeof value === "number") {
      if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: is less than ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: is more than ${schema.maximum}`);
    }
    if (TYPES.object(value)) {
      const properties = schema.properties || {};
      for (const name of schema.required || []) {
        if (!(name in value)) problems.push(`${at}: "${name}" is a required property`);
      }
      for (const name of Object.keys(value)) {
        const sub = path ? `${path}/${name}` : name;
        if (Object.prototype.hasOwnProperty.call(properties, name)) schemaProblems(properties[name], value[name], sub, problems);
        else if (schema.additionalProperties === false) problems.push(`${at}: "${name}" is not allowed`);
        else if (TYPES.object(schema.additionalProperties)) schemaProblems(schema.additionalProperties, value[name], sub, problems);
      }
    }
    return problems;
  }

  // --- certificates -----------------------------------------------------------------------------

  function pemToDer(pem, what) {
    const match = typeof pem === "string" && /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
    if (!match) throw new SealError("invalid_certificate", `${what} is not a PEM certificate`);
    try {
      return Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    } catch (cause) {
      throw new SealError("invalid_certificate", `${what} is not a PEM certificate`);
    }
  }

  // the raw 32-byte key after a SubjectPublicKeyInfo prefix. A certificate has exactly one SPKI
  // (the issuer's key is not in it), and these 12 bytes (a SEQUENCE with the key's OID and a
  // 33-byte BIT STRING) do not occur by chance in the DER before it.
  function rawKeyAfter(der, prefix) {
    outer: for (let i = 0; i + prefix.length + 32 <= der.length; i++) {
      for (let j = 0; j < prefix.length; j++) if (der[i + j] !== prefix[j]) continue outer;
      return der.slice(i + prefix.length, i + prefix.length + 32);
    }
    return null;
  }

  // {raw, fingerprint} of an encryption certificate: its X25519 key and SHA-256 of its DER
  async function recipient(pem, what) {
    const der = pemToDer(pem, what);
    const raw = rawKeyAfter(der, X25519_SPKI);
    if (!raw) throw new SealError("recipient_not_x25519", `${what} does not carry an X25519 encryption key`);
    return { raw, fingerprint: hex(await subtle().digest("SHA-256", der)) };
  }

  // --- key wrap: X25519 + HKDF-SHA256 + AES-256-GCM (docs/seal-format.md, "Header") -------------

  const wrapContext = (section, tenderId, role, x) =>
    `${FORMAT}|tender:${tenderId}|section:${section}|${role}` + (x === undefined ? "" : `|x:${x}`);

  async function wrapKey(secret, to, context) {
    // the ephemeral private key never needs to leave WebCrypto; its public half always can
    const ephemeral = await subtle().generateKey({ name: "X25519" }, false, ["deriveBits"]);
    const ephemeralRaw = new Uint8Array(await subtle().exportKey("raw", ephemeral.publicKey));
    const peer = await subtle().importKey("raw", to.raw, { name: "X25519" }, false, []);
    const shared = await subtle().deriveBits({ name: "X25519", public: peer }, ephemeral.privateKey, 256);
    const ikm = await subtle().importKey("raw", shared, "HKDF", false, ["deriveKey"]);
    const kek = await subtle().deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: concat(ephemeralRaw, to.raw), info: utf8(`${FORMAT} key-wrap ${context}`) },
      ikm, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    const nonce = random(12);
    const wrapped = await subtle().encrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8(context) }, kek, secret);
    return { recipient: to.fingerprint, ephemeral: b64(ephemeralRaw), nonce: b64(nonce), wrapped: b64(wrapped) };
  }

  // --- Shamir t-of-n over GF(2^128), as pycryptodome's Shamir.split(k, n, secret, ssss=False) ---
  //
  // Written here because the shares must recombine with pycryptodome (the custodians' tools and
  // the platform use Shamir.combine), and no npm library shares its representation: a 16-byte
  // string is a big-endian integer whose least significant bit is the constant coefficient of
  // the polynomial, reduced by x^128 + x^7 + x^2 + x + 1 (pycryptodome's _Element). Shares are
  // p(x) for x = the custodians' x (1..n, as pycryptodome numbers them), with p(0) = secret and
  // k-1 random coefficients. BigInt arithmetic is not constant-time; it runs once per seal, on
  // the bidder's own machine, on secrets that exist only for the length of the seal.
  const GF_REDUCE = (1n << 128n) | 0x87n;

  function gfMultiply(a, b) {
    let z = 0n;
    while (b) {
      if (b & 1n) z ^= a;
      a <<= 1n;
      if (a >> 128n) a ^= GF_REDUCE;
      b >>= 1n;
    }
    return z;
  }

  const toBig = (bytes) => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const fromBig = (n) => Uint8Array.from({ length: 16 }, (_, i) => Number((n >> BigInt(8 * (15 - i))) & 255n));

  function shamirSplit(k, xs, secret16) {
    // highest degree first, the secret last: Horner's order, as pycryptodome builds its list
    const coefficients = [];
    for (let i = 0; i < k - 1; i++) coefficients.push(toBig(random(16)));
    coefficients.push(toBig(secret16));
    return xs.map((x) => fromBig(coefficients.reduce((y, c) => gfMultiply(BigInt(x), y) ^ c, 0n)));
  }

  // a 32-byte key as two 16-byte halves with the same x: custodian x gets left_x || right_x
  function splitKey(key, k, xs) {
    const left = shamirSplit(k, xs, key.subarray(0, 16));
    const right = shamirSplit(k, xs, key.subarray(16, 32));
    return xs.map((x, i) => ({ x, share: concat(left[i], right[i]) }));
  }

  // --- the documents: a POSIX pax tar stream, as Python's tarfile (PAX_FORMAT) writes it --------

  const OCTAL_LIMIT = { 8: 8 ** 7, 12: 8 ** 11 };
  const padTo = (n, size) => Math.ceil(n / size) * size;

  function putText(block, offset, length, bytes) {
    block.set(bytes.subarray(0, length), offset);
  }

  function putOctal(block, offset, digits, n) {
    putText(block, offset, digits, ascii(n.toString(8).padStart(digits - 1, "0") + "\0"));
  }

  // Python's encode("ascii", "replace"): one "?" per character outside ASCII
  const asciiReplace = (text) => ascii(Array.from(text, (c) => (c.codePointAt(0) < 128 ? c : "?")).join(""));

  // one ustar header block, field by field as tarfile.TarInfo._create_header (Python 3.11)
  function ustarBlock({ name, mode, size, mtime, type }) {
    const block = new Uint8Array(BLOCK);
    putText(block, 0, 100, asciiReplace(name));
    putOctal(block, 100, 8, mode);
    putOctal(block, 108, 8, 0); // uid, gid: owners cleared
    putOctal(block, 116, 8, 0);
    putOctal(block, 124, 12, size);
    putOctal(block, 136, 12, mtime);
    block.fill(0x20, 148, 156); // the checksum is summed over spaces
    block[156] = type.charCodeAt(0);
    putText(block, 257, 8, ascii("ustar\u000000")); // uname, gname, devices, prefix: empty
    const sum = block.reduce((n, b) => n + b, 0);
    putText(block, 148, 7, ascii(sum.toString(8).padStart(6, "0") + "\0"));
    return block;
  }

  // "<length> <keyword>=<value>\n", the length counting itself
  function paxRecord(keyword, value) {
    const body = utf8(` ${keyword}=${value}\n`);
    let length = body.length;
    while (String(length).length + body.length !== length) length = String(length).length + body.length;
    return concat(ascii(String(length)), body);
  }

  // the header blocks of one member: a pax header first when the name is not ASCII or longer
  // than ustar's 100 bytes (tarfile in PAX_FORMAT never uses the prefix field) or the size
  // does not fit 11 octal digits
  function memberHeader(path, size, mtime) {
    const records = [];
    if (/[^\x00-\x7f]/.test(path) || path.length > 100) records.push(paxRecord("path", path));
    if (size >= OCTAL_LIMIT[12]) records.push(paxRecord("size", String(size)));
    const member = ustarBlock({ name: path, mode: 0o644, size: size < OCTAL_LIMIT[12] ? size : 0, mtime, type: "0" });
    if (!records.length) return member;
    const payload = concat(...records);
    const pax = ustarBlock({ name: "././@PaxHeader", mode: 0, size: payload.length, mtime: 0, type: "x" });
    return concat(pax, payload, new Uint8Array(padTo(payload.length, BLOCK) - payload.length), member);
  }

  // Python sorts the Paths of the folder it walks component by component
  function pathOrder(a, b) {
    const x = a.split("/");
    const y = b.split("/");
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const order = codePointOrder(x[i], y[i]);
      if (order) return order;
    }
    return x.length - y.length;
  }

  function documentEntries(files, fallbackMtime) {
    if (files === undefined || files === null) files = [];
    if (!Array.isArray(files) && typeof files[Symbol.iterator] === "function") files = Array.from(files);
    if (!Array.isArray(files)) throw new SealError("invalid_documents", "the documents must be a list of files");
    const entries = files.map((item) => {
      const blob = item instanceof Blob ? item : item && (item.blob || item.file);
      if (!(blob instanceof Blob)) throw new SealError("invalid_documents", "a document is not a file");
      let path = item instanceof Blob ? undefined : item.path;
      if (path === undefined && blob.webkitRelativePath) {
        // a folder picked with <input webkitdirectory>: names relative to that folder, as
        // `bidhall seal --documents FOLDER` writes them
        path = blob.webkitRelativePath.split("/").slice(1).join("/");
      }
      if (path === undefined) path = blob.name;
      const parts = typeof path === "string" ? path.split("/") : [""];
      if (parts.some((p) => p === "" || p === "." || p === "..") || /\0/.test(path) || LONE_SURROGATE.test(path)) {
        throw new SealError("invalid_documents", `"${path}" is not a file name that can be sealed`, { path });
      }
      const modified = item instanceof Blob ? blob.lastModified : (item.lastModified ?? blob.lastModified);
      let mtime = Number.isFinite(modified) ? Math.floor(modified / 1000) : fallbackMtime;
      mtime = Math.min(Math.max(mtime, 0), OCTAL_LIMIT[12] - 1);
      return { blob, path, size: blob.size, mtime };
    });
    entries.sort((a, b) => pathOrder(a.path, b.path));
    for (let i = 1; i < entries.length; i++) {
      if (entries[i].path === entries[i - 1].path) {
        throw new SealError("invalid_documents", `two documents are named "${entries[i].path}"`, { path: entries[i].path });
      }
    }
    for (const entry of entries) entry.header = memberHeader(entry.path, entry.size, entry.mtime);
    return entries;
  }

  function tarLength(entries) {
    const members = entries.reduce((n, e) => n + e.header.length + padTo(e.size, BLOCK), 0);
    return padTo(members + 2 * BLOCK, RECORD);
  }

  // the tar's bytes in order, never more than one slice of one file at a time
  async function* tarPieces(entries, sliceSize) {
    const zeros = new Uint8Array(RECORD);
    let offset = 0;
    for (const entry of entries) {
      yield entry.header;
      for (let at = 0; at < entry.size; at += sliceSize) {
        const end = Math.min(at + sliceSize, entry.size);
        let piece;
        try {
          piece = new Uint8Array(await entry.blob.slice(at, end).arrayBuffer());
        } catch (cause) {
          piece = null;
        }
        // a file changed or removed on disk after it was chosen reads short or fails
        if (!piece || piece.length !== end - at) {
          throw new SealError("invalid_documents", `"${entry.path}" could not be read: was it changed or removed?`, { path: entry.path });
        }
        yield piece;
      }
      const padding = padTo(entry.size, BLOCK) - entry.size;
      if (padding) yield zeros.subarray(0, padding);
      offset += entry.header.length + entry.size + padding;
    }
    yield zeros.subarray(0, 2 * BLOCK);
    offset += 2 * BLOCK;
    if (offset % RECORD) yield zeros.subarray(0, RECORD - (offset % RECORD));
  }

  // --- sections: STREAM chunks of AES-256-GCM (docs/seal-format.md, "Sections and chunks") ------

  const chunkCount = (plainBytes, chunkSize) => Math.max(1, Math.ceil(plainBytes / chunkSize));

  // Encrypts what it is written in chunk_size pieces. The plaintext length is known from the
  // plan, so the final chunk is known without holding one back.
  class SectionWriter {
    constructor({ name, key, prefix, headerSha256, chunkSize, plainBytes, emit }) {
      Object.assign(this, { name, key, prefix, chunkSize, plainBytes, emit });
      this.aad = utf8(`${FORMAT}|${name}|${headerSha256}`);
      this.buffer = new Uint8Array(chunkSize);
      this.fill = 0;
      this.index = 0;
      this.consumed = 0;
      this.chunks = chunkCount(plainBytes, chunkSize);
      this.digest = window.sha256.create();
      this.bytes = 0;
    }

    async write(bytes) {
      let at = 0;
      while (at < bytes.length) {
        const n = Math.min(bytes.length - at, this.chunkSize - this.fill);
        this.buffer.set(bytes.subarray(at, at + n), this.fill);
        this.fill += n;
        at += n;
        this.consumed += n;
        if (this.consumed > this.plainBytes) throw new SealError("invalid_documents", "the documents grew while sealing");
        if (this.fill === this.chunkSize) await this.seal();
      }
    }

    async seal() {
      const last = this.index === this.chunks - 1;
      const nonce = concat(this.prefix, u32(this.index), new Uint8Array([last ? 1 : 0]));
      // WebCrypto copies its input when called, so the buffer is free again at once
      const sealed = new Uint8Array(await subtle().encrypt(
        { name: "AES-GCM", iv: nonce, additionalData: this.aad, tagLength: 128 }, this.key, this.buffer.subarray(0, this.fill)));
      this.fill = 0;
      this.index += 1;
      this.digest.update(sealed);
      this.bytes += sealed.length;
      await this.emit(sealed);
    }

    async close() {
      if (this.fill > 0 || this.index === 0) await this.seal();
      if (this.consumed !== this.plainBytes || this.index !== this.chunks) {
        throw new SealError("invalid_documents", `section ${this.name}: ${this.consumed} bytes sealed, ${this.plainBytes} planned`);
      }
      return { name: this.name, chunks: this.index, ciphertext_bytes: this.bytes, ciphertext_sha256: this.digest.hex() };
    }
  }

  // --- the plan and the run -------------------------------------------------------------------

  function descriptorField(ok, message) {
    if (!ok) throw new SealError("invalid_descriptor", `the sealing descriptor is not usable: ${message}`);
  }

  function createdAtText(createdAt) {
    const date = createdAt === undefined ? new Date() : createdAt;
    if (date instanceof Date) return date.toISOString().replace(/\.\d{3}Z$/, "Z");
    if (typeof date === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date)) return date;
    throw new SealError("invalid_descriptor", `createdAt must be a Date or YYYY-MM-DDTHH:MM:SSZ, not ${date}`);
  }

  async function plan({ descriptor, lot, summary, files, certificates, createdAt }) {
    if (!window.sha256 || typeof window.sha256.create !== "function") {
      throw new Error("static/vendor/sha256.min.js (js-sha256) must be loaded before sealing.js is used");
    }
    descriptorField(descriptor && descriptor.format === DESCRIPTOR_FORMAT, `format is not ${DESCRIPTOR_FORMAT}`);
    if (descriptor.suite !== SUITE) {
      throw new SealError("unsupported_suite", `the tender asks for the algorithm suite ${descriptor.suite}; this page seals with ${SUITE}`);
    }
    const tender = descriptor.tender || {};
    descriptorField(Number.isSafeInteger(tender.id) && typeof tender.reference === "string", "no tender id and reference");
    const chunkSize = descriptor.chunk_size === undefined ? DEFAULT_CHUNK : descriptor.chunk_size;
    descriptorField(Number.isSafeInteger(chunkSize) && chunkSize >= 1024 && chunkSize <= 64 << 20, "chunk_size out of range");
    descriptorField(typeof descriptor.commitment === "string", "no commitment");
    descriptorField(Array.isArray(descriptor.custodians), "no custodians");

    // the summary: its lot, its schema, its canonical bytes
    if (!TYPES.object(summary)) throw new SealError("invalid_summary", "the bid summary must be an object");
    if (lot === undefined) lot = summary.lot;
    if (!Number.isSafeInteger(lot) || (summary.lot !== undefined && summary.lot !== lot)) {
      throw new SealError("invalid_summary", `the summary's lot ${summary.lot} is not the lot sealed for (${lot})`);
    }
    if (Array.isArray(tender.lots) && !tender.lots.includes(lot)) {
      throw new SealError("wrong_lot", `tender ${tender.reference} has no lot ${lot}`);
    }
    if (descriptor.summary_schema) {
      const problems = schemaProblems(descriptor.summary_schema, summary, "", []);
      if (problems.length) {
        throw new SealError("invalid_summary", "the bid summary does not match the tender's schema:\n  " + problems.join("\n  "), { problems });
      }
    }
    const summaryBytes = canonical(summary);

    // recipients: custodians in x order (the platform checks x and fingerprints in that order)
    const custodians = descriptor.custodians.map((c, i) => ({ ...c, x: c.x === undefined ? i + 1 : c.x }))
      .sort((a, b) => a.x - b.x);
    const xs = custodians.map((c) => c.x);
    descriptorField(xs.every((x, i) => Number.isSafeInteger(x) && x >= 1 && (i === 0 || x > xs[i - 1])), "custodian x values must be distinct positive integers");
    const threshold = descriptor.threshold;
    if (!Number.isSafeInteger(threshold) || threshold < 2 || threshold > custodians.length) {
      throw new SealError("invalid_threshold", `a threshold of ${threshold} of ${custodians.length} is not a valid split`);
    }
    const custodianKeys = [];
    for (const c of custodians) {
      const key = await recipient(c.certificate, `custodian ${c.x}'s certificate`);
      descriptorField(c.fingerprint === undefined || c.fingerprint === key.fingerprint, `custodian ${c.x}'s fingerprint does not match its certificate`);
      custodianKeys.push(key);
    }
    if (!certificates || typeof certificates !== "object") throw new SealError("invalid_certificate", "the key file has no certificates: enroll first");
    const holder = await recipient(certificates.encryption, "your encryption certificate");
    const signerDer = pemToDer(certificates.signing, "your signing certificate");
    const signerRaw = rawKeyAfter(signerDer, ED25519_SPKI);
    if (!signerRaw) throw new SealError("invalid_certificate", "your signing certificate does not carry an Ed25519 key");
    const chain = certificates.chain || [];
    chain.forEach((pem, i) => pemToDer(pem, `certificate ${i + 1} of your chain`));

    const entries = documentEntries(files, Math.floor(Date.parse(createdAtText(createdAt)) / 1000));
    const plainBytes = { summary: summaryBytes.length, documents: tarLength(entries) };

    // the header, with each section's fresh data key wrapped and split; the raw keys are wiped
    // once the AES keys (not extractable) are made from them
    const dataKeys = {};
    const prefixes = {};
    const sectionHeaders = [];
    for (const name of SECTIONS) {
      const key = random(32);
      prefixes[name] = random(7);
      const holderWrap = await wrapKey(key, holder, wrapContext(name, tender.id, "holder"));
      const shares = [];
      for (const [i, { x, share }] of splitKey(key, threshold, xs).entries()) {
        shares.push({ x, ...(await wrapKey(share, custodianKeys[i], wrapContext(name, tender.id, "custodian", x))) });
        share.fill(0);
      }
      dataKeys[name] = await subtle().importKey("raw", key, { name: "AES-GCM" }, false, ["encrypt"]);
      key.fill(0);
      sectionHeaders.push({ name, nonce_prefix: b64(prefixes[name]), holder: holderWrap, custodians: { threshold, shares } });
    }
    const header = {
      format: FORMAT,
      suite: SUITE,
      tender: { id: tender.id, reference: tender.reference, lot },
      created_at: createdAtText(createdAt),
      chunk_size: chunkSize,
      commitment: descriptor.commitment,
      sections: sectionHeaders,
    };
    const headerBytes = canonical(header);
    if (headerBytes.length > MAX_HEADER) throw new SealError("header_too_large", "too many recipients for one envelope");
    const headerSha256 = hex(await subtle().digest("SHA-256", headerBytes));

    const sections = SECTIONS.map((name) => {
      const chunks = chunkCount(plainBytes[name], chunkSize);
      return { name, plaintext_bytes: plainBytes[name], chunks, ciphertext_bytes: plainBytes[name] + TAG * chunks };
    });
    const manifestWith = (hashes) => ({
      format: FORMAT,
      suite: SUITE,
      tender_id: tender.id,
      header_sha256: headerSha256,
      sections: sections.map((s, i) => ({ name: s.name, chunks: s.chunks, ciphertext_bytes: s.ciphertext_bytes, ciphertext_sha256: hashes[i] })),
    });
    const trailerWith = (manifest, signature) => canonical({ manifest, signature, signer: certificates.signing, chain });
    // hashes are 64 hex digits and an Ed25519 signature 88 base64 characters whatever their
    // values, so the trailer's length is known now
    const trailerLength = trailerWith(manifestWith(["0".repeat(64), "0".repeat(64)]), "A".repeat(88)).length;
    if (trailerLength > MAX_TRAILER) throw new SealError("trailer_too_large", "the certificate chain is too long for one envelope");
    const size = MAGIC.length + 4 + headerBytes.length + sections.reduce((n, s) => n + s.ciphertext_bytes, 0) + trailerLength + 4 + END_MAGIC.length;

    let started = false;
    async function run(keys, sink, onProgress) {
      if (started) throw new SealError("already_run", "this plan was already sealed: make a new plan");
      started = true;
      if (typeof sink !== "function") throw new TypeError("run(keys, sink, onProgress): sink must be a function");
      const signing = keys && keys.signing;
      if (keys && keys.publicRaw && b64(keys.publicRaw) !== b64(holder.raw)) {
        throw new SealError("wrong_holder", "your encryption certificate is not for the key file's encryption key");
      }
      // a signing key that is not the certificate's would only be refused at the upload
      const probe = utf8(`${FORMAT} signing key check`);
      let probeOk = false;
      try {
        const signerKey = await subtle().importKey("raw", signerRaw, { name: "Ed25519" }, false, ["verify"]);
        probeOk = await subtle().verify({ name: "Ed25519" }, signerKey, await subtle().sign({ name: "Ed25519" }, signing, probe), probe);
      } catch (cause) {
        probeOk = false;
      }
      if (!probeOk) throw new SealError("wrong_signer", "the signing key is not the one of your signing certificate");

      let done = 0;
      const emit = async (bytes) => {
        await sink(bytes);
        done += bytes.length;
        if (onProgress) onProgress(done, size);
      };
      const writer = (name) => new SectionWriter({
        name, key: dataKeys[name], prefix: prefixes[name], headerSha256, chunkSize, plainBytes: plainBytes[name], emit,
      });
      await emit(concat(MAGIC, u32(headerBytes.length), headerBytes));
      const summaryWriter = writer("summary");
      await summaryWriter.write(summaryBytes);
      const summarySection = await summaryWriter.close();
      const documentsWriter = writer("documents");
      for await (const piece of tarPieces(entries, chunkSize)) await documentsWriter.write(piece);
      const documentsSection = await documentsWriter.close();

      const manifest = manifestWith([summarySection.ciphertext_sha256, documentsSection.ciphertext_sha256]);
      const manifestBytes = canonical(manifest);
      const signature = b64(await subtle().sign({ name: "Ed25519" }, signing, manifestBytes));
      const trailer = trailerWith(manifest, signature);
      if (trailer.length !== trailerLength) throw new Error(`trailer of ${trailer.length} bytes, ${trailerLength} planned`);
      await emit(concat(trailer, u32(trailer.length), END_MAGIC));
      return { manifest, manifest_sha256: hex(await subtle().digest("SHA-256", manifestBytes)) };
    }

    return { size, header_sha256: headerSha256, sections, run };
  }

  window.bidhallSeal = { plan, SealError, canonical, FORMAT, SUITE };
})();
