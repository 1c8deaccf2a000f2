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
})();
