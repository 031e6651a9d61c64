// PIN pad and picture grid for pupils. Both forms also work without this script: the PIN field
// takes keyboard input, and each picture button submits the pictures clicked so far. The texts
// the script shows or announces come translated from the page (data-progress).
(function () {
  "use strict";

  // Send a form once only: Enter after the fourth digit, or "OK", must not post it again
  // (the second post would carry a stale CSRF token after the login rotated it).
  var once = function (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); }
      sent = true;
    });
  };

  // "{n} van {total}" with the numbers (and picture name) filled in.
  var fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  };

  var say = function (text) {
    document.dispatchEvent(new CustomEvent("basispoort:say", { detail: text }));
  };

  var pinForm = document.querySelector(".pin-login");
  if (pinForm) {
    once(pinForm);
    var input = pinForm.querySelector("input[name=pin]");
    var pad = pinForm.querySelector("[data-pin-pad]");
    var dots = pinForm.querySelector("[data-pin-dots]");
    var pinStatus = pinForm.querySelector("[data-status]");
    var shown = -1;
    pad.hidden = false;
    dots.hidden = false;
    var update = function () {
      var count = input.value.length;
      dots.querySelectorAll(".pin-dot").forEach(function (dot, i) {
        dot.classList.toggle("pin-dot-filled", i < count);
      });
      if (count !== shown) {
        pinStatus.textContent = count ? fill(pinForm.getAttribute("data-progress"), { n: count, total: 4 }) : "";
        shown = count;
      }
      if (/^[0-9]{4}$/.test(input.value)) { pinForm.requestSubmit(); }
    };
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key || key.type === "submit") { return; }
      if (key.hasAttribute("data-erase")) {
        input.value = input.value.slice(0, -1);
      } else if (input.value.length < 4) {
        input.value += key.getAttribute("data-digit");
      }
      update();
    });
    input.addEventListener("input", function () {
      input.value = input.value.replace(/[^0-9]/g, "").slice(0, 4);
      update();
    });
    update();  // digits typed before this script loaded
  }

  var pictureForm = document.querySelector(".picture-login");
  if (pictureForm) {
    once(pictureForm);
    var length = parseInt(pictureForm.getAttribute("data-length"), 10);
    var slots = pictureForm.querySelectorAll(".picked-slot");
    var status = pictureForm.querySelector("[data-status]");
    var clear = pictureForm.querySelector("[data-clear]");
    var picked = function () { return pictureForm.querySelectorAll("input[name=pictures]"); };
    var show = function () {
      var inputs = picked();
      slots.forEach(function (slot, i) {
        var filled = i < inputs.length;
        slot.classList.toggle("picked-slot-filled", filled);
        slot.innerHTML = "";
        if (filled) {
          var button = pictureForm.querySelector("button.picture[value='" + inputs[i].value + "']");
          var img = button.querySelector("img").cloneNode();
          img.alt = "";
          slot.appendChild(img);
        }
      });
      clear.hidden = inputs.length === 0;
    };
    pictureForm.addEventListener("click", function (event) {
      var button = event.target.closest("button.picture");
      if (!button) { return; }
      event.preventDefault();
      if (picked().length >= length) { return; }
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "pictures";
      hidden.value = button.value;
      pictureForm.appendChild(hidden);
      var count = picked().length;
      var name = button.getAttribute("data-name");
      status.textContent = fill(pictureForm.getAttribute("data-progress"), { n: count, total: length, name: name });
      say(name);
      show();
      // Let the last picture's name be heard before the page changes.
      if (count === length) { window.setTimeout(function () { pictureForm.submit(); }, 400); }
    });
    clear.addEventListener("click", function () {
      picked().forEach(function (input) { input.remove(); });
      status.textContent = "";
      show();
    });
    show();
  }
})();
