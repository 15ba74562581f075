// The admin's autocomplete widgets (Select2) draw a combobox and a search field of their own,
// neither tied to the field's <label>: screen readers would announce them nameless. Name each
// after its field's label, now and whenever Select2 draws one (a new inline row, a new choice).
(function () {
  "use strict";
  function labelOf(select) {
    var label = select && select.id && document.querySelector("label[for='" + select.id + "']");
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }
  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var text = labelOf(select);
      var container = select.nextElementSibling;
      if (!text || !container || !container.classList.contains("select2")) return;
      container.querySelectorAll(
        "[role=combobox]:not([aria-label]), [role=textbox]:not([aria-label])"
      ).forEach(function (box) { box.setAttribute("aria-label", text); });
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
