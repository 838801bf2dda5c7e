// Countdown to the bid deadline. The server clock is authoritative: the offset between the
// server's "now" at render time and the browser's clock is applied to every update.
// Optional data attributes translate the text: data-days-label ("days") and data-closed-label
// (shown once the deadline has passed).
(function () {
  const el = document.getElementById("countdown");
  if (!el) return;
  let deadline = Date.parse(el.dataset.deadline);
  const offset = Date.parse(el.dataset.serverNow) - Date.now();
  const daysLabel = el.dataset.daysLabel || "d";
  const closedLabel = el.dataset.closedLabel;
  const pad = (n) => String(n).padStart(2, "0");
  let timer = null;
  function secondsLeft() {
    return Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
  }
  function render() {
    const total = secondsLeft();
    let left = total;
    const days = Math.floor(left / 86400); left %= 86400;
    const clock = `${pad(Math.floor(left / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    el.textContent = daysLabel === "d" ? `${days}d ${clock}` : `${days} ${daysLabel} ${clock}`;
    el.dataset.secondsLeft = String(total);
    if (total === 0) {
      if (closedLabel) el.textContent = closedLabel;
      if (timer !== null) clearInterval(timer);
    }
  }
  function start() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    render();
    if (secondsLeft() > 0) timer = setInterval(render, 1000);
  }
  // live.js announces a moved deadline (an amendment under Regs Art 21) with this event
  el.addEventListener("bidhall:deadline", (event) => {
    deadline = Date.parse(event.detail);
    el.dataset.deadline = event.detail;
    start();
  });
  start();
})();
