// The sealed-bid upload on the bidder's tender page (templates/trading/bid.html), over the
// resumable upload API of trading/bid_api.py: hash the chosen envelope in the browser, create the
// upload with its size and SHA-256, send it in pieces (PATCH with Upload-Offset), resume from the
// server's offset after a failed piece, complete, and show the signed receipt. Every refusal of
// the API ({"error": {"code", "message"}}) is shown in the page's alert area.
//
// Hashing: files up to WEBCRYPTO_MAX_BYTES are hashed with WebCrypto in one call (it has no
// incremental API, so the whole file is held in memory once); larger ones are read piece by piece
// into the small SHA-256 below, so memory stays flat up to the platform's 2 GiB limit.
(function () {
  "use strict";

  const WEBCRYPTO_MAX_BYTES = 64 * 1024 * 1024;
  const HASH_PIECE_BYTES = 4 * 1024 * 1024;
  const RETRIES = 5;

  // --- SHA-256 (FIPS 180-4), incremental ---------------------------------------------------------
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  class Sha256 {
    constructor() {
      this.h = new Uint32Array([
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
      ]);
      this.w = new Uint32Array(64);
      this.block = new Uint8Array(64);
      this.used = 0; // bytes waiting in this.block
      this.length = 0; // bytes hashed so far
    }

    update(bytes) {
      let i = 0;
      this.length += bytes.length;
      if (this.used > 0) {
        const take = Math.min(64 - this.used, bytes.length);
        this.block.set(bytes.subarray(0, take), this.used);
        this.used += take;
        i = take;
        if (this.used < 64) return this;
        this.compress(this.block, 0);
        this.used = 0;
      }
      for (; i + 64 <= bytes.length; i += 64) this.compress(bytes, i);
      this.block.set(bytes.subarray(i), 0);
      this.used = bytes.length - i;
      return this;
    }

    hex() {
      const bits = this.length * 8; // exact: lengths stay far below 2^53 / 8
      const tail = new Uint8Array(this.used < 56 ? 64 : 128);
      tail.set(this.block.subarray(0, this.used));
      tail[this.used] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
      view.setUint32(tail.length - 4, bits >>> 0);
      for (let i = 0; i < tail.length; i += 64) this.compress(tail, i);
      return Array.from(this.h, (word) => word.toString(16).padStart(8, "0")).join("");
    }

    compress(bytes, at) {
      const w = this.w;
      const h = this.h;
      for (let t = 0; t < 16; t++) {
        const j = at + 4 * t;
        w[t] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15];
        const y = w[t - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
      }
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let t = 0; t < 64; t++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
  }

  // the SHA-256 of a Blob (a File), read in pieces; onProgress(bytesHashed)
  async function sha256Incremental(blob, pieceBytes, onProgress) {
    const hash = new Sha256();
    for (let at = 0; at < blob.size; at += pieceBytes) {
      hash.update(new Uint8Array(await blob.slice(at, at + pieceBytes).arrayBuffer()));
      if (onProgress) onProgress(Math.min(at + pieceBytes, blob.size));
    }
    return hash.hex();
  }

  async function sha256File(file, onProgress) {
    if (file.size <= WEBCRYPTO_MAX_BYTES && window.crypto && crypto.subtle) {
      const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
      return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("");
    }
    return sha256Incremental(file, HASH_PIECE_BYTES, onProgress);
  }

  // exposed for the browser test of the incremental hash (tests/browser/test_bid_upload.py)
  window.bidhallSha256 = { sha256File, sha256Incremental };

  // --- the upload form ---------------------------------------------------------------------------
  const form = document.getElementById("bid-upload-form");
  if (!form) return;
  const labels = form.dataset;
  const csrfToken = document.querySelector("meta[name=csrf-token]").content;
  const alertBox = document.getElementById("upload-alert");
  const statusLine = form.querySelector("[data-testid=upload-status]");
  const progress = form.querySelector("[data-testid=upload-progress]");
  const bar = progress.querySelector(".progress-bar");
  const button = form.querySelector("button[type=submit]");
  const receiptBox = document.querySelector("[data-testid=receipt]");

  class ApiError extends Error {
    constructor(code, message, retryable, details) {
      super(message);
      this.code = code;
      this.retryable = retryable;
      this.details = details || {};
    }
  }

  async function call(method, url, body, headers) {
    let response;
    try {
      response = await fetch(url, {
        method,
        body,
        credentials: "same-origin",
        headers: Object.assign({ Accept: "application/json", "X-CSRFToken": csrfToken }, headers),
      });
    } catch (cause) {
      throw new ApiError("network", labels.labelNetwork, true);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (cause) {
      // a cut-off answer: nothing is known, ask the server again
      throw new ApiError("network", labels.labelNetwork, true);
    }
    if (!response.ok) {
      const error = (data && data.error) || { code: `http_${response.status}`, message: response.statusText };
      // a piece the server already holds (or a half-written one) is settled by asking its offset
      const retryable = response.status >= 500 || error.code === "offset_mismatch";
      throw new ApiError(error.code, error.message, retryable, error.details);
    }
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const fill = (template, marker, value) => template.replace(marker, encodeURIComponent(value));

  function setProgress(done, total) {
    const percent = total > 0 ? Math.floor((done * 100) / total) : 0;
    progress.hidden = false;
    progress.setAttribute("aria-valuenow", String(percent));
    bar.style.width = `${percent}%`;
    bar.textContent = `${percent} %`;
  }

  function say(text) {
    statusLine.textContent = text;
  }

  function showError(error) {
    alertBox.textContent = "";
    const message = document.createElement("span");
    message.dataset.role = "message";
    message.textContent = error.message;
    alertBox.append(message);
    // the API's code, for the helpdesk; local and network failures have none worth showing
    if (error.code && error.code !== "network") {
      const code = document.createElement("code");
      code.className = "ms-2 small";
      code.dataset.role = "code";
      code.textContent = error.code;
      alertBox.append(code);
    }
    alertBox.hidden = false;
  }

  async function sendPieces(uploadId, file, pieceBytes) {
    const url = fill(labels.uploadUrl, "__upload__", uploadId);
    let offset = 0;
    let failures = 0;
    let resync = false;
    for (;;) {
      try {
        if (resync) {
          offset = (await call("GET", url)).offset; // what the server really holds
          resync = false;
          setProgress(offset, file.size);
        }
        if (offset >= file.size) return;
        const piece = file.slice(offset, Math.min(offset + pieceBytes, file.size));
        const answer = await call("PATCH", url, piece, {
          "Upload-Offset": String(offset),
          "Content-Type": "application/offset+octet-stream",
        });
        offset = answer.offset;
        failures = 0;
        setProgress(offset, file.size);
        say(labels.labelSending);
      } catch (error) {
        if (!error.retryable || ++failures > RETRIES) throw error;
        say(labels.labelRetrying);
        await sleep(250 * 2 ** (failures - 1));
        resync = true;
      }
    }
  }

  async function complete(uploadId) {
    const url = fill(labels.completeUrl, "__upload__", uploadId);
    for (let failures = 0; ; failures++) {
      try {
        return (await call("POST", url)).receipt;
      } catch (error) {
        // an answer lost after the server completed: the receipt is already there
        if (error.code === "upload_complete" && error.details.bid_id) {
          return call("GET", fill(labels.apiReceiptUrl, "__bid__", error.details.bid_id));
        }
        if (!error.retryable || failures >= RETRIES) throw error;
        await sleep(250 * 2 ** failures);
      }
    }
  }

  // the receipt's UTC time in the tender's time zone, as the page shows times: 2026-03-02 09:30:00
  function localTime(iso) {
    const zone = receiptBox.dataset.timezone;
    try {
      const text = new Intl.DateTimeFormat("sv-SE", {
        timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
      }).format(new Date(iso));
      return `${text} (${zone})`;
    } catch (cause) {
      return iso;
    }
  }

  function showReceipt(document_) {
    const body = document_.receipt;
    for (const field of receiptBox.querySelectorAll("[data-field]")) {
      const value = body[field.dataset.field];
      field.textContent = value === null || value === undefined ? "—" : String(value);
    }
    const received = receiptBox.querySelector("[data-field=received_at]");
    received.title = body.received_at;
    received.textContent = localTime(body.received_at);
    const link = receiptBox.querySelector("[data-testid=receipt-download]");
    link.href = fill(labels.receiptUrl, "__bid__", body.bid_id);
    receiptBox.dataset.bidId = String(body.bid_id);
    receiptBox.hidden = false;
  }

  async function upload(file, lot) {
    const pieceBytes = Number(labels.pieceBytes) || 4 * 1024 * 1024;
    say(labels.labelHashing);
    const sha256 = await sha256File(file, (done) =>
      say(`${labels.labelHashing} ${Math.floor((done * 100) / file.size)} %`));
    const created = await call("POST", labels.createUrl, JSON.stringify({ lot, size: file.size, sha256 }), {
      "Content-Type": "application/json",
    });
    setProgress(0, file.size);
    say(labels.labelSending);
    await sendPieces(created.upload_id, file, pieceBytes);
    say(labels.labelChecking);
    const receipt = await complete(created.upload_id);
    showReceipt(receipt);
    say(labels.labelDone);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alertBox.hidden = true;
    receiptBox.hidden = true;
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) {
      showError(new ApiError(null, labels.labelNoFile, false));
      return;
    }
    button.disabled = true;
    bar.classList.remove("bg-danger");
    form.dataset.state = "uploading";
    try {
      await upload(file, Number(form.querySelector("select[name=lot]").value));
      form.dataset.state = "done";
    } catch (error) {
      showError(error instanceof ApiError ? error : new ApiError(null, String(error), false));
      say("");
      bar.classList.add("bg-danger"); // whatever arrived, nothing was submitted
      form.dataset.state = "failed";
    } finally {
      button.disabled = false;
    }
  });
})();
