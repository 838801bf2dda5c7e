// Countdown to the bid deadline, in words: "21 days 9 hours 59 minutes", and to the second in
// the last day ("9 hours 59 minutes 12 seconds"). The server clock is authoritative: the offset
// between the server's "now" at render time and the browser's clock is applied to every update
// (in the training sandbox the server's clock also runs faster: data-clock-rate).
// data-units holds the page's words ({"day": ["{n} day", "{n} days"], "hour": …}: one, other);
// data-closed-label is shown once the deadline has passed.
(function () {
  const el = document.getElementById("countdown");
  if (!el) return;
  let deadline = Date.parse(el.dataset.deadline);
  const serverNow = Date.parse(el.dataset.serverNow);
  const loaded = Date.now();
  // the training sandbox's clock runs data-clock-rate times as fast as the browser's
  // (docs/sandbox.md); 1 on the live platform
  const rate = Number(el.dataset.clockRate) || 1;
  const serverTime = () => serverNow + (Date.now() - loaded) * rate;
  const closedLabel = el.dataset.closedLabel;
  const units = Object.assign(
    { day: ["{n} day", "{n} days"], hour: ["{n} hour", "{n} hours"], minute: ["{n} minute", "{n} minutes"], second: ["{n} second", "{n} seconds"] },
    el.dataset.units ? JSON.parse(el.dataset.units) : {});
  const say = (unit, n) => units[unit][n === 1 ? 0 : 1].replace("{n}", String(n));
  let timer = null;
  function secondsLeft() {
    return Math.max(0, Math.floor((deadline - serverTime()) / 1000));
  }
  function render() {
    const total = secondsLeft();
    let left = total;
    const days = Math.floor(left / 86400); left %= 86400;
    const hours = Math.floor(left / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    const parts = days > 0
      ? [say("day", days), say("hour", hours), say("minute", minutes)]
      : [hours > 0 ? say("hour", hours) : null, say("minute", minutes), say("second", left % 60)];
    el.textContent = parts.filter(Boolean).join(" ");
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
