// Ask before irreversible actions: a submit button with data-confirm="question?" submits only
// when the user agrees.
(function () {
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const question = button && button.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
