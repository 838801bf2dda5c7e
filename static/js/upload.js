// The sealed-bid upload on the bidder's tender page (templates/trading/bid.html), over the
// resumable upload API of trading/bids/api.py: create the upload with its lot and size, send the
// envelope in pieces (PATCH with Upload-Offset), resume from the server's offset after a failed
// piece, complete, and show the signed receipt. The envelope is a file sealed by the bidhall
// tool, or one sealed in this page (static/js/bid-seal.js) and sent as it is made. The server
// checks every section of the envelope against its signed manifest on completion. Every
// refusal of the API ({"error": {"code", "message"}}) is shown in the page's alert area.
(function () {
  "use strict";

  const RETRIES = 5;

  // --- the upload form ---------------------------------------------------------------------------
  const form = document.getElementById("bid-upload-form");
  if (!form) return;
  const labels = form.dataset;
  const csrfToken = document.querySelector("meta[name=csrf-token]").content;
  const alertBox = document.getElementById("upload-alert");
  const statusLine = form.querySelector("[data-testid=upload-status]");
  const progress = form.querySelector("[data-testid=upload-progress]");
  const bar = progress.querySelector(".progress-bar");
  const bytesLine = form.querySelector("[data-testid=upload-bytes]");
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
      // a refusal in the page's language where the platform has it, else its own words
      throw new ApiError(error.code, error.localized || error.message, retryable, error.details);
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
    const sizes = `${window.bidhallDom.size(done)} / ${window.bidhallDom.size(total)}`;
    progress.setAttribute("aria-valuetext", `${percent} % (${sizes})`);
    bytesLine.textContent = sizes;
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

  // the pieces of an envelope made as it is sent (sealed in this page): bytes are gathered into
  // pieces of `pieceBytes` and each is sent as soon as it is full. Only the piece in hand can be
  // sent again after a failure (the earlier ones are gone from memory, and the server holds
  // them): a retry asks the server's offset and sends the rest of this piece from there
  function pieceSink(uploadId, pieceBytes, total) {
    const url = fill(labels.uploadUrl, "__upload__", uploadId);
    const buffer = new Uint8Array(pieceBytes);
    let filled = 0;
    let offset = 0; // what the server holds
    async function flush() {
      const start = offset;
      const piece = buffer.subarray(0, filled);
      let failures = 0;
      while (offset < start + piece.length) {
        try {
          const answer = await call("PATCH", url, piece.slice(offset - start), {
            "Upload-Offset": String(offset),
            "Content-Type": "application/offset+octet-stream",
          });
          offset = answer.offset;
          failures = 0;
          setProgress(offset, total);
        } catch (error) {
          if (!error.retryable || ++failures > RETRIES) throw error;
          say(labels.labelRetrying);
          await sleep(250 * 2 ** (failures - 1));
          try {
            offset = (await call("GET", url)).offset;
          } catch (again) {
            continue; // still unreachable: the next attempt counts as a failure
          }
          if (offset < start || offset > start + piece.length) {
            throw new ApiError("offset_mismatch", labels.labelNetwork, false);
          }
          say(labels.labelSealing);
        }
      }
      filled = 0;
    }
    return {
      async write(bytes) {
        for (let at = 0; at < bytes.length; ) {
          const n = Math.min(bytes.length - at, pieceBytes - filled);
          buffer.set(bytes.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === pieceBytes) await flush();
        }
      },
      async close() {
        if (filled) await flush();
      },
    };
  }

  async function create(lot, size) {
    return call("POST", labels.createUrl, JSON.stringify({ lot, size }), { "Content-Type": "application/json" });
  }

  async function finish(uploadId) {
    say(labels.labelChecking);
    const receipt = await complete(uploadId);
    showReceipt(receipt);
    say(labels.labelDone);
    // the "my bids" table as the server now renders it: the new bid sealed, the one it
    // replaced superseded, and the receipt still on screen
    await window.bidhallDom.refresh("[data-testid=my-bids]");
  }

  // a file sealed by the bidhall tool
  async function upload(file, lot) {
    const pieceBytes = Number(labels.pieceBytes) || 4 * 1024 * 1024;
    const created = await create(lot, file.size);
    setProgress(0, file.size);
    say(labels.labelSending);
    await sendPieces(created.upload_id, file, pieceBytes);
    await finish(created.upload_id);
  }

  // a bid sealed here (static/js/bid-seal.js), sent while it is sealed
  async function sealAndUpload(sealed, lot) {
    const pieceBytes = Number(labels.pieceBytes) || 4 * 1024 * 1024;
    const created = await create(lot, sealed.size);
    setProgress(0, sealed.size);
    say(labels.labelSealing);
    const sink = pieceSink(created.upload_id, pieceBytes, sealed.size);
    await sealed.run((bytes) => sink.write(bytes));
    await sink.close();
    sealed.forget();
    await finish(created.upload_id);
  }

  // --- the two ways: sealed in this page, or a file sealed by the tool ---------------------------
  const mode = () => (form.querySelector("input[name=mode]:checked") || { value: "file" }).value;
  function showMode() {
    for (const part of form.querySelectorAll("[data-mode]")) part.hidden = part.dataset.mode !== mode();
    button.textContent = mode() === "browser" ? button.dataset.labelBrowser : button.dataset.labelFile;
  }
  for (const radio of form.querySelectorAll("input[name=mode]")) radio.addEventListener("change", showMode);
  if (form.querySelector("input[name=mode]")) showMode();

  // a lot the bidder has not secured yet (no guarantee in force, no deposit): said under the
  // lot at once and asked again before the upload; an upload is not refused for it, since the
  // security may still come before the deadline
  const lotSelect = form.querySelector("select[name=lot]");
  const unsecuredWarning = form.querySelector("[data-testid=unsecured-warning]");
  const lotUnsecured = () => Boolean(lotSelect.selectedOptions[0] && lotSelect.selectedOptions[0].hasAttribute("data-unsecured"));
  const showSecurity = () => {
    unsecuredWarning.hidden = !lotUnsecured();
  };
  lotSelect.addEventListener("change", showSecurity);
  showSecurity();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alertBox.hidden = true;
    receiptBox.hidden = true;
    const lot = Number(lotSelect.value);
    const file = form.querySelector("input[name=file]").files[0];
    if (mode() === "file" && !file) {
      showError(new ApiError(null, labels.labelNoFile, false));
      return;
    }
    button.disabled = true;
    try {
      let sealed = null;
      if (mode() === "browser") {
        say(labels.labelOpeningKey);
        sealed = await window.bidhallBidSeal.prepare(lot); // the form's refusals at their fields
        say("");
      }
      if (lotUnsecured() && !window.confirm(labels.labelUnsecured)) return;
      bar.classList.remove("bg-danger");
      form.dataset.state = "uploading";
      if (sealed) await sealAndUpload(sealed, lot);
      else await upload(file, lot);
      form.dataset.state = "done";
    } catch (error) {
      say("");
      if (!error.shown) showError(error instanceof ApiError ? error : new ApiError(error.code || null, error.message || String(error), false));
      if (form.dataset.state === "uploading") {
        bar.classList.add("bg-danger"); // whatever arrived, nothing was submitted
        form.dataset.state = "failed";
      }
    } finally {
      button.disabled = false;
    }
  });
})();
