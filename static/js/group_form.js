// The group form: add and remove people without reloading the page (what was typed stays).
// Without this script the "Add a person" button posts the form and the page comes back with
// more rows and everything kept.
const form = document.querySelector("[data-group-form]");

if (form) {
  const rows = form.querySelector("[data-member-rows]");
  const template = form.querySelector("[data-member-template]");
  const addButton = form.querySelector("[data-add-row]");
  const limitNote = form.querySelector("[data-row-limit]");
  const maxRows = Number(form.dataset.maxRows || 50);
  const numberLabel = (row) => row.querySelector("[data-member-number]");
  const personLabel = numberLabel(template.content.querySelector("[data-member-row]")).textContent;

  const nextIndex = () => {
    let highest = -1;
    for (const input of rows.querySelectorAll("[name^='members-']")) {
      const index = Number(input.name.split("-")[1]);
      if (index > highest) highest = index;
    }
    return highest + 1;
  };

  const renumber = () => {
    const all = rows.querySelectorAll("[data-member-row]");
    all.forEach((row, position) => {
      // "Person 0" / "第 0 人" in the template: the digits become the row's number.
      numberLabel(row).textContent = personLabel.replace(/\d+/, String(position + 1));
      row.querySelector("[data-remove-row]").hidden = all.length <= 1;
    });
    const full = all.length >= maxRows;
    if (addButton) addButton.hidden = full;
    if (limitNote) limitNote.hidden = !full;
  };

  const addRow = () => {
    const index = nextIndex();
    const html = template.innerHTML.replaceAll("members-0-", `members-${index}-`);
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const row = holder.querySelector("[data-member-row]");
    rows.append(row);
    renumber();
    row.querySelector("input")?.focus();
  };

  addButton?.addEventListener("click", (event) => {
    event.preventDefault();
    addRow();
  });

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-row]");
    if (!button) return;
    const row = button.closest("[data-member-row]");
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    next?.querySelector("input")?.focus();
  });

  renumber();
}
