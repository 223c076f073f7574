// The gate's memory in IndexedDB, so that it survives a reload without the network:
// "queue"  scans decided offline, waiting to upload (key: nonce);
// "lists"  the offline list of each check-in list (key: list code);
// "seen"   who this device admitted, per list (key: "<list> <hash>"), to flag duplicates.

const DB_NAME = "eventsys-checkin";
const VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "nonce" });
        if (!db.objectStoreNames.contains("lists")) db.createObjectStore("lists", { keyPath: "key" });
        if (!db.objectStoreNames.contains("seen")) db.createObjectStore("seen", { keyPath: "key" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

async function run(storeName, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(storeName, mode);
    const store = transaction.objectStore(storeName);
    const request = action(store);
    transaction.oncomplete = () => resolve(request ? request.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export const put = (storeName, value) => run(storeName, "readwrite", (s) => s.put(value));
export const get = (storeName, key) => run(storeName, "readonly", (s) => s.get(key));
export const all = (storeName) => run(storeName, "readonly", (s) => s.getAll());
export const count = (storeName) => run(storeName, "readonly", (s) => s.count());
export const remove = (storeName, key) => run(storeName, "readwrite", (s) => s.delete(key));

export async function removeMany(storeName, keys) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(storeName, "readwrite");
    const store = transaction.objectStore(storeName);
    for (const key of keys) store.delete(key);
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
}
