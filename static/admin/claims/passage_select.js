// Curating by selection: select words in the source's Text field (mouse, or shift and the
// arrow keys), press the button below it, and a new passage row gets the words and where they
// start. Works before the source's first save: the passages are saved with it. Offsets are
// Unicode code points, as the server counts them; a textarea counts UTF-16 units.
(function () {
  "use strict";
  function codePoints(text) {
    return Array.from(text).length;
  }
  function makePassage(text, status) {
    var value = text.value;
    var from = text.selectionStart, to = text.selectionEnd;
    // Blanks at the ends of a selection (a double-click takes the space after a word) are not
    // the words.
    while (from < to && /\s/.test(value.charAt(from))) from++;
    while (to > from && /\s/.test(value.charAt(to - 1))) to--;
    if (from >= to) {
      status.textContent = "First select some words in the text above.";
      return;
    }
    var add = document.querySelector("#passages-group .add-row a");
    if (!add) {
      status.textContent = "No more passages can be added here.";
      return;
    }
    add.click();
    var rows = document.querySelectorAll("#passages-group .inline-related:not(.empty-form)");
    var row = rows[rows.length - 1];
    var quote = value.slice(from, to);
    var before = value.slice(0, from);
    var start = codePoints(before);
    // The field's value has LF line breaks; a text stored with CRLF is saved with them.
    if (text.dataset.lineBreaks === "crlf") start += before.split("\n").length - 1;
    row.querySelector("textarea[name$='-quote']").value = quote;
    row.querySelector("input[name$='-start']").value = start;
    status.textContent = "A passage of " + codePoints(quote) + " characters starting at " +
      start + " is ready below: it is made when you save.";
  }
  function init() {
    document.querySelectorAll(".make-passage-button").forEach(function (button) {
      var text = document.getElementById(button.dataset.text);
      var status = button.parentNode.querySelector(".make-passage-status");
      if (!text) return;
      button.hidden = false;
      button.addEventListener("click", function () { makePassage(text, status); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
