// Large imports take a while: say so, and keep the button from being pressed twice.
(function () {
  "use strict";
  var form = document.querySelector("[data-import-form]");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    form.querySelector("[data-progress]").hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
  });
})();
