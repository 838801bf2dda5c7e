// A button with data-copy="#field" copies that field's text to the clipboard (the field is
// selected as well, so that a browser without clipboard access leaves it ready for Ctrl+C).
(function () {
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(function () {});
  });
})();
