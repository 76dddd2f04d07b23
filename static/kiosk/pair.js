// Opening the pairing link pairs the device: the link's token is its fragment (never sent to a
// server, so in no access log); this script makes the device key and posts both. A link
// preview that runs no scripts cannot use the link up.
(async function () {
  "use strict";
  const form = document.getElementById("pair-form");
  const token = decodeURIComponent(window.location.hash.slice(1));
  history.replaceState(null, "", window.location.pathname); // the token leaves the address bar
  const fail = (heading, text) => {
    document.getElementById("title").textContent = heading;
    document.getElementById("detail").textContent = text;
    document.documentElement.dataset.state = "error";
    document.documentElement.dataset.reason = "pairing_invalid";
  };
  if (!token) {
    fail("No pairing link", "Open the whole pairing link a manager gave you, including its end after #.");
    return;
  }
  try {
    form.elements.device_key.value = await window.kioskDeviceKey.create();
  } catch (error) {
    fail("This browser cannot be paired", error.message || String(error));
    return;
  }
  form.elements.token.value = token;
  form.submit();
})();
