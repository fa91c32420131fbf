// The activation letter's print button (no inline scripts: the CSP forbids them). It is
// hidden until this script shows it, so the browser's autofocus missed it: focus it here.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
  if (button.hasAttribute("autofocus")) button.focus();
});
