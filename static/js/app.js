// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Enter in a rejection reason rejects what that reason belongs to.
  document.querySelectorAll("[data-enter-clicks]").forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var value = input.getAttribute("data-enter-clicks");
      var button = input.form.querySelector('button[name="action"][value="' + value + '"]');
      if (button) button.click();
    });
  });

  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();

(function () {
  "use strict";

  // Copy a text (the application name «GrønnJobb») to the clipboard.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });

  // A form that must be sent once (ferdigstill): disable its buttons after the first submit.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  // While a wizard step fetches from Tripletex: show progress, reload when done or failed.
  var poll = document.querySelector("[data-poll]");
  if (poll) {
    var url = poll.getAttribute("data-poll");
    var counter = poll.querySelector("[data-poll-count]");
    var tick = function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (counter) counter.textContent = data.count;
        if (data.state === "running") { setTimeout(tick, 1000); } else { window.location.reload(); }
      }).catch(function () { setTimeout(tick, 3000); });
    };
    if (counter) setTimeout(tick, 500);
  }
})();
