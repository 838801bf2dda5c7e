// A table wider than the screen scrolls inside its .table-responsive box instead of widening the
// page; a keyboard user can scroll that box only if it takes focus, so it does while it overflows.
(function () {
  function update(box) {
    if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
    else box.removeAttribute("tabindex");
  }

  function watch() {
    const boxes = document.querySelectorAll(".table-responsive");
    const observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        const box = entry.target.closest(".table-responsive");
        if (box) update(box);
      });
    });
    boxes.forEach(function (box) {
      observer.observe(box);
      // rows added later by the page's own script widen the table, not the box
      const table = box.querySelector("table");
      if (table) observer.observe(table);
      update(box);
    });
  }

  // a table marked .table-stack(-lg) is a stack of cards on a narrow screen, each cell labelled by
  // its data-label (static/css/bidhall.css): the server writes the labels of the rows it renders,
  // and a cell a script adds later gets its column's header here (colspans counted)
  function label(table) {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    const names = [];
    for (const th of head.cells) {
      for (let span = 0; span < th.colSpan; span += 1) names.push(th.textContent.trim());
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && names[column]) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan;
        }
      }
    }
  }

  const STACKED = "table.table-stack, table.table-stack-lg";

  function labelAll() {
    document.querySelectorAll(STACKED).forEach(label);
    new MutationObserver(function (records) {
      const tables = new Set();
      records.forEach(function (record) {
        const target = record.target.nodeType === 1 ? record.target : record.target.parentElement;
        const table = target && target.closest(STACKED);
        if (table) tables.add(table);
        record.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches(STACKED)) tables.add(node);
          node.querySelectorAll(STACKED).forEach(function (table) {
            tables.add(table);
          });
        });
      });
      tables.forEach(label);
    }).observe(document.body, { childList: true, subtree: true });
  }

  function start() {
    watch();
    labelAll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
