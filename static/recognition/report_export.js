// Polls an export's progress until it is done or failed, then offers the download.
(function () {
  "use strict";
  const page = document.querySelector(".report-export");
  if (!page) return;
  const status = document.getElementById("export-status");
  const bar = document.getElementById("export-progress");
  const rows = document.getElementById("export-rows");
  const error = document.getElementById("export-error");
  const download = document.getElementById("export-download");
  const labels = { queued: "Queued", running: "Running", done: "Done", failed: "Failed" };

  async function poll() {
    let state;
    try {
      const response = await fetch(page.dataset.poll, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch (e) {
      setTimeout(poll, 5000);
      return;
    }
    page.dataset.status = state.status;
    status.textContent = labels[state.status] || state.status;
    bar.value = state.progress;
    rows.textContent = state.rows_done + (state.rows_total === null ? "" : " of " + state.rows_total) + " rows";
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
    }
    if (state.status === "done") {
      download.hidden = false;
      return;
    }
    if (state.status !== "failed") setTimeout(poll, 1000);
  }
  if (page.dataset.status === "queued" || page.dataset.status === "running") poll();
})();
