// The signing ceremony's big screen: polls a tiny JSON answer every second (ETag: an
// unchanged answer is a 304 without a body) and shows the count, the total and the latest
// projects. Polling, not server-sent events: a sync gunicorn worker would be held by each
// open SSE stream, while a poll is served from the worker's one-second cache.

const root = document.querySelector("[data-screen]");
const list = root.querySelector("[data-latest]");
const POLL_MS = 1000;
let etag = "";

function render(data) {
  root.querySelector("[data-count]").textContent = data.count;
  root.querySelector("[data-total]").textContent = data.total_yi;
  const known = new Set([...list.children].map((li) => li.dataset.id));
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
  setTimeout(poll, POLL_MS);
}

setTimeout(poll, POLL_MS);
