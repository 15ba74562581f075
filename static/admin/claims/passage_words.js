// A quote found in several places: each place offered in the form's error has a button that
// puts its offset into the form's start field (the quote is then taken there).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".occurrence-choose");
    if (!button) return;
    var field = document.getElementById(button.dataset.field);
    if (!field) return;
    field.value = button.dataset.start;
    field.focus();
    var list = button.closest(".occurrences");
    list.querySelectorAll(".occurrence-choose").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  });
})();
