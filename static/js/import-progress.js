// Imports run in the background. While one runs, its page asks the server how far it is (a small
// JSON answer, once a second), moves the bar and the counts, and reloads itself when the work is
// done, to show the overview or the result. Without script the page reloads itself instead.
(function () {
  "use strict";

  // An upload of a large file takes a moment: say so, and keep the button from a second press.
  document.querySelectorAll("[data-import-form], [data-apply-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var note = form.querySelector("[data-progress]");
      if (note) { note.hidden = false; }
      form.querySelector("button[type=submit]").disabled = true;
    });
  });

  var job = document.querySelector("[data-import-job]");
  if (!job) { return; }
  var url = job.getAttribute("data-status-url");
  var bar = job.querySelector("[data-bar]");
  var stage = job.querySelector("[data-stage]");
  var stalled = job.querySelector("[data-stalled]");
  var delay = 1000;

  function show(status) {
    var progress = status.progress || {};
    ["rows", "groups", "pupils", "staff"].forEach(function (name) {
      job.querySelector('[data-count="' + name + '"]').textContent = String(progress[name] || 0);
    });
    if (progress.stage === "writing" && progress.total) {
      bar.max = progress.total;
      bar.value = Math.min(progress.pupils || 0, progress.total);
    } else {
      bar.removeAttribute("value");  // reading and checking: a bar that only says "busy"
    }
    // The stage is a live region: change it only when the stage changes, not at every count.
    if (stage.textContent !== status.label) { stage.textContent = status.label; }
    stalled.hidden = !status.stalled;
  }

  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (response.redirected) { window.location.reload(); }  // logged out: show the login
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        if (status.finished) {
          window.location.reload();
          return;
        }
        show(status);
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // the server is busy or away: ask less often
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
