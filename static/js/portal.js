// Small page behaviours declared in the markup, so the Content-Security-Policy needs no inline script:
//   <form data-confirm="Discard this draft?">                ask before submitting
//   <input type="checkbox" data-select-all="#t input[name=ids]">   tick or untick every matching box
//   <form hx-post=... data-reset-on-success>                 empty the form after a successful htmx request
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("click", (event) => {
  const box = event.target.closest("input[data-select-all]");
  if (box) {
    document.querySelectorAll(box.dataset.selectAll).forEach((c) => { c.checked = box.checked; });
  }
});

document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest("form[data-reset-on-success]");
  if (form && event.detail.successful && event.detail.elt === form) {
    form.reset();
  }
});
