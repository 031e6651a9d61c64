// "Alle leerlingen kiezen": one checkbox ticks every pupil of the group.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) { return; }
  var rows = document.querySelectorAll(".row-check");
  all.hidden = false;
  all.addEventListener("change", function () {
    rows.forEach(function (row) { row.checked = all.checked; });
  });
})();
