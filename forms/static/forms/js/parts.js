/* Questions of several parts, in the browser: a repeatable group, a commune box.
 *
 * A group ([data-amorce-group]) comes from the server with all its entries
 * (its maximum), each blank one ignored when sent: that is the form without
 * script. Here the entries past the minimum (and past the last one filled or
 * refused) are hidden; « Ajouter … » shows the next one and moves the focus to
 * its first box; « Retirer … » moves the entries below up one place, empties
 * the last and hides it, and moves the focus to the entry's heading. Each is
 * said in the group's live region. The sentences are the group's data-add,
 * data-remove, data-added and data-removed (« %(entry)s »: the entry's name).
 *
 * A commune box ([data-amorce-commune], the address of the search) gets a
 * <datalist> of the communes whose name starts as typed (the browser shows it
 * as its own suggestions); an address's postal code narrows them to its
 * département. Without script, the box is a plain text box, checked when sent.
 */
(function () {
  "use strict";

  function each(root, selector, callback) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), callback);
  }

  // The DSFR's fieldsets and buttons have their own display: hidden, not shown.
  function hide(element, hidden) {
    element.hidden = hidden;
    element.style.display = hidden ? "none" : "";
  }

  function say(text, entry) { return text.replace("%(entry)s", entry); }

  function titleOf(entry) {
    var legend = entry.querySelector("legend");
    return legend ? legend.textContent.replace(/\s*\(.*\)\s*$/, "").trim() : "";
  }

  function inputsOf(entry) { return Array.prototype.slice.call(entry.querySelectorAll("input")); }

  function isFilled(entry) {
    return inputsOf(entry).some(function (input) { return input.value.trim() !== ""; });
  }

  function startGroup(group) {
    var entries = Array.prototype.slice.call(group.querySelectorAll("[data-amorce-entry]"));
    var status = group.querySelector("[data-amorce-group-status]");
    var least = Math.max(parseInt(group.getAttribute("data-min"), 10) || 0, 1);
    var last = 0;
    entries.forEach(function (entry, index) {
      if (isFilled(entry) || entry.querySelector(".fr-input-group--error")) { last = index + 1; }
    });
    var shown = Math.max(last, least);

    var add = document.createElement("button");
    add.type = "button";
    add.className = "fr-btn fr-btn--secondary fr-btn--sm fr-icon-add-line fr-btn--icon-left fr-mb-2w";
    add.textContent = group.getAttribute("data-add");
    group.insertBefore(add, status);

    function visible() { return entries.filter(function (entry) { return !entry.hidden; }); }

    function update() {
      var count = visible().length;
      hide(add, count >= entries.length);
      entries.forEach(function (entry) {
        var remove = entry.querySelector("[data-amorce-remove]");
        if (remove) { hide(remove, count <= least); }
      });
    }

    entries.forEach(function (entry, index) {
      var remove = document.createElement("button");
      remove.type = "button";
      remove.setAttribute("data-amorce-remove", "");
      remove.className = "fr-btn fr-btn--tertiary fr-btn--sm fr-icon-delete-line fr-btn--icon-left";
      remove.textContent = say(group.getAttribute("data-remove"), titleOf(entry));
      entry.appendChild(remove);
      hide(entry, index >= shown);
      remove.addEventListener("click", function () {
        var open = visible();
        var position = open.indexOf(entry);
        // The entries below move up one place: numbers stay without gaps.
        for (var i = position; i < open.length - 1; i += 1) {
          var into = inputsOf(open[i]), from = inputsOf(open[i + 1]);
          into.forEach(function (input, k) { input.value = from[k] ? from[k].value : ""; });
        }
        var gone = open[open.length - 1];
        inputsOf(gone).forEach(function (input) { input.value = ""; });
        hide(gone, true);
        update();
        status.textContent = say(group.getAttribute("data-removed"), titleOf(entry));
        var target = entry.hidden ? open[Math.max(position - 1, 0)] : entry;
        var legend = target && target.querySelector("legend");
        if (legend) { legend.focus(); } else { add.focus(); }
      });
    });

    add.addEventListener("click", function () {
      var next = entries.filter(function (entry) { return entry.hidden; })[0];
      if (!next) { return; }
      hide(next, false);
      update();
      status.textContent = say(group.getAttribute("data-added"), titleOf(next));
      var first = next.querySelector("input");
      if (first) { first.focus(); }
    });
    update();
  }

  var lists = 0;

  function startCommune(input) {
    var url = input.getAttribute("data-amorce-commune");
    if (!url || !window.fetch) { return; }
    var list = document.createElement("datalist");
    lists += 1;
    list.id = "amorce-communes-" + lists;
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    var parts = input.closest(".amorce-parts");
    var postal = parts ? parts.querySelector("input[autocomplete=postal-code]") : null;
    var timer = null, asked = "";
    function search() {
      var typed = input.value.trim();
      if (typed.length < 2 || /\(\w+\)$/.test(typed)) { return; }
      var query = "?q=" + encodeURIComponent(typed);
      if (postal && /^\d{5}$/.test(postal.value.trim())) {
        query += "&code_postal=" + postal.value.trim();
      }
      if (query === asked) { return; }
      asked = query;
      fetch(url + query, {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (communes) {
          if (query !== asked) { return; }
          list.textContent = "";
          communes.forEach(function (commune) {
            var option = document.createElement("option");
            option.value = commune.value;
            option.label = commune.name + " (" + commune.departement + ")";
            list.appendChild(option);
          });
        })
        .catch(function () { /* the box stays a text box, checked when sent */ });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
  }

  each(document, "[data-amorce-group]", startGroup);
  each(document, "input[data-amorce-commune]", startCommune);
})();
