// The check-in wall: the count and the newest arrivals, refreshed every few seconds.

const root = document.querySelector("[data-wall]");
const list = root.querySelector("[data-arrivals]");
const POLL_MS = 4000;

function render(data) {
  root.querySelector("[data-count]").textContent = data.checked_in;
  root.querySelector("[data-confirmed]").textContent = data.confirmed;
  const known = new Set([...list.children].map((li) => li.dataset.id));
  const items = data.arrivals.map((person) => {
    const li = document.createElement("li");
    li.dataset.id = String(person.id);
    li.textContent = person.name;
    const org = document.createElement("span");
    org.className = "org";
    org.textContent = person.organization || "";
    li.append(org);
    if (!known.has(String(person.id))) li.className = "fresh";
    return li;
  });
  list.replaceChildren(...items);
}

async function poll() {
  try {
    const response = await fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) render(await response.json());
  } catch {
    // try again at the next poll
  }
}

setInterval(poll, POLL_MS);
