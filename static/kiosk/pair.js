// Opening the pairing link pairs the device: it makes its device key, and the form submits
// itself with the key's public half. (A link preview that runs no scripts cannot use the link.)
(async function () {
  "use strict";
  const form = document.getElementById("pair-form");
  try {
    form.elements.device_key.value = await window.kioskDeviceKey.create();
  } catch (error) {
    document.getElementById("title").textContent = "This browser cannot be paired";
    document.getElementById("detail").textContent = error.message || String(error);
    document.documentElement.dataset.state = "error";
    return;
  }
  form.submit();
})();
