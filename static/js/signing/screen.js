// The signing ceremony's big screen: polls a tiny JSON answer every second (ETag: an
// unchanged answer is a 304 without a body) and shows the count, the total and the latest
// projects. Polling, not server-sent events: a sync gunicorn worker would be held by each
// open SSE stream, while a poll is served from the worker's one-second cache.

const root = document.querySelector("[data-screen]");
const list = root.querySelector("[data-latest]");
const ticker = list.parentElement;
const POLL_MS = 1000;
let etag = "";

function render(data) {
  root.querySelector("[data-count]").textContent = data.count;
  root.querySelector("[data-total]").textContent = data.total_yi;
  const known = new Set([...list.querySelectorAll("li:not([data-copy])")].map((li) => li.dataset.id));
  const items = data.latest.map((item) => {
    const li = document.createElement("li");
    li.dataset.id = String(item.id);
    for (const [name, text] of [["title", item.title], ["parties", `${item.party_a} · ${item.party_b}`], ["amount", item.amount]]) {
      if (!text) continue;
      const span = document.createElement("span");
      span.className = name;
      span.textContent = text;
      li.append(span);
    }
    if (!known.has(String(item.id))) li.classList.add("fresh");
    return li;
  });
  list.replaceChildren(...items);
  scrollIfNeeded();
}

// Only a list taller than the screen scrolls: a second copy follows the first, so that moving
// up by half the list's height loops without a jump.
function scrollIfNeeded() {
  for (const copy of list.querySelectorAll("[data-copy]")) copy.remove();
  const overflowing = list.scrollHeight > ticker.clientHeight;
  list.classList.toggle("scrolling", overflowing);
  if (!overflowing) return;
  for (const li of [...list.children]) {
    const copy = li.cloneNode(true);
    copy.dataset.copy = "";
    copy.classList.remove("fresh");
    copy.setAttribute("aria-hidden", "true");
    list.append(copy);
  }
}

async function poll() {
  try {
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    const response = await fetch(root.dataset.url, { headers, cache: "no-store" });
    if (response.status === 200) {
      etag = response.headers.get("ETag") || "";
      render(await response.json());
    }
  } catch {
    // the network dropped: try again at the next poll
  }
  scrollIfNeeded();
setTimeout(poll, POLL_MS);
}

scrollIfNeeded();
setTimeout(poll, POLL_MS);
