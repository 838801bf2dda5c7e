// The supervisors' charts of the alerts (templates/audit/trends.html), drawn with ECharts
// (static/vendor/echarts.min.js) from the JSON API (audit/trends/api.py) for the period the page
// shows. The page's tables carry the same figures, so without ECharts (or JavaScript) nothing is
// lost; the charts are drawn on canvas and their tooltips as canvas text (an HTML tooltip would
// need inline styles, which the Content-Security-Policy refuses).
(function () {
  "use strict";

  const root = document.getElementById("trends");
  if (!root || !window.echarts || !window.bidhallCharts) return;
  const L = JSON.parse(document.getElementById("trends-labels").textContent);
  const COLOURS = { yellow: "#e0a800", red: "#dc3545" };
  const SEVERITIES = ["yellow", "red"];
  const charts = [];

  function box(name, height) {
    const node = root.querySelector(`[data-chart="${name}"]`);
    node.hidden = false;
    node.style.height = `${height}px`;
    node.style.width = "100%";
    const chart = window.echarts.init(node, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  const common = {
    animation: false,
    tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
  };

  function series(rows, stacked) {
    return SEVERITIES.map((severity) => ({
      name: L.severity[severity],
      type: "bar",
      stack: stacked ? "cards" : undefined,
      itemStyle: { color: COLOURS[severity] },
      data: rows.map((row) => row[severity]),
    }));
  }

  function draw(data) {
    box("days", 280).setOption({
      ...common,
      xAxis: { type: "category", data: data.days.map((d) => d.day.slice(5)) },
      yAxis: { type: "value", minInterval: 1, name: L.alerts, nameTextStyle: { align: "left" } },
      series: series(data.days, true),
    });
    const detectors = [...data.detectors].reverse(); // the most frequent at the top
    box("detectors", Math.max(160, 48 + 32 * detectors.length)).setOption({
      ...common,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: detectors.map((d) => d.name), axisLabel: { width: 180, overflow: "truncate" } },
      series: series(detectors, true),
    });
    const bands = data.resolution.bands;
    box("bands", 260).setOption({
      ...common,
      xAxis: { type: "category", data: bands.map((b) => L.band[b.band]), axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1, name: L.resolved, nameTextStyle: { align: "left" } },
      series: series(bands, false),
    });
  }

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

  window.bidhallCharts.load(root, draw);
})();
