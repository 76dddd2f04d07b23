// The weekly schedule editor: paint and erase quarter-hour slots on a week grid, copy days,
// save through the API; add holiday dates. Plain JavaScript, no build step.
(function () {
  "use strict";
  const root = document.querySelector(".schedule-editor");
  if (!root) return;
  const data = JSON.parse(document.getElementById("schedule-editor-data").textContent);
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const SLOTS = 96; // quarter hours in a day
  // Words in the operator's language: Django's JavaScript catalogue (/jsi18n/), loaded first.
  const gettext = window.gettext || ((text) => text);
  const fill = (text, values) => (window.interpolate ? window.interpolate(text, values, true) : text);
  const DAYS = [gettext("Monday"), gettext("Tuesday"), gettext("Wednesday"), gettext("Thursday"), gettext("Friday"), gettext("Saturday"), gettext("Sunday")];
  const grid = document.getElementById("week-grid");
  const message = document.getElementById("editor-message");
  const saveButton = document.getElementById("save-week");
  let open = DAYS.map(() => new Array(SLOTS).fill(false));
  let savedState = "";
  let drag = null;

  const pad = (n) => String(n).padStart(2, "0");
  const slotOf = (time, roundUp) => {
    const [h, m] = time.split(":").map(Number);
    const quarters = h * 4 + m / 15;
    return roundUp ? Math.ceil(quarters) : Math.floor(quarters);
  };
  const timeOf = (slot) => `${pad(Math.floor(slot / 4) % 24)}:${pad((slot % 4) * 15)}`;
  const state = () => JSON.stringify(open);

  function load(windows) {
    open = DAYS.map(() => new Array(SLOTS).fill(false));
    for (const w of windows) {
      const start = slotOf(w.start, false);
      const end = slotOf(w.end, true);
      if (!w.ends_next_day) {
        for (let s = start; s < end; s++) open[w.weekday][s] = true;
      } else {
        for (let s = start; s < SLOTS; s++) open[w.weekday][s] = true;
        const next = (w.weekday + 1) % 7;
        for (let s = 0; s < end; s++) open[next][s] = true;
      }
    }
  }

  // The painted slots as windows: a run that reaches midnight and goes on at the top of the
  // next day is one night window of the day it starts (as long as it stays under 24 hours).
  function windows() {
    const runs = open.map((slots) => {
      const found = [];
      let start = null;
      slots.forEach((isOpen, s) => {
        if (isOpen && start === null) start = s;
        if (!isOpen && start !== null) {
          found.push([start, s]);
          start = null;
        }
      });
      if (start !== null) found.push([start, SLOTS]);
      return found;
    });
    const consumed = DAYS.map(() => false); // the next day's first run was carried over
    const merges = DAYS.map(() => null);
    runs.forEach((dayRuns, day) => {
      const last = dayRuns[dayRuns.length - 1];
      const next = (day + 1) % 7;
      const first = runs[next][0];
      if (last && last[1] === SLOTS && last[0] > 0 && first && first[0] === 0 && first[1] <= last[0] && !consumed[day]) {
        merges[day] = first[1];
        consumed[next] = true;
      }
    });
    const result = [];
    runs.forEach((dayRuns, day) => {
      dayRuns.forEach(([start, end], index) => {
        if (index === 0 && consumed[day]) return;
        const isLast = index === dayRuns.length - 1;
        if (isLast && merges[day] !== null) {
          result.push({ weekday: day, start: timeOf(start), end: timeOf(merges[day]), ends_next_day: true });
        } else if (end === SLOTS) {
          result.push({ weekday: day, start: timeOf(start), end: "00:00", ends_next_day: true });
        } else {
          result.push({ weekday: day, start: timeOf(start), end: timeOf(end), ends_next_day: false });
        }
      });
    });
    return result;
  }

  function carriedSlots(found) {
    const carried = DAYS.map(() => new Set());
    for (const w of found) {
      if (w.ends_next_day && w.end !== "00:00") {
        const next = (w.weekday + 1) % 7;
        for (let s = 0; s < slotOf(w.end, true); s++) carried[next].add(s);
      }
    }
    return carried;
  }

  function build() {
    grid.innerHTML = "";
    const corner = document.createElement("div");
    corner.className = "day-head";
    grid.appendChild(corner);
    DAYS.forEach((name, day) => {
      const head = document.createElement("div");
      head.className = "day-head";
      head.dataset.day = day;
      head.textContent = name;
      grid.appendChild(head);
    });
    const hours = document.createElement("div");
    hours.className = "hours";
    for (let h = 0; h < 24; h++) {
      const label = document.createElement("div");
      label.className = "hour-label";
      label.textContent = `${pad(h)}:00`;
      hours.appendChild(label);
    }
    grid.appendChild(hours);
    DAYS.forEach((name, day) => {
      const column = document.createElement("div");
      column.className = "day";
      column.dataset.day = day;
      for (let s = 0; s < SLOTS; s++) {
        const slot = document.createElement("div");
        slot.className = s % 4 === 0 ? "slot hour" : "slot";
        slot.dataset.day = day;
        slot.dataset.slot = s;
        slot.title = `${name} ${timeOf(s)}–${timeOf(s + 1)}`;
        column.appendChild(slot);
      }
      grid.appendChild(column);
    });
  }

  function render() {
    const found = windows();
    const carried = carriedSlots(found);
    grid.querySelectorAll(".slot").forEach((el) => {
      const day = Number(el.dataset.day);
      const s = Number(el.dataset.slot);
      el.classList.toggle("open", open[day][s]);
      el.classList.toggle("carried", open[day][s] && carried[day].has(s));
      el.classList.remove("preview-open", "preview-close");
    });
    const list = document.getElementById("window-list");
    list.innerHTML = "";
    if (!found.length) list.innerHTML = `<li>${gettext("No window: this schedule never opens.")}</li>`;
    for (const w of found) {
      const item = document.createElement("li");
      const night = w.ends_next_day && w.end !== "00:00";
      item.className = night ? "night" : "";
      const end = w.ends_next_day ? (w.end === "00:00" ? "24:00" : fill(gettext("%(end)s the next day"), { end: w.end })) : w.end;
      item.textContent = `${DAYS[w.weekday]} ${w.start}–${end}`;
      list.appendChild(item);
    }
    const dirty = state() !== savedState;
    root.dataset.dirty = dirty ? "true" : "false";
    if (saveButton) saveButton.disabled = !dirty;
  }

  function say(element, text, kind) {
    element.textContent = text;
    element.className = `editor-message ${kind}`;
    element.hidden = !text;
  }

  function slotAt(x, y) {
    const el = document.elementFromPoint(x, y);
    if (!el || !el.classList.contains("slot")) return null;
    return { day: Number(el.dataset.day), slot: Number(el.dataset.slot) };
  }

  function rectangle(a, b, apply) {
    const [d0, d1] = [Math.min(a.day, b.day), Math.max(a.day, b.day)];
    const [s0, s1] = [Math.min(a.slot, b.slot), Math.max(a.slot, b.slot)];
    for (let d = d0; d <= d1; d++) for (let s = s0; s <= s1; s++) apply(d, s);
  }

  function preview() {
    render();
    rectangle(drag.anchor, drag.current, (d, s) => {
      const el = grid.querySelector(`.slot[data-day="${d}"][data-slot="${s}"]`);
      el.classList.add(drag.opening ? "preview-open" : "preview-close");
    });
  }

  function enablePainting() {
    grid.addEventListener("pointerdown", (event) => {
      const at = slotAt(event.clientX, event.clientY);
      if (!at) return;
      event.preventDefault();
      grid.setPointerCapture(event.pointerId);
      drag = { anchor: at, current: at, opening: !open[at.day][at.slot] };
      preview();
    });
    grid.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const at = slotAt(event.clientX, event.clientY);
      if (at && (at.day !== drag.current.day || at.slot !== drag.current.slot)) {
        drag.current = at;
        preview();
      }
    });
    const finish = () => {
      if (!drag) return;
      rectangle(drag.anchor, drag.current, (d, s) => {
        open[d][s] = drag.opening;
      });
      drag = null;
      say(message, "", "ok");
      render();
    };
    grid.addEventListener("pointerup", finish);
    grid.addEventListener("pointercancel", () => {
      drag = null;
      render();
    });
  }

  function setUpCopy() {
    const from = document.getElementById("copy-from");
    const to = document.getElementById("copy-to");
    DAYS.forEach((name, day) => {
      from.add(new Option(name, day));
      const label = document.createElement("label");
      label.innerHTML = `<input type="checkbox" value="${day}"> ${name.slice(0, 3)}`;
      to.appendChild(label);
    });
    document.getElementById("copy-day").addEventListener("click", () => {
      // A day's windows are copied, a night window with the morning it runs into.
      const source = Number(from.value);
      let list = windows();
      const copied = list.filter((w) => w.weekday === source);
      to.querySelectorAll("input:checked").forEach((box) => {
        const target = Number(box.value);
        list = list.filter((w) => w.weekday !== target).concat(copied.map((w) => ({ ...w, weekday: target })));
        box.checked = false;
      });
      load(list);
      render();
    });
    document.getElementById("clear-week").addEventListener("click", () => {
      open = DAYS.map(() => new Array(SLOTS).fill(false));
      render();
    });
  }

  // A field's name as a person reads it ("ends_next_day" -> "Ends next day"); a window's
  // index as "Window 1" (errors used to read "0: end: ...").
  function fieldLabel(field) {
    if (/^\d+$/.test(field)) return fill(gettext("Window %(number)s"), { number: Number(field) + 1 });
    const words = field.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function messages(errors) {
    // DRF errors: a list of strings, or objects of lists per field, nested per window.
    if (typeof errors === "string") return [errors];
    if (Array.isArray(errors)) {
      return errors.flatMap((item, index) =>
        item && typeof item === "object" && !Array.isArray(item) && Object.keys(item).length
          ? messages(item).map((text) => `${fieldLabel(String(index))}: ${text}`)
          : messages(item),
      );
    }
    if (errors && typeof errors === "object") {
      return Object.entries(errors).flatMap(([field, value]) =>
        messages(value).map((text) => (["windows", "non_field_errors", "detail"].includes(field) ? text : `${fieldLabel(field)}: ${text}`)),
      );
    }
    return [];
  }

  async function send(url, method, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch (e) {
      payload = { detail: fill(gettext("The server answered %(status)s."), { status: response.status }) };
    }
    return { ok: response.ok, payload };
  }

  async function save() {
    root.dataset.state = "saving";
    saveButton.disabled = true;
    grid.querySelectorAll(".day-head").forEach((h) => h.classList.remove("has-error"));
    let result;
    try {
      result = await send(data.scheduleUrl, "PATCH", { windows: windows() });
    } catch (e) {
      result = { ok: false, payload: { detail: gettext("The server could not be reached; nothing was saved.") } };
    }
    if (result.ok) {
      load(result.payload.windows);
      savedState = state();
      root.dataset.state = "saved";
      say(message, gettext("Saved."), "ok");
    } else {
      root.dataset.state = "error";
      const texts = messages(result.payload);
      say(message, texts.join(" ") || gettext("The schedule could not be saved."), "error");
      DAYS.forEach((name, day) => {
        if (texts.some((t) => t.includes(name))) {
          grid.querySelector(`.day-head[data-day="${day}"]`).classList.add("has-error");
        }
      });
    }
    render();
  }

  // --- Holidays ------------------------------------------------------------------------
  function holidayWindows(text) {
    const cleaned = text.trim().toLowerCase();
    if (!cleaned || cleaned === "closed") return [];
    return cleaned.split(",").map((part) => {
      const [start, end] = part.split(/[-–]/).map((t) => t.trim());
      return { start, end, ends_next_day: Boolean(start && end && end <= start) };
    });
  }

  function renderHolidays() {
    const box = document.getElementById("holidays");
    if (!data.calendars.length) {
      box.innerHTML = `<p>${gettext("This schedule follows no holiday calendar (choose one on the schedule's page).")}</p>`;
      return;
    }
    const rows = data.holidays
      .slice()
      .sort((a, b) => a.date.localeCompare(b.date))
      .map((h) => {
        const calendar = data.calendars.find((c) => c.id === h.calendar);
        const hours = h.windows.length
          ? h.windows.map((w) => `${w.start.slice(0, 5)}–${w.end.slice(0, 5)}${w.ends_next_day ? gettext(" (next day)") : ""}`).join(", ")
          : gettext("closed");
        const calendarName = escapeHtml(calendar ? calendar.name : "");
        return `<tr data-date="${h.date}"><td>${h.date}</td><td>${escapeHtml(h.name)}</td><td>${hours}</td><td>${calendarName}</td></tr>`;
      });
    box.innerHTML = `<table class="holiday-table"><thead><tr><th>${gettext("Date")}</th><th>${gettext("Name")}</th><th>${gettext("Opening")}</th><th>${gettext("Calendar")}</th></tr></thead><tbody>${rows.join("") || `<tr><td colspan="4">${gettext("No dates yet.")}</td></tr>`}</tbody></table>`;
  }

  function escapeHtml(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function setUpHolidays() {
    renderHolidays();
    const form = document.getElementById("holiday-form");
    if (!data.canEditHolidays || !data.calendars.length) {
      form.hidden = true;
      return;
    }
    const calendar = document.getElementById("holiday-calendar");
    data.calendars.forEach((c) => calendar.add(new Option(c.name, c.id)));
    const note = document.getElementById("holiday-message");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        calendar: Number(calendar.value),
        date: document.getElementById("holiday-date").value,
        name: document.getElementById("holiday-name").value,
        windows: holidayWindows(document.getElementById("holiday-windows").value),
      };
      const result = await send(data.holidaysUrl, "POST", body);
      if (result.ok) {
        data.holidays.push(result.payload);
        renderHolidays();
        form.reset();
        say(note, `Added ${result.payload.date}.`, "ok");
      } else {
        say(note, messages(result.payload).join(" ") || gettext("The date could not be added."), "error");
      }
    });
  }

  build();
  load(data.windows);
  savedState = state();
  const offGrid = data.windows.filter((w) => [w.start, w.end].some((t) => Number(t.split(":")[1]) % 15 || Number(t.split(":")[2] || 0)));
  if (offGrid.length) {
    say(message, gettext("Some windows do not start or end on a quarter hour; the grid shows them widened to the quarter, and saving here would keep them so. Use the schedule's page for exact minutes."), "error");
  }
  if (data.canEdit) {
    enablePainting();
    setUpCopy();
    saveButton.addEventListener("click", save);
    window.addEventListener("beforeunload", (event) => {
      if (root.dataset.dirty === "true") event.preventDefault();
    });
  } else {
    root.classList.add("read-only");
    root.querySelectorAll("[data-edit-only]").forEach((el) => (el.hidden = true));
    root.querySelectorAll("[data-read-only]").forEach((el) => (el.hidden = false));
  }
  setUpHolidays();
  render();
  root.dataset.state = "ready";
})();
