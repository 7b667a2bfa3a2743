// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // «Velg alle» in a person's week on the approval page.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var group = box.getAttribute("data-select-all");
      document.querySelectorAll('input[data-group="' + group + '"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });

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
