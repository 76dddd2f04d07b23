// The kiosk's device key (see recognition/kiosks/device_keys.py): an ECDSA P-256 key pair made
// in this browser when it pairs, the private half not extractable, kept in IndexedDB. The
// server checks a signature with it on every connection, so a copied cookie alone opens
// nothing. window.kioskDeviceKey: create() -> public key (base64 SPKI), sign(challenge) ->
// base64 raw r||s, or null when this browser holds no key; signText(context, text) the same
// for other messages (an offline door command).
(function () {
  "use strict";
  const DATABASE = "accessportal-kiosk";
  const STORE = "keys";
  const NAME = "device";
  const PROOF_CONTEXT = "accessportal kiosk proof\n";
  const ALGORITHM = { name: "ECDSA", namedCurve: "P-256" };

  function database() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function stored(mode, action) {
    const db = await database();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = action(transaction.objectStore(STORE));
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  const base64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));

  async function create() {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.indexedDB) {
      throw new Error("This browser cannot keep a device key here (HTTPS is needed).");
    }
    const pair = await crypto.subtle.generateKey(ALGORITHM, false, ["sign", "verify"]);
    await stored("readwrite", (store) => store.put(pair.privateKey, NAME));
    return base64(await crypto.subtle.exportKey("spki", pair.publicKey));
  }

  // Sign ``text`` under a context (what it is: a proof, an offline door command).
  async function signText(context, text) {
    if (!window.indexedDB || !window.crypto || !crypto.subtle) return null;
    const key = await stored("readonly", (store) => store.get(NAME));
    if (!key) return null;
    const message = new TextEncoder().encode(context + text);
    return base64(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, message));
  }

  const sign = (challenge) => signText(PROOF_CONTEXT, challenge);

  window.kioskDeviceKey = { create, sign, signText };
})();
