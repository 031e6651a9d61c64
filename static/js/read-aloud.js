// "Lees voor": the browser's speech synthesis reads the instruction aloud, in the page's own
// language, for children who cannot read yet. The button stays hidden when the browser has no
// voice for that language. After the button was pressed once, the picture page also says each
// picture's name as it is chosen (pupil-login.js sends a "basispoort:say" event): only then,
// because in a classroom a spoken password picture is heard by the whole table.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-read-aloud]");
  var synth = window.speechSynthesis;
  if (!buttons.length || !synth || !window.SpeechSynthesisUtterance) { return; }
  var lang = (document.documentElement.lang || "nl").toLowerCase();
  var switchedOn = false;

  var voice = function () {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      var voiceLang = (voices[i].lang || "").toLowerCase().replace("_", "-");
      if (voiceLang === lang || voiceLang.indexOf(lang + "-") === 0) { return voices[i]; }
    }
    return null;
  };

  var say = function (text) {
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!text) { return; }
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = lang;
    var found = voice();
    if (found) { utterance.voice = found; }
    synth.cancel();
    synth.speak(utterance);
  };

  var show = function () {
    var available = voice() !== null;
    buttons.forEach(function (button) { button.hidden = !available; });
  };

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      switchedOn = true;
      var target = document.getElementById(button.getAttribute("data-read-aloud"));
      say(target ? target.textContent : "");
    });
  });
  document.addEventListener("basispoort:say", function (event) {
    if (switchedOn && voice()) { say(event.detail); }
  });
  show();
  // Chromium fills the voice list a moment after the page loads.
  if (synth.addEventListener) { synth.addEventListener("voiceschanged", show); }
})();
