// Page behaviour shared by every page. Listeners are delegated from the document so they keep working on
// fragments that HTMX swaps in after the page loaded.

// A "select all" checkbox names the checkboxes it controls: <input type="checkbox" data-select-all="CSS selector">.
document.addEventListener("change", (event) => {
  const box = event.target.closest("input[type=checkbox][data-select-all]");
  if (!box) return;
  document.querySelectorAll(box.dataset.selectAll).forEach((each) => {
    each.checked = box.checked;
  });
});
