// The supervisors' live console (templates/audit/console.html) over the /supervision Socket.IO
// namespace (audit/supervision/sockets.py; docs/audit.md, "The console").
//
// - `join` gives the state: the openings, the live sessions with their key nodes and
//   workstations, the alerts not yet resolved and their counts by card. Then the room hears
//   `supervision.alert` (a new alert: badge, short sound, counters), `supervision.alert_state`
//   (one acknowledged, resolved, escalated) and `supervision.node` (a key node: logged, and the
//   state asked again). Without Socket.IO the page polls GET /api/supervision.
// - The sound is a Web Audio beep, no file: a browser blocks it until the page is clicked, so the
//   sound button (or any click) allows it; `data-beeps` counts the beeps played.
// - The interventions go to the JSON APIs with the page's CSRF token: acknowledge and resolve
//   (/api/alerts/<id>/...), escalate (/api/supervision/alerts/<id>/escalate), pause and query
//   (/api/supervision/sessions/<id>/...). Each needs its written reason; a refusal is shown next
//   to its form. Forms are built once per alert and session, so an update never wipes what a
//   supervisor is typing.
(function () {
  "use strict";

  const root = document.getElementById("supervision-console");
  if (!root) return;
  const L = JSON.parse(document.getElementById("console-labels").textContent);
  const zone = root.dataset.timezone;
  const apiUrl = root.dataset.apiUrl;
  const csrfToken = (document.querySelector("meta[name=csrf-token]") || {}).content;
  const POLL_MS = 5000;
  const REFRESH_MS = 300;
  const MAX_NODES = 100;
  const { fmt, el } = window.bidhallDom;
  const $ = (testid) => root.querySelector(`[data-testid="${testid}"]`);

  let state = JSON.parse(document.getElementById("console-initial").textContent);
  const alertItems = new Map(); // alert id -> its <li>
  const sessionCards = new Map(); // session id -> {card, info, select}

  // --- small helpers ---------------------------------------------------------------------------
  function time(iso) {
    if (!iso) return "—";
    const options = { timeZone: zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" };
    try {
      return new Date(iso).toLocaleString("sv-SE", options);
    } catch (cause) {
      return iso;
    }
  }
  const text = (value) => el("span", { translate: "no" }, value === null || value === undefined ? "—" : value);
  const name = (table, code) => (table && table[code]) || "—";
  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  let formIds = 0;
  const formId = (prefix) => `${prefix}-${(formIds += 1)}`;

  function showError(error) {
    const box = $("console-error");
    box.textContent = (error && (L.errors[error.code] || error.message)) || L.errors.network;
    box.hidden = false;
  }

  function setConnection(key) {
    const node = $("connection");
    node.dataset.state = key;
    node.textContent = L[key];
  }

  // --- sound and badge -------------------------------------------------------------------------
  let audio = null;
  let soundWanted = true;
  const soundButton = $("sound");

  function soundState() {
    if (!soundWanted) return "off";
    if (!audio || audio.state !== "running") return "blocked";
    return "on";
  }

  function showSound() {
    const now = soundState();
    root.dataset.sound = now;
    soundButton.setAttribute("aria-pressed", now === "on" ? "true" : "false");
    soundButton.textContent = now === "on" ? L.soundOn : now === "off" ? L.soundOff : L.soundBlocked;
  }

  function allowSound() {
    try {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!audio && Context) audio = new Context();
      if (audio && audio.state === "suspended") audio.resume().then(showSound, showSound);
    } catch (cause) {
      audio = null;
    }
    showSound();
  }

  soundButton.addEventListener("click", (event) => {
    event.stopPropagation();
    if (soundState() === "on") soundWanted = false;
    else {
      soundWanted = true;
      allowSound();
    }
    showSound();
  });
  // the browser allows the sound after the page's first click (autoplay policy)
  document.addEventListener("click", () => { if (soundWanted) allowSound(); }, { once: true });
  document.addEventListener("keydown", () => { if (soundWanted) allowSound(); }, { once: true });

  function beep(severity) {
    if (soundState() !== "on") return;
    const start = audio.currentTime;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = severity === "red" ? 880 : 660;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.4);
    root.dataset.beeps = String(Number(root.dataset.beeps) + 1);
  }

  const badge = $("new-alerts");
  const title = document.title;
  function setBadge(count) {
    badge.dataset.count = String(count);
    badge.textContent = fmt(L.newAlerts, { n: count });
    badge.hidden = count === 0;
    document.title = count ? `(${count}) ${title}` : title;
  }
  // seen once the supervisor looks at the list: a click anywhere on the console
  root.addEventListener("click", () => setBadge(0));

  // --- requests --------------------------------------------------------------------------------
  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body || {}),
      });
    } catch (cause) {
      throw { code: "network" };
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw (data && data.error) || { code: `http_${response.status}`, message: response.statusText };
    return data;
  }

  // a form's submission: its refusal box shows what went wrong, its done box what was done
  function act(form, action, request) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const refusal = form.querySelector("[data-role=refusal]");
      const done = form.querySelector("[data-role=done]");
      const button = form.querySelector("button[type=submit]");
      refusal.hidden = true;
      done.hidden = true;
      button.disabled = true;
      try {
        await request(new FormData(form));
        done.textContent = L.done[action];
        done.hidden = false;
        form.reset();
        const details = form.closest("details");
        if (details) details.open = false;
        refreshSoon();
      } catch (error) {
        refusal.textContent = L.errors[error.code] || error.message || L.errors.network;
        refusal.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }

  const feedback = () => [
    el("div", { className: "small text-danger mt-1", role: "alert", "data-role": "refusal", "data-testid": "refusal", hidden: true }),
    el("div", { className: "small text-success mt-1", role: "status", "data-role": "done", "data-testid": "done", hidden: true }),
  ];

  function textField(label, field, testid) {
    const id = formId(field);
    return [
      el("label", { className: "form-label small mb-1", for: id }, label),
      el("textarea", { className: "form-control form-control-sm mb-2", id, name: field, rows: "2", maxlength: "2000", required: true, "data-testid": testid }),
    ];
  }

  // --- alerts ----------------------------------------------------------------------------------
  function alertItem(alert) {
    const id = alert.alert_id;
    const li = el("li", { className: "card card-body mb-2 py-2", "data-testid": "console-alert", "data-alert-id": id });
    li.append(el("div", { className: "d-flex flex-wrap gap-2 align-items-center", "data-role": "head" }));
    li.append(el("p", { className: "mb-1", lang: "en", translate: "no", "data-testid": "alert-summary" }, alert.summary));
    li.append(el("div", { className: "small text-muted mb-1", "data-role": "where" }));

    const actions = el("div", { className: "d-flex flex-wrap gap-2 align-items-start" });
    actions.append(el("a", { className: "btn btn-sm btn-outline-primary", href: `/supervision/alerts/${id}`, "data-testid": "alert-link" }, L.details));
    const acknowledge = el("form", { "data-testid": "acknowledge-form" },
      el("button", { type: "submit", className: "btn btn-sm btn-primary", "data-testid": "acknowledge" }, L.acknowledge), ...feedback());
    act(acknowledge, "acknowledge", () => post(`/api/alerts/${id}/acknowledge`));
    actions.append(acknowledge);
    li.append(actions);

    const resolutions = el("select", { className: "form-select form-select-sm mb-2", id: formId("resolution"), name: "resolution", "data-testid": "resolution" },
      ...Object.entries(L.resolution).map(([code, label]) => el("option", { value: code }, label)));
    const resolve = el("form", { className: "mt-2", "data-testid": "resolve-form" },
      el("label", { className: "form-label small mb-1", for: resolutions.id }, L.outcome), resolutions,
      ...textField(L.resolveNote, "note", "resolve-note"),
      el("button", { type: "submit", className: "btn btn-sm btn-success", "data-testid": "resolve" }, L.resolveSubmit), ...feedback());
    act(resolve, "resolve", (data) => post(`/api/alerts/${id}/resolve`, { resolution: data.get("resolution"), note: data.get("note") }));
    li.append(el("details", { className: "mt-2", "data-testid": "resolve-details" }, el("summary", { className: "small text-primary" }, L.resolveHead), resolve));

    const escalate = el("form", { className: "mt-2", "data-testid": "escalate-form" },
      ...textField(L.escalateReason, "reason", "escalate-reason"),
      el("button", { type: "submit", className: "btn btn-sm btn-danger", "data-testid": "escalate" }, L.escalateSubmit), ...feedback());
    act(escalate, "escalate", (data) => post(`/api/supervision/alerts/${id}/escalate`, { reason: data.get("reason") }));
    li.append(el("details", { className: "mt-2", "data-testid": "escalate-details" }, el("summary", { className: "small text-primary" }, L.escalateHead), escalate));
    return li;
  }

  function updateAlert(li, alert) {
    li.dataset.severity = alert.severity;
    li.dataset.state = alert.state;
    li.classList.toggle("border-danger", alert.severity === "red");
    li.classList.toggle("border-warning", alert.severity !== "red");
    const head = li.querySelector("[data-role=head]");
    head.replaceChildren(
      el("span", { className: `badge ${alert.severity === "red" ? "text-bg-danger" : "text-bg-warning"}`, "data-testid": "card", "data-severity": alert.severity }, name(L.severity, alert.severity)),
      el("strong", {}, L.detector[alert.detector] || text(alert.detector)),
      el("span", { className: "badge text-bg-secondary", "data-testid": "alert-state", "data-state": alert.state }, name(L.alertState, alert.state)),
      el("span", { className: "small text-muted" }, fmt(L.alertNumber, { id: alert.alert_id }), " · ", fmt(L.raisedAt, { at: time(alert.raised_at) })));
    const where = [];
    const session = state.sessions.find((s) => s.session_id === alert.session_id);
    if (alert.session_id) where.push(fmt(L.session, { id: alert.session_id }));
    if (session) where.push(session.tender.reference);
    if (alert.subject) where.push(alert.subject);
    li.querySelector("[data-role=where]").replaceChildren(text(where.join(" · ")));
    li.querySelector("[data-testid=acknowledge-form]").hidden = alert.state !== "open";
    li.querySelector("[data-testid=escalate-details]").hidden = alert.severity !== "yellow";
  }

  function renderAlerts() {
    const list = $("console-alerts");
    const alerts = state.alerts.slice().sort((a, b) => b.alert_id - a.alert_id);
    const wanted = new Set(alerts.map((a) => a.alert_id));
    for (const [id, li] of alertItems) {
      if (!wanted.has(id)) {
        li.remove();
        alertItems.delete(id);
      }
    }
    let previous = null;
    for (const alert of alerts) {
      let li = alertItems.get(alert.alert_id);
      if (!li) {
        li = alertItem(alert);
        alertItems.set(alert.alert_id, li);
      }
      updateAlert(li, alert);
      if (previous === null) {
        if (list.firstChild !== li) list.prepend(li);
      } else if (previous.nextSibling !== li) previous.after(li);
      previous = li;
    }
    $("no-alerts").hidden = alerts.length > 0;
    $("count-red").textContent = String(state.counts.red || 0);
    $("count-yellow").textContent = String(state.counts.yellow || 0);
  }

  function onAlert(alert) {
    if (state.alerts.some((a) => a.alert_id === alert.alert_id)) return; // heard twice
    state.alerts.unshift(alert);
    state.counts[alert.severity] = (state.counts[alert.severity] || 0) + 1;
    renderAlerts();
    const li = alertItems.get(alert.alert_id);
    if (li) li.classList.add("shadow");
    setBadge(Number(badge.dataset.count) + 1);
    beep(alert.severity);
    renderSessions(); // the pause forms offer the session's open alerts
  }

  function onAlertState(change) {
    const alert = state.alerts.find((a) => a.alert_id === change.alert_id);
    if (!alert) {
      refreshSoon();
      return;
    }
    if (change.severity && change.severity !== alert.severity) {
      state.counts[alert.severity] -= 1;
      state.counts[change.severity] = (state.counts[change.severity] || 0) + 1;
      alert.severity = change.severity;
    }
    if (change.state === "resolved") {
      state.counts[alert.severity] -= 1;
      state.alerts = state.alerts.filter((a) => a !== alert);
    } else if (change.state) alert.state = change.state;
    renderAlerts();
    renderSessions();
  }

  // --- sessions --------------------------------------------------------------------------------
  function sessionCard(session) {
    const id = session.session_id;
    const card = el("article", { className: "card mb-3", "data-testid": "console-session", "data-session-id": id });
    const body = el("div", { className: "card-body" });
    const info = el("div", { "data-role": "info" });
    body.append(info);

    const select = el("select", { className: "form-select form-select-sm mb-2", id: formId("pause-alert"), name: "alert_id", "data-testid": "pause-alert" });
    const pause = el("form", { className: "mt-2", "data-testid": "pause-form" },
      ...textField(L.pauseReason, "reason", "pause-reason"),
      el("label", { className: "form-label small mb-1", for: select.id }, L.pauseAlert), select,
      el("button", { type: "submit", className: "btn btn-sm btn-warning", "data-testid": "pause" }, L.pauseSubmit), ...feedback());
    act(pause, "pause", (data) => post(`/api/supervision/sessions/${id}/pause`, {
      reason: data.get("reason"),
      alert_id: data.get("alert_id") ? Number(data.get("alert_id")) : null,
      cmd_id: newId(),
    }));
    const query = el("form", { className: "mt-2", "data-testid": "query-form" },
      ...textField(L.queryText, "text", "query-text"),
      el("button", { type: "submit", className: "btn btn-sm btn-primary", "data-testid": "query" }, L.querySubmit), ...feedback());
    act(query, "query", (data) => post(`/api/supervision/sessions/${id}/query`, { text: data.get("text"), cmd_id: newId() }));
    body.append(
      el("details", { className: "mt-2", "data-testid": "pause-details" }, el("summary", { className: "small text-primary" }, L.pauseHead), pause),
      el("details", { className: "mt-2", "data-testid": "query-details" }, el("summary", { className: "small text-primary" }, L.queryHead), query));
    card.append(body);
    return { card, info, select, pauseDetails: body.querySelector("[data-testid=pause-details]") };
  }

  function fact(label, ...value) {
    return [el("dt", { className: "col-5 col-sm-4 fw-normal text-muted" }, label), el("dd", { className: "col-7 col-sm-8 mb-1" }, ...value)];
  }

  function updateSession(parts, session) {
    const { card, info, select, pauseDetails } = parts;
    card.dataset.state = session.state;
    card.dataset.stage = session.stage;
    const review = session.review || {};
    const reviewText = review.minutes === null || review.minutes === undefined ? L.reviewNotBegun
      : review.closed_at ? fmt(L.reviewClosed, { minutes: review.minutes }) : fmt(L.reviewRunning, { minutes: review.minutes });
    const votes = session.votes;
    const alerts = state.alerts.filter((a) => a.session_id === session.session_id);
    const stations = el("ul", { className: "list-unstyled mb-0", "data-testid": "workstations" },
      ...session.workstations.map((w) => {
        const key = w.online === true ? "yes" : w.online === false ? "no" : "unknown";
        return el("li", { "data-testid": "workstation", "data-seat": w.seat, "data-online": key },
          el("span", { className: `badge me-1 ${key === "yes" ? "text-bg-success" : key === "no" ? "text-bg-danger" : "text-bg-secondary"}` }, L.online[key]),
          text(fmt(L.workstation, { venue: w.venue, workstation: w.workstation, seat: w.seat })));
      }));
    info.replaceChildren(
      el("h3", { className: "h6 mb-1" },
        el("a", { href: `/evaluation/${session.session_id}`, "data-testid": "session-link" }, fmt(L.session, { id: session.session_id })),
        " · ", text(session.tender.reference), " · ", text(session.tender.title)),
      el("div", { className: "d-flex flex-wrap gap-2 mb-2" },
        el("span", { className: `badge ${session.state === "open" ? "text-bg-success" : "text-bg-warning"}`, "data-testid": "session-state", "data-state": session.state }, name(L.sessionState, session.state)),
        el("span", { className: "badge text-bg-primary", "data-testid": "session-stage", "data-stage": session.stage }, name(L.stage, session.stage)),
        alerts.length ? el("span", { className: "badge text-bg-danger", "data-testid": "session-alerts" }, fmt(L.alertsHere, { n: alerts.length })) : null),
      session.reason ? el("p", { className: "small alert alert-warning py-1 mb-2", "data-testid": "session-reason" }, L.reason, ": ", text(session.reason)) : "",
      el("dl", { className: "row small mb-2", "data-testid": "key-nodes" },
        ...fact(L.venues, text(session.venues.join(", "))),
        ...fact(L.scheduledAt, time(session.scheduled_at)),
        ...fact(L.openedAt, time(session.opened_at), " (", session.late_minutes > 0 ? fmt(L.late, { n: session.late_minutes }) : L.onTime, ")"),
        ...fact(L.reviewSoFar, el("span", { "data-testid": "review-minutes" }, reviewText)),
        ...fact(L.votes, el("span", { "data-testid": "votes", "data-incomplete": votes.incomplete }, fmt(L.votesText, votes)),
          votes.open ? el("span", { className: "ms-1 badge text-bg-info" }, fmt(L.voteOpen, { n: votes.open })) : null),
        ...fact(L.present, fmt(L.presentText, session)),
        ...fact(L.endsAt, time(session.ends_at)),
        ...fact(L.workstations, stations)));
    // the alerts a pause may name: this session's, kept selected across updates
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, L.pauseNoAlert),
      ...alerts.map((a) => el("option", { value: String(a.alert_id) }, `${fmt(L.alertNumber, { id: a.alert_id })} · ${name(L.severity, a.severity)} · ${L.detector[a.detector] || a.detector}`)));
    select.value = alerts.some((a) => String(a.alert_id) === chosen) ? chosen : "";
    pauseDetails.hidden = session.state !== "open";
  }

  function renderSessions() {
    const box = $("console-sessions");
    const wanted = new Set(state.sessions.map((s) => s.session_id));
    for (const [id, parts] of sessionCards) {
      if (!wanted.has(id)) {
        parts.card.remove();
        sessionCards.delete(id);
      }
    }
    for (const session of state.sessions) {
      let parts = sessionCards.get(session.session_id);
      if (!parts) {
        parts = sessionCard(session);
        sessionCards.set(session.session_id, parts);
        box.append(parts.card);
      }
      updateSession(parts, session);
    }
    $("no-sessions").hidden = state.sessions.length > 0;
  }

  // --- openings --------------------------------------------------------------------------------
  function renderOpenings() {
    const count = (value) => (value === null || value === undefined ? el("span", { className: "text-muted", title: L.notYet }, "—") : String(value));
    $("console-openings").querySelector("tbody").replaceChildren(...state.openings.map((o) =>
      el("tr", { "data-testid": "console-opening", "data-tender-id": o.tender_id, "data-phase": o.phase },
        el("td", {}, el("a", { href: `/tenders/${o.tender_id}/opening` }, text(o.reference)), el("div", { className: "small text-muted" }, text(o.title))),
        el("td", {}, time(o.bid_deadline)),
        el("td", {}, name(L.phase, o.phase)),
        el("td", { className: "text-end", "data-testid": "bids-locked" }, count(o.bids_locked)),
        el("td", { className: "text-end" }, count(o.decrypted)),
        el("td", { className: "text-end" }, count(o.read_out)))));
    $("no-openings").hidden = state.openings.length > 0;
    $("console-openings").closest(".table-responsive").hidden = state.openings.length === 0;
  }

  // --- key nodes -------------------------------------------------------------------------------
  function describe(node) {
    const values = Object.assign({}, node);
    switch (node.kind) {
      case "session_opened":
        values.late = node.late_minutes > 0 ? fmt(L.late, { n: node.late_minutes }) : L.onTime;
        break;
      case "stage_changed":
        values.stage = name(L.stage, node.stage);
        break;
      case "vote_closed":
        values.closed_by = name(L.closedBy, node.closed_by);
        break;
      case "hall_phase":
        values.phase = name(L.phase, node.phase);
        break;
      default:
        break;
    }
    return fmt(L.node[node.kind] || "", values);
  }

  function onNode(node) {
    let where;
    if (node.session_id) {
      const session = state.sessions.find((s) => s.session_id === node.session_id);
      where = fmt(L.session, { id: node.session_id }) + (session ? ` · ${session.tender.reference}` : "");
    } else {
      const opening = state.openings.find((o) => o.tender_id === node.tender_id);
      where = fmt(L.opening, { reference: opening ? opening.reference : `#${node.tender_id}` });
    }
    const list = $("console-nodes");
    list.prepend(el("li", { className: "list-group-item px-0", "data-testid": "console-node", "data-kind": node.kind, "data-type": node.type },
      el("span", { className: "text-muted me-2" }, time(node.at)),
      el("strong", { className: "me-1" }, text(where)), " ",
      el("span", { "data-role": "text" }, describe(node))));
    while (list.children.length > MAX_NODES) list.lastChild.remove();
    $("no-nodes").hidden = true;
    refreshSoon();
  }

  // --- the state -------------------------------------------------------------------------------
  function setState(next) {
    state = next;
    renderAlerts();
    renderSessions();
    renderOpenings();
  }

  let socket = null;
  let joined = false;
  let refreshTimer = null;

  function refresh() {
    if (socket && joined) {
      socket.emit("state", {}, (ack) => { if (ack && ack.ok) setState(ack.state); });
      return;
    }
    fetch(apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => { if (data) setState(data); })
      .catch(() => {});
  }

  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, REFRESH_MS);
  }

  setState(state);
  showSound();

  if (typeof window.io === "function") {
    socket = window.io("/supervision", { transports: ["websocket", "polling"] });
    socket.on("connect", () => {
      socket.emit("join", {}, (ack) => {
        if (ack && ack.ok) {
          joined = true;
          root.dataset.joined = "yes";
          setConnection("connected");
          setState(ack.state);
        } else showError(ack && ack.error);
      });
    });
    socket.on("disconnect", () => {
      joined = false;
      root.dataset.joined = "no";
      setConnection("disconnected");
    });
    socket.on("supervision.alert", onAlert);
    socket.on("supervision.alert_state", onAlertState);
    socket.on("supervision.node", onNode);
    socket.on("supervision.error", (payload) => showError(payload && payload.error));
  } else setConnection("polling");

  // while not joined (no Socket.IO, or a connection lost), the state is polled
  setInterval(() => { if (!joined) refresh(); }, POLL_MS);
})();
