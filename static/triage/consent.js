// The consent form shows the fields that apply to the chosen answer only. A static file:
// the Content-Security-Policy allows no inline script. Without JavaScript every field
// stays visible, and the server ignores what does not go with the answer (PointOfCareForm).
(function () {
  "use strict";
  var form = document.querySelector("form.consent-form");
  if (!form) return;
  function update() {
    var chosen = form.querySelector("input[name=answer]:checked");
    var answer = chosen ? chosen.value : "";
    form.querySelectorAll("[data-show-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-show-for").split(" ").indexOf(answer) < 0;
    });
    form.querySelectorAll("[data-show-if]").forEach(function (el) {
      var box = form.querySelector("input[name=" + el.getAttribute("data-show-if") + "]");
      el.hidden = !(box && box.checked);
    });
  }
  form.addEventListener("change", update);
  update();
})();
