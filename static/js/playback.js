// History playback (templates/audit/playback.html): one opening or evaluation replayed from the
// ledger. The timeline comes from the JSON API (audit/playback/api.py); the page only shows it.
//
// - Play time: the events are laid out on a line where each silence between two consecutive
//   events lasts as long as it really did, but at most `data-silence-cap` seconds (a longer one is
//   compressed to that and the list says how long it was) and at least `data-spacing` seconds
//   (events of the same instant, such as a vote's last ballot and its close, follow one another).
//   Playing moves along that line at the chosen speed (1× to 32×); the scrubber (a range input
//   over the line, in milliseconds) jumps, and its arrow keys step from event to event.
// - The current moment is the last event at or before the position: the list shows every event
//   up to it (the current one highlighted), the votes panel every vote opened so far with each
//   member's choice and the result once closed, the scores panel each sheet as it was entered
//   (the ledger-only `score.submitted`), the alerts those raised so far (at the ledger entry that
//   raised them; a tick's alert at the time it was raised), and the recording segments the
//   venues reported that cover the moment's real time.
(function () {
  "use strict";

  const root = document.getElementById("playback");
  if (!root) return;
  const L = JSON.parse(document.getElementById("playback-labels").textContent);
  const { fmt, el } = window.bidhallDom;
  const zone = root.dataset.timezone;
  const capMs = Number(root.dataset.silenceCap) * 1000;
  const spacingMs = Number(root.dataset.spacing) * 1000;
  const FRAME_MS = 100;

  const $ = (testid) => root.querySelector(`[data-testid="${testid}"]`);
  const playButton = $("play");
  const speedSelect = $("speed");
  const scrubber = $("scrubber");
  const momentText = $("moment");
  const errorBox = $("playback-error");
  const eventsBody = $("events").querySelector("tbody");
  const eventsBox = root.querySelector("[data-role=events-box]");

  // --- formatting ------------------------------------------------------------------------------
  const DATE_TIME = { timeZone: zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" };
  const TIME = { timeZone: zone, hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" };

  function stamp(ms, options) {
    if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
    try {
      return new Date(ms).toLocaleString("sv-SE", options || DATE_TIME);
    } catch (cause) {
      return new Date(ms).toISOString();
    }
  }

  function clockText(ms) { // a play-time length as h:mm:ss
    const total = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  }

  function duration(ms) { // a real silence, in words
    const total = Math.round(ms / 1000);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    if (h > 0) return fmt(L.hours, { h, m });
    return fmt(L.minutes, { m, s: total % 60 });
  }

  const words = (value) => el("span", { translate: "no" }, value); // someone's own words
  const name = (table, code) => (L.names[table] && L.names[table][code]) || String(code);
  const member = (seat) => fmt(L.memberSeat, { seat });

  function choiceName(matter, choice) {
    if (matter === "leader") return member(choice);
    return (L.names.option && L.names.option[choice]) || choice;
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  // --- the timeline ----------------------------------------------------------------------------
  let events = [];
  let alerts = [];
  let segments = [];
  let times = []; // each event's real time (ms)
  let plays = []; // each event's place on the play line (ms)
  let total = 0;
  let position = 0;
  let playing = false;
  let timer = null;
  let lastFrame = 0;
  let shownIndex = null;
  let shownSecond = null;
  const rows = []; // the list's rows, by event index
  const extras = []; // [{row, after: index | position test}] gap and alert rows

  function layOut(timeline) {
    events = timeline.events || [];
    alerts = timeline.alerts || [];
    segments = (timeline.segments || []).map((s) => ({ ...s, fromMs: Date.parse(s.from), toMs: Date.parse(s.to) }));
    times = events.map((e) => Date.parse(e.at));
    plays = [];
    for (let i = 0; i < events.length; i += 1) {
      const gap = i === 0 ? 0 : Math.min(Math.max(times[i] - times[i - 1], spacingMs), capMs);
      plays.push(i === 0 ? 0 : plays[i - 1] + gap);
    }
    total = plays.length ? plays[plays.length - 1] : 0;
    for (const alert of alerts) alert.index = placeOf(alert);
  }

  // the last event at or before the alert's ledger entry (a tick's alert: its time)
  function placeOf(alert) {
    let place = 0;
    if (alert.seq !== null && alert.seq !== undefined) {
      events.forEach((e, i) => { if (e.seq <= alert.seq) place = i; });
    } else {
      const raised = Date.parse(alert.raised_at);
      times.forEach((t, i) => { if (t <= raised) place = i; });
    }
    return place;
  }

  function indexAt(pos) {
    let low = 0;
    let high = plays.length - 1;
    if (high < 0) return -1;
    while (low < high) { // the last i with plays[i] <= pos
      const middle = Math.ceil((low + high) / 2);
      if (plays[middle] <= pos) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  function realTime(pos, index) {
    if (index < 0) return null;
    const next = index + 1 < times.length ? times[index + 1] - times[index] : 0;
    return times[index] + Math.min(pos - plays[index], Math.max(next, 0));
  }

  // --- the list of events ----------------------------------------------------------------------
  function alertLine(alert, tag) {
    const red = alert.severity === "red";
    return el(tag, { className: `small ${red ? "text-danger-emphasis" : "text-warning-emphasis"}` },
      el("span", { className: `badge ${red ? "text-bg-danger" : "text-bg-warning"} me-1`, "data-testid": "card", "data-severity": alert.severity }, name("severity", alert.severity)),
      el("strong", {}, name("detector", alert.detector)), " ",
      el("span", { lang: "en", translate: "no" }, alert.summary));
  }

  function buildList() {
    eventsBody.replaceChildren();
    rows.length = 0;
    extras.length = 0;
    events.forEach((event, i) => {
      if (i > 0 && times[i] - times[i - 1] > capMs) {
        const gap = el("tr", { "data-testid": "gap", hidden: true },
          el("td", { colspan: "3", className: "small text-muted fst-italic" },
            "⋯ " + fmt(L.gap, { duration: duration(times[i] - times[i - 1]), cap: capMs / 1000 })));
        eventsBody.append(gap);
        extras.push({ row: gap, index: i - 1, after: plays[i - 1] });
      }
      const row = el("tr", { "data-testid": "event", "data-seq": event.seq, "data-type": event.type, hidden: true },
        el("td", { className: "text-nowrap small" }, stamp(times[i], TIME)),
        el("td", { className: "small" }, words(event.actor_name || event.actor)),
        el("td", {},
          el("span", {}, event.label), " ",
          el("code", { className: "small text-muted" }, event.type)));
      eventsBody.append(row);
      rows.push(row);
      for (const alert of alerts.filter((a) => a.index === i)) {
        const line = el("tr", { "data-testid": "event-alert", "data-alert-id": alert.alert_id, hidden: true },
          el("td", { colspan: "3" }, alertLine(alert, "div")));
        eventsBody.append(line);
        extras.push({ row: line, index: i, after: -1 });
      }
    });
    // a long list scrolls inside its box (which then takes the keyboard's focus to scroll);
    // the table's own .table-responsive box scrolls sideways (static/js/tables.js)
    eventsBox.style.maxHeight = "32rem";
    eventsBox.style.overflowY = "auto";
  }

  function showList(index, pos) {
    rows.forEach((row, i) => {
      row.hidden = i > index;
      const current = i === index;
      row.classList.toggle("table-primary", current);
      row.dataset.current = current ? "yes" : "no";
      if (current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    for (const extra of extras) extra.row.hidden = extra.index > index || (extra.after >= 0 && pos <= extra.after);
    if (eventsBox.scrollHeight > eventsBox.clientHeight) eventsBox.setAttribute("tabindex", "0");
    else eventsBox.removeAttribute("tabindex");
    const row = rows[index];
    if (row) {
      const top = row.getBoundingClientRect().top - eventsBox.getBoundingClientRect().top + eventsBox.scrollTop;
      eventsBox.scrollTop = Math.max(0, top - eventsBox.clientHeight + 2 * row.offsetHeight);
    }
  }

  // --- the panels ------------------------------------------------------------------------------
  function showCurrent(index) {
    const body = $("current").querySelector("[data-role=body]");
    const event = events[index];
    if (!event) {
      body.replaceChildren(el("p", { className: "small text-muted mb-0" }, L.empty));
      return;
    }
    const parts = [
      el("p", { className: "mb-1", "data-testid": "current-label" }, el("strong", {}, event.label)),
      el("p", { className: "small mb-1" }, stamp(times[index]), " · ", words(event.actor_name || event.actor)),
      el("p", { className: "small text-muted mb-0" }, el("code", {}, event.type), " · ", fmt(L.ledgerSeq, { seq: event.seq })),
    ];
    if (event.type === "hall.read_out" && Array.isArray(event.payload.items)) {
      const list = el("dl", { className: "row small mb-0 mt-2" });
      list.append(el("dt", { className: "col-12" }, L.readOut), el("dd", { className: "col-12 mb-1" }, words(event.payload.bidder || "")));
      for (const [key, value] of event.payload.items) {
        list.append(el("dt", { className: "col-5" }, el("code", {}, key)), el("dd", { className: "col-7 mb-0" }, words(value)));
      }
      parts.push(list);
    }
    body.replaceChildren(...parts);
  }

  function showAlerts(index) {
    const list = $("alerts");
    const shown = alerts.filter((a) => a.index <= index);
    list.replaceChildren(...shown.map((alert) => {
      const where = alert.seq !== null && alert.seq !== undefined
        ? fmt(L.alertAtSeq, { seq: alert.seq })
        : fmt(L.alertAtTime, { time: stamp(Date.parse(alert.raised_at)) });
      const item = el("li", { className: "mb-2", "data-testid": "alert", "data-alert-id": alert.alert_id, "data-severity": alert.severity },
        alertLine(alert, "div"), el("div", { className: "small text-muted" }, where));
      return item;
    }));
    $("no-alerts").hidden = shown.length > 0;
  }

  function votesUpTo(index) {
    const votes = new Map();
    for (const event of events.slice(0, index + 1)) {
      const p = event.payload || {};
      if (event.type === "evaluation.vote_opened") {
        votes.set(p.vote, { number: p.vote, matter: p.matter, question: p.question, subject: p.subject || {}, present: p.present, ballots: 0, closed: null });
      } else if (event.type === "evaluation.vote_cast" && votes.has(p.vote)) {
        votes.get(p.vote).ballots = p.ballots;
      } else if (event.type === "evaluation.vote_closed" && votes.has(p.vote)) {
        votes.get(p.vote).closed = p;
      }
    }
    return [...votes.values()];
  }

  function showVotes(index) {
    const box = $("votes");
    const votes = votesUpTo(index);
    if (!votes.length) {
      box.replaceChildren(el("p", { className: "small text-muted mb-0" }, L.noVotesYet));
      return;
    }
    box.replaceChildren(...votes.map((vote) => {
      const closed = vote.closed;
      const result = closed ? closed.result || {} : null;
      let outcome = fmt(L.voteOpen, { ballots: vote.ballots });
      let winner = "";
      if (closed) {
        winner = result.tie ? L.tie : !result.ballots ? L.noVotes : choiceName(vote.matter, result.winner);
        outcome = fmt(L.result, { result: winner }) + " · " + (closed.closed_by === "leader" ? L.closedByLeader : L.closedAll)
          + " · " + fmt(L.present, { ballots: result.ballots || 0, present: result.present || vote.present || 0 });
      }
      const subject = [];
      if (vote.subject.bid_id) subject.push(fmt(L.bid, { bid: vote.subject.bid_id }));
      if (vote.subject.requirement) subject.push(vote.subject.requirement);
      const card = el("div", { className: "border rounded p-2 mb-2", "data-testid": "vote", "data-vote": vote.number, "data-state": closed ? "closed" : "open", "data-result": closed ? String(result.winner ?? "") : "" },
        el("h3", { className: "h6 mb-1" }, fmt(L.voteNumber, { n: vote.number }), " · ", name("matter", vote.matter)),
        vote.question ? el("p", { className: "small mb-1" }, words(vote.question)) : null,
        subject.length ? el("p", { className: "small text-muted mb-1" }, words(subject.join(" · "))) : null,
        el("p", { className: `small mb-1 ${closed ? "fw-semibold" : "text-muted"}`, "data-testid": "vote-outcome" }, outcome));
      if (closed && closed.choices && Object.keys(closed.choices).length) {
        const body = el("tbody");
        for (const seat of Object.keys(closed.choices).sort((a, b) => Number(a) - Number(b))) {
          body.append(el("tr", { "data-testid": "vote-choice", "data-seat": seat, "data-choice": closed.choices[seat] },
            el("td", {}, member(seat)), el("td", {}, words(choiceName(vote.matter, closed.choices[seat])))));
        }
        card.append(el("table", { className: "table table-sm mb-0" },
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, L.member), el("th", { scope: "col" }, L.choice))), body));
      }
      return card;
    }));
  }

  function showScores(index) {
    const box = $("scores");
    const sheets = events.slice(0, index + 1).map((e, i) => [e, i]).filter(([e]) => e.type === "score.submitted");
    if (!sheets.length) {
      box.replaceChildren(el("p", { className: "small text-muted mb-0" }, L.noScores));
      return;
    }
    box.replaceChildren(...sheets.map(([event, i]) => {
      const p = event.payload || {};
      const scores = p.scores || {};
      const criteria = [];
      for (const row of Object.values(scores)) for (const c of Object.keys(row)) if (!criteria.includes(c)) criteria.push(c);
      const body = el("tbody");
      for (const bidId of Object.keys(scores)) {
        body.append(el("tr", { "data-testid": "score-row", "data-bid-id": bidId },
          el("th", { scope: "row" }, fmt(L.bid, { bid: bidId })),
          ...criteria.map((c) => el("td", { className: "text-end", "data-criterion": c }, scores[bidId][c] ?? "—"))));
      }
      const table = el("table", { className: "table table-sm mb-1" },
        el("caption", { className: "caption-top small" }, fmt(L.sheet, { seat: p.seat, submission: p.submission, time: stamp(times[i], TIME) })),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, L.bidHead), ...criteria.map((c) => el("th", { scope: "col", className: "text-end" }, words(c))))),
        body);
      const reasons = Object.entries(p.reasons || {});
      return el("div", { className: "table-responsive mb-2", "data-testid": "score-sheet", "data-seat": p.seat, "data-submission": p.submission },
        table,
        reasons.length ? el("p", { className: "small text-muted mb-0" }, fmt(L.reasons, { reasons: "" }), words(reasons.map(([k, v]) => `${k}: ${v}`).join("; "))) : null);
    }));
  }

  function showSegments(realMs) {
    const box = $("segments");
    const covering = realMs === null ? [] : segments.filter((s) => s.fromMs <= realMs && realMs <= s.toMs);
    if (!covering.length) {
      box.replaceChildren(el("p", { className: "small mb-0" }, L.noSegment));
      return;
    }
    box.replaceChildren(...covering.map((s) => el("div", { className: "border rounded p-2 mb-2 small", "data-testid": "segment", "data-sha256": s.sha256, "data-seq": s.seq },
      el("div", {}, words(fmt(L.segmentWhere, { venue: s.venue || s.venue_id, workstation: s.workstation, seat: s.seat }))),
      el("div", {}, fmt(L.segmentTime, { from: stamp(s.fromMs), to: stamp(s.toMs) })),
      el("div", {}, fmt(L.segmentKind, { kind: name("av", s.kind) })),
      el("code", { className: "text-break" }, s.sha256))));
  }

  // --- playing ---------------------------------------------------------------------------------
  function render() {
    const index = indexAt(position);
    if (index !== shownIndex) {
      showList(index, position);
      showCurrent(index);
      showAlerts(index);
      if (root.dataset.kind === "evaluation") {
        showVotes(index);
        showScores(index);
      }
      shownIndex = index;
    } else {
      for (const extra of extras) extra.row.hidden = extra.index > index || (extra.after >= 0 && position <= extra.after);
    }
    const real = realTime(position, index);
    const second = real === null ? null : Math.floor(real / 1000);
    if (second !== shownSecond) {
      showSegments(real);
      shownSecond = second;
    }
    const text = `${stamp(real)} · ${fmt(L.played, { played: clockText(position), total: clockText(total) })}`;
    momentText.textContent = text;
    scrubber.setAttribute("aria-valuetext", text);
    if (document.activeElement !== scrubber || playing) scrubber.value = String(Math.round(position));
    root.dataset.index = String(index);
    root.dataset.seq = index >= 0 ? String(events[index].seq) : "";
  }

  function setState(state) {
    root.dataset.state = state;
    playButton.textContent = state === "playing" ? L.pause : state === "ended" ? L.again : L.play;
  }

  function frame() {
    const now = performance.now();
    position = Math.min(total, position + (now - lastFrame) * Number(speedSelect.value));
    lastFrame = now;
    render();
    if (position >= total) stop("ended");
  }

  function start() {
    if (position >= total) position = 0;
    playing = true;
    lastFrame = performance.now();
    setState("playing");
    timer = window.setInterval(frame, FRAME_MS);
    render();
  }

  function stop(state) {
    playing = false;
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    setState(state);
  }

  playButton.addEventListener("click", () => {
    if (playing) stop("paused");
    else start();
  });
  function jump(to) {
    position = Math.min(total, Math.max(0, to));
    lastFrame = performance.now();
    if (!playing) setState(position >= total ? "ended" : "paused");
    render();
  }

  scrubber.addEventListener("input", () => jump(Number(scrubber.value)));
  // the arrow keys step from event to event (a millisecond a step would never get anywhere)
  scrubber.addEventListener("keydown", (event) => {
    const forward = event.key === "ArrowRight" || event.key === "ArrowUp";
    const back = event.key === "ArrowLeft" || event.key === "ArrowDown";
    if (!forward && !back) return;
    event.preventDefault();
    const index = indexAt(position);
    if (forward) {
      const next = plays.findIndex((p) => p > position);
      jump(next < 0 ? total : plays[next]);
    } else {
      const here = plays[index] < position ? index : index - 1;
      jump(here < 0 ? 0 : plays[here]);
    }
  });

  // --- loading ---------------------------------------------------------------------------------
  fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
    .then(({ ok, body }) => {
      if (!ok) {
        showError((body && body.error && body.error.message) || L.network);
        setState("failed");
        return;
      }
      layOut(body);
      buildList();
      scrubber.max = String(Math.round(total));
      scrubber.disabled = events.length === 0;
      playButton.disabled = events.length === 0;
      position = 0;
      if (!events.length) {
        momentText.textContent = L.empty;
        setState("empty");
        return;
      }
      setState(total > 0 ? "paused" : "ended");
      render();
    })
    .catch(() => {
      showError(L.network);
      setState("failed");
    });
})();
