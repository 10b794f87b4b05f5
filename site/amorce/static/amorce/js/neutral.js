/* Amorce, neutral theme: what the DSFR's script does for our templates.
 *
 * Loaded in <head>, so that accordions start closed without a flash. Without
 * this script every accordion stays open and the menu is always shown: nothing
 * is out of reach.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("amorce-js");

  function toggle(button) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) { return; }
    var expanded = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", expanded ? "false" : "true");
    panel.classList.toggle("fr-collapse--expanded", !expanded);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".fr-accordion__btn[aria-controls]").forEach(function (button) {
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      if (panel && button.getAttribute("aria-expanded") === "true") {
        panel.classList.add("fr-collapse--expanded");
      }
      button.addEventListener("click", function () { toggle(button); });
    });
  });
})();
