/* Conditional questions, in the browser: the rules of forms/conditions.py, mirrored.
 *
 * Each question sits in a box ([data-amorce-field]) that names its section and
 * its condition (data-amorce-when, JSON: field, operator, values). A hidden
 * question is hidden and disabled (so it is not sent); what appears or goes is
 * said in the live region [data-amorce-conditions], whose data-shown and
 * data-hidden hold the sentences. The focus is never moved. A field the server
 * disabled (a correction that reopens other fields) stays disabled.
 * Without this script every question is shown, its condition written below it.
 */
(function () {
  "use strict";

  function norm(text) { return String(text).replace(/\s+/g, " ").trim().toLowerCase(); }

  function start(status) {
    var form = status.closest("form") || document;
    var boxes = Array.prototype.slice.call(form.querySelectorAll("[data-amorce-field]"));
    var byName = {};
    boxes.forEach(function (box) { byName[box.getAttribute("data-amorce-field")] = box; });

    function answers(name) {
      var box = byName[name];
      if (!box) { return []; }
      var values = [];
      box.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (input.type === "checkbox" && input.name === name && input.value === "on") { values.push(input.checked ? "oui" : "non"); }
        else if (input.type === "checkbox" || input.type === "radio") { if (input.checked) { values.push(input.value); } }
        else if (input.tagName === "SELECT") { Array.prototype.forEach.call(input.selectedOptions, function (o) { if (o.value) { values.push(o.value); } }); }
        else if (input.type === "number" && input.value !== "" && !isNaN(parseFloat(input.value))) { values.push(String(parseFloat(input.value))); }
        else if (input.value) { values.push(input.value); }
      });
      return values.map(norm).filter(function (v) { return v !== ""; });
    }

    function holds(condition, found) {
      if (!found.length) { return false; }
      var wanted = condition.values.map(norm);
      if (condition.operator === "contains") { return found.some(function (a) { return wanted.some(function (w) { return a.indexOf(w) !== -1; }); }); }
      if (condition.operator === "one_of") { return found.some(function (a) { return wanted.indexOf(a) !== -1; }); }
      return found.slice().sort().join("\n") === wanted.slice().sort().join("\n");
    }

    function update(announce) {
      var shown = {};
      function visible(name, path) {
        if (name in shown) { return shown[name]; }
        var box = byName[name];
        if (!box || path.indexOf(name) !== -1) { return false; }
        path = path.concat([name]);
        var result = true;
        var section = box.getAttribute("data-amorce-section");
        if (section) { result = visible(section, path); }
        var when = box.getAttribute("data-amorce-when");
        if (result && when) {
          var condition = JSON.parse(when);
          result = visible(condition.field, path) && holds(condition, answers(condition.field));
        }
        shown[name] = result;
        return result;
      }
      var appeared = [], gone = [];
      boxes.forEach(function (box) {
        var show = visible(box.getAttribute("data-amorce-field"), []);
        if (box.hidden === show) {
          var label = box.querySelector("label, legend, h2");
          (show ? appeared : gone).push(label ? label.textContent.trim() : box.getAttribute("data-amorce-field"));
        }
        box.hidden = !show;
        box.querySelectorAll("input, select, textarea").forEach(function (input) {
          if (!show && !input.disabled) { input.disabled = true; input.setAttribute("data-amorce-hidden", ""); }
          if (show && input.hasAttribute("data-amorce-hidden")) { input.disabled = false; input.removeAttribute("data-amorce-hidden"); }
        });
      });
      if (announce && (appeared.length || gone.length)) {
        status.textContent = (appeared.length ? status.getAttribute("data-shown") + " " + appeared.join(", ") + ". " : "")
          + (gone.length ? status.getAttribute("data-hidden") + " " + gone.join(", ") + "." : "");
      }
    }

    form.addEventListener("change", function () { update(true); });
    form.addEventListener("input", function () { update(true); });
    update(false);  // on load, what does not apply is hidden silently
  }

  document.querySelectorAll("[data-amorce-conditions]").forEach(start);
})();
