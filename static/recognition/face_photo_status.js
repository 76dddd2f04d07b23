// The person's page follows face photos being checked: every two seconds it asks their
// statuses and shows the outcome (enrolled, or rejected and why) without a reload, until none
// is pending. No inline scripts: the Content-Security-Policy forbids them.
// Loaded in the admin's <head> (ModelAdmin.Media): it starts once the page is parsed.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const pending = () => document.querySelectorAll('[data-face-photo][data-status="pending"]');
  const first = pending()[0];
  if (!first) return;
  const url = `/recognition/people/${first.dataset.person}/face-photos/status`;
  async function look() {
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (!answer.ok) return;
      const { photos, summary } = await answer.json();
      document.querySelectorAll("[data-face-summary]").forEach((cell) => (cell.innerHTML = summary));
      pending().forEach((cell) => {
        const photo = photos[cell.dataset.facePhoto];
        if (photo && photo.status !== "pending") {
          cell.innerHTML = photo.html; // the server's own rendering of the status
          cell.dataset.status = photo.status;
        }
      });
    } finally {
      if (pending().length) setTimeout(look, 2000);
    }
  }
  setTimeout(look, 2000);
});
