// The online opening hall (templates/trading/opening.html) over the /opening Socket.IO namespace
// (trading/opening/sockets.py, on the kernel core in bidhall/realtime/), or over HTTP when that
// cannot connect (docs/opening.md). The client only displays: everything shown comes from the
// server's state (the join acknowledgement, then `state` after each message) and its messages.
//
// - Messages carry a gap-free per-hall seq. The last seq seen is kept in memory; on (re)connect
//   the page joins with it and gets what it missed; a duplicate seq is dropped; a gap is filled
//   by asking `replay` before anything after it is shown.
// - Every command carries a fresh cmd_id (crypto.randomUUID) and is sent again with the same id
//   when its acknowledgement is lost: the server applies it once.
// - A bidder's key file is read here with FileReader and opened with WebCrypto (PBKDF2 + AES-GCM,
//   docs/keys-and-certificates.md §2; static/js/keyfile.js); the wrapped data keys of its own
//   envelope are unwrapped here (X25519 → HKDF-SHA256 → AES-GCM, docs/seal-format.md) and only
//   those keys are sent. The key file and the passphrase never leave the browser. A custodian
//   unwraps its shares the same way.
(function () {
  "use strict";

  const root = document.getElementById("opening-hall");
  if (!root) return;
  const L = JSON.parse(document.getElementById("hall-labels").textContent);
  const tenderId = Number(root.dataset.tenderId);
  const role = root.dataset.role;
  const zone = root.dataset.timezone;
  const csrfToken = (document.querySelector("meta[name=csrf-token]") || {}).content;
  const ACK_TIMEOUT_MS = 15000;
  const ATTEMPTS = 5;

  const $ = (testid, scope) => (scope || document).querySelector(`[data-testid="${testid}"]`);
  const connection = $("hall-connection");
  const errorBox = $("hall-error");

  // --- small helpers -------------------------------------------------------------------------------
  const { fmt, el, money, capital } = window.bidhallDom;

  function time(iso, withDate) {
    if (!iso) return "—";
    // the tender's own time zone, written as the rest of the site writes times (2026-03-01 10:00:00)
    const options = { timeZone: zone, hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" };
    if (withDate) Object.assign(options, { year: "numeric", month: "2-digit", day: "2-digit" });
    try {
      return new Date(iso).toLocaleString("sv-SE", options);
    } catch (cause) {
      return iso;
    }
  }

  function value(v) {
    if (Array.isArray(v)) return v.map(value).join("; ");
    if (v !== null && typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  function showError(error) {
    const message = (error && (error.message || error.code)) || String(error);
    const translated = error && error.code && L.errors && L.errors[error.code];
    errorBox.querySelector("[data-role=message]").textContent = translated || message;
    errorBox.dataset.code = (error && error.code) || "";
    errorBox.hidden = false;
  }
  errorBox.querySelector("[data-role=dismiss]").addEventListener("click", () => {
    errorBox.hidden = true;
  });
  function clearError() {
    errorBox.hidden = true;
  }

  function setConnection(stateName, text) {
    connection.dataset.state = stateName;
    connection.textContent = text;
  }

  // --- the connection, the join and the messages -----------------------------------------------------
  // Without a live connection (no Socket.IO client, or a network that lets neither WebSockets
  // nor long-polling through) the page reads the same state and messages over HTTP every few
  // seconds, sends its commands there (trading/opening/api.py) and says so; once the live
  // connection comes back it joins with the last seq it showed and stops asking.
  const POLL_MS = 3000;
  const FALLBACK_AFTER_MS = 5000; // not connected this long: read over HTTP meanwhile
  const socket = typeof window.io === "function" ? window.io("/opening", { transports: ["websocket", "polling"] }) : null;
  root.hallSocket = socket; // for diagnostics (and the browser test's dropped connection)
  let polling = null; // the timer while the page reads the hall over HTTP
  let fallbackTimer = null;
  let everConnected = false;
  let state = null;
  let clockOffset = 0; // server time − browser time, from the last state
  let lastSeq = 0; // the last message shown (in memory only)
  let joined = false;
  let early = []; // messages heard before the join's acknowledgement
  const ahead = new Map(); // messages after a gap, waiting for the replay
  let replaying = false;
  let signedInAt = null;

  if (socket) {
  socket.on("connect", () => {
    everConnected = true;
    stopPolling();
    setConnection("joining", L.connecting);
    joined = false;
    socket.emit("join", { tender_id: tenderId, last_seq: lastSeq }, (ack) => {
      if (!ack || ack.error) {
        setConnection("refused", (ack && ack.error && ack.error.message) || L.network);
        if (ack && ack.error) showError(ack.error);
        return;
      }
      setConnection("connected", L.connected);
      joined = true;
      setState(ack.state);
      for (const message of ack.missed || []) receive(message);
      const heard = early;
      early = [];
      for (const message of heard) receive(message);
      root.dataset.joined = "yes";
    });
  });
  socket.on("disconnect", () => {
    joined = false;
    root.dataset.joined = "no";
    setConnection("disconnected", L.disconnected);
    fallBackLater();
  });
  // refused before it ever connected (no WebSocket, no long-polling through this network): read
  // over HTTP at once; the client keeps trying in the background and takes over when it connects
  socket.on("connect_error", () => {
    if (!everConnected) startPolling();
  });
  socket.on("hall", (message) => receive(message));
  // a burst comes as one frame: the messages in seq order
  socket.on("hall.batch", (messages) => (messages || []).forEach(receive));
  fallBackLater(); // a connection that hangs without an error counts as refused too
  } else {
    startPolling();
  }

  function fallBackLater() {
    if (polling !== null || fallbackTimer !== null) return;
    fallbackTimer = setTimeout(() => {
      fallbackTimer = null;
      if (!socket.connected) startPolling();
    }, FALLBACK_AFTER_MS);
  }

  function startPolling() {
    if (polling !== null) return;
    joined = true; // the messages come in seq order from the last one shown
    root.dataset.joined = "polling";
    setConnection("polling", L.polling);
    poll();
    polling = setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (fallbackTimer !== null) clearTimeout(fallbackTimer);
    fallbackTimer = null;
    if (polling === null) return;
    clearInterval(polling);
    polling = null;
  }

  async function http(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) Object.assign(headers, { "Content-Type": "application/json", "X-CSRFToken": csrfToken });
    let response;
    try {
      response = await fetch(`/api/tenders/${tenderId}/opening${path}`, {
        method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw { code: "network", message: L.network };
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw (data && data.error) || { code: "network", message: L.network };
    return data;
  }

  let asking = false;
  async function poll() {
    if (asking) return;
    asking = true;
    try {
      const answer = await http("GET", `/messages?after=${lastSeq}`);
      for (const message of answer.messages || []) receive(message);
      setState(await http("GET", ""));
      setConnection("polling", L.polling);
    } catch (error) {
      setConnection("polling", L.pollingFailed);
    } finally {
      asking = false;
    }
  }
  // a refused command is also announced as `hall.error`; this page reads refusals from the
  // acknowledgements, so the event would only repeat them

  function receive(message) {
    if (!message || message.tender_id !== tenderId) return;
    if (!joined) {
      early.push(message);
      return;
    }
    if (message.seq <= lastSeq) return; // a duplicate (joined while it was being broadcast)
    if (message.seq > lastSeq + 1) {
      ahead.set(message.seq, message);
      askReplay();
      return;
    }
    apply(message);
    while (ahead.has(lastSeq + 1)) {
      const next = ahead.get(lastSeq + 1);
      ahead.delete(lastSeq + 1);
      apply(next);
    }
    for (const seq of ahead.keys()) if (seq <= lastSeq) ahead.delete(seq);
    if (ahead.size) askReplay();
  }

  function askReplay() {
    if (polling !== null) return; // the next poll asks from the last seq shown
    if (replaying || !joined) return;
    replaying = true;
    const from = lastSeq;
    socket.timeout(ACK_TIMEOUT_MS).emit("replay", { tender_id: tenderId, after: from }, (err, ack) => {
      replaying = false;
      if (err || !ack || ack.error) {
        if (ack && ack.error) showError(ack.error);
        setTimeout(() => ahead.size && askReplay(), 1000);
        return;
      }
      for (const message of ack.messages || []) receive(message);
    });
  }

  function apply(message) {
    lastSeq = message.seq;
    root.dataset.lastSeq = String(lastSeq);
    logMessage(message);
    if (message.type === "hall.read_out") addReadOut(message.payload);
    refreshState();
  }

  // the state after a message (what changed: outcomes, presence, phase); a burst of messages
  // makes one request, spread over a moment so a full hall does not ask all at once
  let refreshTimer = null;
  function refreshState() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      if (polling !== null || !socket) {
        http("GET", "").then(setState, () => {});
        return;
      }
      socket.timeout(ACK_TIMEOUT_MS).emit("state", { tender_id: tenderId }, (err, ack) => {
        if (!err && ack && ack.state) setState(ack.state);
      });
    }, 100 + Math.floor(Math.random() * 300));
  }

  // --- rendering the state --------------------------------------------------------------------------
  function setState(next) {
    state = next;
    if (state.signed_in_at) signedInAt = state.signed_in_at;
    clockOffset = Date.parse(state.now) - Date.now();
    root.dataset.phase = state.phase;
    const phase = $("hall-phase");
    phase.textContent = L.phase[state.phase] || state.phase;
    phase.dataset.phase = state.phase;
    phase.className = "badge text-bg-" + ({ waiting: "secondary", decrypting: "warning", reading: "primary", read: "info", closed: "success", failed: "danger" }[state.phase] || "secondary");
    renderPresence();
    renderBids();
    renderObjections();
    renderPanels();
    tick();
  }

  function renderPresence() {
    const present = state.present || {};
    // the bidders present are not counted before the opening, nor named before the reading out
    // (Law Art 22): the server sends null and numbered entries, the page shows what it gets
    const bidders = $("presence-bidders");
    const counted = present.bidders !== null && present.bidders !== undefined;
    bidders.textContent = counted ? String(present.bidders) : "—";
    bidders.title = counted ? "" : L.countAtOpening;
    $("presence-staff").textContent = String(present.staff || 0);
    const names = $("presence-names");
    names.replaceChildren();
    const entries = Array.isArray(present.entries) ? present.entries : [];
    for (const person of entries) {
      const who = person.name
        ? `${person.name}${person.organisation ? " · " + person.organisation : ""}`
        : person.number ? fmt(L.presentBidder, { n: person.number }) : L.role[person.role] || person.role;
      names.append(el("li", { "data-role": person.role }, `${L.role[person.role] || person.role}: ${who} (${time(person.at)})`));
    }
    names.hidden = !entries.length;
    const failed = $("failed-reason");
    failed.hidden = !state.failed_reason;
    failed.textContent = state.failed_reason || "";
  }

  function myBidNumbers() {
    return new Set((state.my_bids || []).map((b) => b.bid_no));
  }

  function renderBids() {
    const body = $("hall-bids").querySelector("tbody");
    body.replaceChildren();
    const bids = state.bids || [];
    if (!bids.length) {
      body.append(el("tr", { "data-role": "empty" }, el("td", { colspan: "6", className: "text-muted" }, L.noBids)));
      return;
    }
    const mine = myBidNumbers();
    for (const bid of bids) {
      const bidder = bid.bidder ? bid.bidder : L.sealedBidder;
      body.append(
        el("tr", { "data-testid": "hall-bid", "data-bid-no": bid.bid_no, "data-outcome": bid.outcome, className: mine.has(bid.bid_no) ? "table-info" : null },
          el("td", {}, String(bid.bid_no)),
          el("td", {}, String(bid.lot)),
          el("td", { "data-testid": "hall-bid-bidder", className: bid.bidder ? null : "text-muted" }, bidder, mine.has(bid.bid_no) ? ` (${L.you})` : null),
          el("td", {}, el("code", { className: "small", title: bid.manifest_sha256 }, bid.manifest_sha256.slice(0, 16) + "…")),
          el("td", {}, time(bid.received_at, true)),
          el("td", {}, el("span", { "data-testid": "hall-bid-outcome", className: "badge " + outcomeColour(bid.outcome) }, L.outcome[bid.outcome] || bid.outcome))));
    }
  }

  function outcomeColour(outcome) {
    return { pending: "text-bg-secondary", decrypted: "text-bg-success", recovered: "text-bg-success", excused: "text-bg-warning", revoked: "text-bg-danger", withdrawn: "text-bg-danger", lot_failed: "text-bg-dark" }[outcome] || "text-bg-secondary";
  }

  function renderObjections() {
    const section = $("hall-objections");
    const list = section.querySelector("[data-role=list]");
    const objections = state.objections || [];
    section.hidden = !objections.length;
    // keep what the host is typing in an answer box across re-renders
    const typing = {};
    for (const input of list.querySelectorAll("[data-role=answer-text]")) typing[input.dataset.number] = input.value;
    list.replaceChildren();
    for (const o of objections) {
      const card = el("div", { className: "card card-body mb-2", "data-testid": "hall-objection", "data-number": o.number, "data-answered": o.answer ? "yes" : "no" },
        el("div", { className: "fw-semibold" }, fmt(L.objectionHead, { n: o.number }), " · ", o.bidder || L.anonymousBidder, " · ", el("small", { className: "text-muted" }, time(o.raised_at))),
        el("p", { className: "mb-1", "data-role": "text" }, o.text));
      if (o.answer) {
        card.append(el("div", { className: "border-start border-3 border-success ps-2", "data-testid": "hall-objection-answer" },
          el("strong", {}, L.answerHead, ": "), o.answer, " ", el("small", { className: "text-muted" }, time(o.answered_at))));
      } else if (role === "manager" && state.phase !== "closed") {
        const input = el("input", { className: "form-control", "data-role": "answer-text", "data-number": o.number, "data-testid": "answer-text", maxlength: "2000", placeholder: L.answerPlaceholder });
        input.value = typing[o.number] || "";
        const button = el("button", { type: "button", className: "btn btn-outline-primary", "data-testid": "answer" }, L.answer);
        button.addEventListener("click", () => run(button, "answer", { number: o.number, text: input.value }));
        card.append(el("div", { className: "input-group" }, input, button));
      } else {
        card.append(el("small", { className: "text-muted" }, L.unanswered));
      }
      list.append(card);
    }
  }

  function renderPanels() {
    const phase = state.phase;
    const open = ["waiting", "decrypting"].includes(phase);
    const signIn = $("sign-in");
    signIn.hidden = !(open && role !== "public" && !signedInAt);
    const signedIn = $("signed-in");
    signedIn.hidden = !signedInAt;
    if (signedInAt) signedIn.textContent = fmt(L.signedInAt, { at: time(signedInAt) });

    if (role === "bidder") {
      const outcomes = new Map((state.bids || []).map((b) => [b.bid_no, b.outcome]));
      const pending = (state.my_bids || []).filter((b) => ["pending", "excused"].includes(outcomes.get(b.bid_no)));
      $("decrypt-panel").hidden = !(phase === "decrypting" && pending.length);
      $("objection-panel").hidden = !["decrypting", "reading", "read"].includes(phase);
    }
    const sharePanel = $("share-panel");
    if (sharePanel) {
      const excused = (state.bids || []).filter((b) => b.outcome === "excused");
      sharePanel.hidden = !(state.custodian && phase === "decrypting" && excused.length);
      const list = sharePanel.querySelector("[data-role=excused]");
      list.replaceChildren(...excused.map((b) => el("li", {}, `${L.bidNo} ${b.bid_no}${b.bidder ? " · " + b.bidder : ""}`)));
    }
    if (role === "manager") {
      $("host-panel").hidden = ["closed", "failed"].includes(phase);
      const pendingBids = (state.bids || []).filter((b) => b.outcome === "pending");
      $("excuse-box").hidden = !(phase === "decrypting" && pendingBids.length);
      const select = $("excuse-bid");
      const chosen = select.value;
      select.replaceChildren(...pendingBids.map((b) => el("option", { value: String(b.bid_id) }, `${L.bidNo} ${b.bid_no}${b.bidder ? " · " + b.bidder : ""}`)));
      if (chosen) select.value = chosen;
      const readNext = $("read-next");
      const total = (state.bids || []).length;
      readNext.hidden = phase !== "reading";
      readNext.textContent = fmt(L.readNext, { n: (state.read_count || 0) + 1, of: total });
      $("close").hidden = phase !== "read";
      $("say-box").hidden = ["closed", "failed"].includes(phase);
    }
    const record = $("record-panel");
    record.hidden = phase !== "closed";
    $("record-sha256").textContent = state.record_sha256 || "";
  }

  // --- the countdown from the server's clock ---------------------------------------------------------
  function tick() {
    const box = $("hall-countdown-box");
    const out = $("hall-countdown");
    if (!state) return;
    let target = null;
    let label = "";
    if (state.phase === "waiting") {
      target = state.bid_deadline;
      label = L.opensIn;
    } else if (state.phase === "decrypting" && state.decrypt_deadline) {
      target = state.decrypt_deadline;
      label = L.decryptClosesIn;
    }
    if (!target) {
      box.hidden = true;
      out.dataset.secondsLeft = "";
      return;
    }
    box.hidden = false;
    box.querySelector("[data-role=label]").textContent = label;
    const total = Math.max(0, Math.floor((Date.parse(target) - (Date.now() + clockOffset)) / 1000));
    out.dataset.secondsLeft = String(total);
    if (total === 0 && state.phase === "waiting") {
      out.textContent = L.deadlineReached;
      return;
    }
    const pad = (n) => String(n).padStart(2, "0");
    let left = total;
    const days = Math.floor(left / 86400);
    left %= 86400;
    const clock = `${pad(Math.floor(left / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    out.textContent = days ? `${days} ${L.days} ${clock}` : clock;
  }
  setInterval(tick, 1000);

  // --- the log ------------------------------------------------------------------------------------
  function describe(message) {
    const p = message.payload || {};
    const kind = message.type.replace(/^hall\./, "");
    // a sign-in said before the opening counts the staff only
    const template = kind === "signed_in" && (p.bidders_present === null || p.bidders_present === undefined) ? L.msg.signed_in_staff : L.msg[kind];
    if (!template) return `${kind}: ${JSON.stringify(p)}`;
    const values = Object.assign({}, p);
    if (kind === "signed_in") Object.assign(values, { role: L.role[p.role] || p.role, bidders: p.bidders_present, staff: p.staff_present });
    if (kind === "bids_locked") Object.assign(values, { count: (p.bids || []).length, deadline: time(p.decrypt_deadline, true) });
    if (kind === "read_out") values.outcome = L.outcome[p.outcome] || p.outcome;
    if (kind === "objection") values.bidder = p.bidder || L.anonymousBidder;
    if (kind === "closed") values.sha = (p.record_sha256 || "").slice(0, 16) + "…";
    return fmt(template, values);
  }

  function logMessage(message) {
    const item = el("li", { className: "list-group-item", "data-testid": "hall-message", "data-seq": message.seq, "data-type": message.type },
      el("small", { className: "text-muted me-2" }, time(message.at)),
      el("span", { "data-role": "text" }, describe(message)));
    if (message.type === "hall.read_out" && (message.payload.items || []).length) {
      const table = el("table", { className: "table table-sm table-bordered mt-1 mb-0 w-auto", "data-testid": "read-out-items" });
      const items = new Map(message.payload.items);
      for (const name of items.keys()) {
        table.append(el("tr", {}, el("th", { className: "fw-normal text-muted" }, L.item[name] || name), cell(name, items)));
      }
      item.append(table);
      if ((message.payload.problems || []).length) item.append(problemsNote(message.payload.problems));
    }
    $("hall-log").append(item);
  }

  // the server's check of a summary against the tender's form, announced with it (a summary
  // sealed by other tools than the platform's): the committee weighs it, nothing is hidden
  function problemsNote(problems) {
    return el("div", { className: "small text-danger mt-1", "data-testid": "read-out-problems" },
      L.summaryProblems, el("ul", { className: "mb-0" }, ...problems.map((text) => el("li", {}, text))));
  }

  // one row per bid read out, one column per item, in the order the server announced them
  const readOutColumns = [];
  function addReadOut(p) {
    const section = $("readout");
    section.hidden = false;
    const table = $("readout-table");
    for (const [name] of p.items || []) if (!readOutColumns.includes(name)) readOutColumns.push(name);
    const head = table.querySelector("thead tr");
    head.replaceChildren(el("th", {}, L.bidNo), el("th", {}, L.bidder), el("th", {}, L.outcomeHead), ...readOutColumns.map((name) => el("th", {}, L.item[name] || name)));
    const rows = [...table.querySelectorAll("tbody tr")];
    const row = el("tr", { "data-testid": "readout-row", "data-bid-no": p.bid_no, "data-items": JSON.stringify(p.items || []) },
      el("td", {}, String(p.bid_no)), el("td", { "data-role": "bidder" }, p.bidder || ""),
      el("td", {}, L.outcome[p.outcome] || p.outcome,
        (p.problems || []).length ? el("div", { className: "small text-danger", title: p.problems.join("\n"), "data-testid": "readout-off-form" }, L.summaryProblemsShort) : null));
    table.querySelector("tbody").append(row);
    // every row gets a cell per column (a new column may arrive with a later bid)
    for (const tr of [...rows, row]) {
      const own = new Map(JSON.parse(tr.dataset.items));
      while (tr.children.length > 3) tr.lastChild.remove();
      for (const name of readOutColumns) tr.append(cell(name, own));
    }
  }

  // the price as on a bid form: yuan with thousands separators, and in capital numerals (大写)
  function cell(name, items) {
    if (!items.has(name)) return el("td", { "data-item": name }, "—");
    const item = items.get(name);
    if (name !== "price" || !/^\d+(\.\d+)?$/.test(String(item))) return el("td", { "data-item": name }, value(item));
    const inWords = capital(item);
    return el("td", { "data-item": name, className: "text-end" },
      el("div", { className: "text-nowrap", "data-testid": "readout-price" }, fmt(L.yuan, { amount: money(item) })),
      inWords ? el("div", { className: "small text-body-secondary", lang: "zh-CN", title: L.inCapitals, "data-testid": "readout-price-capital" }, inWords) : null);
  }

  // --- commands -------------------------------------------------------------------------------------
  // connected live, or reading over HTTP (then the command goes over HTTP too)
  function waitConnected() {
    if (!socket || socket.connected || polling !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const ready = () => setTimeout(resolve, 200);
      socket.once("connect", ready);
      const waiting = setInterval(() => {
        if (polling === null) return;
        clearInterval(waiting);
        socket.off("connect", ready);
        resolve();
      }, 500);
      socket.once("connect", () => clearInterval(waiting));
    });
  }

  // send a command; a lost acknowledgement is retried with the same cmd_id (applied once)
  async function send(name, data) {
    const payload = Object.assign({ tender_id: tenderId, cmd_id: crypto.randomUUID() }, data);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      await waitConnected();
      if (!socket || (!socket.connected && polling !== null)) {
        try {
          return await http("POST", `/${name}`, payload);
        } catch (error) {
          if (error.code !== "network") throw error;
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue; // no answer: the same id again
        }
      }
      const ack = await new Promise((resolve) => {
        socket.timeout(ACK_TIMEOUT_MS).emit(name, payload, (err, response) => resolve(err ? null : response));
      });
      if (ack === null) continue; // no answer: the same id again
      if (ack.error) throw ack.error;
      return ack;
    }
    throw { code: "network", message: L.network };
  }

  async function run(button, name, data, onDone) {
    clearError();
    if (button) button.disabled = true;
    try {
      const result = await send(name, data);
      if (onDone) onDone(result);
      refreshState();
      return result;
    } catch (error) {
      showError(error);
      return null;
    } finally {
      if (button) button.disabled = false;
    }
  }

  $("sign-in").addEventListener("click", (event) =>
    run(event.currentTarget, "sign_in", {}, (result) => {
      signedInAt = result.signed_in_at;
      renderPanels();
    }));

  if (role === "bidder") {
    const objectButton = $("object");
    objectButton.addEventListener("click", () => {
      const box = $("objection-text");
      if (box.value.trim().length < 5) return showError({ message: L.shortText });
      $("objection-status").textContent = "";
      run(objectButton, "object", { text: box.value }, () => {
        box.value = "";
        $("objection-status").textContent = L.objectionSent;
      });
    });
    const decryptButton = $("decrypt");
    decryptButton.addEventListener("click", () => unlock("holder", decryptButton));
  }
  if ($("share")) {
    const shareButton = $("share");
    shareButton.addEventListener("click", () => unlock("custodian", shareButton));
  }
  if (role === "manager") {
    const sayButton = $("say");
    sayButton.addEventListener("click", () => {
      const box = $("say-text");
      if (!box.value.trim()) return;
      run(sayButton, "say", { text: box.value }, () => {
        box.value = "";
      });
    });
    const excuseButton = $("excuse");
    excuseButton.addEventListener("click", () => {
      const reason = $("excuse-reason");
      if (reason.value.trim().length < 5) return showError({ message: L.shortText });
      run(excuseButton, "excuse", { bid_id: Number($("excuse-bid").value), reason: reason.value }, () => {
        reason.value = "";
      });
    });
    const readNext = $("read-next");
    readNext.addEventListener("click", () => run(readNext, "read_next", {}));
    const close = $("close");
    close.addEventListener("click", () => run(close, "close", {}));
  }

  // --- the key file, opened in this browser only (static/js/keyfile.js) ------------------------------
  const { b64bytes, bytesB64, utf8 } = window.bidhallKeyFile;

  class HallError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code || "client";
    }
  }

  // docs/seal-format.md, WRAP: X25519 → HKDF-SHA256(salt = ephemeral ‖ recipient,
  // info = "bidhall-seal/1 key-wrap " ‖ context) → AES-256-GCM(aad = context)
  async function unwrap(wrap, context, keys) {
    const ephemeral = b64bytes(wrap.ephemeral);
    const peer = await crypto.subtle.importKey("raw", ephemeral, { name: "X25519" }, true, []);
    const shared = await crypto.subtle.deriveBits({ name: "X25519", public: peer }, keys.encryption, 256);
    const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
    const salt = new Uint8Array(ephemeral.length + keys.publicRaw.length);
    salt.set(ephemeral, 0);
    salt.set(keys.publicRaw, ephemeral.length);
    const kek = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt, info: utf8("bidhall-seal/1 key-wrap " + context) },
      ikm, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: b64bytes(wrap.nonce), additionalData: utf8(context) }, kek, b64bytes(wrap.wrapped));
  }

  async function fetchEnvelopes() {
    let response;
    try {
      response = await fetch(root.dataset.envelopesUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
      });
    } catch (cause) {
      throw new HallError(L.network, "network");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || { code: `http_${response.status}`, message: response.statusText };
      throw new HallError(error.message, error.code);
    }
    return data.envelopes || [];
  }

  // a bidder unwraps its own data keys ("holder"), a custodian its shares ("custodian")
  async function unlock(as, button) {
    const prefix = as === "holder" ? "decrypt" : "share";
    const status = $(`${prefix}-status`);
    const fileInput = $(`${prefix}-key`);
    const passInput = $(`${prefix}-passphrase`);
    const say = (text) => {
      status.textContent = text;
    };
    clearError();
    const file = fileInput.files && fileInput.files[0];
    if (!file || !passInput.value) {
      showError({ message: L.noFile });
      return;
    }
    button.disabled = true;
    let done = 0;
    try {
      say(L.readingFile);
      const keyFile = window.bidhallKeyFile;
      const keys = await keyFile.openKeyFile(await keyFile.readFile(file, L), passInput.value, L);
      say(L.fetchingEnvelopes);
      const envelopes = (await fetchEnvelopes()).filter((e) => e.as === as);
      if (!envelopes.length) {
        say(as === "holder" ? L.nothingToDecrypt : L.nothingToShare);
        return;
      }
      for (const envelope of envelopes) {
        const header = envelope.header;
        const sections = {};
        for (const section of header.sections) {
          let wrap;
          let context;
          if (as === "holder") {
            wrap = section.holder;
            context = `bidhall-seal/1|tender:${header.tender.id}|section:${section.name}|holder`;
          } else {
            const shares = (section.custodians && section.custodians.shares) || [];
            wrap = shares.find((s) => (state.custodian && s.x === state.custodian.x) || s.recipient === envelope.custodian_fingerprint);
            context = wrap ? `bidhall-seal/1|tender:${header.tender.id}|section:${section.name}|custodian|x:${wrap.x}` : "";
          }
          try {
            if (!wrap) throw new Error("no wrap");
            sections[section.name] = bytesB64(await unwrap(wrap, context, keys));
          } catch (cause) {
            throw new HallError(fmt(L.unwrapFailed, { n: envelope.bid_no }), "unwrap_failed");
          }
        }
        say(fmt(L.sending, { n: envelope.bid_no }));
        if (as === "holder") {
          await send("decrypt", { bid_id: envelope.bid_id, summary_key: sections.summary, documents_key: sections.documents });
          say(fmt(L.decryptedOk, { n: envelope.bid_no }));
        } else {
          await send("share", { bid_id: envelope.bid_id, summary_share: sections.summary, documents_share: sections.documents });
          say(fmt(L.sharingOk, { n: envelope.bid_no }));
        }
        done += 1;
      }
      status.dataset.done = String(done);
      passInput.value = "";
      refreshState();
    } catch (error) {
      say("");
      showError(error);
    } finally {
      button.disabled = false;
    }
  }
})();
