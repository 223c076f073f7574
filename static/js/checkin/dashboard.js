// The live check-in dashboard: redraws its tables and the arrivals chart from a JSON endpoint
// every few seconds.

const root = document.querySelector("[data-live]");
const labels = JSON.parse(root.querySelector("[data-status-labels]").textContent);
const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 5000;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(...cells) {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function drawChart(arrivals) {
  const width = 360;
  const height = 120;
  const bottom = 14;
  const top = 10;
  const max = Math.max(1, ...arrivals.map((a) => a.count));
  const step = width / arrivals.length;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  arrivals.forEach((slot, i) => {
    const h = ((height - bottom - top) * slot.count) / max;
    const bar = svg("rect", {
      class: "bar",
      x: (i * step + 1).toFixed(1),
      y: (height - bottom - h).toFixed(1),
      width: Math.max(1, step - 2).toFixed(1),
      height: h.toFixed(1),
    });
    const title = svg("title", {});
    title.textContent = `${slot.start}: ${slot.count}`;
    bar.append(title);
    chart.append(bar);
    if (slot.count) {
      const value = svg("text", { class: "axis", x: (i * step + step / 2).toFixed(1), y: (height - bottom - h - 3).toFixed(1), "text-anchor": "middle" });
      value.textContent = String(slot.count);
      chart.append(value);
    }
    if (i % 6 === 0) {
      const label = svg("text", { class: "axis", x: (i * step).toFixed(1), y: height - 3 });
      label.textContent = slot.start;
      chart.append(label);
    }
  });
  root.querySelector("[data-chart]").replaceChildren(chart);
}

function render(data) {
  for (const field of ["checked_in", "confirmed", "updated"]) {
    root.querySelector(`[data-field=${field}]`).textContent = data[field];
  }
  const lists = [];
  for (const list of data.lists) {
    lists.push(row(cell(list.name), cell(list.checked_in, "n"), cell(list.inside, "n")));
    for (const gate of list.gates) {
      lists.push(row(cell(`　${gate.gate}`, "muted"), cell(gate.checked_in, "n"), cell(gate.inside, "n")));
    }
  }
  root.querySelector("[data-lists]").replaceChildren(...lists);
  root.querySelector("[data-no-shows]").replaceChildren(
    ...data.no_shows.map((c) => row(cell(c.name), cell(c.missing, "n"), cell(c.confirmed, "n"))),
  );
  root.querySelector("[data-recent]").replaceChildren(
    ...data.recent.map((scan) => {
      const answer = scan.type === "entry" ? "" : labels[scan.type] || scan.type;
      const status = labels[scan.status] || scan.status;
      const colour = scan.status === "ok" ? "status-ok" : scan.status === "already_checked_in" ? "status-amber" : "status-red";
      const text = [status, answer, scan.offline ? labels.offline : "", scan.reversed ? labels.reversal : ""]
        .filter(Boolean)
        .join(" · ");
      return row(cell(scan.time), cell(scan.name || "—"), cell(text, colour), cell(scan.list), cell(scan.gate));
    }),
  );
  drawChart(data.arrivals);
}

async function poll() {
  try {
    const response = await fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) render(await response.json());
  } catch {
    // the next poll will try again
  }
}

render(JSON.parse(root.querySelector("[data-initial]").textContent));
setInterval(poll, POLL_MS);
