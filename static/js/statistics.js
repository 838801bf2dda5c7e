// The statistics' charts (templates/trading/statistics.html), drawn with ECharts
// (static/vendor/echarts.min.js) from the JSON API (trading/statistics/api.py) for the periods
// the page shows: one chart per table that has rows, as the page's labels describe it (the
// columns on the value axis, and the column splitting them into stacked series). The tables
// carry the same figures, so without ECharts (or JavaScript) nothing is lost; charts are drawn
// on canvas, tooltips as canvas text (the Content-Security-Policy refuses inline styles).
(function () {
  "use strict";

  const root = document.getElementById("statistics");
  if (!root || !window.echarts || !window.bidhallCharts) return;
  const L = JSON.parse(document.getElementById("statistics-labels").textContent);
  const charts = [];

  function word(group, key) {
    return (L[group] && L[group][key]) || key;
  }

  function number(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }

  function series(rows, spec, periods) {
    if (spec.split) {
      const splits = [...new Set(rows.map((row) => row[spec.split]))];
      return splits.map((split) => ({
        name: word("values", split),
        type: spec.type,
        stack: "total",
        data: periods.map((period) =>
          rows
            .filter((row) => row.period === period && row[spec.split] === split)
            .reduce((sum, row) => sum + (number(row[spec.y[0]]) || 0), 0),
        ),
      }));
    }
    return spec.y.map((column) => ({
      name: word("columns", column),
      type: spec.type,
      data: periods.map((period) => {
        const row = rows.find((r) => r.period === period);
        return row ? number(row[column]) : null;
      }),
    }));
  }

  function draw(data) {
    let drawn = 0;
    for (const [name, table] of Object.entries(data.tables)) {
      const spec = L.charts[name];
      const node = root.querySelector(`[data-chart="${name}"]`);
      if (!spec || !node || table.rows.length === 0) continue;
      const periods = [...new Set(table.rows.map((row) => row.period))].sort();
      node.hidden = false;
      node.style.height = "260px";
      node.style.width = "100%";
      const chart = window.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: periods },
        // counts and amounts in whole units; shares are percentages up to 100
        yAxis: {
          type: "value",
          name: spec.split ? word("columns", spec.y[0]) : "",
          minInterval: spec.type === "bar" ? 1 : undefined,
          max: spec.type === "line" ? 100 : undefined,
        },
        series: series(table.rows, spec, periods),
      });
      node.dataset.points = String(periods.length);
      charts.push(chart);
      drawn += 1;
    }
    root.dataset.charts = String(drawn);
  }

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

  window.bidhallCharts.load(root, draw);
})();
