// The mapping pages' behaviour, kept out of the templates (no inline handlers).
(function () {
  "use strict";

  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return prefix + "-" + uid;
  }

  // A plain form with data-confirm asks first: discarding a draft, rolling back to an old version.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A form marked data-reset-on-success (the new-rule row) empties itself once its HTMX request succeeded.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form instanceof HTMLFormElement && form.hasAttribute("data-reset-on-success")) {
      form.reset();
    }
  });

  // --- The picker: an HTMX typeahead over AX's chart of accounts / dimension values (ARIA combobox) ---------

  // Every picker gets ids for its listbox, so several rows of one form never share one.
  function wirePickers(root) {
    root.querySelectorAll(".picker").forEach(function (picker) {
      var input = picker.querySelector(".picker-input");
      var list = picker.querySelector(".picker-list");
      if (!input || !list) {
        return;
      }
      if (!list.id) {
        list.id = nextId("picker-list");
      }
      input.setAttribute("aria-controls", list.id);
      input.setAttribute("hx-target", "#" + list.id);
    });
  }

  function pickerOf(element) {
    var picker = element.closest(".picker");
    return picker ? { input: picker.querySelector(".picker-input"), list: picker.querySelector(".picker-list") } : null;
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function closeList(p) {
    p.list.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function activate(p, option) {
    options(p.list).forEach(function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
    });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function choose(p, option) {
    p.input.value = option.dataset.value;
    closeList(p);
    p.input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (list instanceof HTMLElement && list.classList.contains("picker-list")) {
      var p = pickerOf(list);
      options(list).forEach(function (o, i) {
        o.id = list.id + "-" + (i + 1);
      });
      list.querySelectorAll("[aria-disabled=true]").forEach(function (o, i) {
        o.id = list.id + "-none-" + i;
      });
      if (p && document.activeElement === p.input) {
        list.hidden = false;
        p.input.setAttribute("aria-expanded", "true");
      }
    }
  });

  document.addEventListener("htmx:load", function (event) {
    wirePickers(event.detail.elt.parentElement || document);
  });
  document.addEventListener("DOMContentLoaded", function () {
    wirePickers(document);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("picker-input")) {
      return;
    }
    var p = pickerOf(input);
    var all = options(p.list);
    var current = p.list.querySelector("[aria-selected=true]");
    var index = all.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (p.list.hidden && all.length) {
        p.list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(p, all[(index + step + all.length) % all.length]);
    } else if (event.key === "Enter" && !p.list.hidden && current) {
      event.preventDefault(); // choose the option, do not submit the form yet
      choose(p, current);
    } else if (event.key === "Escape" && !p.list.hidden) {
      event.preventDefault();
      closeList(p);
    }
  });

  // A pointer picks with mousedown, before the input's blur closes the list.
  document.addEventListener("mousedown", function (event) {
    var option = event.target instanceof Element ? event.target.closest(".picker-list [role=option]") : null;
    if (option && option.getAttribute("aria-disabled") !== "true") {
      event.preventDefault();
      choose(pickerOf(option), option);
    }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.classList.contains("picker-input")) {
      closeList(pickerOf(input));
    }
  });

  // A dimension row's value picker searches the values of the dimension chosen beside it.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.classList.contains("dimension-name")) {
      return;
    }
    var input = select.closest(".dimension-row").querySelector(".picker-input");
    input.setAttribute("hx-vals", JSON.stringify({ kind: "dimension:" + select.value, field: "dim_value" }));
  });

  // --- Repeating rows (conditions, dimensions): add from the fieldset's template, remove ---------------------

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!button) {
      return;
    }
    if (button.classList.contains("add-row")) {
      var template = button.parentElement.querySelector("template.row-template");
      var row = template.content.firstElementChild.cloneNode(true);
      button.parentElement.insertBefore(row, template);
      wirePickers(row);
      if (window.htmx) {
        window.htmx.process(row);
      }
      var first = row.querySelector("select, input");
      if (first) {
        first.focus();
      }
    } else if (button.classList.contains("remove-row")) {
      button.closest(".condition-row, .dimension-row").remove();
    }
  });
  // --- The visual designer: source fields onto target rows, by drag and drop or by keyboard -----------------

  var picked = null; // the source field chosen with Enter/Space or a click, waiting for a target row
  var lastAssigned = "";

  function announce(text) {
    var status = document.getElementById("assign-status");
    if (status) {
      status.textContent = text;
    }
  }

  function pick(field) {
    if (picked && picked !== field) {
      picked.setAttribute("aria-pressed", "false");
    }
    var on = field.getAttribute("aria-pressed") !== "true";
    field.setAttribute("aria-pressed", on ? "true" : "false");
    picked = on ? field : null;
    announce(
      on
        ? field.dataset.path + " picked: go to a target row and press Enter on its “assign” button."
        : "Nothing picked."
    );
  }

  function assign(row, path) {
    var kind = row.querySelector("select[name=source_kind]");
    var source = row.querySelector("input[name=source]");
    if (!kind || !source) {
      return;
    }
    kind.value = "path";
    source.value = path;
    lastAssigned = row.dataset.target;
    source.dispatchEvent(new Event("change", { bubbles: true })); // the row saves itself on change (HTMX)
    announce(path + " → " + row.dataset.target + ": saved.");
    if (picked) {
      picked.setAttribute("aria-pressed", "false");
      picked = null;
    }
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (field instanceof HTMLElement && field.classList.contains("source-field")) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pick(field);
      } else if (event.key === "Escape" && picked) {
        pick(picked);
      }
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var field = target.closest(".source-field");
    if (field) {
      pick(field);
      return;
    }
    var here = target.closest(".assign-here");
    if (here) {
      if (picked) {
        assign(here.closest("form.rule-row"), picked.dataset.path);
      } else {
        announce("Pick a source field first: focus it and press Enter.");
      }
      return;
    }
    if (target.closest(".remove-block")) {
      target.closest(".transform-block").remove();
    } else if (target.closest(".close-editor")) {
      target.closest(".transform-editor").remove();
    }
  });

  // After a row saved, keyboard users stay on it: focus returns to its assign button.
  document.addEventListener("htmx:afterSettle", function (event) {
    var row = event.detail.elt;
    if (row instanceof HTMLFormElement && row.classList.contains("rule-row") && row.dataset.target === lastAssigned) {
      lastAssigned = "";
      var button = row.querySelector(".assign-here");
      if (button) {
        button.focus();
      }
    }
  });

  document.addEventListener("dragstart", function (event) {
    var field = event.target instanceof Element ? event.target.closest(".source-field") : null;
    if (field) {
      event.dataTransfer.setData("text/plain", field.dataset.path);
      event.dataTransfer.effectAllowed = "copy";
      field.classList.add("dragging");
    }
  });
  document.addEventListener("dragend", function (event) {
    if (event.target instanceof Element && event.target.classList.contains("source-field")) {
      event.target.classList.remove("dragging");
    }
  });
  function dropRow(event) {
    return event.target instanceof Element ? event.target.closest("form.rule-row[data-target]") : null;
  }
  document.addEventListener("dragover", function (event) {
    var row = dropRow(event);
    if (row && row.querySelector("input[name=source]:not([readonly])")) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      row.classList.add("drop-over");
    }
  });
  document.addEventListener("dragleave", function (event) {
    var row = dropRow(event);
    if (row && !row.contains(event.relatedTarget)) {
      row.classList.remove("drop-over");
    }
  });
  document.addEventListener("drop", function (event) {
    var row = dropRow(event);
    var path = event.dataTransfer ? event.dataTransfer.getData("text/plain") : "";
    if (row && path) {
      event.preventDefault();
      row.classList.remove("drop-over");
      assign(row, path);
    }
  });

  // The source panel's filter.
  document.addEventListener("input", function (event) {
    var search = event.target;
    if (!(search instanceof HTMLInputElement) || !search.classList.contains("source-search")) {
      return;
    }
    var wanted = search.value.trim().toLowerCase();
    document.querySelectorAll("#source-fields .source-field").forEach(function (li) {
      li.hidden = wanted !== "" && li.textContent.toLowerCase().indexOf(wanted) === -1;
    });
  });

  // The transform editor: a transform added from the list resets the list; a successful apply closes it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof HTMLSelectElement && elt.classList.contains("add-transform")) {
      elt.value = "";
    } else if (event.detail.successful && elt instanceof HTMLFormElement && elt.classList.contains("transform-editor")) {
      elt.remove();
    }
  });
})();
