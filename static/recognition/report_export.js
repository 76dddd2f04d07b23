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
  const gettext = window.gettext || ((text) => text); // Django's JavaScript catalogue (/jsi18n/)
  const labels = { queued: gettext("Queued"), running: gettext("Running"), done: gettext("Done"), failed: gettext("Failed") };

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
    const values = { done: state.rows_done, total: state.rows_total };
    const text = state.rows_total === null ? gettext("%(done)s rows") : gettext("%(done)s of %(total)s rows");
    rows.textContent = window.interpolate ? window.interpolate(text, values, true) : text;
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
