// Small behaviours, kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.matches("input[type=checkbox][data-select-all]")) {
    const name = box.dataset.selectAll;
    for (const other of box.form.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
      other.checked = box.checked;
    }
  }
});

// A form's error summary takes the focus, so that a screen reader reads it at once.
const summary = document.querySelector("[data-focus-on-load]");
if (summary) {
  summary.focus();
}
