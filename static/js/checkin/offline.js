// Deciding a scan on this device when the server cannot be reached, with the same rules as the
// server: the offline list says who holds which code (hashed), their status and category, and
// each list's rules; "seen" says whom this device already admitted.

import { base64url, fromBase64, hmacSha256, utf8 } from "./sha256.js";

const CODE_RE = /(?:^|\/q\/)([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{10})\/?$/;
const MANUAL_ALPHABET = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/;

// The token of a QR code's text, or the normalised manual code; null for anything else.
export function codeKey(text) {
  const trimmed = (text || "").trim();
  const match = CODE_RE.exec(trimmed);
  if (match) return { kind: "token", value: match[1] };
  const manual = trimmed.replace(/[\s-]+/g, "").toUpperCase();
  if (MANUAL_ALPHABET.test(manual)) return { kind: "manual", value: manual };
  return null;
}

export function hashOf(list, key) {
  const digest = hmacSha256(fromBase64(list.key), utf8(key.value));
  return base64url(digest.slice(0, list.hash_bytes || 12));
}

export function findPerson(list, text) {
  const key = codeKey(text);
  if (!key || !list) return null;
  const hash = hashOf(list, key);
  const index = list.index.get(hash);
  return index === undefined ? null : { hash, person: list.people[index] };
}

// Build the look-up table once after download or after reading it back from IndexedDB.
export function prepare(list) {
  list.index = new Map();
  list.people.forEach((person, i) => {
    for (const hash of person.hashes) list.index.set(hash, i);
  });
  return list;
}

function insideWindow(rules, now) {
  if (rules.opens_at && now < new Date(rules.opens_at)) return false;
  if (rules.closes_at && now > new Date(rules.closes_at)) return false;
  return true;
}

// The answer for a scan decided offline, shaped like the server's.
export function decide(list, listCode, text, type, seen, strings, now = new Date()) {
  const found = findPerson(list, text);
  const answer = {
    status: "invalid",
    registration: null,
    first_checked_in_at: null,
    first_gate: null,
    list: listCode,
    type,
    offline: true,
    message: strings.offline_invalid,
  };
  if (!found) return answer;
  const { person, hash } = found;
  answer.hash = hash;
  answer.registration = {
    name: person.name,
    organization: person.organization,
    category: person.category,
    category_name: person.category_name,
    status: person.status,
  };
  const rules = (list.lists && list.lists[listCode]) || {};
  if (person.status === "cancelled" || person.status === "rejected") {
    return { ...answer, status: "cancelled", message: strings.offline_cancelled };
  }
  if (person.status !== "confirmed") {
    return { ...answer, status: "not_confirmed", message: strings.offline_not_confirmed };
  }
  const categories = rules.categories || [];
  if ((categories.length && !categories.includes(person.category)) || !insideWindow(rules, now)) {
    return { ...answer, status: "not_allowed", message: strings.offline_not_allowed };
  }
  if (type === "exit") return { ...answer, status: "ok", message: strings.offline_ok };
  const before = seen || (person.checked_in && { at: person.checked_in_at, gate: person.first_gate });
  if (before && !(rules.allow_reentry && seen && seen.inside === false)) {
    if (!rules.allow_reentry || (seen && seen.inside)) {
      return {
        ...answer,
        status: "already_checked_in",
        first_checked_in_at: before.at || null,
        first_gate: before.gate || null,
        message: strings.offline_duplicate.replace("{time}", before.at ? new Date(before.at).toLocaleTimeString() : ""),
      };
    }
  }
  return { ...answer, status: "ok", message: strings.offline_ok };
}
