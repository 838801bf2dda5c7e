// The Node.js socket.io reference server for bench/opening.py: the hall protocol of bidhall's
// `/opening` namespace (join -> ack with the room's seq and what was missed; the host's `say` ->
// a `hall` message with a per-room seq and the server's timestamp, broadcast to the room), kept
// in memory instead of a database.
//
//   NODE_PATH=<folder>/node_modules node server.js PORT
//
// socket.io is installed from the npm registry into a temporary folder by bench/opening.py.
"use strict";

const { Server } = require("socket.io");

const port = Number(process.argv[2] || 5900);
const io = new Server(port, { cors: { origin: false }, serveClient: false });
const halls = new Map(); // tender_id -> { seq, messages }
const commands = new Map(); // token + cmd_id -> the first result (a retry is applied once)

function hall(tenderId) {
  let h = halls.get(tenderId);
  if (!h) {
    h = { seq: 0, messages: [] };
    halls.set(tenderId, h);
  }
  return h;
}

// ISO-8601 UTC with microseconds, like Python's datetime.isoformat()
function isoNow() {
  const t = performance.timeOrigin + performance.now();
  const ms = Math.floor(t);
  const micro = String(Math.floor((t - ms) * 1000)).padStart(3, "0");
  return new Date(ms).toISOString().slice(0, 23) + micro + "+00:00";
}

function error(code, message) {
  return { error: { code, message } };
}

function tenderId(data) {
  const id = data && data.tender_id;
  return Number.isInteger(id) ? id : null;
}

const opening = io.of("/opening");
opening.use((socket, next) => {
  const token = socket.handshake.auth && socket.handshake.auth.token;
  if (!token) return next(new Error("invalid_token"));
  socket.data.token = String(token);
  // the bench's host token starts with "host": the reference grants roles by token only
  socket.data.role = socket.data.token.startsWith("host") ? "manager" : "supervisor";
  next();
});

opening.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    const id = tenderId(data);
    if (id === null) return ack && ack(error("invalid_field", "send {tender_id: <number>}"));
    const h = hall(id);
    socket.join(`hall:${id}`);
    const last = data.last_seq;
    const missed = Number.isInteger(last) ? h.messages.filter((m) => m.seq > last) : [];
    if (ack) ack({ ok: true, tender_id: id, seq: h.seq, role: socket.data.role, missed });
  });

  socket.on("say", (data, ack) => {
    const id = tenderId(data);
    const reply = typeof ack === "function" ? ack : () => {};
    if (id === null) return reply(error("invalid_field", "send {tender_id: <number>}"));
    if (socket.data.role !== "manager") {
      return reply(error("not_allowed_in_hall", "say is for the hall's manager"));
    }
    if (typeof data.cmd_id !== "string" || typeof data.text !== "string") {
      return reply(error("invalid_field", "cmd_id and text are strings"));
    }
    const key = `${socket.data.token}\u0000${data.cmd_id}`;
    if (commands.has(key)) return reply({ ...commands.get(key), replayed: true });
    const h = hall(id);
    h.seq += 1;
    const message = {
      tender_id: id,
      seq: h.seq,
      type: "hall.announcement",
      at: isoNow(),
      payload: { text: data.text },
    };
    h.messages.push(message);
    const result = { ok: true, command: "say", cmd_id: data.cmd_id, seq: h.seq };
    commands.set(key, result);
    opening.to(`hall:${id}`).emit("hall", message);
    reply(result);
  });
});

process.on("SIGTERM", () => process.exit(0));
console.log(`node socket.io ${require("socket.io/package.json").version} on port ${port}`);
