// Live notice updates: watch this tender on the /tenders Socket.IO namespace. The server tells
// what changed (an amendment, a moved deadline, suspension, closing); the page shows a banner and
// moves the countdown, and the full notice is read by reloading. Without the Socket.IO client
// (static/vendor, installed by ./run.sh) the page simply stays static.
(function () {
  const root = document.getElementById("live-update");
  if (!root || typeof window.io !== "function") return;
  const tenderId = Number(root.dataset.tenderId);
  const socket = window.io("/tenders", { transports: ["websocket", "polling"] });
  socket.on("connect", () => {
    socket.emit("watch", { tender_id: tenderId }, (ack) => {
      root.dataset.watching = ack && ack.ok ? "yes" : "no";
    });
  });
  socket.on("tender.updated", (message) => {
    if (message.tender_id !== tenderId) return;
    if (message.type === "tender.deadline_moved") {
      const countdown = document.getElementById("countdown");
      if (countdown) countdown.dispatchEvent(new CustomEvent("bidhall:deadline", { detail: message.after }));
    }
    const text = root.dataset["label" + message.type.split(".")[1].replace(/_(.)/g, (_, c) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase())]
      || root.dataset.labelDefault;
    root.querySelector("[data-role=text]").textContent = text;
    root.hidden = false;
  });
})();
