// PIN pad and picture grid for pupils. Both forms also work without this script: the PIN field
// takes keyboard input, and each picture button submits the pictures clicked so far.
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

  var pinForm = document.querySelector(".pin-login");
  if (pinForm) {
    once(pinForm);
    var input = pinForm.querySelector("input[name=pin]");
    var pad = pinForm.querySelector("[data-pin-pad]");
    pad.hidden = false;
    var submitWhenComplete = function () {
      if (/^[0-9]{4}$/.test(input.value)) { pinForm.requestSubmit(); }
    };
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key || key.type === "submit") { return; }
      if (key.hasAttribute("data-erase")) {
        input.value = input.value.slice(0, -1);
      } else if (input.value.length < 4) {
        input.value += key.getAttribute("data-digit");
        submitWhenComplete();
      }
    });
    input.addEventListener("input", function () {
      input.value = input.value.replace(/[^0-9]/g, "").slice(0, 4);
      submitWhenComplete();
    });
    submitWhenComplete();  // digits typed before this script loaded
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
      status.textContent = "plaatje " + count + " van " + length + ": " + button.getAttribute("data-name");
      show();
      if (count === length) { pictureForm.submit(); }
    });
    clear.addEventListener("click", function () {
      picked().forEach(function (input) { input.remove(); });
      status.textContent = "";
      show();
    });
    show();
  }
})();
