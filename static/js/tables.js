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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
