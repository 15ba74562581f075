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
  // A source read from pages lists them, not its whole text: an address that names a passage
  // (#passage-12) is sent on to the page the passage is on, which the list links to.
  var named = /^#passage-(\d+)$/.exec(location.hash);
  if (named && !document.getElementById("passage-" + named[1])) {
    var link = document.querySelector('a[data-passage="' + named[1] + '"][data-on-page]');
    if (link) location.replace(link.href);
  }
})();
