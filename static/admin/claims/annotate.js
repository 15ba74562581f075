// The annotation view (claims_app/annotate.py): the source's text with its passages marked;
// words selected with the mouse, with the caret and Shift+arrows, or found by typing them; one
// press of the panel saves the passage, the claim if new, the actor if new, and the statement or
// dispute. Offsets are Unicode code points, as the server counts them: the text is drawn from
// the JSON the server gave (the HTML parser would turn its CRLFs into LFs).
(function () {
  "use strict";

  function init() {
    var root = document.getElementById("annotate");
    if (!root) return;
    var data = JSON.parse(document.getElementById("annotate-data").textContent);
    var box = document.getElementById("annotate-text");
    var find = document.getElementById("annotate-find");
    var findStatus = document.getElementById("annotate-find-status");
    var status = document.getElementById("annotate-status");
    var next = document.getElementById("annotate-next");
    var panel = document.getElementById("annotate-panel");
    var selected = document.getElementById("annotate-selected");
    var actor = document.getElementById("annotate-actor");
    var actorList = document.getElementById("annotate-actor-list");
    var newActor = document.getElementById("annotate-new-actor");
    var actorKind = document.getElementById("annotate-actor-kind");
    var how = document.getElementById("annotate-how");
    var claim = document.getElementById("annotate-claim");
    var claimId = document.getElementById("annotate-claim-id");
    var similar = document.getElementById("annotate-similar");
    var passages = document.getElementById("annotate-passages");
    var canPublish = root.hasAttribute("data-can-publish");

    var chosen = null; // {start, end, quote}: the words the panel will save
    var justSaved = null; // the passage saved last, marked as new
    var lastClaim = null; // the claim made or chosen last in this sitting
    var known = {}; // lower-cased actor name or alias -> actor, from the suggestions
    var matches = [];
    var matchAt = 0;

    function el(tag, attributes, children) {
      var node = document.createElement(tag);
      Object.keys(attributes || {}).forEach(function (name) {
        if (name === "text") node.textContent = attributes[name];
        else node.setAttribute(name, attributes[name]);
      });
      (children || []).forEach(function (child) {
        node.append(child);
      });
      return node;
    }

    function cut(text, length) {
      var chars = Array.from(text);
      return chars.length > length ? chars.slice(0, length - 1).join("") + "…" : text;
    }

    // -- The text, its passages marked (overlapping ones by the segments they share)

    function draw() {
      var chars = Array.from(data.text);
      var edges = new Set([0, chars.length]);
      data.passages.forEach(function (p) {
        edges.add(Math.min(p.start, chars.length));
        edges.add(Math.min(p.end, chars.length));
      });
      var sorted = Array.from(edges).sort(function (a, b) { return a - b; });
      var parts = [], named = new Set();
      for (var i = 0; i + 1 < sorted.length; i++) {
        var from = sorted[i], to = sorted[i + 1];
        var words = chars.slice(from, to).join("");
        var over = data.passages.filter(function (p) { return p.start <= from && to <= p.end; });
        if (!over.length) {
          parts.push(document.createTextNode(words));
          continue;
        }
        var mark = el("mark", {
          "data-passages": over.map(function (p) { return p.id; }).join(" "),
          "class": "annotate-mark depth-" + Math.min(over.length, 3) +
            (justSaved && over.some(function (p) { return p.id === justSaved; }) ? " annotate-new" : ""),
          "text": words
        });
        over.forEach(function (p) {
          if (p.start === from && !named.has(p.id) && !mark.id) {
            mark.id = "passage-" + p.id; // where the passage begins (one id a mark)
            named.add(p.id);
          }
        });
        parts.push(mark);
      }
      box.replaceChildren.apply(box, parts);
      list();
      highlight();
    }

    function claimById(id) {
      return data.claims.filter(function (c) { return c.id === id; })[0];
    }

    function publishButton(c) {
      var button = el("button", {
        "type": "button", "class": "button annotate-publish", "data-claim": c.id,
        "text": "Publish “" + cut(c.text, 60) + "”"
      });
      return button;
    }

    function list() {
      var items = data.passages.map(function (p) {
        var head = el("p", {}, [
          el("a", {"href": p.change_url, "text": "#" + p.id}),
          " “" + cut(p.quote, 120) + "”" + (p.changed ? " (its words changed in the text)" : "")
        ]);
        var citations = el("ul", {}, p.citations.map(function (c) {
          var cited = claimById(c.claim);
          var parts = [
            c.actor + " " + c.how + " ",
            el("a", {"href": cited.change_url, "text": cut(cited.text, 120)}),
            cited.published ? "" : el("span", {"class": "annotate-draft", "text": " draft"})
          ];
          if (!cited.published && canPublish) parts.push(" ", publishButton(cited));
          if (cited.public_url) {
            parts.push(" ", el("a", {"href": cited.public_url, "text": "on the site"}));
          }
          return el("li", {}, parts);
        }));
        return el("li", {"class": p.id === justSaved ? "annotate-new" : ""}, [head, citations]);
      });
      if (!items.length) items = [el("li", {"text": "None yet."})];
      passages.replaceChildren.apply(passages, items);
    }

    // -- Offsets: code points from the start of the text, to and from the page's nodes

    function offsetOf(node, offset) {
      var range = document.createRange();
      range.selectNodeContents(box);
      range.setEnd(node, offset);
      return Array.from(range.toString()).length;
    }

    function pointAt(codePoint) {
      var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      var seen = 0, node, last = null;
      while ((node = walker.nextNode())) {
        var chars = Array.from(node.data);
        if (codePoint <= seen + chars.length) {
          return [node, chars.slice(0, codePoint - seen).join("").length];
        }
        seen += chars.length;
        last = node;
      }
      return [last, last ? last.data.length : 0];
    }

    function rangeOf(span) {
      var range = document.createRange();
      var a = pointAt(span.start), b = pointAt(span.end);
      range.setStart(a[0], a[1]);
      range.setEnd(b[0], b[1]);
      return range;
    }

    function highlight() {
      if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
      if (chosen) CSS.highlights.set("annotate-chosen", new Highlight(rangeOf(chosen)));
      else CSS.highlights.delete("annotate-chosen");
    }

    function choose(span, how) {
      chosen = span;
      highlight();
      var length = Array.from(span.quote).length;
      selected.textContent = "Selected " + how + ": “" + cut(span.quote, 160) + "” (" + length +
        " characters from " + span.start + pagesOf(span) + ").";
    }

    // "p. 3" or "pp. 3–4" in a source read from pages (a PDF): as readers will cite it.
    function pagesOf(span) {
      var breaks = data.page_breaks || [];
      if (!breaks.length) return "";
      function page(at) {
        var n = 1;
        while (n <= breaks.length && breaks[n - 1] <= at) n += 1;
        return n;
      }
      var first = page(span.start), last = page(Math.max(span.start, span.end - 1));
      return ", " + (last > first ? "pp. " + first + "–" + last : "p. " + first);
    }

    function fromSelection() {
      var selection = window.getSelection();
      if (!selection.rangeCount) return null;
      var range = selection.getRangeAt(0);
      if (range.collapsed || !box.contains(range.startContainer) ||
          !box.contains(range.endContainer)) return null;
      var start = offsetOf(range.startContainer, range.startOffset);
      var end = offsetOf(range.endContainer, range.endOffset);
      var quote = Array.from(data.text).slice(start, end).join("");
      if (!quote.trim()) return null;
      return {start: start, end: end, quote: quote};
    }

    // -- Selecting words: mouse, caret and Shift+arrows (the box is editable but refuses every
    // change), or the find box

    ["beforeinput", "paste", "drop", "cut"].forEach(function (type) {
      box.addEventListener(type, function (event) { event.preventDefault(); });
    });
    document.addEventListener("selectionchange", function () {
      var span = fromSelection();
      if (span) choose(span, "in the text");
    });
    box.addEventListener("mouseup", function () {
      var span = fromSelection();
      if (span) {
        choose(span, "in the text");
        actor.focus();
      }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (chosen) actor.focus();
        else status.textContent = "Select some words first: Shift and the arrow keys.";
      }
    });

    function escaped(word) {
      return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }

    function findWords() {
      var words = find.value.trim().split(/\s+/).filter(Boolean);
      matches = [];
      matchAt = 0;
      if (!words.length) {
        findStatus.textContent = "";
        return;
      }
      // Any run of blanks stands for a blank or a line break; letters' case is ignored.
      var pattern = new RegExp(words.map(escaped).join("\\s+"), "giu");
      // Code points counted on from the previous match, not from the text's start each time
      // (a common letter in a long text would take seconds); a thousand matches at most.
      var match, units = 0, points = 0;
      while ((match = pattern.exec(data.text)) && matches.length < FOUND_MOST) {
        points += Array.from(data.text.slice(units, match.index)).length;
        units = match.index;
        matches.push({start: points, end: points + Array.from(match[0]).length, quote: match[0]});
      }
      showMatch();
    }

    function showMatch() {
      if (!matches.length) {
        findStatus.textContent = "Not in the text.";
        return;
      }
      var match = matches[matchAt];
      choose(match, "by finding");
      var rect = rangeOf(match).getBoundingClientRect();
      if (rect.top < 0 || rect.bottom > window.innerHeight) {
        window.scrollBy(0, rect.top - window.innerHeight / 3);
      }
      findStatus.textContent = (matchAt + 1) + " of " + matches.length + (matches.length > 1
        ? ": Enter for the next; Tab, then Enter, to annotate this one."
        : ": Enter to annotate it.");
    }

    var FOUND_MOST = 1000, findTimer = null;
    find.addEventListener("input", function () {
      clearTimeout(findTimer);
      findTimer = setTimeout(function () {  // once typing pauses, not at each key
        findTimer = null;
        findWords();
      }, 120);
    });
    find.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (findTimer !== null) {  // Enter before the pause: find what is typed first
        clearTimeout(findTimer);
        findTimer = null;
        findWords();
        if (matches.length !== 1) return;
      }
      if (matches.length > 1) {
        matchAt = (matchAt + 1) % matches.length;
        showMatch();
      } else if (matches.length === 1) {
        actor.focus();
      }
    });

    // -- Who: actors suggested as their names are typed; a name nobody has adds an actor

    var actorTimer = null;
    function knownActor() {
      return known[actor.value.trim().toLowerCase()] || null;
    }
    function actorTyped() {
      clearTimeout(actorTimer);
      var typed = actor.value.trim();
      if (!typed) {
        newActor.hidden = true;
        return;
      }
      actorTimer = setTimeout(function () {
        fetch(root.dataset.actors + "?q=" + encodeURIComponent(typed), {credentials: "same-origin"})
          .then(function (response) { return response.json(); })
          .then(function (answer) {
            if (actor.value.trim() !== typed) return;
            actorList.replaceChildren.apply(actorList, answer.actors.map(function (a) {
              known[a.name.toLowerCase()] = a;
              a.aliases.forEach(function (alias) { known[alias.toLowerCase()] = a; });
              return el("option", {
                "value": a.name,
                "label": a.kind + (a.aliases.length ? "; also " + a.aliases.join(", ") : "")
              });
            }));
            // Asked for only when nobody's name holds the words (else the list suggests).
            newActor.hidden = Boolean(knownActor()) || answer.actors.length > 0;
          });
      }, 120);
    }
    actor.addEventListener("input", actorTyped);

    // -- Which claim: the one made or chosen last, one of the closest existing ones, or new

    function claimChosen(c) {
      lastClaim = c;
      claim.value = c.text;
      claimId.value = c.id;
      similar.hidden = true;
    }
    var claimTimer = null;
    claim.addEventListener("input", function () {
      // The claim chosen last, its text typed again, is still that claim, not a copy.
      claimId.value = lastClaim && claim.value.trim() === lastClaim.text ? lastClaim.id : "";
      clearTimeout(claimTimer);
      var typed = claim.value.trim();
      if (Array.from(typed).length < 4) {
        similar.hidden = true;
        return;
      }
      claimTimer = setTimeout(function () {
        fetch(root.dataset.similar + "?q=" + encodeURIComponent(typed), {credentials: "same-origin"})
          .then(function (response) { return response.json(); })
          .then(function (answer) {
            if (claim.value.trim() !== typed) return;
            var items = answer.claims.map(function (c) {
              var about = [c.status, c.published ? "published" : "draft"];
              if (c.claimants.length) about.push("claimed by " + c.claimants.join(", "));
              var button = el("button", {"type": "button", "class": "annotate-claim-choice",
                "text": c.text});
              button.addEventListener("click", function () {
                claimChosen(c);
                status.textContent = "The claim “" + cut(c.text, 80) + "” is chosen.";
                claim.focus();
              });
              return el("li", {}, [button, el("span", {"class": "help", "text": " " + about.join("; ")})]);
            });
            similar.querySelector("ul").replaceChildren.apply(similar.querySelector("ul"), items);
            similar.hidden = !items.length;
          });
      }, 200);
    });

    // Enter in a list of choices saves too, as in the panel's text fields.
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "SELECT" &&
          !(event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        panel.requestSubmit();
      }
    });

    // -- Saving, publishing

    function csrf() {
      return panel.querySelector("input[name=csrfmiddlewaretoken]").value;
    }

    function post(url, fields) {
      var body = new URLSearchParams();
      Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
      return fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") < 0) {
          return {ok: false, answer: {errors: {__all__: [response.status === 403
            ? "You may not do this here." : "The server could not do this (" + response.status + ")."]}}};
        }
        return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
      });
    }

    function clearErrors() {
      panel.querySelectorAll(".annotate-error").forEach(function (node) { node.textContent = ""; });
      panel.querySelectorAll("[aria-invalid]").forEach(function (node) {
        node.removeAttribute("aria-invalid");
      });
      var all = document.getElementById("annotate-errors-all");
      all.hidden = true;
      all.textContent = "";
    }

    var fieldOf = {actor_name: actor, actor: actor, actor_kind: actorKind, how: how, kind: how,
      claim_text: claim, claim: claim, note: document.getElementById("annotate-note"),
      date: document.getElementById("annotate-date")};

    function showErrors(errors) {
      var first = null, general = [];
      Object.keys(errors).forEach(function (name) {
        var slot = document.getElementById("annotate-errors-" + (name === "actor" ? "actor_name"
          : name === "claim" ? "claim_text" : name));
        if (name === "actor_kind") newActor.hidden = false;
        if (slot) {
          slot.textContent = errors[name].join(" ");
          fieldOf[name].setAttribute("aria-invalid", "true");
          first = first || fieldOf[name];
        } else {
          general = general.concat(errors[name]);
        }
      });
      if (general.length) {
        var all = document.getElementById("annotate-errors-all");
        all.textContent = general.join(" ");
        all.hidden = false;
      }
      var said = [].concat.apply([], Object.keys(errors).map(function (n) { return errors[n]; }));
      status.textContent = "Not saved: " + said.join(" ");
      if (first) first.focus();
    }

    function showNext(c) {
      var parts = [];
      if (!c.published && canPublish) {
        parts = [publishButton(c)];
      } else if (c.public_url) {
        parts = [el("a", {"href": c.public_url, "id": "annotate-public-link",
          "text": "See “" + cut(c.text, 60) + "” on the site"})];
      }
      next.replaceChildren.apply(next, parts);
      next.hidden = !parts.length;
    }

    // Ctrl+Enter (Cmd+Enter) in the panel: save and publish, without reaching for its button.
    var publishNext = false;
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && canPublish) {
        event.preventDefault();
        publishNext = true;
        panel.requestSubmit();
      }
    });

    panel.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      if (!chosen) {
        showErrors({quote: ["Select some words first, in the text or by finding them."]});
        return;
      }
      var who = knownActor();
      var fields = {
        start: chosen.start, end: chosen.end, quote: chosen.quote,
        actor_name: actor.value, actor_kind: newActor.hidden ? "" : actorKind.value,
        how: how.value, claim: claimId.value, claim_text: claimId.value ? "" : claim.value,
        note: fieldOf.note.value, date: fieldOf.date.value
      };
      var publishing = canPublish && (publishNext ||
        (event.submitter && event.submitter.name === "publish"));
      publishNext = false;
      if (publishing) fields.publish = "1";
      if (who && who.name.toLowerCase() === actor.value.trim().toLowerCase()) fields.actor = who.id;
      post(root.dataset.save, fields).then(function (result) {
        if (!result.ok) {
          showErrors(result.answer.errors || {__all__: ["Not saved."]});
          return;
        }
        var answer = result.answer;
        data = answer.data;
        justSaved = answer.passage;
        chosen = null;
        selected.textContent = "No words selected yet.";
        draw();
        claimChosen(answer.claim);
        actor.value = "";
        actorKind.value = "";
        newActor.hidden = true;
        how.value = "states";
        fieldOf.note.value = "";
        fieldOf.date.value = "";
        status.textContent = answer.saved;
        showNext(answer.claim);
        window.getSelection().removeAllRanges();
        var link = publishing && document.getElementById("annotate-public-link");
        if (link) {
          link.focus();  // done with this claim: its public page is next
        } else {
          find.focus();
          find.select();
        }
      });
    });

    root.addEventListener("click", function (event) {
      var button = event.target.closest(".annotate-publish");
      if (!button) return;
      post(root.dataset.publish, {claim: button.dataset.claim}).then(function (result) {
        if (!result.ok) {
          showErrors(result.answer.errors || {__all__: ["Not published."]});
          return;
        }
        data = result.answer.data;
        draw();
        if (lastClaim && lastClaim.id === result.answer.claim.id) lastClaim = result.answer.claim;
        status.textContent = result.answer.saved;
        showNext(result.answer.claim);
        var link = document.getElementById("annotate-public-link");
        if (link) link.focus();
      });
    });

    draw();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
