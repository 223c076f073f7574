// The scanner page: a USB/Bluetooth scanner types into an always-focused field, the camera
// reads QR codes, a desk types the manual code or searches by name. Each scan goes to the
// server; when it cannot be reached the page decides on this device and queues the scan in
// IndexedDB until the network returns.

import { cameraAvailable, startCamera } from "./camera.js";
import { decide, findPerson, prepare } from "./offline.js";
import * as sound from "./sound.js";
import * as store from "./store.js";

const config = JSON.parse(document.getElementById("checkin-config").textContent);
const S = config.strings;
const csrf = document.querySelector("meta[name=csrf-token]").content;
const $ = (selector) => document.querySelector(selector);

const els = {
  list: $("#checkin-list"),
  gate: $("#checkin-gate"),
  type: $("#checkin-type"),
  scanForm: $("[data-scan-form]"),
  scanInput: $("#scan-input"),
  manualForm: $("[data-manual-form]"),
  manualInput: $("#manual-code"),
  searchForm: $("[data-search-form]"),
  searchResults: $("[data-search-results]"),
  net: $("[data-net-status]"),
  queue: $("[data-queue-status]"),
  listStatus: $("[data-list-status]"),
  conflicts: $("[data-conflicts]"),
  conflictList: $("[data-conflicts] ul"),
  cameraButton: $("[data-camera-toggle]"),
  cameraMessage: $("[data-camera-message]"),
  video: $("[data-camera-video]"),
  answer: $("[data-answer]"),
};

const STORAGE = { gate: "eventsys.checkin.gate", list: `eventsys.checkin.list.${config.conference}` };
const REFRESH_LIST_MS = 3 * 60 * 1000;
const ANSWER_MS = { green: 1200, amber: 2500, red: 3000 };
const COLOURS = { ok: "green", already_checked_in: "amber" };

let offlineList = null;
let online = navigator.onLine;
let uploading = false;
let answerTimer = null;
let lastCamera = { text: "", at: 0 };
let stopCamera = null;

// ---------- small helpers

function nonce() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fill(template, values) {
  return Object.entries(values).reduce((text, [k, v]) => text.replaceAll(`{${k}}`, v), template);
}

function localTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString(config.locale, { hour: "2-digit", minute: "2-digit" });
}

async function postJSON(url, body, timeout = 5000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      signal: controller.signal,
    });
    return response;
  } finally {
    clearTimeout(timer);
  }
}

async function readJSON(response) {
  const type = response.headers.get("Content-Type") || "";
  return type.includes("application/json") ? response.json() : null;
}

function currentList() {
  return els.list.value;
}

function currentGate() {
  return els.gate.value.trim();
}

// ---------- focus: the scanner's field keeps the keyboard unless another control has it

function refocus() {
  const active = document.activeElement;
  if (active && active !== document.body && active !== els.scanInput && active.closest("input, select, textarea, button, a, summary")) return;
  els.scanInput.focus({ preventScroll: true });
}

document.addEventListener("click", () => setTimeout(refocus, 0));
els.scanInput.addEventListener("blur", () => setTimeout(refocus, 150));
for (const event of ["keydown", "pointerdown"]) document.addEventListener(event, sound.unlock);

// ---------- status lines

async function showQueue() {
  const waiting = await store.count("queue");
  els.queue.textContent = waiting ? fill(S.waiting, { count: waiting }) : "";
  els.queue.hidden = !waiting;
  document.body.dataset.queued = String(waiting);
}

function showNet() {
  els.net.textContent = online ? S.online : S.offline;
  els.net.classList.toggle("is-offline", !online);
  document.body.dataset.online = online ? "yes" : "no";
}

function showListStatus() {
  if (!offlineList) {
    els.listStatus.textContent = S.no_list;
    return;
  }
  els.listStatus.textContent = fill(S.list_age, {
    count: offlineList.attendees.length,
    time: localTime(offlineList.generated_at),
  });
}

function setOnline(value) {
  online = value;
  showNet();
  if (online) flushQueue();
}

// ---------- the answer, full screen

function showAnswer(answer) {
  const colour = COLOURS[answer.status] || "red";
  const box = els.answer;
  const registration = answer.registration || {};
  box.className = `answer answer-${colour}`;
  box.dataset.status = answer.status;
  box.querySelector("[data-answer-name]").textContent = registration.name || "";
  box.querySelector("[data-answer-org]").textContent = registration.organization || "";
  box.querySelector("[data-answer-category]").textContent = registration.category_name || registration.category || "";
  box.querySelector("[data-answer-message]").textContent = answer.message || "";
  const extra = [];
  if (answer.status === "already_checked_in" && answer.first_checked_in_at) {
    extra.push(fill(S.first_at, { time: localTime(answer.first_checked_in_at), gate: answer.first_gate || "" }));
  }
  if (answer.offline) extra.push(S.offline_tag);
  box.querySelector("[data-answer-extra]").textContent = extra.join(" · ");
  box.hidden = false;
  sound.play(colour);
  clearTimeout(answerTimer);
  answerTimer = setTimeout(hideAnswer, ANSWER_MS[colour]);
  refocus();
}

