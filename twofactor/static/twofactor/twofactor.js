// The recovery codes' print button: shown only where JavaScript can print.
document.querySelectorAll("[data-twofactor-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
