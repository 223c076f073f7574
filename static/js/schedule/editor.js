// The timetable editor's grid: on a wide screen the day's sessions are laid out by room and
// time (CSS grid, placed from their data- attributes) and can be dragged to another time or
// room; the move is posted as JSON with the CSRF token, then the page reloads with the new
// warnings. On a phone the sessions stay a plain list and each opens its form.

const grid = document.getElementById("schedule-grid");

function pad(n) {
  return String(n).padStart(2, "0");
}

if (grid) {
  const wide = window.matchMedia("(min-width: 768px)");
  const slot = Number(grid.dataset.slotMinutes);
  const firstHour = Number(grid.dataset.firstHour);
  const rows = Number(grid.dataset.rows);
  const columns = Number(grid.dataset.columns);
  const cells = grid.querySelectorAll("[data-col]");

  function layout() {
    if (!wide.matches) {
      grid.classList.remove("as-grid");
      grid.style.gridTemplateColumns = "";
      grid.style.gridTemplateRows = "";
      for (const el of cells) el.style.gridColumn = el.style.gridRow = "";
      return;
    }
    grid.classList.add("as-grid");
    grid.style.gridTemplateColumns = `3.5rem repeat(${columns}, minmax(9rem, 1fr))`;
    grid.style.gridTemplateRows = `auto repeat(${rows}, var(--slot-height))`;
    for (const el of cells) {
      el.style.gridColumn = el.dataset.col;
      el.style.gridRow = `${el.dataset.row} / span ${el.dataset.span || 1}`;
    }
  }
  layout();
  wide.addEventListener("change", layout);

  let drag = null;
  // Links are natively draggable; the grid moves sessions itself.
  grid.addEventListener("dragstart", (event) => event.preventDefault());

  function slotHeight() {
    const hour = grid.querySelector(".grid-hour");
    return hour ? hour.getBoundingClientRect().height / (60 / slot) : 8;
  }

  function roomAt(x) {
    for (const head of grid.querySelectorAll(".grid-room")) {
      const rect = head.getBoundingClientRect();
      if (x >= rect.left && x <= rect.right) return Number(head.dataset.roomId);
    }
    return null;
  }

  grid.addEventListener("pointerdown", (event) => {
    const el = event.target.closest(".grid-session");
    if (!el || !grid.classList.contains("as-grid") || el.dataset.locked || event.button !== 0) return;
    drag = { el, x: event.clientX, y: event.clientY, moved: false, id: event.pointerId };
  });

  grid.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 6) return;
    if (!drag.moved) {
      drag.moved = true;
      drag.el.setPointerCapture(event.pointerId);
      drag.el.classList.add("dragging");
    }
    drag.el.style.transform = `translate(${dx}px, ${dy}px)`;
  });

  async function drop(event) {
    const current = drag;
    drag = null;
    if (!current || !current.moved) return;
    current.el.classList.remove("dragging");
    const slots = Math.round((event.clientY - current.y) / slotHeight());
    const startRow = Number(current.el.dataset.row) + slots;
    const minutes = firstHour * 60 + (startRow - 2) * slot;
    const room = roomAt(event.clientX);
    if (minutes < 0 || minutes >= 24 * 60) {
      current.el.style.transform = "";
      return;
    }
    const startsAt = `${grid.dataset.day}T${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
    current.el.dataset.justDragged = "1";
    try {
      const response = await fetch(grid.dataset.moveUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": grid.dataset.csrf,
        },
        body: JSON.stringify({ session: Number(current.el.dataset.sessionId), starts_at: startsAt, room }),
      });
      const answer = await response.json();
      if (!response.ok) {
        const reasons = Object.values(answer.errors || {}).join(" ");
        window.alert(`${grid.dataset.error} ${answer.message} ${reasons}`.trim());
        current.el.style.transform = "";
        return;
      }
      window.location.reload();
    } catch (error) {
      window.alert(`${grid.dataset.error} ${error}`);
      current.el.style.transform = "";
    }
  }

  grid.addEventListener("pointerup", drop);
  grid.addEventListener("pointercancel", () => {
    if (drag) {
      drag.el.style.transform = "";
      drag.el.classList.remove("dragging");
    }
    drag = null;
  });
  grid.addEventListener("click", (event) => {
    const el = event.target.closest(".grid-session");
    if (el && el.dataset.justDragged) {
      event.preventDefault();
      delete el.dataset.justDragged;
    }
  });
}
