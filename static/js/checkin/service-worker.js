// The scanner page's service worker: keeps the page and its files so that the page opens again
// without the network (a reload at a gate whose network dropped). Pages and scripts are fetched
// from the network first and kept; the kept copy answers only when the network fails. Scans,
// searches and uploads are never touched: the page itself queues them.

const CACHE = "eventsys-checkin-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function keep(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/static/")) return true;
  // the scanner page itself (the worker's scope ends with /checkin/)
  return url.pathname === new URL(self.registration.scope).pathname;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!keep(request)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok && !response.redirected) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        const kept = await cache.match(request, { ignoreSearch: true });
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
