// "Afdrukken": the browser's print dialog. Without this script the button stays hidden and the
// browser's own print menu does the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
