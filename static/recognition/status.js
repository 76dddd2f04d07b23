// Keeps the gates-and-kiosks page live: updates pushed over /ws/status/, and kiosks marked
// offline when they stop beating. Reconnects with backoff.
(function () {
  "use strict";
  const root = document.querySelector(".gate-status");
  if (!root) return;
  const offlineAfter = Number(root.dataset.offlineAfter) * 1000;
  const keep = Number(root.dataset.lastEvents);
  const liveState = document.getElementById("live-state");
  // An open status page is in use: it renews its operator's session before it goes idle.
  setInterval(() => {
    fetch(root.dataset.keepAliveUrl, { credentials: "same-origin", cache: "no-store" }).catch(() => {});
  }, Number(root.dataset.keepAliveSeconds) * 1000);
  // The socket's close codes and back-off come from the server (status/consumer.py).
  const socketProtocol = JSON.parse(document.getElementById("status-socket").textContent);
  // Updates carry codes; the page's words are in its operator's language.
  const labels = JSON.parse(document.getElementById("status-labels").textContent);
  // A face kept with an event may be deleted after its retention period: no broken picture.
  root.addEventListener("error", (e) => e.target.classList.contains("event-face") && e.target.remove(), true);
  const gettext = window.gettext || ((text) => text); // Django's JavaScript catalogue (/jsi18n/)
  const CLOSE = socketProtocol.closeCodes;
  const { firstSeconds, maxSeconds, jitter } = socketProtocol.reconnect;
  let delay = firstSeconds;

  // Times come from the server in each gate's site zone, which they name; a time this page
  // makes itself is UTC, and says so (never the browser's own zone, unnamed).
  const utc = (iso) => new Date(iso).toISOString().slice(0, 19).replace("T", " ") + " UTC";

  // A kiosk whose credential came from a device without its key: flagged until re-paired.
  function showMisuse(item, at) {
    const flag = item.querySelector(".kiosk-misuse");
    flag.dataset.at = at;
    flag.querySelector("time").textContent = utc(at);
    flag.hidden = false;
  }
  document.querySelectorAll(".kiosk-misuse[data-at]:not([hidden])").forEach((flag) => {
    flag.querySelector("time").textContent = utc(flag.dataset.at);
  });

  function setKiosk(id, status, misusedAt) {
    const item = document.querySelector(`li[data-kiosk="${id}"]`);
    if (!item) return;
    if (misusedAt) showMisuse(item, misusedAt);
    if (!status) return;
    item.dataset.status = status;
    if (status === "online") item.dataset.seenAt = String(Date.now()); // this clock, not the server's
    item.querySelector(".kiosk-status").textContent = labels.kiosk_states[status] || status;
  }

  function addEvent(event) {
    const card = document.querySelector(`.gate-card[data-gate="${event.gate}"]`);
    if (!card || card.querySelector(`tr[data-event="${event.id}"]`)) return;
    const counter = card.querySelector(`[data-count="${event.granted ? "granted" : "denied"}"]`);
    counter.textContent = String(Number(counter.textContent) + 1);
    const today = document.getElementById(event.granted ? "today-granted" : "today-denied");
    if (today) today.textContent = String(Number(today.textContent) + 1); // the dashboard's
    const row = document.createElement("tr");
    row.className = `${event.granted ? "granted" : "denied"} fresh`;
    row.dataset.event = event.id;
    const decision = event.granted ? labels.granted : labels.denied;
    for (const text of [event.local, event.person || labels.unknown, decision, labels.reasons[event.reason] || event.reason_label]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.appendChild(cell);
    }
    if (event.snapshot && root.dataset.snapshotUrl) {
      const face = document.createElement("img");
      face.className = "event-face";
      face.alt = "";
      face.src = root.dataset.snapshotUrl.replace("/0/", `/${event.id}/`);
      row.children[1].prepend(face);
    }
    const body = card.querySelector(".last-events tbody");
    body.prepend(row);
    while (body.children.length > keep) body.lastElementChild.remove();
  }

  // A door's state as it changes: its words and colour (an alarm, a lockdown, an unlock). The
  // buttons follow at the next load (a lockdown's buttons differ).
  function setDoor(update) {
    const door = document.querySelector(`.gate-card[data-gate="${update.gate}"] .door`);
    if (!door) return;
    door.dataset.door = update.door;
    const lang = document.documentElement.lang;
    door.querySelector(".door-state").textContent = (update.texts && update.texts[lang]) || update.text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/status/`);
    socket.onopen = () => {
      delay = firstSeconds;
      root.dataset.live = "live";
      liveState.textContent = gettext("on");
    };
    socket.onmessage = (message) => {
      const update = JSON.parse(message.data);
      if (update.kind === "kiosk") setKiosk(update.kiosk, update.status, update.misused_at);
      if (update.kind === "event") addEvent(update.event);
      if (update.kind === "door") setDoor(update);
    };
    socket.onclose = (closed) => {
      root.dataset.live = "offline";
      // Refused: said in the page's language by code (the server's reason stays as a title).
      if (closed.code === CLOSE.NOT_SIGNED_IN || closed.code === CLOSE.NOT_ALLOWED) {
        liveState.textContent =
          closed.code === CLOSE.NOT_SIGNED_IN
            ? gettext("signed out: sign in again to see the gates live")
            : gettext("this account may not see the gates' status");
        liveState.title = closed.reason;
        return;
      }
      const wait = Math.min(delay, maxSeconds) * (1 - jitter + Math.random() * 2 * jitter);
      const text = gettext("reconnecting in %(seconds)s s");
      liveState.textContent = window.interpolate ? window.interpolate(text, { seconds: Math.round(wait) }, true) : text;
      setTimeout(connect, wait * 1000);
      delay = Math.min(delay * 2, maxSeconds);
    };
  }

  // A kiosk that stops beating without closing its socket is offline after the same time as
  // on the server. The server found the online ones online just now.
  document.querySelectorAll('li[data-status="online"]').forEach((item) => (item.dataset.seenAt = String(Date.now())));
  setInterval(() => {
    document.querySelectorAll('li[data-status="online"]').forEach((item) => {
      if (Date.now() - Number(item.dataset.seenAt) > offlineAfter) setKiosk(item.dataset.kiosk, "offline");
    });
  }, 5000);
  connect();
})();

// Door actions that cannot be taken back lightly (a lockdown, lifting it) ask first.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
