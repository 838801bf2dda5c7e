// What the chart pages share (static/js/trends.js, static/js/statistics.js): fetch the page's
// figures from its JSON API (the root's data-api-url) and hand them to the page's draw; if
// that fails, show the page's notice that the tables carry the same figures. The root's
// data-drawn says which happened ("yes" or "failed"), for the browser tests.
window.bidhallCharts = {
  load(root, draw) {
    "use strict";
    fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        draw(data);
        root.dataset.drawn = "yes";
      })
      .catch(() => {
        root.querySelector("[data-testid=charts-failed]").hidden = false;
        root.dataset.drawn = "failed";
      });
  },
};
