// The QR code on a printed card opens /thuis/code/#K7QM-2XPA-9FHT. The part after "#" never
// leaves the browser (no server log, no Referer): copy it into the field, then drop it from
// the address bar and the history.
(function () {
  "use strict";
  var code = decodeURIComponent(window.location.hash.slice(1));
  var field = document.querySelector("input[name=code]");
  if (code && field) {
    field.value = code;
    history.replaceState(null, "", window.location.pathname + window.location.search);
    field.focus();
  }
})();
