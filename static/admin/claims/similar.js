// Claims found before they are duplicated: while a claim's text is typed, the closest existing
// claims are listed under it (admin_duplicates.claim_similar_view). On the add form, "Add to
// this claim instead" sets the hidden attach_to field: the save then adds the statements and
// disputes in the form to that claim (ClaimAdmin.save_model), and nothing typed is lost.
(function () {
  "use strict";
  var WAIT_MS = 300; // after the last key, before asking
  var MIN_CHARS = 12; // fewer: too few words to tell claims apart

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function init() {
    var field = document.querySelector("textarea[data-similar-url]");
    if (!field) return;
    var attach = document.querySelector("input[name=attach_to]");
    var region = element("div", { "class": "similar-claims", id: "similar-claims" });
    var heading = element("p", { "class": "similar-heading", id: "similar-heading", hidden: "" },
      "Existing claims like this one, closest first:");
    var list = element("ol", { "aria-labelledby": "similar-heading" });
    var status = element("p", { "class": "similar-status", role: "status" });
    var chosen = element("p", { "class": "similar-chosen", role: "status" });
    region.append(heading, list, status, chosen);
    var row = field.closest(".form-row") || field.parentNode;
    row.appendChild(region);

    var timer = null;
    var asked = 0; // only the answer to the latest question is shown

    function choose(claim) {
      attach.value = claim ? String(claim.id) : "";
      chosen.textContent = "";
      if (!claim) return;
      chosen.append(
        "Saving adds the statements, disputes and topics below to claim #" + claim.id +
        ", “" + claim.text + "”, instead of making a new claim. ");
      var undo = element("button", { type: "button", "class": "button" },
        "Make a new claim after all");
      undo.addEventListener("click", function () { choose(null); field.focus(); });
      chosen.appendChild(undo);
    }

    function show(claims) {
      list.textContent = "";
      heading.hidden = claims.length === 0;
      status.textContent = claims.length ? claims.length + " similar claim(s) found." : "";
      claims.forEach(function (claim) {
        var item = element("li");
        var link = element("a", { href: claim.change_url, target: "_blank", rel: "noopener" },
          claim.text);
        var meta = [claim.status, claim.published ? "published" : "draft"];
        if (claim.claimants.length) meta.push("made by " + claim.claimants.join(", "));
        item.append(link, " ", element("span", { "class": "similar-meta" }, "(" + meta.join("; ") + ")"));
        if (attach) {
          var button = element("button", { type: "button", "class": "button" },
            "Add to this claim instead");
          button.setAttribute("aria-label", "Add to this claim instead: " + claim.text);
          button.addEventListener("click", function () { choose(claim); });
          item.append(" ", button);
        }
        list.appendChild(item);
      });
    }

    function lookUp() {
      var text = field.value.trim();
      if (text.length < MIN_CHARS) { show([]); return; }
      var url = new URL(field.dataset.similarUrl, window.location.href);
      url.searchParams.set("q", text);
      if (field.dataset.similarExclude) url.searchParams.set("exclude", field.dataset.similarExclude);
      var mine = ++asked;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { claims: [] }; })
        .then(function (answer) { if (mine === asked) show(answer.claims || []); })
        .catch(function () { if (mine === asked) status.textContent = "Similar claims could not be looked up."; });
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, WAIT_MS);
    });
    if (attach && attach.value) {
      chosen.textContent = "Saving adds the statements, disputes and topics below to claim #" +
        attach.value + ", instead of making a new claim.";
    }
    if (field.value.trim()) lookUp();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
