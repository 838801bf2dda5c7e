// Countdown to the bid deadline. The server clock is authoritative: the offset between the
// server's "now" at render time and the browser's clock is applied to every update.
(function () {
  const el = document.getElementById("countdown");
  if (!el) return;
  const deadline = Date.parse(el.dataset.deadline);
  const offset = Date.parse(el.dataset.serverNow) - Date.now();
  const pad = (n) => String(n).padStart(2, "0");
  function render() {
    let left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
    const days = Math.floor(left / 86400); left %= 86400;
    const text = `${days}d ${pad(Math.floor(left / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    el.textContent = text;
    el.dataset.secondsLeft = String(Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000)));
  }
  render();
  setInterval(render, 1000);
})();
