// The client driver of bench/opening.py, the same for every server: opens the websocket
// connections (socket.io-client), joins the halls, has one host per hall `say` on a schedule, and
// measures each listener's receive time minus the message's server timestamp `at` (and minus the
// moment the host sent it). Reports its own CPU time, so a run can show the driver was not the
// bottleneck.
//
//   NODE_PATH=<folder>/node_modules node driver.js CONFIG.json   (result: one JSON on stdout)
//
// CONFIG: {scenario: "rooms"|"capacity", urls: [...], namespace, listener_token, host_token,
//          halls: [tender ids], clients_per_hall, rate, seconds (rooms), rates, step_seconds,
//          p99_limit_ms, all_rates (capacity), connect_concurrency, drain_ms}
"use strict";

const fs = require("fs");
const { io } = require("socket.io-client");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const ns = cfg.namespace || "/opening";
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => process.stderr.write(`[driver] ${args.join(" ")}\n`);

// --- measurements -----------------------------------------------------------------------------

let step = null; // the step being measured: {id, lat: [], e2e: [], delivered, lastAt}
const info = new Map(); // message text -> {step, atMs, sentMs}: parsed once, not per client
let dropped = 0;

function atMs(at) {
  // "2026-11-26T13:40:00.123456+00:00" (or without the fraction): ms since the epoch, to the µs
  const base = Date.parse(at.slice(0, 19) + "Z");
  const dot = at.indexOf(".", 19);
  if (dot < 0) return base;
  let end = dot + 1;
  while (end < at.length && at.charCodeAt(end) >= 48 && at.charCodeAt(end) <= 57) end++;
  return base + Number("0." + at.slice(dot + 1, end)) * 1000;
}

function onHall(message) {
  const t = now();
  const text = message && message.payload && message.payload.text;
  if (typeof text !== "string" || !text.startsWith("b|")) return;
  let m = info.get(text);
  if (m === undefined) {
    const parts = text.split("|"); // b|step|hall|k|sentMs
    m = { step: parts[1], atMs: atMs(message.at), sentMs: Number(parts[4]) };
    info.set(text, m);
  }
  if (step === null || m.step !== step.id) return;
  step.lat.push(t - m.atMs);
  step.e2e.push(t - m.sentMs);
  step.delivered += 1;
  step.lastAt = t;
}

