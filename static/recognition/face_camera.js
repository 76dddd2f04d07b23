// Enrolment from the camera: every ~0.6 s a small copy of the picture goes to the server,
// which judges it by the enrolment's own rules (recognition/faces/camera_check.py); the meter
// and the advice follow, and "Take the photo" is enabled when the picture would be enrolled.
// The photo taken (full size) is stored like an upload; its status is then followed until
// it is decided. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  const gettext = window.gettext || ((text) => text); // Django's JavaScript catalogue (/jsi18n/)
  const page = document.querySelector(".face-camera");
  const config = document.getElementById("face-camera-urls");
  if (!page || !config) return;
  const urls = JSON.parse(config.textContent);
  const csrf = document.querySelector("#camera-csrf [name=csrfmiddlewaretoken]").value;
  const video = document.getElementById("camera-video");
  const canvas = document.getElementById("camera-canvas");
  const meter = document.getElementById("camera-quality");
  const advice = document.getElementById("camera-advice");
  const take = document.getElementById("camera-take");
  const result = document.getElementById("camera-result");
  const CHECK_SIDE = 640; // the checked copy's longer side: enough for the face's size rules
  let busy = false;

  function show(state, text) {
    page.dataset.state = state;
    advice.textContent = text;
  }

  function jpeg(maxSide, quality) {
    const scale = Math.min(1, maxSide / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  }

  async function post(url, name, blob) {
    const body = new FormData();
    body.append(name, blob, `${name}.jpg`);
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    return { status: response.status, answer: await response.json().catch(() => ({})) };
  }

  async function check() {
    if (busy || !video.videoWidth) return;
    busy = true;
    try {
      const { status, answer } = await post(urls.check, "frame", await jpeg(CHECK_SIDE, 0.85));
      if (status !== 200) {
        show("error", answer.error || gettext("The picture could not be checked."));
        take.disabled = true;
        return;
      }
      meter.value = answer.quality;
      meter.dataset.code = answer.code;
      show(answer.ready ? "ready" : "not-ready", answer.advice);
      take.disabled = !answer.ready;
    } catch (error) {
      show("error", gettext("The server could not be reached."));
    } finally {
      busy = false;
    }
  }

  async function follow(photoId) {
    const response = await fetch(urls.statuses, { headers: { Accept: "application/json" } });
    const photo = response.ok ? (await response.json()).photos[String(photoId)] : null;
    if (photo) {
      result.innerHTML = photo.html; // the server's own rendering of the status
      result.dataset.status = photo.status;
    }
    if (!photo || photo.status === "pending") setTimeout(() => follow(photoId), 2000);
  }

  take.addEventListener("click", async () => {
    take.disabled = true;
    result.hidden = false;
    result.textContent = gettext("Sending the photo…");
    const { status, answer } = await post(urls.take, "photo", await jpeg(1920, 0.92));
    if (status !== 201) {
      result.dataset.status = "error";
      result.textContent = answer.error || gettext("The photo could not be stored.");
      return;
    }
    result.innerHTML = answer.html;
    result.dataset.status = answer.status;
    follow(answer.id);
  });

  navigator.mediaDevices
    .getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false })
    .then((stream) => {
      video.srcObject = stream;
      show("not-ready", gettext("Looking…"));
      setInterval(check, 600);
    })
    .catch((error) => {
      show("error", interpolate(gettext("The camera could not be opened (%(reason)s)."), { reason: error.name }, true));
    });
  function interpolate(text, values, named) {
    return window.interpolate ? window.interpolate(text, values, named) : text;
  }
})();
