// The mapping pages' behaviour, kept out of the templates (no inline handlers).
(function () {
  "use strict";

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
})();