function percentiles(values) {
  if (values.length === 0) return { p50: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const rank = (q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  const r = (x) => Math.round(x * 10) / 10;
  return { p50: r(rank(0.5)), p99: r(rank(0.99)), max: r(sorted[sorted.length - 1]) };
}

function cpuPct(cpuStart, wallStart) {
  const used = process.cpuUsage(cpuStart);
  const wall = now() - wallStart;
  return Math.round(((used.user + used.system) / 1000 / wall) * 1000) / 10;
}

// --- connections ------------------------------------------------------------------------------

function open(url, token, tenderId) {
  return new Promise((resolve, reject) => {
    const socket = io(url + ns, {
      transports: ["websocket"],
      auth: { token },
      forceNew: true,
      reconnection: false,
      timeout: 120000,
    });
    socket.once("connect_error", (err) => reject(new Error(`connect: ${err.message}`)));
    socket.once("connect", () => {
      socket.on("disconnect", (reason) => {
        if (!closing) {
          dropped += 1;
          if (dropped <= 5) log("dropped:", reason);
        }
      });
      if (tenderId === null) return resolve(socket);
      socket.on("hall", onHall);
      socket.on("hall.batch", (batch) => batch.forEach(onHall));
      socket
        .timeout(120000)
        .emit("join", { tender_id: tenderId, last_seq: null }, (err, ack) => {
          if (err) return reject(new Error(`join: ${err.message}`));
          if (!ack || ack.ok !== true) return reject(new Error(`join: ${JSON.stringify(ack)}`));
          resolve(socket);
        });
    });
  });
}

let closing = false;

async function connectAll(specs, concurrency) {
  const sockets = new Array(specs.length);
  let next = 0;
  let errors = 0;
  let firstError = null;
  async function worker() {
    while (next < specs.length) {
      const n = next++;
      const s = specs[n];
      try {
        sockets[n] = await open(s.url, s.token, s.tender);
      } catch (error) {
        errors += 1;
        firstError = firstError || error.message;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sockets, errors, firstError };
}

// --- saying -----------------------------------------------------------------------------------

function makeSender(hosts) {
  const acks = [];
  let failed = 0;
  let firstFailure = null;
  let serial = 0;
  function say(stepId, hallIndex, k) {
    const host = hosts[hallIndex];
    const sent = now();
    const text = `b|${stepId}|${host.tender}|${k}|${sent.toFixed(3)}`;
    serial += 1;
    host.socket
      .timeout(120000)
      .emit(
        "say",
        { cmd_id: `bench-${process.pid}-${serial}`, tender_id: host.tender, text },
        (err, ack) => {
          if (err || !ack || ack.ok !== true) {
            failed += 1;
            firstFailure = firstFailure || (err ? err.message : JSON.stringify(ack));
          } else acks.push(now() - sent);
        },
      );
  }
  return {
    say,
    take() {
      const result = { acks: acks.splice(0), failed, firstFailure };
      failed = 0;
      firstFailure = null;
      return result;
    },
  };
}

// Send every (time, hall, k) of `plan` on time; returns the lateness of the sends.
function runPlan(plan, sender, stepId) {
  return new Promise((resolve) => {
    const lags = [];
    let i = 0;
    function pump() {
      const t = now();
      while (i < plan.length && plan[i].t <= t) {
        lags.push(t - plan[i].t);
        sender.say(stepId, plan[i].hall, plan[i].k);
        i += 1;
      }
      if (i < plan.length) setTimeout(pump, Math.max(0, plan[i].t - now()));
      else resolve(lags);
    }
    pump();
  });
}

// interval: the planned time between two sends (ms); a step spans first send to last receipt
// plus one interval, so a step delivered on time spans messages x interval
async function measure(stepId, plan, sender, listenersPerHall, drainMs, interval) {
  info.clear();
  step = { id: stepId, lat: [], e2e: [], delivered: 0, lastAt: null };
  const cpu = process.cpuUsage();
  const wall = now();
  const firstSend = plan.length ? plan[0].t : wall;
  const lags = await runPlan(plan, sender, stepId);
  const lastSend = now();
  const expected = plan.length * listenersPerHall;
  while (step.delivered < expected && now() - lastSend < drainMs) await sleep(20);
  await sleep(50); // let the last says' acknowledgements arrive
  const says = sender.take();
  const measured = step;
  step = null;
  const lat = percentiles(measured.lat);
  const e2e = percentiles(measured.e2e);
  const lag = percentiles(lags);
  const ackP = percentiles(says.acks);
  const span = ((measured.lastAt || lastSend) - firstSend + interval) / 1000;
  return {
    messages: plan.length,
    says_failed: says.failed,
    say_error: says.firstFailure,
    expected,
    delivered: measured.delivered,
    lost: expected - (says.failed * listenersPerHall) - measured.delivered,
    p50_ms: lat.p50,
    p99_ms: lat.p99,
    max_ms: lat.max,
    e2e_p50_ms: e2e.p50,
    e2e_p99_ms: e2e.p99,
    e2e_max_ms: e2e.max,
    say_ack_p50_ms: ackP.p50,
    say_ack_p99_ms: ackP.p99,
    send_lag_max_ms: lag.max,
    seconds: Math.round(span * 100) / 100,
    deliveries_per_s: span > 0 ? Math.round(measured.delivered / span) : null,
    driver_cpu_pct: cpuPct(cpu, wall),
  };
}

// --- scenarios --------------------------------------------------------------------------------

async function main() {
  const urls = cfg.urls;
  const halls = cfg.halls;
  const perHall = cfg.clients_per_hall;
  const specs = [];
  halls.forEach((tender, i) => {
    for (let j = 0; j < perHall; j++) {
      specs.push({ url: urls[(i * perHall + j) % urls.length], token: cfg.listener_token, tender });
    }
  });
  // one host per hall (the agency's token); it says, it does not listen
  const hostSpecs = halls.map((tender, i) => ({ url: urls[i % urls.length], token: cfg.host_token, tender: null, hall: tender }));

  const cpu = process.cpuUsage();
  const wall = now();
  const listeners = await connectAll(specs, cfg.connect_concurrency || 100);
  const hostConnections = await connectAll(hostSpecs, 20);
  const connectS = (now() - wall) / 1000;
  const connectCpu = cpuPct(cpu, wall);
  const connected = listeners.sockets.filter(Boolean).length;
  log(`connected ${connected}/${specs.length} listeners in ${connectS.toFixed(2)} s`);
  if (listeners.errors || hostConnections.errors) {
    log("connection errors:", listeners.errors + hostConnections.errors, listeners.firstError || hostConnections.firstError);
  }
  const hosts = hostSpecs.map((s, i) => ({ tender: s.hall, socket: hostConnections.sockets[i] }));
  const result = {
    scenario: cfg.scenario,
    clients: connected,
    clients_asked: specs.length,
    hosts: hosts.filter((h) => h.socket).length,
    connect_s: Math.round(connectS * 100) / 100,
    connect_errors: listeners.errors + hostConnections.errors,
    connect_error: listeners.firstError || hostConnections.firstError,
    driver_cpu_pct_connect: connectCpu,
  };
  if (hosts.some((h) => !h.socket) || connected === 0) {
    result.error = "not every host or listener connected";
    return finish(result, [...listeners.sockets, ...hostConnections.sockets]);
  }
  const sender = makeSender(hosts);
  await sleep(1000);
  if (cfg.scenario === "rooms") {
    const rate = cfg.rate || 1;
    const count = Math.round(rate * cfg.seconds);
    const start = now() + 200;
    const plan = [];
    halls.forEach((_tender, i) => {
      for (let k = 0; k < count; k++) {
        plan.push({ t: start + (i * 1000) / rate / halls.length + (k * 1000) / rate, hall: i, k });
      }
    });
    plan.sort((a, b) => a.t - b.t);
    const interval = 1000 / rate / halls.length;
    const measured = await measure("rooms", plan, sender, connected / halls.length, cfg.drain_ms, interval);
    Object.assign(result, measured, { rate_per_hall: rate, halls: halls.length });
  } else {
    const steps = [];
    for (const rate of cfg.rates) {
      const count = Math.max(1, Math.round(rate * cfg.step_seconds));
      const start = now() + 200;
      const plan = Array.from({ length: count }, (_, k) => ({ t: start + (k * 1000) / rate, hall: 0, k }));
      const measured = await measure(`r${rate}`, plan, sender, connected, cfg.drain_ms, 1000 / rate);
      measured.rate = rate;
      measured.asked_deliveries_per_s = rate * connected;
      measured.passed = measured.p99_ms !== null && measured.p99_ms <= cfg.p99_limit_ms && measured.lost === 0 && measured.says_failed === 0;
      steps.push(measured);
      log(`rate ${rate}/s: p99 ${measured.p99_ms} ms, ${measured.deliveries_per_s} deliveries/s, lost ${measured.lost}`);
      if (!measured.passed && !cfg.all_rates) break;
      await sleep(1000);
    }
    const passed = steps.filter((s) => s.passed);
    const best = passed.length ? passed[passed.length - 1] : null;
    const headline = best || steps[0];
    Object.assign(result, {
      rate: best ? best.rate : null,
      p50_ms: headline.p50_ms,
      p99_ms: headline.p99_ms,
      max_ms: headline.max_ms,
      deliveries_per_s: best ? best.deliveries_per_s : 0,
      driver_cpu_pct: Math.max(...steps.map((s) => s.driver_cpu_pct)),
      lost: steps.reduce((n, s) => n + s.lost, 0),
      steps,
    });
  }
  result.dropped = dropped;
  return finish(result, [...listeners.sockets, ...hostConnections.sockets]);
}

function finish(result, sockets) {
  result.driver_rss_mib = Math.round(process.memoryUsage().rss / 1048576);
  closing = true;
  for (const socket of sockets) if (socket) socket.disconnect();
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
}

main().catch((error) => {
  log("failed:", error.stack || error);
  process.exit(1);
});
