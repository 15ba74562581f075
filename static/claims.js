// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Copy buttons: <button data-copy="ID" hidden>, shown only where copying can work.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.dataset.copy);
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(
        function () { button.textContent = "Copied"; },
        function () { button.textContent = "Copy failed: select the text instead"; }
      );
      setTimeout(function () { button.textContent = label; }, 2500);
    });
  });
})();