function hideAnswer() {
  els.answer.hidden = true;
  clearTimeout(answerTimer);
}

els.answer.addEventListener("click", hideAnswer);

function refuse(message) {
  showAnswer({ status: "error", registration: null, message });
}

// ---------- deciding a scan

// Whom this device let in (or out) on a list, for deciding offline later.
async function rememberSeen(code, answer) {
  if (!offlineList || answer.status !== "ok") return;
  const found = findPerson(offlineList, code);
  if (!found) return;
  const key = `${answer.list} ${found.hash}`;
  const before = await store.get("seen", key);
  const now = new Date().toISOString();
  await store.put("seen", {
    key,
    at: now,
    inside: answer.type !== "exit",
    first_at: (before && before.first_at) || answer.first_checked_in_at || now,
    first_gate: (before && before.first_gate) || answer.first_gate || currentGate(),
  });
}

async function decideOffline(scan) {
  if (!offlineList) {
    return { status: "invalid", registration: null, message: S.no_list, offline: true, list: scan.list, type: scan.type };
  }
  const found = findPerson(offlineList, scan.code);
  const seen = found ? await store.get("seen", `${scan.list} ${found.hash}`) : null;
  return decide(offlineList, scan.list, scan.code, scan.type, seen, S);
}

async function handleCode(text) {
  const code = (text || "").trim();
  if (!code) return;
  if (!currentList()) return refuse(S.choose_list);
  if (!currentGate()) {
    els.gate.focus();
    return refuse(S.name_gate);
  }
  const scan = {
    code,
    list: currentList(),
    gate: currentGate(),
    type: els.type.value,
    nonce: nonce(),
    scanned_at: new Date().toISOString(),
  };
  if (online) {
    try {
      const response = await postJSON(config.urls.scan, scan);
      const body = await readJSON(response);
      // 401: signed out; a 400 page: the session (and its CSRF token) is gone
      if (response.status === 401 || (response.status === 400 && !body)) return refuse(S.signed_out);
      if (body && response.ok) {
        showAnswer(body);
        rememberSeen(code, body);
        return;
      }
      if (body) return refuse(body.message || S.error);
      if (response.status < 500) return refuse(S.error);
      // a server error or a proxy's page: keep the gate going offline
    } catch {
      // no network: decide here
    }
    setOnline(false);
  }
  const answer = await decideOffline(scan);
  await rememberSeen(code, answer);
  await store.put("queue", { ...scan, local_status: answer.status });
  showAnswer(answer);
  showQueue();
}

// ---------- offline list and upload

async function loadStoredList() {
  const stored = await store.get("lists", `${config.conference} ${currentList()}`);
  offlineList = stored ? prepare(stored.data) : null;
  showListStatus();
}

async function refreshList() {
  if (!online || !currentList()) return;
  try {
    const url = `${config.urls.offline}?lists=${encodeURIComponent(currentList())}`;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    await store.put("lists", { key: `${config.conference} ${currentList()}`, data });
    offlineList = prepare(data);
    showListStatus();
  } catch {
    // keep the list we have
  }
}

function showConflicts(conflicts) {
  if (!conflicts || !conflicts.length) return;
  for (const conflict of conflicts) {
    const item = document.createElement("li");
    const name = (conflict.registration && conflict.registration.name) || "";
    const gates = [conflict.first_gate, conflict.gate].filter(Boolean).join(", ");
    item.textContent = fill(S.conflict_line, { name, gates });
    els.conflictList.append(item);
  }
  els.conflicts.hidden = false;
}

async function flushQueue() {
  if (uploading || !online) return;
  const scans = await store.all("queue");
  if (!scans.length) return showQueue();
  uploading = true;
  let signedOut = false;
  try {
    const batch = scans.slice(0, 200);
    const response = await postJSON(config.urls.upload, { scans: batch }, 20000);
    const body = await readJSON(response);
    signedOut = response.status === 401 || (response.status === 400 && !body);
    if (response.ok && body) {
      await store.removeMany("queue", batch.map((scan) => scan.nonce));
      showConflicts(body.conflicts);
      if (scans.length > batch.length) setTimeout(flushQueue, 0);
    }
  } catch {
    setOnline(false);
  } finally {
    uploading = false;
    await showQueue();
    if (signedOut) els.queue.textContent += ` · ${S.signed_out}`;
  }
}

