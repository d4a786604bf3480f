// Small DOM and formatting helpers shared by the page modules. Everything from the API is put in
// the page as text (never as HTML).

/** el("a", {class: "x", href: "/", dataset: {id: 1}, text: "hi"}, child, ...) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return "—";
  let value = Number(n);
  const units = ["B", "KB", "MB", "GB", "TB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export const formatSpeed = (bytesPerSecond) => `${formatBytes(bytesPerSecond || 0)}/s`;

/** 0..1 -> "42 %" (floored, so "100 %" means done). */
export function formatPercent(fraction) {
  const value = Math.max(0, Math.min(1, Number(fraction) || 0));
  return `${Math.floor(value * 100 + 1e-9)} %`;
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits }) : "—";
}

export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

const LABELS = {
  no_media: "no media",
  in_progress: "in progress",
  retrying: "retrying",
};

/** A coloured status pill; its colour comes from the CSS class status-<value>. */
export function badge(value, label) {
  const text = label || LABELS[value] || String(value || "—");
  return el("span", { class: `badge status-${value || "none"}`, text });
}

/** A labelled <progress> (0..1) with the percentage beside it. */
export function progressBar(fraction, label = "Progress") {
  const value = Math.round(Math.max(0, Math.min(1, Number(fraction) || 0)) * 1000) / 10;
  return el(
    "span",
    { class: "progress-line" },
    el("progress", { max: "100", value: String(value), "aria-label": label }),
    el("span", { class: "progress-text", text: formatPercent(fraction) }),
  );
}

/** Show (or, with an empty message, hide) an alert box. */
export function showError(box, message) {
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

export function jobUrl(id) {
  const template = (document.body && document.body.dataset.jobUrl) || "/jobs/0/";
  return template.replace(/0\/?$/, `${id}/`);
}

export const ACTIVE_JOB_STATES = new Set(["queued", "running", "retrying"]);
export const BUSY_VIDEO_STATES = new Set(["pending", "ingesting"]);

/** Calls `task` now and again every `ms` while it returns true; one timer, no overlaps. */
export class Poller {
  constructor(task, ms = 2000) {
    this.task = task;
    this.ms = ms;
    this.timer = null;
    this.running = false;
    this.again = false;
  }

  async now() {
    if (this.running) {
      this.again = true; // run once more when the current call ends
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.running = true;
    let keepGoing = true;
    try {
      keepGoing = await this.task();
    } catch (err) {
      console.error(err);
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.now();
    } else if (keepGoing) {
      this.timer = setTimeout(() => this.now(), this.ms);
    }
  }
}
