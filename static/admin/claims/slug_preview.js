// The slug a blank slug field will get on save, shown under it as the name is typed: the
// server says what it would be now (slug_preview.py), so that the preview is the save's rule.
(function () {
  "use strict";
  function start() {
    var slug = document.querySelector("input[data-slug-url]");
    if (!slug || !slug.form) return;
    var form = slug.form;
    var names = slug.dataset.slugFrom.split(" ");
    var preview = document.createElement("div");
    preview.id = slug.id + "_preview";
    preview.className = "help slug-preview";
    preview.setAttribute("aria-live", "polite");
    // Below the field and its help text, which says what this line is.
    var help = document.getElementById(slug.id + "_helptext");
    (help || slug).after(preview);
    var described = slug.getAttribute("aria-describedby");
    slug.setAttribute("aria-describedby", (described ? described + " " : "") + preview.id);
    var timer = null;
    var asked = 0;

    function field(name) {
      return form.elements.namedItem(name);
    }
    function show(text) {
      preview.textContent = "";
      if (!text) return;
      preview.append("It will be: ");
      var code = document.createElement("code");
      code.textContent = text;
      preview.append(code);
    }
    function ask() {
      var named = names.some(function (name) {
        return field(name) && field(name).value.trim();
      });
      if (slug.value.trim() || !named) {
        slug.placeholder = "";
        show("");
        return;
      }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", field("csrfmiddlewaretoken").value);
      if (slug.dataset.slugPk) data.append("pk", slug.dataset.slugPk);
      names.forEach(function (name) {
        if (field(name)) data.append(name, field(name).value);
      });
      var mine = ++asked;
      fetch(slug.dataset.slugUrl, {method: "POST", body: data, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (mine !== asked || !answer || slug.value.trim()) return; // a later answer is due
          slug.placeholder = answer.slug;
          show(answer.slug);
        })
        .catch(function () { /* offline: the save makes the slug all the same */ });
    }
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    }
    names.concat(["slug"]).forEach(function (name) {
      if (field(name)) field(name).addEventListener("input", soon);
    });
    ask();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
