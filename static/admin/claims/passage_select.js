// Curating by selection: select words in the source's text, get a passage form with its quote
// and start offset filled in. Offsets are Unicode code points, as the server counts them.
(function () {
  "use strict";
  function init() {
    var box = document.getElementById("source-text-select");
    var button = document.getElementById("make-passage");
    var status = document.getElementById("make-passage-status");
    if (!box || !button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var selection = window.getSelection();
      var range = selection.rangeCount ? selection.getRangeAt(0) : null;
      if (!range || range.collapsed || !box.contains(range.startContainer) ||
          !box.contains(range.endContainer)) {
        status.textContent = "First select some words in the text above.";
        return;
      }
      var before = document.createRange();
      before.selectNodeContents(box);
      before.setEnd(range.startContainer, range.startOffset);
      var quote = range.toString();
      var start = Array.from(before.toString()).length; // code points, not UTF-16 units
      var add = document.querySelector("#passages-group .add-row a");
      if (!add) {
        status.textContent = "No more passages can be added here.";
        return;
      }
      add.click();
      var forms = document.querySelectorAll("#passages-group .inline-related:not(.empty-form)");
      var form = forms[forms.length - 1];
      form.querySelector("textarea[name$='-quote']").value = quote;
      form.querySelector("input[name$='-start']").value = start;
      form.scrollIntoView({block: "center"});
      status.textContent = "A passage of " + Array.from(quote).length +
        " characters starting at " + start + " is ready below: save to make it.";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
