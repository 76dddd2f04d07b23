// The kiosk page: camera -> JPEG frames over a WebSocket -> what the server decided, in big type.
// No build step: plain browser JavaScript. The <html> element carries data-state (idle,
// starting, detecting, claimed, turn, pin, guidance, granted, denied, offline, error) and, after a
// decision, data-reason. At a gate that asks for a pass first, the idle page offers the keypad
// for a badge or employee number (a badge reader types into it like a keyboard). While the
// server cannot be reached, nothing opens (fail-secure), unless the gate sent a signed offline
// allow-list: then a number and a PIN open the door through its controller on this network,
// and each decision is kept here until the server has it (recognition/kiosks/offline.py).
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const T = config.texts; // the page's words, in the site's language (kiosks/page_texts.py)
  const welcome = (name) => (name ? T.welcomeName.replace("{name}", name) : T.welcome);
  const root = document.documentElement;
  const title = document.getElementById("title");
  const detail = document.getElementById("detail");
  const video = document.getElementById("camera");
  const keypad = document.getElementById("keypad");
  const pinDots = document.getElementById("pin-dots");
  const frameCanvas = document.createElement("canvas");
  const probeCanvas = document.createElement("canvas"); // tiny, to notice movement cheaply
  probeCanvas.width = 32;
  probeCanvas.height = 24;

  // Close codes, message types and the back-off come from the server (kiosks/protocol.py).
  const CLOSE = config.closeCodes;
  const TYPE = config.messageTypes;
  const REFUSED = new Set(config.refusals); // not paired, revoked, no gate, device unverified
  const IDLE_FPS = 1; // while nothing moves and the server sees no face
  const MAX_UNANSWERED = 3;

  let socket = null;
  let retryDelay = config.reconnect.firstSeconds;
  let retryTimer = null;
  let resultUntil = 0;
  let resultTimer = null;
  let sent = 0;
  let lastAnswered = 0;
  let lastAnswerAt = 0;
  let lastSentAt = 0;
  let facesSeen = 0;
  let lastMotionAt = 0;
  let previousProbe = null;
  let encoding = false;
  let stopped = false;
  let proven = false; // this connection proved the device key (the server said hello)
  let engineReady = false; // the server's face engine is loaded: frames may be sent
  let lastResult = null; // the decision of the person in front of the camera, while they stay
  let typed = ""; // the digits typed on the keypad, sent once with OK
  let claimGate = false; // the gate asks for a pass or number first (the server's hello)
  let offlineList = null; // the verified offline allow-list, while it is valid
  let offlineNumber = null; // offline: the number typed, while its PIN is asked
  let lastFrameState = "idle"; // the passage's state in the server's latest frame answer

  function show(state, heading, text, reason) {
    root.dataset.state = state;
    delete root.dataset.direction;
    // The keypad: for a PIN asked for, or for a number at a pass-first gate's idle page.
    let keypadFor = state === "pin" ? "pin" : state === "idle" && claimGate ? "claim" : null;
    if (state === "offline" && offlineList) keypadFor = offlineNumber ? "pin" : "claim";
    if (keypadFor !== keypad.dataset.for) {
      typed = "";
      typedShow();
    }
    keypad.dataset.for = keypadFor || "";
    keypad.hidden = !keypadFor;
    if (reason) {
      root.dataset.reason = reason;
    } else {
      delete root.dataset.reason;
    }
    title.textContent = heading;
    detail.textContent = text || "";
  }

  function showWaiting() {
    if (claimGate) {
      show("idle", T.welcome, T.showPass);
    } else {
      show("idle", T.welcome, T.lookAtCamera);
    }
  }

  function resultText(message) {
    const granted = message.state === "granted";
    let heading = granted ? welcome(message.name) : T.accessDenied;
    let text = granted ? T.goAhead : message.message;
    if (granted && message.door === "failed") {
      heading = T.accessGranted;
      text = T.doorFailed;
    }
    if (message.advice) text += " " + message.advice; // the site's next step for a stranger
    return { heading, text };
  }

  function showResult(message) {
    lastResult = message;
    const { heading, text } = resultText(message);
    show(message.state, heading, text, message.reason);
    holdFor(config.resultSeconds * 1000, afterResult);
  }

  // Keep what the page shows for ``ms`` (frame answers do not replace it); ``then`` runs
  // ``after`` ms from now, unless something else is held first.
  function holdFor(ms, then, after = ms) {
    resultUntil = performance.now() + ms;
    clearTimeout(resultTimer);
    resultTimer = setTimeout(then, after);
  }

  // The result's time is over: the person still there sees their result again (no flash of
  // "Welcome" in between); otherwise the page waits for the next one.
  function afterResult() {
    if (lastResult && lastFrameState === "decided") showStaying();
    else showWaiting();
  }

  // The person decided is still there after the result's time: they are told their result
  // again, not asked to look at the camera (they are not decided again until they step away).
  function showStaying() {
    if (lastResult.type === TYPE.GUIDANCE) {
      show("guidance", T.oneAtATime, lastResult.message, lastResult.code);
      return;
    }
    const { heading, text } = resultText(lastResult);
    const again = lastResult.state === "granted" ? "" : " " + T.stepAway;
    show(lastResult.state, heading, text + again, lastResult.reason);
  }

  function stopForGood(message) {
    stopped = true;
    if (socket) socket.close();
    if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
    show("error", T.screenNotInService, message, "refused");
    // The server decides what this device may show; ask it again in a while.
    setTimeout(() => window.location.reload(), 30000);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + config.socketPath);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      proven = false;
      retryDelay = config.reconnect.firstSeconds;
      sent = lastAnswered = 0;
      lastAnswerAt = performance.now();
    };
    socket.onmessage = (event) => handle(JSON.parse(event.data));
    socket.onclose = (event) => {
      socket = null;
      if (stopped) return;
      if (REFUSED.has(event.code)) {
        stopForGood(event.reason || T.notAKiosk);
      } else if (event.code === CLOSE.REPLACED) {
        stopped = true;
        show("error", T.openedElsewhere, T.openElsewhere);
      } else {
        reconnectLater();
      }
    };
  }

  function showOffline(countdown) {
    if (performance.now() < resultUntil) return; // an offline result is still shown
    if (!offlineList || Date.parse(offlineList.expires_at) <= Date.now()) {
      offlineList = null;
      show("offline", T.offline, countdown);
    } else if (offlineNumber) {
      show("offline", T.yourPin, T.offlinePin);
    } else {
      show("offline", T.offline, T.offlineNumber);
    }
  }

  function reconnectLater() {
    const { maxSeconds, jitter } = config.reconnect;
    const delay = Math.min(retryDelay, maxSeconds);
    retryDelay = Math.min(retryDelay * 2, maxSeconds);
    let left = Math.ceil(delay * (1 - jitter + Math.random() * 2 * jitter));
    const tick = () => {
      showOffline(T.reconnectingIn.replace("{seconds}", left));
      if (left-- <= 0) {
        showOffline(T.reconnecting);
        connect();
      } else {
        retryTimer = setTimeout(tick, 1000);
      }
    };
    clearTimeout(retryTimer);
    tick();
  }

  // The server's first message: sign its challenge with this device's key.
  async function prove(challenge) {
    const asked = socket;
    let signature = null;
    try {
      signature = await window.kioskDeviceKey.sign(challenge);
    } catch (error) {
      console.warn("kiosk: device key:", error);
    }
    if (!signature) {
      stopForGood(T.noDeviceKey);
    } else if (asked === socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: TYPE.PROOF, signature }));
    }
  }

  function handle(message) {
    const now = performance.now();
    if (message.type === TYPE.CHALLENGE) {
      prove(message.challenge);
    } else if (message.type === TYPE.HELLO) {
      proven = true;
      engineReady = message.ready;
      claimGate = Boolean(message.claim);
      offlineNumber = null;
      sendOfflineEvents(); // what was decided while the server was away
      if (claimGate) root.dataset.claim = "";
      else delete root.dataset.claim;
      if (!engineReady) {
        show("starting", T.starting, T.engineLoading);
      } else if (now >= resultUntil) {
        showWaiting();
      }
    } else if (message.type === TYPE.READY) {
      if (message.ok) {
        engineReady = true;
        showWaiting();
      } else {
        show("error", T.notInService, message.message);
      }
    } else if (message.type === TYPE.FRAME) {
      lastAnswered = Math.max(lastAnswered, message.frame);
      lastAnswerAt = now;
      facesSeen = message.faces;
      lastFrameState = message.state;
      if (message.state === "idle") lastResult = null; // they stepped away
      if (now >= resultUntil) {
        if (message.state === "detecting") {
          show("detecting", T.looking, T.holdStill);
        } else if (message.state === "decided" && lastResult) {
          showStaying();
        } else {
          showWaiting();
        }
      }
    } else if (message.type === TYPE.GUIDANCE) {
      // Not a decision: amber, and gone as soon as one face remains.
      lastResult = message; // shown again while they stay together
      show("guidance", T.oneAtATime, message.message, message.code);
      holdFor(1500, afterResult);
    } else if (message.type === TYPE.TURN) {
      // A head turn before the decision. The preview is a mirror: the person's left is the
      // screen's left.
      const left = message.direction === "left";
      show("turn", left ? T.turnLeft : T.turnRight, message.message);
      root.dataset.direction = message.direction;
      holdFor(message.seconds * 1000, showWaiting, message.seconds * 1000 + 2000);
    } else if (message.type === TYPE.OFFLINE_LIST) {
      keepOfflineList(message);
    } else if (message.type === TYPE.OFFLINE_EVENTS) {
      offlineEventsRecorded(message.recorded);
    } else if (message.type === TYPE.CLAIMED) {
      // A pass or number named someone: now their face, compared with theirs alone.
      show("claimed", T.lookAtCameraTitle, message.message);
      holdFor(message.seconds * 1000, showWaiting, message.seconds * 1000 + 2000);
    } else if (message.type === TYPE.PIN) {
      show("pin", T.yourPin, message.message);
      typed = "";
      typedShow();
      holdFor(message.seconds * 1000, showWaiting, message.seconds * 1000 + 2000);
    } else if (message.type === TYPE.DECISION) {
      showResult(message);
    } else if (message.type === TYPE.REFUSED) {
      stopForGood(message.message);
    } else if (message.type === TYPE.ERROR) {
      console.warn("kiosk:", message.code, message.message);
    }
  }

  // The keypad: a PIN's digits are shown as dots; a badge or employee number as typed.
  function typedShow() {
    pinDots.textContent = keypad.dataset.for === "pin" ? "\u25CF".repeat(typed.length) : typed;
  }

  function pressKey(key) {
    const longest = keypad.dataset.for === "pin" ? 8 : 40;
    if (key === "back") typed = typed.slice(0, -1);
    else if (/^[0-9]$/.test(key) && typed.length < longest) typed += key;
    typedShow();
  }

  keypad.addEventListener("click", (event) => {
    const key = event.target.closest("button[data-key]");
    if (key) pressKey(key.dataset.key);
  });
  keypad.addEventListener("submit", (event) => {
    event.preventDefault();
    if (root.dataset.state === "offline") {
      offlineKey();
      return;
    }
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (keypad.dataset.for === "pin" && typed.length >= 4) {
      socket.send(JSON.stringify({ type: TYPE.PIN, pin: typed }));
    } else if (keypad.dataset.for === "claim" && typed.length >= 1) {
      socket.send(JSON.stringify({ type: TYPE.CLAIM, credential: typed }));
    } else {
      return;
    }
    show("detecting", T.checking, "");
    holdFor(2000, showWaiting); // until the server's answer, not the next frame's
  });
  document.addEventListener("keydown", (event) => {
    if (keypad.hidden) return;
    if (/^[0-9]$/.test(event.key)) pressKey(event.key);
    else if (event.key === "Backspace") pressKey("back");
    else if (event.key === "Enter") keypad.requestSubmit();
  });

  // --- Offline: a signed allow-list, a number and a PIN, the door on this network ------------

  const LIST_KEY = "accessportal.offlineList";
  const EVENTS_KEY = "accessportal.offlineEvents";
  const LIST_CONTEXT = "accessportal offline list\n";
  const DOOR_CONTEXT = "accessportal offline door\n";
  const encoder = new TextEncoder();
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const failures = {}; // number -> { count, lockedUntil }, for PINs typed offline

  async function verifiedList(signed) {
    if (!window.crypto || !crypto.subtle || !config.offlineListKey) return null;
    const key = await crypto.subtle.importKey(
      "spki", bytes(config.offlineListKey), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]
    );
    const genuine = await crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" }, key, bytes(signed.signature), encoder.encode(LIST_CONTEXT + signed.list)
    );
    if (!genuine) return null;
    const list = JSON.parse(signed.list);
    return Date.parse(list.expires_at) > Date.now() ? list : null;
  }

  async function keepOfflineList(signed) {
    try {
      const list = await verifiedList(signed);
      if (!list) return;
      localStorage.setItem(LIST_KEY, JSON.stringify({ list: signed.list, signature: signed.signature }));
      offlineList = list;
    } catch (error) {
      console.warn("kiosk: offline list:", error);
    }
  }

  async function loadOfflineList() {
    try {
      const stored = JSON.parse(localStorage.getItem(LIST_KEY) || "null");
      offlineList = stored ? await verifiedList(stored) : null;
    } catch (error) {
      offlineList = null;
    }
  }

  // A PIN against its hash as Django keeps it: pbkdf2_sha256$iterations$salt$base64.
  async function pinMatches(pin, hashed) {
    const [algorithm, iterations, salt, expected] = (hashed || "").split("$");
    if (algorithm !== "pbkdf2_sha256" || !expected) return false;
    const key = await crypto.subtle.importKey("raw", encoder.encode(pin), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations: Number(iterations) }, key, 256
    );
    return btoa(String.fromCharCode(...new Uint8Array(bits))) === expected;
  }

  async function openDoorOffline(entry) {
    const command = JSON.stringify({
      action: "open", gate: offlineList.gate, kiosk: offlineList.kiosk, person: entry.person,
      at: new Date().toISOString(), nonce: crypto.randomUUID(),
    });
    try {
      const signature = await window.kioskDeviceKey.signText(DOOR_CONTEXT, command);
      const answer = await fetch(offlineList.door_url, {
        method: "POST", body: command, signal: AbortSignal.timeout(3000),
        headers: { "Content-Type": "application/json", "X-AccessPortal-Device-Signature": signature || "" },
      });
      return answer.ok;
    } catch (error) {
      console.warn("kiosk: offline door:", error);
      return false;
    }
  }

  async function offlineDecide(number, pin) {
    const entry = offlineList.people.find((person) => person.number === number);
    const now = Date.now();
    const failed = failures[number] || { count: 0, lockedUntil: 0 };
    let outcome;
    let duress = false;
    if (!entry) {
      outcome = "unknown_number";
    } else if (failed.lockedUntil > now) {
      outcome = "pin_locked";
    } else if (await pinMatches(pin, entry.pin) || (duress = await pinMatches(pin, entry.duress))) {
      delete failures[number];
      const inHours = entry.spans.some(([from, to]) => Date.parse(from) <= now && now < Date.parse(to));
      outcome = inHours ? "granted" : "outside_hours";
    } else {
      failed.count += 1;
      outcome = "pin_wrong";
      if (failed.count >= offlineList.pin_max_tries) {
        failed.count = 0;
        failed.lockedUntil = now + offlineList.pin_lock_minutes * 60000;
        outcome = "pin_locked";
      }
      failures[number] = failed;
    }
    const door = outcome === "granted" ? ((await openDoorOffline(entry)) ? "opened" : "failed") : null;
    const events = JSON.parse(localStorage.getItem(EVENTS_KEY) || "[]");
    events.push({
      id: crypto.randomUUID(), at: new Date(now).toISOString(), outcome,
      person: entry ? entry.person : null, door, duress,
    });
    localStorage.setItem(EVENTS_KEY, JSON.stringify(events));
    const texts = {
      granted: door === "opened" ? T.goAhead : T.doorFailed,
      unknown_number: T.offlineUnknownNumber,
      pin_wrong: T.offlinePinWrong,
      pin_locked: T.offlinePinLocked,
      outside_hours: T.offlineOutsideHours,
    };
    const granted = outcome === "granted";
    const heading = granted ? welcome(entry.name) : T.accessDenied;
    show(granted ? "granted" : "denied", heading, texts[outcome] + " " + T.offlineSuffix, "offline_" + outcome);
    holdFor(config.resultSeconds * 1000, () => showOffline(T.reconnecting));
  }

  // OK on the offline keypad: the number, then its PIN.
  function offlineKey() {
    if (!offlineList) return;
    if (!offlineNumber) {
      if (!typed) return;
      offlineNumber = typed;
      showOffline("");
      return;
    }
    if (typed.length < 4) return;
    const number = offlineNumber;
    const pin = typed;
    offlineNumber = null;
    show("offline", T.checking, "");
    holdFor(10000, () => showOffline(T.reconnecting));
    offlineDecide(number, pin);
  }

  // Back online: what was decided offline goes to the server, ten at a time, until it has all.
  function sendOfflineEvents() {
    const events = JSON.parse(localStorage.getItem(EVENTS_KEY) || "[]");
    if (events.length && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: TYPE.OFFLINE_EVENTS, events: events.slice(0, 10) }));
    }
  }

  function offlineEventsRecorded(recorded) {
    const done = new Set(recorded || []);
    const events = JSON.parse(localStorage.getItem(EVENTS_KEY) || "[]");
    localStorage.setItem(EVENTS_KEY, JSON.stringify(events.filter((event) => !done.has(event.id))));
    if (done.size) sendOfflineEvents();
  }

  function sceneMoved() {
    const context = probeCanvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, probeCanvas.width, probeCanvas.height);
    const pixels = context.getImageData(0, 0, probeCanvas.width, probeCanvas.height).data;
    let change = 0;
    if (previousProbe) {
      for (let i = 0; i < pixels.length; i += 4) change += Math.abs(pixels[i + 1] - previousProbe[i + 1]);
      change /= pixels.length / 4;
    }
    previousProbe = pixels;
    return change > 4;
  }

  function sendFrame() {
    if (!socket || socket.readyState !== WebSocket.OPEN || !proven || !engineReady) return;
    if (encoding || !video.videoWidth) return;
    const now = performance.now();
    if (sceneMoved()) lastMotionAt = now;
    // While nobody is there (no face, nothing moving) a frame a second is enough to notice
    // someone stepping up; otherwise the configured rate.
    const quiet = facesSeen === 0 && now - lastMotionAt > 2000 && now >= resultUntil;
    const interval = 1000 / (quiet ? IDLE_FPS : config.fps);
    if (now - lastSentAt < interval * 0.9) return;
    // The newest frame wins on the server; never pile up frames it has not answered.
    if (sent - lastAnswered >= MAX_UNANSWERED && now - lastAnswerAt < 2000) return;
    if (socket.bufferedAmount > 0) return;
    const scale = Math.min(1, config.maxSide / Math.max(video.videoWidth, video.videoHeight));
    frameCanvas.width = Math.round(video.videoWidth * scale);
    frameCanvas.height = Math.round(video.videoHeight * scale);
    frameCanvas.getContext("2d").drawImage(video, 0, 0, frameCanvas.width, frameCanvas.height);
    encoding = true;
    lastSentAt = now;
    frameCanvas.toBlob(
      (blob) => {
        encoding = false;
        if (blob && socket && socket.readyState === WebSocket.OPEN) {
          socket.send(blob);
          sent += 1;
        }
      },
      "image/jpeg",
      0.85
    );
  }

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show("error", T.noCamera, T.cameraNeedsHttps);
      return;
    }
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
        audio: false,
      });
      await video.play();
    } catch (error) {
      show("error", T.cameraUnavailable, error.message || String(error), "camera");
      setTimeout(startCamera, 10000);
      return;
    }
    showWaiting();
    connect();
    setInterval(sendFrame, 1000 / Math.max(config.fps, IDLE_FPS) / 2);
    setInterval(() => {
      if (socket && socket.readyState === WebSocket.OPEN && proven) {
        socket.send(JSON.stringify({ type: TYPE.HEARTBEAT }));
      }
    }, config.heartbeatSeconds * 1000);
  }

  loadOfflineList().finally(startCamera);
})();
