// «Mine timer»: the week grid saves a changed cell when you leave it, and moves like a spreadsheet.
// Without this file the grid is one form and «Lagre» saves it all.
(function () {
  "use strict";

  var status = document.getElementById("grid-status");
  var lang = document.documentElement.lang || "nb";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  function hoursText(value) {
    var amount = parseFloat(value);
    return amount ? number.format(amount) : "";
  }

  function announce(text) {
    // Cleared first so the same text twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function rowOf(input) { return input.closest("tr"); }

  function keyOf(input) {
    var row = rowOf(input);
    var project = input.getAttribute("data-project") || row.getAttribute("data-project");
    var wageType = input.getAttribute("data-wage-type") || row.getAttribute("data-wage-type");
    var newProject = row.querySelector("[data-new-project]");
    var newWageType = row.querySelector("[data-new-wage-type]");
    if (newProject) { project = newProject.value; wageType = newWageType.value; }
    return { project: project, wageType: wageType, date: input.getAttribute("data-date") };
  }

  function commentOf(input) {
    var box = input.id && document.querySelector('[data-comment-for="' + input.id + '"]');
    return box ? box.value : undefined;
  }

  function showError(input, message) {
    var cell = input.closest("td");
    var error = cell.querySelector(".cell-error");
    if (!error) {
      error = document.createElement("span");
      error.className = "error cell-error";
      error.id = "error-" + input.id;
      cell.appendChild(error);
    }
    error.textContent = message;
    cell.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(error.id) < 0) described.unshift(error.id);
    input.setAttribute("aria-describedby", described.join(" "));
  }

  function clearError(input) {
    var cell = input.closest("td");
    var error = cell.querySelector(".cell-error");
    if (error) {
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id !== error.id; });
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
      error.remove();
    }
    cell.classList.remove("has-error");
    input.removeAttribute("aria-invalid");
  }

  function updateTotals(form, grid) {
    form.querySelectorAll(".day-total").forEach(function (cell) {
      cell.textContent = hoursText(grid.day_totals[parseInt(cell.getAttribute("data-col"), 10)]);
    });
    var total = document.getElementById("week-total");
    if (total) total.innerHTML = "<strong>" + (hoursText(grid.total) || "0") + " " + form.getAttribute("data-unit") + "</strong>";
    var difference = document.getElementById("week-difference");
    if (difference) {
      var over = parseFloat(grid.total) - parseFloat(form.getAttribute("data-normal"));
      var text = over > 0 ? form.getAttribute("data-over") : over < 0 ? form.getAttribute("data-under") : "";
      difference.textContent = text.replace("%(hours)s", hoursText(Math.abs(over)));
      difference.className = over > 0 ? "over" : over < 0 ? "under" : "";
    }
    grid.rows.forEach(function (row) {
      var line = form.querySelector('tr[data-project="' + row.project.id + '"][data-wage-type="' + row.wage_type.id + '"] .row-total');
      if (line) line.innerHTML = "<strong>" + hoursText(row.total) + "</strong>";
    });
  }

  // One save at a time, in the order the cells were left: the answers then arrive in that order too,
  // and two requests never race for the same day's 24 hours.
  var queue = Promise.resolve();

  function save(form, input) {
    queue = queue.then(function () { return send(form, input); });
    return queue;
  }

  function send(form, input) {
    var key = keyOf(input);
    if (!key.project) {
      showError(input, form.getAttribute("data-choose-project"));
      announce(form.getAttribute("data-choose-project"));
      return;
    }
    var cell = { date: key.date, hours: input.value.trim() || null };
    var comment = commentOf(input);
    if (comment !== undefined) cell.comment = comment;
    var body = { rows: [{ project: parseInt(key.project, 10), wage_type: parseInt(key.wageType, 10), cells: [cell] }] };
    var employee = form.getAttribute("data-employee");
    if (employee) body.employee = parseInt(employee, 10);
    var td = input.closest("td");
    td.classList.add("saving");
    td.classList.remove("saved");
    return fetch(form.getAttribute("data-api"), {
      method: "PATCH",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        td.classList.remove("saving");
        if (response.ok) {
          clearError(input);
          var saved = hoursText(cell.hours === null ? "" : findHours(data, key));
          input.value = saved;
          input.setAttribute("data-saved", saved);
          input.setAttribute("data-project", key.project);
          input.setAttribute("data-wage-type", key.wageType);
          td.classList.add("saved");
          updateTotals(form, data);
          var sendIn = document.getElementById("send-in");
          if (sendIn && data.rows.some(function (row) {
            return row.cells.some(function (c) { return c.is_editable && parseFloat(c.hours) > 0; });
          })) sendIn.disabled = false;
          announce(form.getAttribute("data-saved"));
          return;
        }
        // 409: the rules refused cells ({"cells": [{…, "errors": […]}]}); 400: a field's value
        // did not fit (messages nested under the field's position); else {"detail": "…"}.
        var messages = [];
        if (Array.isArray(data.cells)) {
          data.cells.forEach(function (item) { messages = messages.concat(item.errors); });
          messages = messages.concat(data.non_field_errors || []);
        } else {
          messages = textsIn(data);
        }
        var text = messages.join(" ") || form.getAttribute("data-failed");
        showError(input, text);
        announce(form.getAttribute("data-failed") + ": " + text);
      });
    }).catch(function () {
      td.classList.remove("saving");
      showError(input, form.getAttribute("data-offline"));
      announce(form.getAttribute("data-offline"));
    });
  }

  function textsIn(value) {
    if (typeof value === "string") return [value];
    if (!value || typeof value !== "object") return [];
    var texts = [];
    Object.keys(value).forEach(function (key) { texts = texts.concat(textsIn(value[key])); });
    return texts;
  }

  function findHours(grid, key) {
    var hours = "";
    grid.rows.forEach(function (row) {
      if (String(row.project.id) !== String(key.project) || String(row.wage_type.id) !== String(key.wageType)) return;
      row.cells.forEach(function (cell) { if (cell.date === key.date) hours = cell.hours; });
    });
    return hours;
  }

  function inputsOfRow(row) { return Array.prototype.slice.call(row.querySelectorAll("input.hours")); }

  function cellBelow(input, step) {
    var col = input.getAttribute("data-col");
    var row = rowOf(input);
    var rows = Array.prototype.slice.call(row.parentNode.querySelectorAll("tr"));
    for (var i = rows.indexOf(row) + step; i >= 0 && i < rows.length; i += step) {
      var target = rows[i].querySelector('input.hours[data-col="' + col + '"]');
      if (target) return target;
    }
    return null;
  }

  function cellBeside(input, step) {
    var inputs = inputsOfRow(rowOf(input));
    return inputs[inputs.indexOf(input) + step] || null;
  }

  function move(target) {
    if (!target) return;
    target.focus();
    target.select();
  }

  document.querySelectorAll("form.week-form[data-api]").forEach(function (form) {
    // «Lagre» waits for the cell saves already under way, so the two never write at once.
    var submitting = false;
    form.addEventListener("submit", function (event) {
      if (submitting) return;
      event.preventDefault();
      var submitter = event.submitter;
      queue.then(function () {
        submitting = true;
        form.requestSubmit(submitter);
      });
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.classList.contains("hours")) save(form, target);
      else if (target.hasAttribute("data-comment-for")) {
        var input = document.getElementById(target.getAttribute("data-comment-for"));
        if (input) save(form, input);
      }
    });
    form.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.classList || !input.classList.contains("hours")) return;
      var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
      var atEnd = input.selectionStart === input.value.length;
      var whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
      if (event.key === "Enter") {
        event.preventDefault();
        // Leaving the cell fires its change, which saves it.
        var below = cellBelow(input, 1);
        if (below) move(below); else input.blur();
      } else if (event.key === "Escape") {
        event.preventDefault();
        input.value = input.getAttribute("data-saved") || "";
        clearError(input);
        input.select();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        move(cellBelow(input, 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(cellBelow(input, -1));
      } else if (event.key === "ArrowRight" && (atEnd || whole)) {
        event.preventDefault();
        move(cellBeside(input, 1));
      } else if (event.key === "ArrowLeft" && (atStart || whole)) {
        event.preventDefault();
        move(cellBeside(input, -1));
      }
    });
    // «Legg til rad» adds an empty row on the page; without JavaScript it saves and reloads with one more.
    var add = form.querySelector("[data-add-row]");
    if (add) {
      add.addEventListener("click", function (event) {
        var rows = form.querySelectorAll("tr.new-row");
        if (!rows.length) return;
        event.preventDefault();
        var template = rows[rows.length - 1];
        var index = rows.length;
        var copy = template.cloneNode(true);
        copy.id = "new-row-" + index;
        copy.setAttribute("data-new-row", index);
        copy.querySelectorAll("[id],[name],[for]").forEach(function (element) {
          ["id", "name", "for"].forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value) element.setAttribute(attribute, value.replace(/new\d+/, "new" + index));
          });
        });
        copy.querySelectorAll("input.hours").forEach(function (input) {
          input.value = "";
          input.removeAttribute("data-project");
          input.removeAttribute("data-wage-type");
        });
        copy.querySelectorAll(".error").forEach(function (element) { element.remove(); });
        copy.querySelector("select").selectedIndex = 0;
        template.parentNode.insertBefore(copy, template.nextSibling);
        form.querySelector("input[name=new_rows]").value = String(index + 1);
        copy.querySelector("select").focus();
      });
    }
  });
})();
