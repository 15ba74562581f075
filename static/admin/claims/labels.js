// The admin's autocomplete widgets (Select2) draw a combobox and a search field of their own,
// neither tied to the field's <label>: screen readers would announce them nameless. Name each
// after its field's label, now and whenever Select2 draws one (a new inline row, a new choice).
(function () {
  "use strict";
  function labelOf(select) {
    return select.id ? document.querySelector("label[for='" + select.id + "']") : null;
  }
  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = labelOf(select);
      var container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains("select2")) return;
      if (!label.id) label.id = select.id + "-label";
      var text = label.textContent.replace(/:\s*$/, "").trim();
      // Named by the label and then the choice ("Actor, Amnesty International"): Select2's own
      // aria-labelledby names it by the choice alone, and by nothing while it is empty.
      container.querySelectorAll("[role=combobox]").forEach(function (box) {
        var rendered = box.querySelector(".select2-selection__rendered[id]");
        var names = label.id + (rendered ? " " + rendered.id : "");
        if (box.getAttribute("aria-labelledby") !== names) box.setAttribute("aria-labelledby", names);
      });
      container.querySelectorAll("[role=textbox]:not([aria-label])").forEach(function (box) {
        box.setAttribute("aria-label", text);
      });
      // Select2 4.0 puts its "remove all" cross straight into the list of choices.
      container.querySelectorAll("ul > .select2-selection__clear:not([role])").forEach(
        function (cross) { cross.setAttribute("role", "listitem"); }
      );
      container.querySelectorAll("input.select2-search__field:not([aria-label])").forEach(
        function (field) { field.setAttribute("aria-label", "Search: " + text); }
      );
    });
    // The dropdown's own search field, drawn at the end of the page when a widget opens.
    document.querySelectorAll(".select2-dropdown input.select2-search__field:not([aria-label])")
      .forEach(function (field) { field.setAttribute("aria-label", "Search"); });
  }
  function start() {
    name(document);
    new MutationObserver(function () { name(document); })
      .observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