// ---------- search for a lost code

async function search(q) {
  els.searchResults.replaceChildren();
  if (!q) return;
  try {
    const url = `${config.urls.search}?q=${encodeURIComponent(q)}`;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = await readJSON(response);
    if (!response.ok || !body) return refuse((body && body.message) || S.error);
    if (!body.items.length) {
      const empty = document.createElement("li");
      empty.textContent = S.no_results;
      els.searchResults.append(empty);
      return;
    }
    for (const person of body.items) {
      const item = document.createElement("li");
      const text = document.createElement("span");
      const details = [person.organization, person.category_name || person.category, person.phone, person.status_label || person.status];
      text.textContent = `${person.name} · ${details.filter(Boolean).join(" · ")}`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = S.checkin;
      button.addEventListener("click", () => handleCode(person.manual_code || person.code));
      item.append(text, " ", button);
      els.searchResults.append(item);
    }
  } catch {
    refuse(S.offline);
  }
}

// ---------- camera

async function toggleCamera() {
  if (stopCamera) {
    stopCamera();
    stopCamera = null;
    els.cameraButton.textContent = S.camera_start;
    return;
  }
  els.cameraMessage.hidden = true;
  try {
    stopCamera = await startCamera(
      els.video,
      (text) => {
        const now = Date.now();
        if (text === lastCamera.text && now - lastCamera.at < 3000) return;
        lastCamera = { text, at: now };
        handleCode(text);
      },
      config.urls,
    );
    els.cameraButton.textContent = S.camera_stop;
  } catch (error) {
    els.cameraMessage.textContent = error.kind === "refused" ? S.camera_refused : S.camera_missing;
    els.cameraMessage.hidden = false;
  }
}

// ---------- wiring

els.scanForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = els.scanInput.value;
  els.scanInput.value = "";
  handleCode(text);
});

els.manualForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = els.manualInput.value;
  els.manualInput.value = "";
  handleCode(text);
});

els.searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  search(els.searchForm.elements.q.value.trim());
});

els.cameraButton.addEventListener("click", toggleCamera);
if (!cameraAvailable()) {
  els.cameraMessage.textContent = S.camera_missing;
  els.cameraMessage.hidden = false;
}

// The list and gate are also kept in the session, so that a code opened by the phone's own
// scanner (/q/…) checks in at the same place.
async function shareGate() {
  if (!online || !currentList() || !currentGate()) return;
  const form = new URLSearchParams({ csrf_token: csrf, list_code: currentList(), gate: currentGate() });
  try {
    await fetch(config.urls.gate, { method: "POST", body: form, credentials: "same-origin", redirect: "manual" });
  } catch {
    // only a convenience for the /q/ screen
  }
}

const chosen = config.chosen || {};
els.gate.value = localStorage.getItem(STORAGE.gate) || chosen.gate || "";
const savedList = localStorage.getItem(STORAGE.list) || chosen.list;
if (savedList && [...els.list.options].some((o) => o.value === savedList)) els.list.value = savedList;
els.gate.addEventListener("change", () => {
  localStorage.setItem(STORAGE.gate, currentGate());
  els.scanInput.focus();
  shareGate();
});
els.type.addEventListener("change", () => els.scanInput.focus());
els.list.addEventListener("change", async () => {
  localStorage.setItem(STORAGE.list, currentList());
  els.scanInput.focus();
  shareGate();
  await loadStoredList();
  refreshList();
});

window.addEventListener("online", () => setOnline(true));
window.addEventListener("offline", () => setOnline(false));
// A scan that failed may have been a passing glitch: look again now and then.
setInterval(() => {
  if (navigator.onLine && !online) setOnline(true);
  else if (online) flushQueue();
}, 10000);
setInterval(refreshList, REFRESH_LIST_MS);

// The service worker answers a reload without the network from its cache; the page fills the
// cache itself now with the page and every file it loaded (the worker was not there yet when
// they came).
async function keepForOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext || !window.caches) return;
  try {
    await navigator.serviceWorker.register(config.urls.worker);
    const files = performance
      .getEntriesByType("resource")
      .map((entry) => new URL(entry.name))
      .filter((url) => url.origin === location.origin && url.pathname.startsWith("/static/"))
      .map((url) => url.href);
    const cache = await caches.open("eventsys-checkin-v1");
    await cache.addAll([location.pathname, ...new Set(files)]);
  } catch {
    // no offline reload on this browser; scanning offline still works until a reload
  }
}

showNet();
await showQueue();
await loadStoredList();
refreshList();
flushQueue();
keepForOffline();
if (currentGate() && (chosen.gate !== currentGate() || chosen.list !== currentList())) shareGate();
refocus();
document.body.dataset.scannerReady = "yes";
