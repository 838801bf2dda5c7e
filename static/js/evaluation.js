// The live evaluation session (templates/evaluation/session.html) over the /evaluation Socket.IO
// namespace (evaluation/sessions/sockets.py; docs/evaluation.md is the contract). The page only
// displays what the server says: the state (rendered first by the server, then from `join` and
// `state`) and the numbered messages; everything derived (vote results, scores, the ranking) is
// the server's.
//
// - Messages carry a gap-free per-session seq. The page joins with the last seq it has seen and
//   gets what it missed; a duplicate is dropped; a gap is filled by `replay` before anything
//   after it is shown. A reconnection joins again with the last seq.
// - When Socket.IO cannot connect (no client library, a proxy that refuses WebSockets and long
//   polling alike), the page says so and polls the JSON API instead:
//   GET /api/evaluation/<id>/messages?after=N, then GET /api/evaluation/<id>; its commands go to
//   POST /api/evaluation/<id>/<command>. It goes back to Socket.IO as soon as that connects.
// - Every command carries a fresh cmd_id (crypto.randomUUID) and is sent again with the same id
//   when its answer is lost: the server applies it once. A refusal is shown next to its control.
// - A member signs the report with its own key file, opened in this browser only
//   (static/js/keyfile.js): the Ed25519 signature of the bytes the state names is all that is
//   sent.
(function () {
  "use strict";

  const root = document.getElementById("evaluation-session");
  if (!root) return;
  const L = JSON.parse(document.getElementById("evaluation-labels").textContent);
  const initial = JSON.parse(document.getElementById("evaluation-initial").textContent);
  const sessionId = Number(root.dataset.sessionId);
  const zone = root.dataset.timezone;
  const apiUrl = root.dataset.apiUrl;
  const csrfToken = (document.querySelector("meta[name=csrf-token]") || {}).content;
  const POLL_MS = Number(root.dataset.pollMs) || 3000;
  const FALLBACK_MS = Number(root.dataset.fallbackMs) || 5000;
  const ACK_TIMEOUT_MS = 15000;
  const ATTEMPTS = 5;

  const $ = (testid, scope) => (scope || document).querySelector(`[data-testid="${testid}"]`);
  const connection = $("connection");
  const errorBox = $("session-error");

  // --- small helpers -------------------------------------------------------------------------------
  const { fmt, el, money } = window.bidhallDom;

  // a table that scrolls inside its box at a phone's width; the box takes the keyboard's focus
  // while it overflows (as static/js/tables.js does for the tables the server rendered): checked
  // after each render and on each resize
  function fitBoxes() {
    for (const box of root.querySelectorAll(".table-responsive")) {
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    }
  }
  window.addEventListener("resize", fitBoxes);
  const responsive = (table) => el("div", { className: "table-responsive" }, table);

  function time(iso) {
    if (!iso) return "—";
    // the site's way of writing times (2026-03-01 10:00:00), in the platform's time zone
    const options = { timeZone: zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" };
    try {
      return new Date(iso).toLocaleString("sv-SE", options);
    } catch (cause) {
      return iso;
    }
  }


  const newId = () =>
    crypto.randomUUID ? crypto.randomUUID()
      : ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c) =>
        (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));

  const text = (value) => el("span", { translate: "no" }, value); // someone's own words, as written

  function showError(error) {
    errorBox.querySelector("[data-role=message]").textContent = refusalText(error);
    errorBox.dataset.code = (error && error.code) || "";
    errorBox.hidden = false;
  }
  errorBox.querySelector("[data-role=dismiss]").addEventListener("click", () => {
    errorBox.hidden = true;
  });

  function refusalText(error) {
    if (!error) return "";
    return (error.code && L.errors[error.code]) || error.message || error.code || String(error);
  }

  function setConnection(name, label) {
    connection.dataset.state = name;
    connection.textContent = label;
    root.dataset.connection = name;
  }

  // --- what the page knows -------------------------------------------------------------------------
  let state = initial.state;
  let clockOffset = Date.parse(state.now) - Date.now();
  let lastSeq = 0;
  const dissents = {}; // seat -> text, from the messages (the state does not repeat them)
  const refusals = {}; // control key -> the refusal shown next to it (kept across re-renders)
  let reasonsAsked = null; // the outlying scores the server asked reasons for
  let markTarget = null; // the review item the mark panel is open for

  const member = () => state.role === "member" && Boolean(state.me);
  const leader = () => member() && Boolean(state.me.leader);
  const supervisor = () => state.role === "supervisor";
  const running = () => state.state === "open";
  const activeMembers = () => (state.members || []).filter((m) => m.active);

  function bid(bidId) {
    return (state.bids || []).find((b) => b.bid_id === Number(bidId));
  }
  function bidName(bidId) {
    const found = bid(bidId);
    return found ? fmt(L.bidName, { n: found.number, bidder: found.bidder }) : fmt(L.bidName, { n: "?", bidder: bidId });
  }
  function requirementText(id) {
    const found = (state.requirements || []).find((r) => r.id === id);
    if (!found) return id || "—";
    return L.requirementText[found.text] || found.text;
  }
  const seatName = (seat) => fmt(L.memberSeat, { seat });
  const scoredCriteria = () => (state.criteria || []).filter((c) => c.kind !== "price");
  function passedBids() {
    return (state.bids || []).filter((b) => b.passed === true);
  }

  // --- messages ------------------------------------------------------------------------------------
  function apply(message, quiet) {
    lastSeq = message.seq;
    root.dataset.lastSeq = String(lastSeq);
    const p = message.payload || {};
    const kind = message.type.replace(/^evaluation\./, "");
    if (kind === "dissent_written") {
      if (p.text) dissents[p.seat] = p.text;
      else delete dissents[p.seat];
    }
    logMessage(message, kind, p);
    if (!quiet) refreshState();
  }

  for (const message of initial.messages || []) apply(message, true);
  lastSeq = Math.max(lastSeq, state.seq || 0);
  root.dataset.lastSeq = String(lastSeq);

  // --- the connection: Socket.IO, or polling the JSON API -------------------------------------------
  let socket = null;
  let mode = "connecting"; // socket | polling
  let joined = false;
  let early = []; // messages heard before the join's acknowledgement
  const ahead = new Map(); // messages after a gap, waiting for the replay
  let replaying = false;
  let fallbackTimer = null;
  let pollTimer = null;
  let pollStale = true;
  let connectErrors = 0;
  let everJoined = false;

  if (typeof window.io === "function") {
    socket = window.io("/evaluation", { transports: ["websocket", "polling"] });
    root.sessionSocket = socket; // for diagnostics (and the browser test's dropped connection)
    socket.on("connect", onConnect);
    socket.on("disconnect", () => {
      joined = false;
      root.dataset.joined = "no";
      if (mode !== "polling") setConnection("disconnected", L.disconnected);
      armFallback();
    });
    // refused at once (no WebSocket, no long polling through this proxy): poll from the second
    // failure on; a connection that was up and dropped gets FALLBACK_MS to come back
    socket.on("connect_error", () => {
      connectErrors += 1;
      if (!everJoined && connectErrors >= 2) startPolling();
      else armFallback();
    });
    socket.on("evaluation", (message) => receive(message));
    // supervisors only: the audit layer's alerts on this session, as they are raised
    socket.on("evaluation.alert", (alert) => addAlert(alert));
    // a burst comes as one frame: the messages in seq order
    socket.on("evaluation.batch", (messages) => (messages || []).forEach(receive));
    // refusals are read from the acknowledgements; `evaluation.error` would only repeat them
    armFallback();
  } else {
    startPolling();
  }

  function armFallback() {
    if (fallbackTimer !== null || mode === "polling") return;
    fallbackTimer = setTimeout(() => {
      fallbackTimer = null;
      if (!joined) startPolling();
    }, FALLBACK_MS);
  }

  function onConnect() {
    if (fallbackTimer !== null) clearTimeout(fallbackTimer);
    fallbackTimer = null;
    joined = false;
    if (mode !== "polling") setConnection("joining", L.connecting);
    socket.emit("join", { session_id: sessionId, last_seq: lastSeq }, (ack) => {
      if (!ack || ack.error) {
        setConnection("refused", refusalText(ack && ack.error) || L.network);
        if (ack && ack.error) showError(ack.error);
        return;
      }
      stopPolling();
      mode = "socket";
      joined = true;
      everJoined = true;
      connectErrors = 0;
      for (const message of ack.missed || []) receive(message);
      const heard = early;
      early = [];
      for (const message of heard) receive(message);
      setState(ack.state);
      setConnection("connected", L.connected);
      root.dataset.joined = "yes";
    });
  }

  function receive(message) {
    if (!message || message.session_id !== sessionId) return;
    if (mode !== "polling" && !joined) {
      early.push(message);
      return;
    }
    if (message.seq <= lastSeq) return; // a duplicate (joined while it was being broadcast)
    if (message.seq > lastSeq + 1) {
      ahead.set(message.seq, message);
      askReplay();
      return;
    }
    apply(message, false);
    while (ahead.has(lastSeq + 1)) {
      const next = ahead.get(lastSeq + 1);
      ahead.delete(lastSeq + 1);
      apply(next, false);
    }
    for (const seq of ahead.keys()) if (seq <= lastSeq) ahead.delete(seq);
    if (ahead.size) askReplay();
  }

  function askReplay() {
    if (replaying || !joined) return;
    replaying = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("replay", { session_id: sessionId, after: lastSeq }, (err, ack) => {
      replaying = false;
      if (err || !ack || ack.error) {
        if (ack && ack.error) showError(ack.error);
        setTimeout(() => ahead.size && askReplay(), 1000);
        return;
      }
      for (const message of ack.messages || []) receive(message);
    });
  }

  // the state after a message: a burst makes one request, spread over a moment so a full
  // committee does not ask all at once
  let refreshTimer = null;
  function refreshState() {
    if (mode === "polling") {
      pollStale = true;
      pollSoon();
      return;
    }
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      if (!joined) return;
      socket.timeout(ACK_TIMEOUT_MS).emit("state", { session_id: sessionId }, (err, ack) => {
        if (!err && ack && ack.state) setState(ack.state);
      });
    }, 50 + Math.floor(Math.random() * 150));
  }

  // --- the audit layer's alerts on this session (supervisors; audit/alerts/live.py) -------------------
  const alertsUrl = root.dataset.alertsUrl;
  const alertsSeen = new Map(); // alert id -> the alert as shown

  function addAlert(alert) {
    if (!alert || alert.session_id !== sessionId || alertsSeen.has(alert.alert_id)) return;
    alertsSeen.set(alert.alert_id, alert);
    renderAlerts();
  }

  function renderAlerts() {
    const list = $("alerts");
    if (!list) return;
    const shown = [...alertsSeen.values()].sort((a, b) => b.alert_id - a.alert_id);
    list.replaceChildren(...shown.map((a) => el("li", { className: "list-group-item", "data-testid": "alert", "data-severity": a.severity, "data-detector": a.detector },
      el("span", { className: "badge me-2 " + (a.severity === "red" ? "text-bg-danger" : "text-bg-warning") }, (L.severity || {})[a.severity] || a.severity),
      el("a", { href: root.dataset.alertPage.replace(/0$/, String(a.alert_id)) }, (L.detectors || {})[a.detector] || a.detector),
      el("span", { className: "small text-muted ms-2", translate: "no" }, a.summary || ""))));
    $("alerts-none").hidden = shown.length > 0;
    $("alerts-red").textContent = String(shown.filter((a) => a.severity === "red").length);
    $("alerts-yellow").textContent = String(shown.filter((a) => a.severity === "yellow").length);
  }

  if (alertsUrl) {
    getJSON(alertsUrl)
      .then((data) => (data.alerts || []).forEach((a) => addAlert({ ...a, alert_id: a.id })))
      .catch(() => {}); // the live ones still arrive; the alert log has them all
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw (data && data.error) || { code: `http_${response.status}`, message: response.statusText };
    return data;
  }

  function startPolling() {
    if (mode === "polling") return;
    mode = "polling";
    root.dataset.joined = "no";
    setConnection("polling", L.polling);
    pollStale = true;
    poll();
  }

  function stopPolling() {
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function pollSoon() {
    stopPolling();
    pollTimer = setTimeout(poll, 50);
  }

  async function poll() {
    pollTimer = null;
    if (mode !== "polling") return;
    try {
      const data = await getJSON(`${apiUrl}/messages?after=${lastSeq}`);
      for (const message of data.messages || []) {
        if (message.seq === lastSeq + 1) {
          apply(message, true);
          pollStale = true;
        }
      }
      if (pollStale) {
        pollStale = false;
        setState(await getJSON(apiUrl));
      }
      if (mode === "polling") setConnection("polling", L.polling);
    } catch (error) {
      if (mode === "polling") setConnection("polling", L.pollingFailed);
    }
    if (mode === "polling" && pollTimer === null) pollTimer = setTimeout(poll, POLL_MS);
  }

  // --- commands ------------------------------------------------------------------------------------
  function waitForLink() {
    if ((mode === "socket" && joined) || mode === "polling") return Promise.resolve();
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if ((mode === "socket" && joined) || mode === "polling") {
          clearInterval(check);
          resolve();
        }
      }, 100);
    });
  }

  async function sendOnce(name, payload) {
    if (mode === "socket" && joined) {
      return new Promise((resolve) => {
        socket.timeout(ACK_TIMEOUT_MS).emit(name, payload, (err, response) => resolve(err ? null : response));
      });
    }
    let response;
    try {
      response = await fetch(`${apiUrl}/${name}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(payload),
      });
    } catch (cause) {
      return null; // no answer: the same id again
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) return { error: (data && data.error) || { code: `http_${response.status}`, message: response.statusText } };
    return data;
  }

  // send a command; a lost answer is retried with the same cmd_id (applied once)
  async function send(name, data) {
    const payload = Object.assign({ session_id: sessionId, cmd_id: newId() }, data);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      await waitForLink();
      const ack = await sendOnce(name, payload);
      if (ack === null) continue;
      if (ack.error) throw ack.error;
      return ack;
    }
    throw { code: "network", message: L.network };
  }

  // the refusal box of a control: the [data-role=refusal] of its [data-control] block
  function refusalBox(key) {
    const block = root.querySelector(`[data-control="${key}"]`);
    if (!block) return null;
    let box = block.querySelector("[data-role=refusal]");
    if (!box) {
      box = el("div", { className: "small text-danger mt-1", "data-role": "refusal", "data-testid": "refusal", role: "alert" });
      block.append(box);
    }
    return box;
  }

  function showRefusal(key) {
    const box = refusalBox(key);
    if (!box) return;
    box.textContent = refusals[key] || "";
    box.hidden = !refusals[key];
  }

  async function run(button, key, name, data, onDone) {
    delete refusals[key];
    showRefusal(key);
    if (button) button.disabled = true;
    try {
      const result = await send(name, data);
      if (onDone) onDone(result);
      refreshState();
      return result;
    } catch (error) {
      if (onError(key, name, error)) return null;
      refusals[key] = refusalText(error);
      showRefusal(key);
      return null;
    } finally {
      if (button) button.disabled = false;
    }
  }

  function onError(key, name, error) {
    if (name === "submit_scores" && error && error.code === "score_reason_required") {
      reasonsAsked = ((error.details && error.details.items) || []).map((item) => Object.assign({ key: `${item.bid_id}/${item.criterion}` }, item));
      renderReasons();
      return true;
    }
    return false;
  }

  // --- rendering the state ---------------------------------------------------------------------------
  function setState(next) {
    if (!next) return;
    state = next;
    clockOffset = Date.parse(state.now) - Date.now();
    render();
  }

  function render() {
    root.dataset.stage = state.stage;
    root.dataset.state = state.state;
    root.dataset.role = state.role;
    root.dataset.leader = leader() ? "yes" : "no";
    renderStatus();
    renderMembers();
    renderWorkstations();
    renderBids();
    renderOpenVote();
    renderReview();
    renderLeader();
    renderClarifications();
    renderScoring();
    renderResults();
    renderReport();
    renderTime();
    renderDissent();
    renderSteward();
    renderPastVotes();
    tick();
    for (const key of Object.keys(refusals)) showRefusal(key);
    fitBoxes();
  }

  function badge(node, label, colour) {
    node.textContent = label;
    node.className = "badge text-bg-" + colour;
  }

  function renderStatus() {
    const stage = $("session-stage");
    stage.dataset.stage = state.stage;
    badge(stage, L.stage[state.stage] || state.stage, { election: "info", review: "primary", scoring: "primary", ranked: "success", report: "warning" }[state.stage] || "secondary");
    const sessionState = $("session-state");
    sessionState.dataset.state = state.state;
    badge(sessionState, L.state[state.state] || state.state, { open: "success", suspended: "warning", terminated: "danger", finished: "dark" }[state.state] || "secondary");
    const reason = $("session-reason");
    reason.hidden = !state.reason;
    reason.replaceChildren(...(state.reason ? [L.state[state.state] || "", ": ", text(state.reason)] : []));
    $("session-role").textContent = member() ? seatName(state.me.seat) + (state.me.leader ? ` (${L.leader})` : "") : L.supervisor;
    $("ends-at").textContent = time(state.ends_at);
    $("planned").textContent = fmt(L.planned, { planned: state.planned_minutes, extended: state.extended_minutes });
    $("planned").dataset.extended = String(state.extended_minutes);
  }

  function renderMembers() {
    const body = $("members").querySelector("tbody");
    const signed = new Set((state.report && state.report.signed) || []);
    const vacant = new Set(state.vacant_seats || []);
    // a vacant seat: the last replaced member's row of that seat (a seat replaced twice keeps both)
    const vacantRow = new Map();
    for (const m of state.members || []) if (!m.active && vacant.has(m.seat)) vacantRow.set(m.seat, m);
    body.replaceChildren(...(state.members || []).map((m) =>
      el("tr", { "data-testid": "member", "data-seat": m.seat, "data-venue": m.venue || "", "data-present": m.present ? "yes" : "no", "data-leader": m.leader ? "yes" : "no", "data-active": m.active ? "yes" : "no", "data-vacant": vacantRow.get(m.seat) === m ? "yes" : "no", className: state.me && state.me.seat === m.seat ? "table-info" : null },
        el("td", {}, seatName(m.seat), m.leader ? " " : null, m.leader ? el("span", { className: "badge text-bg-primary", "data-testid": "leader-mark" }, L.leader) : null,
          m.representative ? el("div", { className: "small text-muted", "data-testid": "representative" }, L.representative) : null),
        supervisor() ? el("td", { "data-testid": "member-name" }, text(m.name || "—")) : null,
        el("td", {}, text(m.venue || "—"), m.workstation ? ` · ${fmt(L.workstation, { n: m.workstation })}` : ""),
        el("td", {}, !m.active ? el("span", { className: "badge text-bg-secondary" }, L.replaced)
          : m.present ? el("span", { className: "badge text-bg-success" }, L.present) : el("span", { className: "badge text-bg-danger" }, L.absent),
          vacantRow.get(m.seat) === m ? el("span", { className: "badge text-bg-warning ms-1", "data-testid": "vacant-seat" }, L.vacant) : null),
        el("td", {}, signed.has(m.seat) ? el("span", { className: "badge text-bg-success", "data-testid": "member-signed" }, L.signed) : ""),
        supervisor() ? replaceCell(m, vacantRow.get(m.seat) === m) : null),
    ));
    const panel = $("replace-panel");
    const replaceable = supervisor() && ["open", "suspended"].includes(state.state) && state.stage !== "report";
    if (!replaceable || !(state.members || []).some((m) => m.active && m.seat === replaceTarget)) replaceTarget = null;
    panel.hidden = replaceTarget === null;
    if (replaceTarget !== null) $("replace-subject").textContent = fmt(L.replaceSubject, { seat: replaceTarget });
  }

  // --- replacing a member (the supervisor, Regs Art 48) ----------------------------------------------
  let replaceTarget = null; // the seat the replace panel is open for

  function replaceCell(m, vacantSeat) {
    const cell = el("td", {});
    if (!["open", "suspended"].includes(state.state) || state.stage === "report") return cell;
    if (m.active) {
      const open = el("button", { type: "button", className: "btn btn-sm btn-outline-danger text-nowrap", "data-testid": "replace", "data-seat": m.seat, "aria-label": `${L.replace} ${seatName(m.seat)}` }, L.replace);
      open.addEventListener("click", () => {
        replaceTarget = m.seat;
        $("replace-reason").value = "";
        delete refusals.replace;
        renderMembers();
        showRefusal("replace");
        $("replace-reason").focus();
      });
      cell.append(open);
    } else if (vacantSeat) {
      const key = `seat-${m.seat}`;
      const seat = el("button", { type: "button", className: "btn btn-sm btn-outline-primary text-nowrap", "data-testid": "seat-replacement", "data-seat": m.seat }, L.seatReplacement);
      seat.addEventListener("click", () => run(seat, key, "seat_replacement", { seat: m.seat }));
      cell.append(el("div", { "data-control": key }, seat));
    }
    return cell;
  }

  $("replace-cancel").addEventListener("click", () => {
    replaceTarget = null;
    $("replace-panel").hidden = true;
  });
  $("replace-confirm").addEventListener("click", (event) => {
    if (replaceTarget === null) return;
    const reason = $("replace-reason").value.trim();
    if (!reason) {
      refusals.replace = L.reasonMissing;
      showRefusal("replace");
      return;
    }
    run(event.currentTarget, "replace", "replace", { seat: replaceTarget, reason }, () => {
      replaceTarget = null;
      $("replace-reason").value = "";
      $("replace-panel").hidden = true;
    });
  });

  // --- the workstations as the venues' AV systems report them (supervisors) -------------------------
  // the state is fetched again after every message, workstation_offline / workstation_online /
  // presence_event included: the table follows without a reload
  function renderWorkstations() {
    const section = $("workstations-section");
    const rows = state.workstations || [];
    section.hidden = !supervisor();
    if (section.hidden) return;
    $("workstations").querySelector("tbody").replaceChildren(...rows.map((w) => {
      let status;
      if (w.online === true) {
        status = el("span", {}, el("span", { className: "badge text-bg-success" }, L.wsOnline), " ", el("small", { className: "text-muted" }, fmt(L.wsLastHeartbeat, { at: time(w.last_heartbeat_at) })));
      } else if (w.online === false) {
        status = el("span", { className: "badge text-bg-danger text-wrap" }, w.offline_since ? fmt(L.wsOfflineSince, { at: time(w.offline_since) }) : fmt(L.wsSilentSince, { at: time(w.last_heartbeat_at) }));
      } else {
        status = el("span", { className: "badge text-bg-secondary" }, L.wsNever);
      }
      const online = w.online === true ? "yes" : w.online === false ? "no" : "never";
      return el("tr", { "data-testid": "workstation", "data-seat": w.seat, "data-venue-id": w.venue_id, "data-workstation": w.workstation, "data-online": online },
        el("td", {}, text(w.venue || "—")),
        el("td", {}, String(w.workstation)),
        el("td", {}, seatName(w.seat)),
        el("td", { "data-testid": "workstation-status" }, status));
    }));
  }

  function renderBids() {
    const body = $("bids").querySelector("tbody");
    const low = new Set((state.review && state.review.abnormally_low) || []);
    body.replaceChildren(...(state.bids || []).flatMap((b) => {
      let status = "";
      if (b.passed === true) status = el("span", { className: "badge text-bg-success" }, L.bidPassed);
      else if (b.passed === false) status = el("span", { className: "badge text-bg-danger" }, L.bidVetoed);
      const row = el("tr", { "data-testid": "bid", "data-bid-id": b.bid_id, "data-passed": b.passed === null ? "" : String(b.passed) },
        el("td", {}, String(b.number)),
        el("td", {}, String(b.lot)),
        el("td", { "data-testid": "bid-bidder" }, text(b.bidder)),
        el("td", { className: "text-end text-nowrap", "data-testid": "bid-price" }, money(b.price),
          b.evaluated_price && b.evaluated_price !== b.price
            ? el("div", { className: "small text-warning-emphasis", "data-testid": "bid-evaluated-price" }, fmt(L.correctedTo, { price: money(b.evaluated_price) }))
            : null),
        el("td", {}, status, low.has(b.bid_id) ? el("span", { className: "badge text-bg-warning ms-1" }, L.abnormallyLow) : ""),
        member() ? el("td", {}, documentsButton(b)) : null);
      const shown = member() && documents[b.bid_id] && documents[b.bid_id].open;
      return shown ? [row, documentsRow(b)] : [row];
    }));
  }

  // --- the bids' documents (members only: supervisors are refused) -----------------------------------
  // listed from GET …/bids/<bid>/documents; a file opens in a new tab (the security headers forbid
  // framing), and every open is an event of the session (document_opened)
  const documents = {}; // bid id -> { open, loading, files, error }

  function documentsUrl(bidId, name) {
    const base = `${apiUrl}/bids/${encodeURIComponent(bidId)}/documents`;
    if (name === undefined) return base;
    return `${base}/${String(name).split("/").map(encodeURIComponent).join("/")}`;
  }

  function fileSize(bytes) {
    const n = Number(bytes) || 0;
    if (n >= 1024 * 1024) return fmt(L.sizeMB, { n: (n / (1024 * 1024)).toFixed(1) });
    return fmt(L.sizeKB, { n: (n / 1024).toFixed(1) });
  }

  function documentsButton(b) {
    const entry = documents[b.bid_id] || {};
    const button = el("button", { type: "button", className: "btn btn-sm btn-outline-secondary text-nowrap", "data-testid": "bid-documents-toggle", "data-bid-id": b.bid_id, "aria-expanded": entry.open ? "true" : "false", "aria-controls": `bid-documents-${b.bid_id}`, "aria-label": `${L.documents}: ${bidName(b.bid_id)}` }, L.documents);
    button.addEventListener("click", () => toggleDocuments(b.bid_id));
    return button;
  }

  function documentsRow(b) {
    const entry = documents[b.bid_id];
    let content;
    if (entry.loading) content = el("p", { className: "small text-muted mb-0" }, L.loadingDocuments);
    else if (entry.error) content = el("div", { className: "small text-danger", role: "alert", "data-testid": "refusal" }, entry.error);
    else if (!(entry.files || []).length) content = el("p", { className: "small text-muted mb-0" }, L.noDocuments);
    else {
      content = el("ul", { className: "list-unstyled small mb-0" }, ...entry.files.map((f) =>
        el("li", { className: "mb-1" },
          el("a", { href: documentsUrl(b.bid_id, f.name), target: "_blank", rel: "noopener", className: "text-break", translate: "no", "data-testid": "bid-document", "data-name": f.name, title: L.opensInNewTab }, f.name),
          " ", el("span", { className: "text-muted text-nowrap", "data-testid": "bid-document-size" }, `(${fileSize(f.size)})`))));
    }
    return el("tr", { "data-testid": "bid-documents", "data-bid-id": b.bid_id, id: `bid-documents-${b.bid_id}` },
      el("td", { colspan: "6", className: "bg-body-tertiary" }, content));
  }

  async function toggleDocuments(bidId) {
    const entry = documents[bidId] || (documents[bidId] = {});
    entry.open = !entry.open;
    if (entry.open && !entry.files && !entry.loading) {
      entry.loading = true;
      entry.error = null;
      renderBids();
      try {
        const data = await getJSON(documentsUrl(bidId));
        entry.files = data.files || [];
      } catch (error) {
        entry.error = refusalText(error);
      }
      entry.loading = false;
    }
    renderBids();
    fitBoxes();
  }

  // --- votes ------------------------------------------------------------------------------------------
  function voteTitle(vote) {
    const s = vote.subject || {};
    if (vote.matter === "leader") return L.voteLeader;
    if (vote.matter === "veto") return fmt(L.voteVeto, { bid: bidName(s.bid_id), requirement: requirementText(s.requirement), reason: L.vetoReason[s.veto_reason] || s.veto_reason });
    if (vote.matter === "abnormal_price") return fmt(L.voteAbnormal, { bid: bidName(s.bid_id) });
    if (vote.matter === "correction") {
      const correction = (state.corrections || []).find((c) => c.bid_id === s.bid_id) || {};
      return fmt(L.voteCorrection, { bid: bidName(s.bid_id), original: money(correction.original), corrected: money(correction.corrected) });
    }
    if (vote.matter === "tie") return L.voteTie;
    return vote.question; // the leader's own words
  }

  function optionLabel(vote, option) {
    if (vote.matter === "leader") return seatName(option);
    if (vote.matter === "tie") return bidName(option);
    if (vote.matter === "other") return option;
    return L.option[option] || option;
  }

  function resultText(vote, result) {
    if (!result) return "";
    // an election names every seat: only the ones that got votes
    const options = (vote.options || []).filter((o) => (vote.options || []).length <= 3 || (result.counts || {})[o]);
    const counts = options.map((o) => `${optionLabel(vote, o)}: ${(result.counts || {})[o] || 0}`).join(", ");
    const outcome = result.winner ? fmt(L.voteWinner, { winner: optionLabel(vote, result.winner) }) : result.tie ? L.voteTie2 : L.voteNone;
    return `${outcome} (${counts})`;
  }

  function renderOpenVote() {
    const panel = $("vote-panel");
    const vote = (state.votes || []).find((v) => v.open);
    panel.hidden = !vote;
    const body = panel.querySelector("[data-role=body]");
    if (!vote) {
      body.replaceChildren();
      panel.removeAttribute("data-vote");
      panel.removeAttribute("data-matter");
      return;
    }
    panel.dataset.vote = String(vote.number);
    panel.dataset.matter = vote.matter;
    const present = activeMembers().filter((m) => m.present).length;
    const key = `vote-${vote.number}`;
    const options = el("div", { className: "d-flex flex-wrap gap-2 my-2", "data-control": key });
    const canVote = member() && running() && !vote.my_choice;
    for (const option of vote.options) {
      const button = el("button", { type: "button", className: "btn btn-action " + (vote.my_choice === option ? "btn-primary" : "btn-outline-primary"), "data-testid": "cast", "data-choice": option, disabled: !canVote }, optionLabel(vote, option));
      button.addEventListener("click", () => run(button, key, "cast", { vote: vote.number, choice: option }));
      options.append(button);
    }
    const parts = [
      el("h2", { className: "h5 mb-1", "data-testid": "vote-question" }, fmt(L.voteNumber, { n: vote.number }), ": ", vote.matter === "other" ? text(voteTitle(vote)) : voteTitle(vote)),
      el("p", { className: "small text-muted mb-1", "data-testid": "vote-ballots" }, fmt(L.ballots, { ballots: vote.ballots, present })),
      vote.previous ? el("p", { className: "small mb-1" }, fmt(L.previousVote, { n: vote.previous.number, result: resultText(vote, vote.previous.result) })) : null,
      vote.matter === "correction" ? correctionSteps(vote.subject && vote.subject.bid_id) : null,
      member() ? options : null,
      member() && vote.my_choice ? el("p", { className: "small text-success mb-1", "data-testid": "my-choice" }, fmt(L.myChoice, { choice: optionLabel(vote, vote.my_choice) })) : null,
    ];
    if (leader() && running()) {
      const closeKey = `close-vote-${vote.number}`;
      const close = el("button", { type: "button", className: "btn btn-sm btn-outline-secondary", "data-testid": "close-vote" }, L.closeVote);
      close.addEventListener("click", () => run(close, closeKey, "close_vote", { vote: vote.number }));
      parts.push(el("div", { "data-control": closeKey }, close));
    }
    body.replaceChildren(...parts.filter(Boolean));
  }

  function correctionSteps(bidId) {
    const correction = (state.corrections || []).find((c) => c.bid_id === bidId);
    if (!correction || !(correction.steps || []).length) return null;
    return el("ol", { className: "small mb-1", "data-testid": "correction-steps" }, ...correction.steps.map((step) => el("li", {}, text(step))));
  }

  function renderPastVotes() {
    const list = $("past-votes");
    const votes = (state.votes || []).filter((v) => !v.open);
    $("past-votes-section").hidden = !votes.length;
    list.replaceChildren(...votes.slice().reverse().map((vote) => {
      const choices = Object.entries(vote.choices || {}).sort((a, b) => Number(a[0]) - Number(b[0]))
        .map(([seat, choice]) => `${seatName(seat)}: ${optionLabel(vote, choice)}`).join(" · ");
      return el("li", { className: "list-group-item", "data-testid": "past-vote", "data-vote": vote.number, "data-winner": (vote.result && vote.result.winner) || "" },
        el("div", { className: "fw-semibold" }, fmt(L.voteNumber, { n: vote.number }), ": ", vote.matter === "other" ? text(voteTitle(vote)) : voteTitle(vote)),
        vote.voided ? el("div", { className: "small text-muted" }, L.voided)
          : el("div", { "data-testid": "vote-result" }, resultText(vote, vote.result), vote.closed_by === "leader" ? ` · ${L.closedByLeader}` : ""),
        choices ? el("div", { className: "small text-muted", "data-testid": "vote-choices" }, choices) : null);
    }));
  }

  // --- the review ------------------------------------------------------------------------------------
  function myMark(bidId, requirement) {
    return ((state.review && state.review.mine) || []).find((m) => m.bid_id === bidId && m.requirement === requirement);
  }

  function markText(mark) {
    if (!mark) return "";
    if (mark.passed) return L.markPassed;
    if (mark.veto_reason) return fmt(L.markVeto, { reason: L.vetoReason[mark.veto_reason] || mark.veto_reason });
    return L.markFailed;
  }

  let reviewStage = null;
  function renderReview() {
    const section = $("review");
    const review = state.review || { items: [] };
    section.hidden = state.stage === "election" || !(review.items || []).length;
    if (section.hidden) return;
    const marking = member() && running() && state.stage === "review";
    if (reviewStage !== state.stage) {
      // open while reviewing; folded away once the review is closed (the reader may unfold it)
      $("review-details").open = state.stage === "review";
      reviewStage = state.stage;
    }
    const members = activeMembers().length;
    const bids = state.bids || [];
    const items = new Map((review.items || []).map((i) => [`${i.bid_id}/${i.requirement}`, i]));
    const table = $("review-grid");
    table.querySelector("thead").replaceChildren(el("tr", {},
      el("th", { scope: "col" }, L.requirement),
      ...bids.map((b) => el("th", { scope: "col", "data-bid-id": b.bid_id }, text(bidName(b.bid_id))))));
    const rows = [];
    for (const stage of ["qualification", "responsiveness"]) {
      const requirements = (state.requirements || []).filter((r) => r.stage === stage);
      if (!requirements.length) continue;
      rows.push(el("tr", { className: "table-light" }, el("th", { colspan: String(bids.length + 1), scope: "colgroup" }, L.reviewStage[stage])));
      for (const requirement of requirements) {
        rows.push(el("tr", { "data-requirement": requirement.id },
          el("th", { scope: "row", className: "fw-normal" }, L.requirementText[requirement.text] ? requirementText(requirement.id) : text(requirement.text)),
          ...bids.map((b) => reviewCell(items.get(`${b.bid_id}/${requirement.id}`), b, requirement, members, marking))));
      }
    }
    table.querySelector("tbody").replaceChildren(...rows);
    const rest = $("mark-rest");
    rest.hidden = !marking;
    const unmarked = unmarkedItems();
    rest.disabled = !unmarked.length || rest.dataset.busy === "yes";
    $("review-mine").textContent = member() ? fmt(L.myMarks, { done: ((review.mine) || []).length, of: (review.items || []).length }) : "";
    $("mark-panel").hidden = !(marking && markTarget);
  }

  function reviewCell(item, b, requirement, members, marking) {
    item = item || { marks: 0, fails: 0, vetoes: 0, decision: null };
    const mine = myMark(b.bid_id, requirement.id);
    const cell = el("td", { "data-testid": "review-cell", "data-bid-id": b.bid_id, "data-requirement": requirement.id, "data-my-mark": mine ? (mine.passed ? "passed" : mine.veto_reason ? "veto" : "failed") : "", "data-decision": item.decision || "" },
      el("div", { className: "small text-muted text-nowrap", "data-testid": "review-tally" }, fmt(L.tally, { marks: item.marks, members, fails: item.fails }), item.vetoes ? ` · ${fmt(L.vetoes, { n: item.vetoes })}` : ""),
      item.decision ? el("div", {}, el("span", { className: "badge " + (item.decision === "veto" ? "text-bg-danger" : "text-bg-success"), "data-testid": "review-decision" }, item.decision === "veto" ? L.decidedVeto : L.decidedPass)) : null,
      mine ? el("div", { className: "small", "data-testid": "my-mark" }, markText(mine), mine.reason ? ": " : "", mine.reason ? text(mine.reason) : "") : null);
    if (marking) {
      const key = `mark-${b.bid_id}-${requirement.id}`;
      const subject = `${requirementText(requirement.id)} · ${bidName(b.bid_id)}`;
      const pass = el("button", { type: "button", className: "btn btn-sm btn-outline-success", "data-testid": "mark-pass", "aria-label": `${L.pass}: ${subject}` }, L.pass);
      pass.addEventListener("click", () => run(pass, key, "mark", { bid_id: b.bid_id, requirement: requirement.id, passed: true }));
      const fail = el("button", { type: "button", className: "btn btn-sm btn-outline-danger", "data-testid": "mark-fail", "aria-label": `${L.fail}: ${subject}` }, L.fail);
      fail.addEventListener("click", () => openMarkPanel(b, requirement));
      cell.append(el("div", { className: "d-flex gap-1 mt-1", "data-control": key }, pass, fail));
    }
    return cell;
  }

  function openMarkPanel(b, requirement) {
    markTarget = { bid_id: b.bid_id, requirement: requirement.id };
    const panel = $("mark-panel");
    $("mark-subject").textContent = `${requirementText(requirement.id)} · ${bidName(b.bid_id)}`;
    const mine = myMark(b.bid_id, requirement.id);
    $("mark-reason").value = mine && !mine.passed ? mine.reason || "" : "";
    $("mark-veto-reason").value = (mine && mine.veto_reason) || "";
    delete refusals["mark-panel"];
    showRefusal("mark-panel");
    panel.hidden = false;
    $("mark-reason").focus();
  }

  $("mark-cancel").addEventListener("click", () => {
    markTarget = null;
    $("mark-panel").hidden = true;
  });
  $("mark-save").addEventListener("click", (event) => {
    if (!markTarget) return;
    const reason = $("mark-reason").value.trim();
    if (!reason) {
      refusals["mark-panel"] = L.reasonMissing;
      showRefusal("mark-panel");
      return;
    }
    const data = Object.assign({ passed: false, reason }, markTarget);
    const veto = $("mark-veto-reason").value;
    if (veto) data.veto_reason = veto;
    run(event.currentTarget, "mark-panel", "mark", data, () => {
      markTarget = null;
      $("mark-panel").hidden = true;
    });
  });

  function unmarkedItems() {
    if (!member()) return [];
    return ((state.review && state.review.items) || []).filter((i) => !myMark(i.bid_id, i.requirement));
  }

  // pass every item this member has not marked yet, one command each (each applied once)
  $("mark-rest").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const status = $("mark-rest-status");
    const todo = unmarkedItems();
    button.dataset.busy = "yes";
    button.disabled = true;
    delete refusals["mark-rest"];
    showRefusal("mark-rest");
    let done = 0;
    try {
      for (const item of todo) {
        status.textContent = fmt(L.marking, { done, of: todo.length });
        await send("mark", { bid_id: item.bid_id, requirement: item.requirement, passed: true });
        done += 1;
      }
      status.textContent = fmt(L.marked, { n: done });
      status.dataset.done = String(done);
    } catch (error) {
      status.textContent = "";
      refusals["mark-rest"] = refusalText(error);
      showRefusal("mark-rest");
    } finally {
      button.dataset.busy = "no";
      refreshState();
    }
  });

  // --- the leader ------------------------------------------------------------------------------------
  function fillSelect(select, options) {
    const chosen = select.value;
    select.replaceChildren(...options.map(([value, label]) => el("option", { value: String(value) }, label)));
    if (options.some(([value]) => String(value) === chosen)) select.value = chosen;
  }

  function renderLeader() {
    const panel = $("leader-panel");
    panel.hidden = !(leader() && ["open", "suspended"].includes(state.state) && state.stage !== "report");
    if (panel.hidden) return;
    const stage = state.stage;
    const voteOpen = (state.votes || []).some((v) => v.open);
    const review = state.review || { items: [] };

    // the review's matters to put to the vote
    const needing = $("vote-needed");
    const pending = stage === "review" ? (review.items || []).filter((i) => i.needs_vote && !i.decision) : [];
    const abnormal = stage === "review" ? (review.abnormally_low || []).filter((b) => !(review.abnormal_decisions || {})[String(b)]) : [];
    $("vote-needed-box").hidden = stage !== "review";
    $("vote-one-at-a-time").hidden = !(voteOpen && (pending.length || abnormal.length));
    const rows = [];
    for (const item of pending) {
      const key = `open-veto-${item.bid_id}-${item.requirement}`;
      const select = el("select", { className: "form-select form-select-sm", "data-testid": "veto-vote-reason", "aria-label": L.vetoReasonLabel },
        el("option", { value: "" }, L.vetoAsMarked),
        ...Object.keys(state.veto_reasons || {}).map((code) => el("option", { value: code }, L.vetoReason[code] || code)));
      const button = el("button", { type: "button", className: "btn btn-sm btn-outline-primary", "data-testid": "open-veto-vote", "data-bid-id": item.bid_id, "data-requirement": item.requirement, disabled: voteOpen }, L.putToVote);
      button.addEventListener("click", () => {
        const data = { matter: "veto", bid_id: item.bid_id, requirement: item.requirement };
        if (select.value) data.veto_reason = select.value;
        run(button, key, "open_vote", data);
      });
      rows.push(el("li", { className: "list-group-item", "data-control": key, "data-testid": "vote-needed-item" },
        el("div", { className: "small" }, text(bidName(item.bid_id)), " · ", requirementText(item.requirement), " — ", fmt(L.tally, { marks: item.marks, members: activeMembers().length, fails: item.fails }), item.vetoes ? ` · ${fmt(L.vetoes, { n: item.vetoes })}` : ""),
        el("div", { className: "d-flex flex-wrap gap-2 mt-1" }, select, button)));
    }
    for (const bidId of abnormal) {
      const key = `open-price-${bidId}`;
      const button = el("button", { type: "button", className: "btn btn-sm btn-outline-primary", "data-testid": "open-price-vote", "data-bid-id": bidId, disabled: voteOpen }, L.putToVote);
      button.addEventListener("click", () => run(button, key, "open_vote", { matter: "abnormal_price", bid_id: bidId }));
      rows.push(el("li", { className: "list-group-item", "data-control": key },
        el("div", { className: "small" }, fmt(L.abnormalItem, { bid: bidName(bidId) })), button));
    }
    needing.replaceChildren(...rows);
    $("vote-needed-none").hidden = Boolean(rows.length);

    $("other-vote-box").hidden = !["review", "scoring", "ranked"].includes(stage);
    $("close-review-box").hidden = stage !== "review";
    $("ask-box").hidden = !["review", "scoring"].includes(stage);
    fillSelect($("ask-bid"), (state.bids || []).map((b) => [b.bid_id, bidName(b.bid_id)]));
    $("correct-box").hidden = !["review", "scoring"].includes(stage);
    fillSelect($("correct-bid"), (stage === "scoring" ? passedBids() : state.bids || []).map((b) => [b.bid_id, bidName(b.bid_id)]));
    const reopenable = ["scoring", "ranked"].includes(stage) && ((state.scoring && state.scoring.submitted) || []).length;
    $("reopen-box").hidden = !reopenable;
    if (reopenable) {
      fillSelect($("reopen-seat"), state.scoring.submitted.map((seat) => [seat, seatName(seat)]));
      fillSelect($("reopen-bid"), passedBids().map((b) => [b.bid_id, bidName(b.bid_id)]));
      fillSelect($("reopen-criterion"), scoredCriteria().map((c) => [c.name, c.name]));
    }
    $("finalize-box").hidden = stage !== "ranked";
  }

  $("open-other-vote").addEventListener("click", (event) => {
    const question = $("other-question").value.trim();
    const options = $("other-options").value.split("\n").map((o) => o.trim()).filter(Boolean);
    run(event.currentTarget, "other-vote", "open_vote", { matter: "other", question, options }, () => {
      $("other-question").value = "";
      $("other-options").value = "";
    });
  });
  $("close-review").addEventListener("click", (event) => run(event.currentTarget, "close-review", "close_review", {}));
  $("ask").addEventListener("click", (event) => {
    const data = { bid_id: Number($("ask-bid").value), question: $("ask-question").value.trim() };
    const minutes = $("ask-minutes").value.trim();
    if (minutes) data.due_minutes = Number(minutes);
    run(event.currentTarget, "ask", "ask", data, () => {
      $("ask-question").value = "";
      $("ask-status").textContent = L.asked;
    });
  });
  $("correct").addEventListener("click", (event) => {
    const words = $("correct-words").value.trim();
    if (!words) {
      refusals.correct = L.wordsMissing;
      showRefusal("correct");
      return;
    }
    run(event.currentTarget, "correct", "correct", { bid_id: Number($("correct-bid").value), words }, () => {
      $("correct-words").value = "";
    });
  });
  $("reopen").addEventListener("click", (event) => {
    run(event.currentTarget, "reopen", "reopen", {
      seat: Number($("reopen-seat").value),
      bid_id: Number($("reopen-bid").value),
      criterion: $("reopen-criterion").value,
      reason: $("reopen-reason").value.trim(),
    }, () => {
      $("reopen-reason").value = "";
    });
  });
  $("finalize").addEventListener("click", (event) => run(event.currentTarget, "finalize", "finalize", {}));

  // --- clarifications --------------------------------------------------------------------------------
  function renderClarifications() {
    const items = state.clarifications || [];
    $("clarifications").hidden = !items.length;
    const now = Date.now() + clockOffset;
    $("clarification-list").replaceChildren(...items.map((c) =>
      el("li", { className: "list-group-item", "data-testid": "clarification", "data-number": c.number, "data-answered": c.answer ? "yes" : "no" },
        el("div", { className: "fw-semibold" }, fmt(L.clarificationHead, { n: c.number }), " · ", text(bidName(c.bid_id))),
        el("div", { className: "small text-muted" }, fmt(L.askedDue, { asked: time(c.asked_at), due: time(c.due_at) })),
        el("p", { className: "mb-1 text-pre", "data-testid": "clarification-question" }, text(c.question)),
        c.answer
          ? el("div", { className: "border-start border-3 border-success ps-2", "data-testid": "clarification-answer" }, el("strong", {}, L.answer, ": "), text(c.answer), " ", el("small", { className: "text-muted" }, time(c.answered_at)))
          : el("div", { className: "small text-muted", "data-testid": "clarification-pending" }, Date.parse(c.due_at) > now ? L.awaitingAnswer : L.unanswered))));
  }

  // --- scoring ---------------------------------------------------------------------------------------
  let scoringShape = "";

  function renderScoring() {
    const section = $("scoring");
    const scoring = state.scoring || {};
    const hasScoring = ["scoring", "ranked", "report"].includes(state.stage) && state.method !== "lowest_price" && passedBids().length > 0;
    section.hidden = !hasScoring;
    if (!hasScoring) return;
    const submitted = scoring.submitted || [];
    $("scoring-progress").textContent = fmt(L.submittedProgress, { n: submitted.length, of: activeMembers().length, seats: submitted.length ? submitted.map(seatName).join(", ") : "—" });
    $("scoring-progress").dataset.submitted = String(submitted.length);
    const mine = scoring.mine || null;
    const form = $("score-form");
    const editable = member() && running() && state.stage === "scoring" && !(mine && mine.state === "submitted");
    form.hidden = !(member() && state.stage === "scoring");
    const shape = JSON.stringify([passedBids().map((b) => b.bid_id), scoredCriteria().map((c) => c.name), mine && mine.state, mine && mine.reopened, editable]);
    if (shape !== scoringShape && !form.hidden) {
      buildScoreForm(mine, editable);
      scoringShape = shape;
    }
    $("save-scores").hidden = !editable || Boolean(mine && mine.state === "reopened");
    $("submit-scores").hidden = !editable;
    const status = $("scoring-status");
    status.dataset.state = mine ? mine.state : "";
    status.textContent = !mine ? "" : mine.state === "submitted" ? L.sheetSubmitted : mine.state === "reopened" ? fmt(L.sheetReopened, { items: (mine.reopened || []).map(itemName).join(", ") }) : L.sheetDraft;
    if (!editable) {
      reasonsAsked = null;
    }
    renderReasons();
    renderSheets(scoring.sheets);
  }

  function itemName(key) {
    const [bidId, criterion] = String(key).split("/");
    return `${bidName(bidId)} · ${criterion}`;
  }

  function buildScoreForm(mine, editable) {
    const body = $("score-tables");
    const typed = {};
    for (const input of body.querySelectorAll("input[data-testid=score-input]")) if (input.value !== "") typed[input.name] = input.value;
    const reopened = new Set((mine && mine.reopened) || []);
    const saved = (mine && mine.scores) || {};
    let index = 0;
    body.replaceChildren(...passedBids().map((b) =>
      responsive(el("table", { className: "table table-sm align-middle", "data-testid": "score-table", "data-bid-id": b.bid_id },
        el("caption", { className: "caption-top fw-semibold text-body" }, text(bidName(b.bid_id)), " · ", money(b.price)),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, L.criterion), el("th", { scope: "col" }, L.maxScore), el("th", { scope: "col" }, L.yourScore))),
        el("tbody", {}, ...scoredCriteria().map((c) => {
          index += 1;
          const name = `${b.bid_id}/${c.name}`;
          const id = `score-${index}`;
          const value = typed[name] !== undefined ? typed[name] : (saved[String(b.bid_id)] || {})[c.name];
          const locked = !editable || (mine && mine.state === "reopened" && !reopened.has(name));
          const input = el("input", { className: "form-control form-control-sm", type: "number", inputmode: "decimal", min: "0", max: String(c.max_score), step: "0.01", id, name, "data-testid": "score-input", "data-bid-id": b.bid_id, "data-criterion": c.name, disabled: locked });
          if (value !== undefined && value !== null) input.value = String(value);
          return el("tr", {},
            el("td", {}, el("label", { for: id, translate: "no" }, c.name)),
            el("td", {}, String(c.max_score)),
            el("td", { className: "w-8rem" }, input));
        }))))));
  }

  function sheetValues(required) {
    const scores = {};
    for (const input of $("score-tables").querySelectorAll("input[data-testid=score-input]")) {
      const value = input.value.trim();
      if (!value) {
        if (required) throw { code: "missing_score", message: L.scoreMissing };
        continue;
      }
      (scores[input.dataset.bidId] = scores[input.dataset.bidId] || {})[input.dataset.criterion] = value;
    }
    return scores;
  }

  $("save-scores").addEventListener("click", (event) => {
    let scores;
    try {
      scores = sheetValues(false);
    } catch (error) {
      return;
    }
    run(event.currentTarget, "scores", "save_scores", { scores }, () => {
      $("scoring-saved").textContent = fmt(L.draftSaved, { at: time(new Date(Date.now() + clockOffset).toISOString()) });
    });
  });

  function submitScores(button, reasons) {
    let scores;
    try {
      scores = sheetValues(true);
    } catch (error) {
      refusals.scores = refusalText(error);
      showRefusal("scores");
      return;
    }
    const data = { scores };
    if (reasons) data.reasons = reasons;
    run(button, reasons ? "reasons" : "scores", "submit_scores", data, () => {
      reasonsAsked = null;
      renderReasons();
    });
  }
  $("submit-scores").addEventListener("click", (event) => submitScores(event.currentTarget, null));

  function renderReasons() {
    const panel = $("reasons-panel");
    panel.hidden = !reasonsAsked || !reasonsAsked.length;
    if (panel.hidden) return;
    const list = $("reason-items");
    const typed = {};
    for (const box of list.querySelectorAll("textarea")) typed[box.dataset.item] = box.value;
    list.replaceChildren(...reasonsAsked.map((item, index) => {
      const id = `reason-${index}`;
      const box = el("textarea", { className: "form-control", rows: "2", maxlength: "4000", id, "data-testid": "reason-input", "data-item": item.key });
      box.value = typed[item.key] || "";
      return el("div", { className: "mb-2", "data-testid": "reason-item", "data-item": item.key },
        el("label", { className: "form-label small", for: id }, fmt(L.reasonItem, { item: itemName(item.key), value: item.value, mean: item.others_mean, threshold: item.threshold })),
        box);
    }));
  }

  $("submit-with-reasons").addEventListener("click", (event) => {
    const reasons = {};
    for (const box of $("reason-items").querySelectorAll("textarea")) {
      if (!box.value.trim()) {
        refusals.reasons = L.reasonMissing;
        showRefusal("reasons");
        return;
      }
      reasons[box.dataset.item] = box.value.trim();
    }
    submitScores(event.currentTarget, reasons);
  });

  function renderSheets(sheets) {
    const box = $("sheets");
    const seats = Object.keys(sheets || {}).sort((a, b) => Number(a) - Number(b));
    box.hidden = !seats.length;
    if (box.hidden) return;
    const criteria = scoredCriteria();
    $("sheet-tables").replaceChildren(...passedBids().map((b) =>
      responsive(el("table", { className: "table table-sm", "data-testid": "sheet-table", "data-bid-id": b.bid_id },
        el("caption", { className: "caption-top text-body" }, text(bidName(b.bid_id))),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, L.member), ...criteria.map((c) => el("th", { scope: "col", translate: "no" }, c.name)))),
        el("tbody", {}, ...seats.map((seat) => el("tr", { "data-testid": "sheet-row", "data-seat": seat },
          el("th", { scope: "row", className: "fw-normal" }, seatName(seat)),
          ...criteria.map((c) => el("td", { className: "text-end" }, ((sheets[seat] || {})[String(b.bid_id)] || {})[c.name] || "—")))))))));
  }

  // --- results ---------------------------------------------------------------------------------------
  function renderResults() {
    const section = $("results");
    const lots = (state.results && state.results.lots) || [];
    section.hidden = !lots.length;
    if (!lots.length) return;
    $("result-lots").replaceChildren(...lots.map((lot) => {
      const seats = Object.keys(lot.member_totals || {}).sort((a, b) => Number(a) - Number(b));
      const comprehensive = lot.method !== "lowest_price";
      return el("div", { className: "mb-3", "data-testid": "result-lot", "data-lot": lot.lot },
        el("h3", { className: "h6" }, fmt(L.lotHead, { lot: lot.lot }), " · ", L.method[lot.method] || ""),
        responsive(el("table", { className: "table table-sm align-middle table-stack-lg", "data-testid": "ranking" },
          el("thead", {}, el("tr", {},
            el("th", { scope: "col" }, L.rank), el("th", { scope: "col" }, L.bidder), el("th", { scope: "col", className: "text-end" }, L.evaluatedPrice),
            comprehensive ? el("th", { scope: "col", className: "text-end" }, L.priceScore) : null,
            comprehensive ? el("th", { scope: "col", className: "text-end" }, L.score) : null,
            ...(comprehensive ? seats.map((seat) => el("th", { scope: "col", className: "text-end" }, seatName(seat))) : []))),
          el("tbody", {}, ...(lot.ranking || []).map((bidId) => el("tr", { "data-testid": "result-row", "data-bid-id": bidId, "data-rank": (lot.ranks || {})[String(bidId)] },
            el("td", {}, String((lot.ranks || {})[String(bidId)])),
            el("td", {}, text(bidName(bidId))),
            el("td", { className: "text-end text-nowrap" }, money((lot.prices || {})[String(bidId)])),
            comprehensive ? el("td", { className: "text-end" }, (lot.price_scores || {})[String(bidId)] || "—") : null,
            comprehensive ? el("td", { className: "text-end fw-semibold", "data-testid": "result-score" }, (lot.scores || {})[String(bidId)] || "—") : null,
            ...(comprehensive ? seats.map((seat) => el("td", { className: "text-end" }, ((lot.member_totals || {})[seat] || {})[String(bidId)] || "—")) : [])))))),
        (lot.ties || []).length ? el("p", { className: "small text-warning-emphasis" }, fmt(L.ties, { bids: lot.ties.map((group) => group.map(bidName).join(" = ")).join("; ") })) : null);
    }));
  }

  // --- the report ------------------------------------------------------------------------------------
  function renderReport() {
    const section = $("report");
    const report = state.report;
    section.hidden = !report;
    if (!report) return;
    $("report-sha256").textContent = report.report_sha256;
    $("report-due").textContent = time(report.due_at);
    $("report-signed").textContent = report.signed.length ? report.signed.map(seatName).join(", ") : "—";
    $("report-signed").dataset.count = String(report.signed.length);
    $("report-refused-box").hidden = !report.refused.length;
    $("report-refused").textContent = report.refused.map(seatName).join(", ");
    const candidates = report.candidates || [];
    $("report-candidates-box").hidden = !candidates.length;
    $("report-candidates").replaceChildren(...candidates.map((c) => el("li", { "data-testid": "report-candidate", "data-bid-id": c.bid_id }, fmt(L.candidate, { rank: c.rank, bid: bidName(c.bid_id) }))));
    $("report-sealed").hidden = !report.pdf_sha256;
    $("report-pdf-sha256").textContent = report.pdf_sha256 || "";
    const mine = state.me ? state.me.seat : null;
    const done = mine !== null && (report.signed.includes(mine) || report.refused.includes(mine));
    const panel = $("sign-panel");
    panel.hidden = !(member() && state.stage === "report" && running() && !done && report.to_sign);
    if (report.to_sign) {
      $("sign-dissent").hidden = !report.to_sign.dissent;
      $("sign-dissent-text").replaceChildren(text(report.to_sign.dissent || ""));
    }
    $("my-signature").hidden = !(member() && mine !== null && report.signed.includes(mine));
  }

  $("sign").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const status = $("sign-status");
    const file = $("sign-key").files && $("sign-key").files[0];
    const passInput = $("sign-passphrase");
    delete refusals.sign;
    showRefusal("sign");
    if (!file || !passInput.value) {
      refusals.sign = L.noFile;
      showRefusal("sign");
      return;
    }
    const toSign = state.report && state.report.to_sign;
    if (!toSign) return;
    button.disabled = true;
    try {
      const keyFile = window.bidhallKeyFile;
      status.textContent = L.readingFile;
      const signature = await keyFile.sign(await keyFile.readFile(file, L), passInput.value, keyFile.b64bytes(toSign.signing_bytes), L);
      status.textContent = L.sendingSignature;
      await send("sign_report", { signature });
      passInput.value = "";
      status.textContent = L.signedOk;
      status.dataset.done = "yes";
      refreshState();
    } catch (error) {
      status.textContent = "";
      refusals.sign = refusalText(error);
      showRefusal("sign");
    } finally {
      button.disabled = false;
    }
  });

  // --- time, dissent, suspension -----------------------------------------------------------------------
  function renderTime() {
    const count = state.time_insufficient || 0;
    $("time-count").textContent = fmt(L.timeCount, { n: count, of: activeMembers().length });
    $("time-count").dataset.count = String(count);
    const box = $("time-box");
    box.hidden = !member();
    if (member()) {
      const toggle = $("time-insufficient");
      // while the member's own declaration is on its way, the box shows what they chose, not
      // the state an event from someone else carried a moment before
      if (toggle.dataset.busy !== "yes") toggle.checked = Boolean(state.me.time_insufficient);
      toggle.disabled = !running() || toggle.dataset.busy === "yes";
    }
  }

  $("time-insufficient").addEventListener("change", async (event) => {
    const toggle = event.currentTarget;
    const wanted = toggle.checked;
    toggle.dataset.busy = "yes";
    await run(toggle, "time", "declare_time", { insufficient: wanted });
    toggle.dataset.busy = "no";
    toggle.checked = wanted;
  });

  function renderDissent() {
    const seats = Object.keys(dissents).sort((a, b) => Number(a) - Number(b));
    $("dissents").hidden = !seats.length;
    $("dissent-list").replaceChildren(...seats.map((seat) =>
      el("li", { className: "list-group-item", "data-testid": "dissent", "data-seat": seat }, el("strong", {}, seatName(seat), ": "), text(dissents[seat]))));
    const panel = $("dissent-panel");
    panel.hidden = !(member() && running() && state.stage === "ranked");
    if (!panel.hidden) {
      const mine = dissents[state.me.seat];
      $("dissent-withdraw").hidden = !mine;
      const box = $("dissent-text");
      if (document.activeElement !== box && !box.dataset.touched) box.value = mine || "";
    }
  }

  $("dissent-text").addEventListener("input", (event) => {
    event.currentTarget.dataset.touched = "yes";
  });
  $("dissent-save").addEventListener("click", (event) => {
    const box = $("dissent-text");
    run(event.currentTarget, "dissent", "dissent", { text: box.value.trim() }, () => {
      delete box.dataset.touched;
    });
  });
  $("dissent-withdraw").addEventListener("click", (event) => {
    const box = $("dissent-text");
    run(event.currentTarget, "dissent", "dissent", { text: "" }, () => {
      box.value = "";
      delete box.dataset.touched;
    });
  });

  function renderSteward() {
    const panel = $("steward-panel");
    const steward = supervisor() || leader();
    panel.hidden = !(steward && ["open", "suspended"].includes(state.state));
    if (panel.hidden) return;
    $("suspend").hidden = state.state !== "open";
    $("resume").hidden = state.state !== "suspended";
    $("terminate").hidden = !supervisor();
  }

  for (const name of ["suspend", "resume", "terminate"]) {
    $(name).addEventListener("click", (event) => {
      const reasonBox = $("steward-reason");
      const data = name === "resume" ? {} : { reason: reasonBox.value.trim() };
      run(event.currentTarget, "steward", name, data, () => {
        reasonBox.value = "";
      });
    });
  }

  // --- the countdown from the server's clock -----------------------------------------------------------
  function tick() {
    const out = $("countdown");
    if (!["open", "suspended"].includes(state.state)) {
      out.textContent = "—";
      out.dataset.secondsLeft = "";
      return;
    }
    const total = Math.max(0, Math.floor((Date.parse(state.ends_at) - (Date.now() + clockOffset)) / 1000));
    out.dataset.secondsLeft = String(total);
    if (total === 0) {
      out.textContent = L.timeUp;
      return;
    }
    const pad = (n) => String(n).padStart(2, "0");
    out.textContent = `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  }
  setInterval(tick, 1000);

  // --- the log -----------------------------------------------------------------------------------------
  function describe(kind, p) {
    const values = Object.assign({}, p);
    if ("seat" in p) values.member = seatName(p.seat);
    if ("bid_id" in p) values.bid = bidName(p.bid_id);
    switch (kind) {
      case "session_opened":
        values.ends_at = time(p.ends_at);
        break;
      case "vote_opened":
      case "vote_closed": {
        const vote = { matter: p.matter, subject: p.subject, question: p.question, options: p.options || Object.keys((p.result && p.result.counts) || {}) };
        Object.assign(values, { title: voteTitle(vote), result: resultText(vote, p.result) });
        break;
      }
      case "review_marked":
        Object.assign(values, { requirement: requirementText(p.requirement), mark: markText(p) });
        break;
      case "review_closed":
        Object.assign(values, { passed: (p.passed || []).length, vetoed: (p.vetoed || []).length });
        break;
      case "stage_changed":
        values.stage = L.stage[p.stage] || p.stage;
        break;
      case "time_declared":
        return fmt(p.insufficient ? L.msg.time_insufficient : L.msg.time_sufficient, values);
      case "session_extended":
        values.ends_at = time(p.ends_at);
        break;
      case "clarification_asked":
        values.due_at = time(p.due_at);
        break;
      case "dissent_written":
        if (!p.text) return fmt(L.msg.dissent_withdrawn, values);
        break;
      case "report_ready":
        Object.assign(values, { sha: (p.report_sha256 || "").slice(0, 16) + "…", due_at: time(p.due_at) });
        break;
      case "report_sealed":
        values.sha = (p.pdf_sha256 || "").slice(0, 16) + "…";
        break;
      case "correction_proposed":
      case "correction_confirmed":
      case "correction_rejected":
        Object.assign(values, { original: money(p.original), corrected: money(p.corrected) });
        break;
      case "presence_event":
        values.kind = L.avKind[p.kind] || L.avKind.other;
        break;
      default:
        break;
    }
    return fmt(L.msg[kind] || L.msg.other, values);
  }

  function logMessage(message, kind, p) {
    const count = $("log-count");
    count.textContent = String(Number(count.textContent || 0) + 1);
    $("session-log").prepend(el("li", { className: "list-group-item", "data-testid": "log-message", "data-seq": message.seq, "data-type": message.type },
      el("small", { className: "text-muted me-2" }, time(message.at)),
      el("span", { "data-role": "text" }, describe(kind, p))));
  }

  render();
})();
