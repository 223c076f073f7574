// Deciding a scan on this device when the server cannot be reached, with the server's rules
// (services._decide): the offline list has keyed hashes of every code with the person's name,
// category and status and each list's rules; "seen" says whom this device let in or out.
//
// The list's format (services.offline_list): rows [token_hash, manual_hash, name,
// organization, category index, status index, checked-in bit mask over lists]; a hash is
// base64url(HMAC-SHA256(key, "t:" + token)[:12]) or the same of "m:" + manual code.

import { base64url, fromBase64, hmacSha256, utf8 } from "./sha256.js";

const CODE_RE = /(?:^|\/q\/)([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{10})\/?$/;
const MANUAL_RE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/;

// The token of a QR code's text, or the normalised manual code; null for anything else.
export function codeKey(text) {
  const trimmed = (text || "").trim();
  const match = CODE_RE.exec(trimmed);
  if (match) return { kind: "t", value: match[1] };
  const manual = trimmed.replace(/[\s-]+/g, "").toUpperCase();
  if (MANUAL_RE.test(manual)) return { kind: "m", value: manual };
  return null;
}

export function hashOf(list, key) {
  if (!list._key) list._key = fromBase64(list.key);
  return base64url(hmacSha256(list._key, utf8(`${key.kind}:${key.value}`)).slice(0, 12));
}

// The look-up table, built once after a download or after reading the list back.
export function prepare(list) {
  list.index = new Map();
  list.attendees.forEach((row, i) => {
    list.index.set(row[0], i);
    list.index.set(row[1], i);
  });
  return list;
}

// The person a scanned text names: {hash (of the token, whichever was scanned), row}.
export function findPerson(list, text) {
  const key = codeKey(text);
  if (!key || !list) return null;
  const index = list.index.get(hashOf(list, key));
  if (index === undefined) return null;
  const row = list.attendees[index];
  return { hash: row[0], row };
}

// The answer for a scan decided here, shaped like the server's.
export function decide(list, listCode, text, type, seen, S, now = new Date()) {
  const answer = {
    status: "invalid",
    registration: null,
    first_checked_in_at: null,
    first_gate: null,
    list: listCode,
    type,
    offline: true,
    message: S.offline_invalid,
  };
  const found = findPerson(list, text);
  if (!found) return answer;
  const [, , name, organization, categoryIndex, statusIndex, mask] = found.row;
  const category = list.categories[categoryIndex] || { code: "", name: "" };
  const status = list.statuses[statusIndex];
  const listIndex = list.lists.findIndex((l) => l.code === listCode);
  const rules = list.lists[listIndex] || { categories: [] };
  answer.hash = found.hash;
  answer.registration = { name, organization, category: category.code, category_name: category.name, status };
  const result = (value, message) => ({ ...answer, status: value, message });
  if (status === "cancelled" || status === "rejected") return result("cancelled", S.offline_cancelled);
  if (status !== "confirmed") return result("not_confirmed", S.offline_not_confirmed);
  // checked in on this list: as this device saw it, else as it was when downloaded
  const known = seen || (listIndex >= 0 && mask & (1 << listIndex) ? { inside: true } : null);
  if (type === "exit") return known ? result("ok", S.offline_ok) : result("not_allowed", S.offline_not_allowed);
  if (rules.categories.length && !rules.categories.includes(category.code)) {
    return result("not_allowed", S.offline_not_allowed);
  }
  if ((rules.opens_at && now < new Date(rules.opens_at)) || (rules.closes_at && now > new Date(rules.closes_at))) {
    return result("not_allowed", S.offline_not_allowed);
  }
  if (!known || (!known.inside && rules.allow_reentry)) return result("ok", S.offline_ok);
  return {
    ...result("already_checked_in", S.offline_duplicate.replace("{time}", known.at ? new Date(known.at).toLocaleTimeString() : "—")),
    first_checked_in_at: known.first_at || null,
    first_gate: known.first_gate || null,
  };
}
